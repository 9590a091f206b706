"""A naive boto3 loop: check, initiate, parts of the advertised partSize, complete, and no
handling of any error. botocore retries a 500 by sending the part again; when the part
had landed, that retry is refused with InvalidLayerPartException and the push ends
(tests/client_check.rs: the same finding as the AWS CLI loop, CLIENT-3)."""

import os

import boto3

ecr = boto3.client("ecr")
repo = os.environ["ECR_CONFORMANCE_REPOSITORY"]
digest = os.environ["ECR_CONFORMANCE_LAYER_DIGEST"]
with open(os.environ["ECR_CONFORMANCE_LAYER"], "rb") as f:
    data = f.read()
if ecr.batch_check_layer_availability(repositoryName=repo, layerDigests=[digest])["layers"]:
    raise SystemExit(0)
upload = ecr.initiate_layer_upload(repositoryName=repo)
for first in range(0, len(data), upload["partSize"]):
    part = data[first : first + upload["partSize"]]
    ecr.upload_layer_part(repositoryName=repo, uploadId=upload["uploadId"], partFirstByte=first,
                          partLastByte=first + len(part) - 1, layerPartBlob=part)
ecr.complete_layer_upload(repositoryName=repo, uploadId=upload["uploadId"], layerDigests=[digest])
