#!/usr/bin/env python3
"""A registry client written for client-check's tests, from the OCI distribution spec and
the environment client-check gives (stdlib only). It pushes the OCI image layout
$ECR_CONFORMANCE_OCI_LAYOUT to $ECR_CONFORMANCE_REFERENCE, or pulls it when
$ECR_CONFORMANCE_DIRECTION is `pull`.

Done right, it: takes 201 or 202 for a chunk; counts the bytes it sent itself; resumes after
a 416 from the upload's status (GET); retries a 5xx or 429 (at most 5 attempts, backing
off); gives up with exit 1 on anything else; follows a blob GET's redirect without the
registry's Authorization.

REGISTRY_CLIENT_MODE: chunked (Content-Range chunks of REGISTRY_CLIENT_CHUNK bytes, default
8 MiB), streamed (one PATCH without Content-Range), monolithic (POST, then one PUT with the
blob). REGISTRY_CLIENT_DEFECTS, a comma list, breaks it on purpose:
  needs-202         a chunk answered anything but 202 is a failure
  trusts-range      the next chunk starts one past the Range answered
  small-chunks      chunks of 1 MiB
  forwards-auth     sends Authorization to the redirect's storage URL
  needs-location    a manifest PUT answered without Location is a failure
  restarts-at-zero  after a refused chunk, sends the upload again from byte 0
  exits-0           exits 0 whatever happened
  retries-forever   retries a refused call up to 40 times, without backing off
"""
import base64
import hashlib
import http.client
import json
import os
import sys
import time
import urllib.parse

DEFECTS = set(filter(None, os.environ.get("REGISTRY_CLIENT_DEFECTS", "").split(",")))
MODE = os.environ.get("REGISTRY_CLIENT_MODE", "chunked")
CHUNK = 1024 * 1024 if "small-chunks" in DEFECTS else int(
    os.environ.get("REGISTRY_CLIENT_CHUNK", str(8 * 1024 * 1024)))
HOST = os.environ["ECR_CONFORMANCE_REGISTRY"]
REF = os.environ["ECR_CONFORMANCE_REFERENCE"]
LAYOUT = os.environ["ECR_CONFORMANCE_OCI_LAYOUT"]
AUTH = "Basic " + base64.b64encode(
    (os.environ["ECR_CONFORMANCE_REGISTRY_USER"] + ":" +
     os.environ["ECR_CONFORMANCE_REGISTRY_PASSWORD"]).encode()).decode()
ATTEMPTS = 40 if "retries-forever" in DEFECTS else 5


class Failed(Exception):
    pass


def request(method, url, body=b"", headers=None, auth=True):
    """One request; (status, headers as a lower-case dict, body)."""
    parts = urllib.parse.urlsplit(url if "://" in url else "http://" + HOST + url)
    conn = http.client.HTTPConnection(parts.netloc, timeout=60)
    path = parts.path + ("?" + parts.query if parts.query else "")
    h = dict(headers or {})
    if auth:
        h["Authorization"] = AUTH
    conn.request(method, path, body=body, headers=h)
    r = conn.getresponse()
    data = r.read()
    conn.close()
    return r.status, {k.lower(): v for k, v in r.getheaders()}, data


def call(method, url, body=b"", headers=None, ok=(200, 201, 202, 204)):
    """A request retried on 5xx and 429; Failed on any other refusal."""
    for attempt in range(ATTEMPTS):
        status, h, data = request(method, url, body, headers)
        if status in ok:
            return status, h, data
        if status >= 500 or status == 429:
            time.sleep(0 if "retries-forever" in DEFECTS else 0.05 * 2 ** attempt)
            continue
        raise Failed(f"{method} {url}: {status} {data[:200]!r}")
    raise Failed(f"{method} {url}: gave up after {ATTEMPTS} attempts")


def upload_blob(name, digest, path):
    status, h, _ = request("HEAD", f"/v2/{name}/blobs/{digest}")
    if status == 200:
        return
    data = open(path, "rb").read()
    _, h, _ = call("POST", f"/v2/{name}/blobs/uploads/")
    location = h["location"]
    if MODE == "monolithic":
        call("PUT", with_digest(location, digest), data,
             {"Content-Type": "application/octet-stream"})
        return
    if MODE == "streamed":
        _, h, _ = call("PATCH", location, data, {"Content-Type": "application/octet-stream"})
        call("PUT", with_digest(h.get("location", location), digest))
        return
    sent = 0
    resumed = 0
    while sent < len(data):
        chunk = data[sent:sent + CHUNK]
        headers = {"Content-Type": "application/octet-stream",
                   "Content-Range": f"{sent}-{sent + len(chunk) - 1}"}
        status, h, body = request("PATCH", location, chunk, headers)
        if status in (201, 202) and not ("needs-202" in DEFECTS and status != 202):
            location = h.get("location", location)
            if "trusts-range" in DEFECTS and "range" in h:
                sent = int(h["range"].split("-")[1]) + 1
            else:
                sent += len(chunk)
            continue
        if status in (201, 202):
            raise Failed(f"PATCH answered {status}, not 202")
        if "restarts-at-zero" in DEFECTS:
            sent = 0
            continue
        if (status == 416 or status >= 500 or status == 429) and resumed < ATTEMPTS:
            # Where does the upload stand? Resume there ("0-0" is also an empty upload).
            resumed += 1
            time.sleep(0.05 * 2 ** resumed)
            st, sh, _ = call("GET", location)
            held = sh.get("range", "0-0")
            sent = 0 if held == "0-0" else int(held.split("-")[1]) + 1
            continue
        raise Failed(f"PATCH: {status} {body[:200]!r}")
    call("PUT", with_digest(location, digest))


def with_digest(location, digest):
    return location + ("&" if "?" in location else "?") + "digest=" + urllib.parse.quote(digest)


def blob_path(digest):
    return os.path.join(LAYOUT, "blobs", digest.split(":")[0], digest.split(":")[1])


def push(name, tag):
    index = json.load(open(os.path.join(LAYOUT, "index.json")))
    desc = index["manifests"][0]
    manifest = open(blob_path(desc["digest"]), "rb").read()
    m = json.loads(manifest)
    for d in m["layers"] + [m["config"]]:
        upload_blob(name, d["digest"], blob_path(d["digest"]))
    status, h, _ = call("PUT", f"/v2/{name}/manifests/{tag}", manifest,
                        {"Content-Type": desc["mediaType"]})
    if "needs-location" in DEFECTS and "location" not in h:
        raise Failed("manifest PUT answered without Location")


def fetch_blob(name, digest):
    status, h, data = request("GET", f"/v2/{name}/blobs/{digest}")
    if status in (301, 302, 303, 307, 308):
        status, h, data = request("GET", h["location"], auth="forwards-auth" in DEFECTS)
    if status != 200:
        raise Failed(f"blob {digest}: {status} {data[:200]!r}")
    if "sha256:" + hashlib.sha256(data).hexdigest() != digest:
        raise Failed(f"blob {digest}: the bytes do not have that digest")
    os.makedirs(os.path.dirname(blob_path(digest)), exist_ok=True)
    open(blob_path(digest), "wb").write(data)


def pull(name, tag):
    accept = "application/vnd.oci.image.manifest.v1+json"
    _, h, manifest = call("GET", f"/v2/{name}/manifests/{tag}", headers={"Accept": accept})
    digest = "sha256:" + hashlib.sha256(manifest).hexdigest()
    m = json.loads(manifest)
    for d in m["layers"] + [m["config"]]:
        fetch_blob(name, d["digest"])
    os.makedirs(os.path.dirname(blob_path(digest)), exist_ok=True)
    open(blob_path(digest), "wb").write(manifest)
    json.dump({"schemaVersion": 2, "manifests": [
        {"mediaType": accept, "digest": digest, "size": len(manifest),
         "annotations": {"org.opencontainers.image.ref.name": tag}}]},
        open(os.path.join(LAYOUT, "index.json"), "w"))
    open(os.path.join(LAYOUT, "oci-layout"), "w").write('{"imageLayoutVersion":"1.0.0"}')


def main():
    rest = REF[len(HOST) + 1:]
    name, tag = rest.rsplit(":", 1)
    try:
        if os.environ.get("ECR_CONFORMANCE_DIRECTION") == "pull":
            pull(name, tag)
        else:
            push(name, tag)
    except (Failed, OSError, KeyError, ValueError) as e:
        print(f"registry_client: {e}", file=sys.stderr)
        return 0 if "exits-0" in DEFECTS else 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
