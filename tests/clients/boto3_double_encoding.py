"""The spec's §6 trap, as a boto3 client falls into it: the layer's bytes are
base64-encoded by hand "because the API says the blob is base64", and botocore encodes
them again, so each part's blob is the base64 text of the bytes its range names.
Otherwise a plain push (tests/client_check.rs: CLIENT-1 catches it)."""

import base64
import os

import boto3

ecr = boto3.client("ecr")
repo = os.environ["ECR_CONFORMANCE_REPOSITORY"]
digest = os.environ["ECR_CONFORMANCE_LAYER_DIGEST"]
with open(os.environ["ECR_CONFORMANCE_LAYER"], "rb") as f:
    data = f.read()
uid = ecr.initiate_layer_upload(repositoryName=repo)["uploadId"]
first = 0
while first < len(data):
    part = data[first : first + 5 * 1024 * 1024]
    ecr.upload_layer_part(repositoryName=repo, uploadId=uid, partFirstByte=first,
                          partLastByte=first + len(part) - 1,
                          layerPartBlob=base64.b64encode(part))
    first += len(part)
ecr.complete_layer_upload(repositoryName=repo, uploadId=uid, layerDigests=[digest])
