#!/usr/bin/env bash
# Pushes $ECR_CONFORMANCE_LAYER into $ECR_CONFORMANCE_REPOSITORY with AWS CLI v1, as its
# reference pages show the calls: check, initiate, `upload-layer-part` in a loop over
# parts of the advertised partSize, complete; then `put-image` of $ECR_CONFORMANCE_MANIFEST
# with $ECR_CONFORMANCE_TAG (skipped under `--layer-only`, which gives no manifest).
# Endpoint, region and credentials come from the environment (AWS_ENDPOINT_URL_ECR,
# AWS_REGION, AWS_ACCESS_KEY_ID, …) as for any CLI call. Nothing but `set -e` handles
# errors: any error ends the push.
#   ecr-conformance client-check -- examples/clients/aws-cli-v1.sh
set -euo pipefail
aws=${ECR_CONFORMANCE_AWS:-aws}
repo=$ECR_CONFORMANCE_REPOSITORY layer=$ECR_CONFORMANCE_LAYER digest=$ECR_CONFORMANCE_LAYER_DIGEST
ecr() { "$aws" ecr --output text "$@"; }

available=$(ecr batch-check-layer-availability --repository-name "$repo" \
    --layer-digests "$digest" --query 'layers[0].layerAvailability')
if [ "$available" != AVAILABLE ]; then
  started=$(ecr initiate-layer-upload --repository-name "$repo" --query '[uploadId, partSize]')
  read -r upload part_size <<<"$started"
  parts=$(mktemp -d) && trap 'rm -rf "$parts"' EXIT
  split -b "$part_size" -d -a 4 "$layer" "$parts/part."
  first=0
  for part in "$parts"/part.*; do
    last=$((first + $(stat -c %s "$part") - 1))
    ecr upload-layer-part --repository-name "$repo" --upload-id "$upload" \
        --part-first-byte "$first" --part-last-byte "$last" --layer-part-blob "fileb://$part" >/dev/null
    first=$((last + 1))
  done
  ecr complete-layer-upload --repository-name "$repo" --upload-id "$upload" --layer-digests "$digest"
fi
[ -n "${ECR_CONFORMANCE_MANIFEST:-}" ] || exit 0
ecr put-image --repository-name "$repo" --image-tag "$ECR_CONFORMANCE_TAG" \
    --image-manifest "file://$ECR_CONFORMANCE_MANIFEST" --query 'image.imageId.imageDigest'
