#!/usr/bin/env python3
"""Pushes $ECR_CONFORMANCE_LAYER into $ECR_CONFORMANCE_REPOSITORY with boto3 (its default
retry settings) as spec §6 says a client must: check first, upload parts of the
advertised partSize, resume from lastValidByteReceived + 1 after
InvalidLayerPartException (an SDK retry of a part that had landed), take
LayerAlreadyExistsException as success, then put the manifest it is given, byte for byte,
taking ImageAlreadyExistsException (that image and tag already there) as success.
Endpoint, region and credentials come from the environment (AWS_ENDPOINT_URL_ECR,
AWS_REGION, AWS_ACCESS_KEY_ID, ...).

    ecr-conformance client-check -- python3 examples/clients/boto3_push.py
"""

import os

import boto3

ecr = boto3.client("ecr")
repo = os.environ["ECR_CONFORMANCE_REPOSITORY"]
digest = os.environ["ECR_CONFORMANCE_LAYER_DIGEST"]
with open(os.environ["ECR_CONFORMANCE_LAYER"], "rb") as f:
    data = f.read()


def push_layer():
    if ecr.batch_check_layer_availability(repositoryName=repo, layerDigests=[digest])["layers"]:
        return
    upload = ecr.initiate_layer_upload(repositoryName=repo)
    uid, size = upload["uploadId"], upload["partSize"]
    first, resumed = 0, 0
    while first < len(data):
        part = data[first : first + size]
        try:
            ecr.upload_layer_part(repositoryName=repo, uploadId=uid, partFirstByte=first,
                                  partLastByte=first + len(part) - 1, layerPartBlob=part)
            first += len(part)
        except ecr.exceptions.InvalidLayerPartException as e:
            resumed += 1
            if resumed > 3:
                raise
            first = e.response.get("lastValidByteReceived", -1) + 1
    try:
        ecr.complete_layer_upload(repositoryName=repo, uploadId=uid, layerDigests=[digest])
    except ecr.exceptions.LayerAlreadyExistsException:
        pass


push_layer()
if "ECR_CONFORMANCE_MANIFEST" in os.environ:  # absent under --layer-only
    with open(os.environ["ECR_CONFORMANCE_MANIFEST"], "rb") as f:
        manifest = f.read().decode()  # the bytes as they are: the digest is of them
    try:
        ecr.put_image(repositoryName=repo, imageManifest=manifest,
                      imageTag=os.environ["ECR_CONFORMANCE_TAG"])
    except ecr.exceptions.ImageAlreadyExistsException:
        pass
