#!/usr/bin/env python3
"""Pushes $ECR_CONFORMANCE_LAYER into $ECR_CONFORMANCE_REPOSITORY with capo-ecr, an ECR SDK
generated from the Smithy models on its own HTTP stack (zapros, not botocore), with its
default retry settings (3 attempts), the way boto3_push.py does with boto3: check first,
upload parts of the advertised partSize, resume from lastValidByteReceived + 1 after
InvalidLayerPartException, take LayerAlreadyExistsException as success, then put the
manifest it is given, byte for byte, taking ImageAlreadyExistsException as success.
Endpoint, region and credentials come from the environment (AWS_ENDPOINT_URL_ECR,
AWS_REGION, AWS_ACCESS_KEY_ID, ...), which capo-ecr reads as botocore does.

    ecr-conformance client-check -- python3 examples/clients/capo_push.py
"""

import os

from capo_ecr import ECRClient
from capo_ecr.errors.image_already_exists_exception import ImageAlreadyExistsException
from capo_ecr.errors.invalid_layer_part_exception import InvalidLayerPartException
from capo_ecr.errors.layer_already_exists_exception import LayerAlreadyExistsException

ecr = ECRClient()
repo = os.environ["ECR_CONFORMANCE_REPOSITORY"]
digest = os.environ["ECR_CONFORMANCE_LAYER_DIGEST"]
with open(os.environ["ECR_CONFORMANCE_LAYER"], "rb") as f:
    data = f.read()


def push_layer():
    if ecr.batch_check_layer_availability(repo, [digest]).get("layers"):
        return
    upload = ecr.initiate_layer_upload(repo)
    uid, size = upload["upload_id"], upload["part_size"]
    first, resumed = 0, 0
    while first < len(data):
        part = data[first : first + size]
        try:
            ecr.upload_layer_part(repo, uid, first, first + len(part) - 1, part)
            first += len(part)
        except InvalidLayerPartException as e:
            resumed += 1
            if resumed > 3:
                raise
            first = e.data.get("last_valid_byte_received", -1) + 1
    try:
        ecr.complete_layer_upload(repo, uid, [digest])
    except LayerAlreadyExistsException:
        pass


push_layer()
if "ECR_CONFORMANCE_MANIFEST" in os.environ:  # absent under --layer-only
    with open(os.environ["ECR_CONFORMANCE_MANIFEST"], "rb") as f:
        manifest = f.read().decode()  # the bytes as they are: the digest is of them
    try:
        ecr.put_image(repo, manifest, image_tag=os.environ["ECR_CONFORMANCE_TAG"])
    except ImageAlreadyExistsException:
        pass
