#!/usr/bin/env bash
# Pushes the OCI image layout $ECR_CONFORMANCE_OCI_LAYOUT to $ECR_CONFORMANCE_REFERENCE
# with skopeo over plain HTTP and HTTP Basic ($ECR_CONFORMANCE_REGISTRY_USER and
# $ECR_CONFORMANCE_REGISTRY_PASSWORD); when $ECR_CONFORMANCE_DIRECTION is `pull`, copies
# the reference into that layout directory instead. --preserve-digests keeps the layers
# as they are both ways (skopeo would otherwise compress uncompressed layers on the way).
# SKOPEO names the binary (default: skopeo on PATH).
#   ecr-conformance client-check --door registry -- examples/clients/skopeo.sh
set -euo pipefail
skopeo=${SKOPEO:-skopeo}
creds="$ECR_CONFORMANCE_REGISTRY_USER:$ECR_CONFORMANCE_REGISTRY_PASSWORD"
layout="oci:$ECR_CONFORMANCE_OCI_LAYOUT:$ECR_CONFORMANCE_TAG"
remote="docker://$ECR_CONFORMANCE_REFERENCE"
if [ "${ECR_CONFORMANCE_DIRECTION:-push}" = pull ]; then
  exec "$skopeo" --insecure-policy copy --src-tls-verify=false --preserve-digests \
    --src-creds "$creds" \
    "$remote" "$layout"
fi
exec "$skopeo" --insecure-policy copy --dest-tls-verify=false --preserve-digests \
  --dest-creds "$creds" "$layout" "$remote"
