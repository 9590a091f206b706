"""boto3 against the fake: a full push, every modeled error as its typed exception, and a
client that resumes after a part landed behind a 500.

Usage: boto3_client.py ENDPOINT CHECK
CHECK is one of: push, errors, resume, signed (against a fake started with
--require-sigv4 for AKIDEXAMPLE / interop-test-secret / session token interop-token). Prints one JSON object of findings and exits 0
when every assertion held; any failed assertion exits non-zero with its message.
"""

import base64
import hashlib
import json
import sys

import boto3
import botocore.config
import botocore.exceptions

MIB = 1024 * 1024


def client(endpoint, retries=1, key="AKIDEXAMPLE", secret="interop-test-secret", token=None):
    return boto3.client(
        "ecr",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id=key,
        aws_secret_access_key=secret,
        aws_session_token=token,
        config=botocore.config.Config(
            retries={"mode": "standard", "total_max_attempts": retries}
        ),
    )


def layer(n, seed):
    # Deterministic bytes; distinct per seed.
    block = hashlib.sha256(str(seed).encode()).digest()
    return (block * (n // len(block) + 1))[:n]


def digest(data):
    return "sha256:" + hashlib.sha256(data).hexdigest()


def push(ecr, repo, data, part_size):
    up = ecr.initiate_layer_upload(repositoryName=repo)
    uid = up["uploadId"]
    first = 0
    while first < len(data):
        part = data[first : first + part_size]
        last = first + len(part) - 1
        out = ecr.upload_layer_part(
            repositoryName=repo,
            uploadId=uid,
            partFirstByte=first,
            partLastByte=last,
            layerPartBlob=part,
        )
        assert out["lastByteReceived"] == last, out
        assert out["uploadId"] == uid and out["repositoryName"] == repo, out
        assert out["registryId"] == "012345678910", out
        first = last + 1
    done = ecr.complete_layer_upload(repositoryName=repo, uploadId=uid, layerDigests=[digest(data)])
    assert done["layerDigest"] == digest(data), done
    return uid, done


def check_push(endpoint):
    ecr = client(endpoint)
    made = ecr.create_repository(repositoryName="boto3-push")
    assert made["repository"]["repositoryName"] == "boto3-push", made
    data = layer(5 * MIB + 12345, 1)
    up = ecr.initiate_layer_upload(repositoryName="boto3-push")
    assert 5 * MIB <= up["partSize"] <= 20 * MIB, up
    _, done = push(ecr, "boto3-push", data, 5 * MIB)
    avail = ecr.batch_check_layer_availability(
        repositoryName="boto3-push", layerDigests=[digest(data), digest(b"absent")]
    )
    assert avail["layers"] == [
        {"layerDigest": digest(data), "layerAvailability": "AVAILABLE", "layerSize": len(data)}
    ], avail
    assert avail["failures"][0]["failureCode"] == "MissingLayerDigest", avail
    return {"layerDigest": done["layerDigest"], "size": len(data)}


def expect(exc_type, call, **members):
    try:
        call()
    except exc_type as e:
        err = e.response["Error"]
        for key, want in members.items():
            got = e.response.get(key, "<absent>")
            assert got == want, f"{exc_type.__name__}.{key}: {got!r} != {want!r}"
        return err["Code"], e.response
    raise AssertionError(f"expected {exc_type.__name__}")


def check_errors(endpoint):
    ecr = client(endpoint)
    x = ecr.exceptions
    seen = {}

    def record(name, call, **members):
        code, response = expect(getattr(x, name), call, **members)
        assert code == name, (code, name)
        seen[name] = {k: v for k, v in response.items() if k not in ("ResponseMetadata", "Error")}

    ecr.create_repository(repositoryName="errs")
    record("RepositoryAlreadyExistsException", lambda: ecr.create_repository(repositoryName="errs"))
    record("InvalidParameterException", lambda: ecr.initiate_layer_upload(repositoryName="Not-Lower"))
    record("RepositoryNotFoundException", lambda: ecr.initiate_layer_upload(repositoryName="nope"))
    record(
        "UploadNotFoundException",
        lambda: ecr.upload_layer_part(
            repositoryName="errs",
            uploadId="00000000-0000-0000-0000-000000000000",
            partFirstByte=0,
            partLastByte=0,
            layerPartBlob=b"x",
        ),
    )
    uid = ecr.initiate_layer_upload(repositoryName="errs")["uploadId"]
    record("EmptyUploadException", lambda: ecr.complete_layer_upload(repositoryName="errs", uploadId=uid, layerDigests=[digest(b"")]))
    # Nothing accepted yet: lastValidByteReceived is absent (PART-5).
    record(
        "InvalidLayerPartException",
        lambda: ecr.upload_layer_part(repositoryName="errs", uploadId=uid, partFirstByte=5, partLastByte=5, layerPartBlob=b"x"),
        registryId="012345678910",
        repositoryName="errs",
        uploadId=uid,
        lastValidByteReceived="<absent>",
    )
    small = layer(5 * MIB - 1, 2)
    ecr.upload_layer_part(repositoryName="errs", uploadId=uid, partFirstByte=0, partLastByte=len(small) - 1, layerPartBlob=small)
    ecr.upload_layer_part(repositoryName="errs", uploadId=uid, partFirstByte=len(small), partLastByte=len(small), layerPartBlob=b"y")
    # A re-send of the last part: parts are not idempotent (PART-3).
    record(
        "InvalidLayerPartException",
        lambda: ecr.upload_layer_part(repositoryName="errs", uploadId=uid, partFirstByte=len(small), partLastByte=len(small), layerPartBlob=b"y"),
        lastValidByteReceived=len(small),
    )
    whole = small + b"y"
    record("LayerPartTooSmallException", lambda: ecr.complete_layer_upload(repositoryName="errs", uploadId=uid, layerDigests=[digest(whole)]))
    uid2 = ecr.initiate_layer_upload(repositoryName="errs")["uploadId"]
    ecr.upload_layer_part(repositoryName="errs", uploadId=uid2, partFirstByte=0, partLastByte=2, layerPartBlob=b"abc")
    record("InvalidLayerException", lambda: ecr.complete_layer_upload(repositoryName="errs", uploadId=uid2, layerDigests=[digest(b"abd")]))
    ecr.complete_layer_upload(repositoryName="errs", uploadId=uid2, layerDigests=[digest(b"abc")])
    uid3 = ecr.initiate_layer_upload(repositoryName="errs")["uploadId"]
    ecr.upload_layer_part(repositoryName="errs", uploadId=uid3, partFirstByte=0, partLastByte=2, layerPartBlob=b"abc")
    record("LayerAlreadyExistsException", lambda: ecr.complete_layer_upload(repositoryName="errs", uploadId=uid3, layerDigests=[digest(b"abc")]))
    record("RepositoryNotEmptyException", lambda: ecr.delete_repository(repositoryName="errs"))
    # A finished upload is gone (DONE-6 → PART-1).
    record(
        "UploadNotFoundException",
        lambda: ecr.upload_layer_part(repositoryName="errs", uploadId=uid2, partFirstByte=3, partLastByte=3, layerPartBlob=b"z"),
    )
    ecr.delete_repository(repositoryName="errs", force=True)
    return seen


def check_resume(endpoint):
    """Part 2 lands but its answer is a 500: the client's retry is refused as a re-send,
    and it resumes from lastValidByteReceived + 1."""
    ecr = client(endpoint, retries=3)
    ecr.create_repository(repositoryName="resume")
    data = layer(3 * 5 * MIB + 777, 3)
    uid = ecr.initiate_layer_upload(repositoryName="resume")["uploadId"]
    first, resumed = 0, []
    while first < len(data):
        part = data[first : first + 5 * MIB]
        last = first + len(part) - 1
        try:
            ecr.upload_layer_part(repositoryName="resume", uploadId=uid, partFirstByte=first, partLastByte=last, layerPartBlob=part)
            first = last + 1
        except ecr.exceptions.InvalidLayerPartException as e:
            lvb = e.response["lastValidByteReceived"]
            resumed.append({"sent": first, "lastValidByteReceived": lvb})
            first = lvb + 1
    done = ecr.complete_layer_upload(repositoryName="resume", uploadId=uid, layerDigests=[digest(data)])
    assert done["layerDigest"] == digest(data), done
    assert resumed, "the injected fault never made the client resume"
    return {"resumed": resumed, "layerDigest": done["layerDigest"]}


def check_signed(endpoint):
    """botocore's signatures are accepted; a wrong secret, key or token is refused with
    the error AWS gives, and nothing of the refused calls is applied."""
    ecr = client(endpoint, token="interop-token")
    ecr.create_repository(repositoryName="signed")
    data = layer(5 * MIB + 1, 4)
    _, done = push(ecr, "signed", data, 5 * MIB)
    refused = {}
    for label, bad in {
        "wrong secret": client(endpoint, secret="not-the-secret", token="interop-token"),
        "unknown key": client(endpoint, key="AKIDUNKNOWN", token="interop-token"),
        "no token": client(endpoint),
    }.items():
        try:
            bad.create_repository(repositoryName="refused-" + label.replace(" ", "-"))
            raise AssertionError(f"{label}: accepted")
        except botocore.exceptions.ClientError as e:
            refused[label] = [e.response["ResponseMetadata"]["HTTPStatusCode"], e.response["Error"]["Code"]]
    return {"layerDigest": done["layerDigest"], "size": len(data), "refused": refused}


if __name__ == "__main__":
    endpoint, check = sys.argv[1], sys.argv[2]
    result = {
        "push": check_push,
        "errors": check_errors,
        "resume": check_resume,
        "signed": check_signed,
    }[check](endpoint)
    print(json.dumps(result, sort_keys=True))
