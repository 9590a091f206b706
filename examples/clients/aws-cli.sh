#!/usr/bin/env bash
# Pushes $ECR_CONFORMANCE_LAYER into $ECR_CONFORMANCE_REPOSITORY with the AWS CLI, as its
# reference pages show the calls: check, initiate, `upload-layer-part` in a loop over
# parts of the advertised partSize, complete; then `put-image` of $ECR_CONFORMANCE_MANIFEST
# with $ECR_CONFORMANCE_TAG (skipped under `--layer-only`, which gives no manifest).
# Region and credentials come from the environment (AWS_REGION, AWS_ACCESS_KEY_ID, …) as
# for any CLI call; the endpoint goes as --endpoint-url, because AWS CLI v2 before 2.13
# does not read AWS_ENDPOINT_URL_ECR. Nothing but `set -e` handles errors: any error ends
# the push.
#
# The same loop runs AWS CLI v1 and v2 (ECR_CONFORMANCE_AWS names the binary). They read
# a blob argument differently: `fileb://` is the file's bytes in both; v2 takes a value,
# and a `file://` file's text, as base64 (cli_binary_format=base64), so `file://` of a
# binary layer fails there before anything is sent. ECR_CONFORMANCE_BLOB_SCHEME=file shows it.
#   ecr-conformance client-check -- examples/clients/aws-cli.sh
set -euo pipefail
aws=${ECR_CONFORMANCE_AWS:-aws}
scheme=${ECR_CONFORMANCE_BLOB_SCHEME:-fileb}
repo=$ECR_CONFORMANCE_REPOSITORY layer=$ECR_CONFORMANCE_LAYER digest=$ECR_CONFORMANCE_LAYER_DIGEST
ecr() { "$aws" ecr --endpoint-url "$AWS_ENDPOINT_URL_ECR" --output text "$@"; }

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
        --part-first-byte "$first" --part-last-byte "$last" --layer-part-blob "$scheme://$part" >/dev/null
    first=$((last + 1))
  done
  ecr complete-layer-upload --repository-name "$repo" --upload-id "$upload" --layer-digests "$digest"
fi
[ -n "${ECR_CONFORMANCE_MANIFEST:-}" ] || exit 0
ecr put-image --repository-name "$repo" --image-tag "$ECR_CONFORMANCE_TAG" \
    --image-manifest "file://$ECR_CONFORMANCE_MANIFEST" --query 'image.imageId.imageDigest'
