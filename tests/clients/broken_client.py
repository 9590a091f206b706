"""Deliberately broken layer pushers for tests/client_check.rs: one defect each, so that
each client rule is shown to catch the defect it is about.

Usage: broken_client.py DEFECT (run by client-check, which sets ECR_CONFORMANCE_* and
AWS_ENDPOINT_URL_ECR). A hand-rolled awsJson client (standard library only, unsigned:
the fake does not ask for signatures) whose baseline is careful: it checks first, sends
5 MiB parts, retries 5xx and ThrottlingException up to 3 attempts with growing waits,
resumes from lastValidByteReceived + 1 and takes LayerAlreadyExistsException as success.
DEFECT breaks one of those:

  tiny-parts          parts of 1 MiB                         (CLIENT-2)
  restarts            a 5xx starts the push over from byte 0  (CLIENT-3)
  off-by-one          resumes at lastValidByteReceived        (CLIENT-4)
  ignores-throttling  re-sends a throttled part at once, forever (CLIENT-5)
  exists-is-failure   no check first; LayerAlreadyExists fails (CLIENT-6)
  exit-zero           exits 0 even when it gave up            (CLIENT-7)
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

DEFECT = sys.argv[1]
assert DEFECT in ("tiny-parts", "restarts", "off-by-one", "ignores-throttling",
                  "exists-is-failure", "exit-zero", "garbage", "none"), DEFECT
MIB = 1024 * 1024
PART = MIB if DEFECT == "tiny-parts" else 5 * MIB
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
            if DEFECT == "ignores-throttling":
                continue
            if attempt < 3:
                time.sleep(0.1 * 2 ** attempt * (0.5 + random.random() / 2))
                continue
        elif status >= 500 and attempt < 3 and DEFECT != "restarts":
            time.sleep(0.05 * 2 ** attempt)
            continue
        raise Failed(status, error, answer)


def push(restarts=0):
    if DEFECT != "exists-is-failure":
        check = call("BatchCheckLayerAvailability", {"repositoryName": repo, "layerDigests": [digest]})
        if check["layers"]:
            return
    uid = call("InitiateLayerUpload", {"repositoryName": repo})["uploadId"]
    if DEFECT == "garbage" and restarts == 0:
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
                first = last_valid if DEFECT == "off-by-one" else last_valid + 1
            elif DEFECT == "restarts" and f.status >= 500 and restarts < 2:
                return push(restarts + 1)
            else:
                raise
    try:
        call("CompleteLayerUpload", {"repositoryName": repo, "uploadId": uid, "layerDigests": [digest]})
    except Failed as f:
        if f.error != "LayerAlreadyExistsException" or DEFECT == "exists-is-failure":
            raise


try:
    push()
except Failed as f:
    print(f"push failed: {f}", file=sys.stderr)
    sys.exit(0 if DEFECT == "exit-zero" else 1)
