"""Deliberately broken image pushers for tests/client_check.rs: one defect each (or several,
comma-separated), so that each client rule is shown to catch the defect it is about.

Usage: broken_client.py DEFECT[,DEFECT...] (run by client-check, which sets ECR_CONFORMANCE_* and
AWS_ENDPOINT_URL_ECR). A hand-rolled awsJson client (standard library only, unsigned:
the fake does not ask for signatures) whose baseline is careful: it checks first, sends
5 MiB parts, retries 5xx and ThrottlingException up to 3 attempts with growing waits,
resumes from lastValidByteReceived + 1 and takes LayerAlreadyExistsException as success;
then it puts $ECR_CONFORMANCE_MANIFEST byte for byte with $ECR_CONFORMANCE_TAG, taking
ImageAlreadyExistsException as success (with --layer-only no manifest is given, and it
stops after the layer). DEFECT breaks one of those:

  tiny-parts          parts of 1 MiB                         (CLIENT-2)
  restarts            a 5xx starts the push over from byte 0  (CLIENT-3)
  off-by-one          resumes at lastValidByteReceived        (CLIENT-4)
  ignores-throttling  re-sends a throttled part at once, forever (CLIENT-5)
  exists-is-failure   no check first; LayerAlreadyExists fails (CLIENT-6)
  exit-zero           exits 0 even when it gave up            (CLIENT-7; CLIENT-8 after a
                      refused PutImage)
  reserializes        sends json.dumps(json.load(manifest)), not the file's bytes (CLIENT-8)
  image-exists-is-failure
                      ImageAlreadyExistsException fails the push (CLIENT-8)
  no-image            never puts the image                   (CLIENT-8)
  garbage             first sends parts at absurd positions, a body that is not JSON and
                      an unknown operation, then pushes well (CLIENT-1: a blob that does
                      not fit its range)
  none                no defect
"""

import base64
import http.client
import json
import os
import random
import sys
import time
import urllib.parse

DEFECTS = set(sys.argv[1].split(","))
KNOWN = {"tiny-parts", "restarts", "off-by-one", "ignores-throttling", "exists-is-failure",
         "exit-zero", "garbage", "reserializes", "image-exists-is-failure", "no-image", "none"}
assert DEFECTS <= KNOWN, DEFECTS - KNOWN
MIB = 1024 * 1024
PART = MIB if "tiny-parts" in DEFECTS else 5 * MIB
TARGET = "AmazonEC2ContainerRegistry_V20150921."

endpoint = urllib.parse.urlparse(os.environ["AWS_ENDPOINT_URL_ECR"])
repo = os.environ["ECR_CONFORMANCE_REPOSITORY"]
digest = os.environ["ECR_CONFORMANCE_LAYER_DIGEST"]
with open(os.environ["ECR_CONFORMANCE_LAYER"], "rb") as f:
    data = f.read()
conn = http.client.HTTPConnection(endpoint.hostname, endpoint.port, timeout=60)


class Failed(Exception):
    def __init__(self, status, error, answer):
        super().__init__(f"{status} {error}")
        self.status, self.error, self.answer = status, error, answer


def send(op, payload):
    conn.request("POST", "/", payload, {
        "Content-Type": "application/x-amz-json-1.1", "X-Amz-Target": TARGET + op})
    r = conn.getresponse()
    answer = json.loads(r.read() or b"{}")
    error = answer.get("__type", "").split("#")[-1].split(":")[0] if r.status != 200 else None
    return r.status, error, answer


def call(op, body):
    payload = json.dumps(body).encode()
    attempt = 0
    while True:
        status, error, answer = send(op, payload)
        attempt += 1
        if status == 200:
            return answer
        if error == "ThrottlingException":
            if "ignores-throttling" in DEFECTS:
                continue
            if attempt < 3:
                time.sleep(0.1 * 2 ** attempt * (0.5 + random.random() / 2))
                continue
        elif status >= 500 and attempt < 3 and "restarts" not in DEFECTS:
            time.sleep(0.05 * 2 ** attempt)
            continue
        raise Failed(status, error, answer)


def push(restarts=0):
    if "exists-is-failure" not in DEFECTS:
        check = call("BatchCheckLayerAvailability", {"repositoryName": repo, "layerDigests": [digest]})
        if check["layers"]:
            return
    uid = call("InitiateLayerUpload", {"repositoryName": repo})["uploadId"]
    if "garbage" in DEFECTS and restarts == 0:
        top = 2 ** 63 - 1
        for first, last in ((-5, 0), (top, top), (0, top), (top, -top - 1)):
            send("UploadLayerPart", json.dumps({
                "repositoryName": repo, "uploadId": uid, "partFirstByte": first,
                "partLastByte": last, "layerPartBlob": "eA=="}).encode())
        send("UploadLayerPart", b"{not json")
        send("NoSuchOperation", b"{}")
    first, resumed = 0, 0
    while first < len(data):
        part = data[first : first + PART]
        try:
            call("UploadLayerPart", {
                "repositoryName": repo, "uploadId": uid, "partFirstByte": first,
                "partLastByte": first + len(part) - 1,
                "layerPartBlob": base64.b64encode(part).decode()})
            first += len(part)
        except Failed as f:
            if f.error == "InvalidLayerPartException" and resumed < 3:
                resumed += 1
                last_valid = f.answer.get("lastValidByteReceived", -1)
                first = last_valid if "off-by-one" in DEFECTS else last_valid + 1
            elif "restarts" in DEFECTS and f.status >= 500 and restarts < 2:
                return push(restarts + 1)
            else:
                raise
    try:
        call("CompleteLayerUpload", {"repositoryName": repo, "uploadId": uid, "layerDigests": [digest]})
    except Failed as f:
        if f.error != "LayerAlreadyExistsException" or "exists-is-failure" in DEFECTS:
            raise


def put_image():
    path = os.environ.get("ECR_CONFORMANCE_MANIFEST")
    if path is None or "no-image" in DEFECTS:
        return
    with open(path, "rb") as f:
        manifest = f.read().decode()
    if "reserializes" in DEFECTS:
        manifest = json.dumps(json.loads(manifest))
    try:
        call("PutImage", {"repositoryName": repo, "imageManifest": manifest,
                          "imageTag": os.environ["ECR_CONFORMANCE_TAG"]})
    except Failed as f:
        if f.error != "ImageAlreadyExistsException" or "image-exists-is-failure" in DEFECTS:
            raise


try:
    push()
    put_image()
except Failed as f:
    print(f"push failed: {f}", file=sys.stderr)
    sys.exit(0 if "exit-zero" in DEFECTS else 1)
