#!/usr/bin/env bash
# The loop of examples/clients/aws-cli-v1.sh for AWS CLI v2 (Debian's awscli 2.9.19). Two
# things differ from v1:
# - v2 before 2.13 does not read AWS_ENDPOINT_URL_ECR, so the endpoint goes as
#   --endpoint-url;
# - v2 takes a blob argument as base64 text (cli_binary_format=base64): `fileb://` sends the
#   file's bytes (right), `file://` reads the file as text and sends that text as if it were
#   base64 (wrong bytes, or an "Invalid base64" error before anything is sent).
#   ECR_CONFORMANCE_BLOB_SCHEME=file shows it.
#   ecr-conformance client-check -- examples/clients/aws-cli-v2.sh
set -euo pipefail
aws=${ECR_CONFORMANCE_AWS_V2:-aws}
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
