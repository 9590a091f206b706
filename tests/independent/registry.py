"""A `/v2/` registry written from the spec's words alone (§10 of ecr-images-and-registry.md
and the OCI distribution spec), not from this crate's code: the runner's registry door is
tested against it, with defects (`--defects a,b`) and legal variants (`--variant k=v`).

It listens on 127.0.0.1 on a port it picks, prints the port, and stops when its standard
input closes (so it never outlives the test). It keeps everything in memory: a test tool.
"""

import hashlib
import json
import sys
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

MIB = 1024 * 1024
MAX_CHUNK = 20971520
MIN_PART = 5 * MIB

DEFECTS = set()
VARIANT = {
    "patch-status": "201",
    "patch-range": "stuck-after-first-chunk",
    "oversize-chunk": "refused",
    "small-chunk-error": "blob-upload-invalid",
    "unreferenced-blob-get": "not-found",
    "manifest-put-location": "absent",
    "manifest-get-digest-header": "absent",
}

LOCK = threading.Lock()
UPLOADS = {}  # id -> {"repo", "data": bytearray, "parts": [sizes], "first_end"}
BLOBS = {}  # (repo, digest) -> bytes
MANIFESTS = {}  # (repo, digest) -> (bytes, media type, [blob digests])
TAGS = {}  # (repo, tag) -> digest


def sha(data):
    return "sha256:" + hashlib.sha256(data).hexdigest()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def answer(self, status, headers=(), body=b"", content_type=None):
        self.send_response(status)
        if content_type:
            self.send_header("Content-Type", content_type)
        for k, v in headers:
            self.send_header(k, v)
        if not any(k.lower() == "content-length" for k, _ in headers):
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def error(self, status, code, message):
        if "plain-errors" in DEFECTS:
            return self.answer(status, body=message.encode(), content_type="text/plain")
        body = json.dumps({"errors": [{"code": code, "message": message}]}).encode()
        self.answer(status, body=body, content_type="application/json; charset=utf-8")

    def body(self):
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n else b""

    def base(self):
        return "http://" + (self.headers.get("Host") or "127.0.0.1")

    def route(self):
        url = urlsplit(self.path)
        query = {k: v[0] for k, v in parse_qs(url.query).items()}
        path = url.path
        if path in ("/v2", "/v2/"):
            if "ping-unauthorized" in DEFECTS:
                return self.error(401, "UNAUTHORIZED", "authentication required")
            return self.answer(200, body=b"{}", content_type="application/json")
        if not path.startswith("/v2/"):
            return self.error(404, "NOT_FOUND", "not a registry path")
        rest = path[len("/v2/"):]
        for marker in ("/blobs/uploads/", "/blobs/", "/manifests/", "/tags/list"):
            if marker in rest:
                repo, tail = rest.split(marker, 1)
                return self.dispatch(marker, repo, tail, query)
        return self.error(404, "NAME_INVALID", "unknown path")

    def dispatch(self, marker, repo, tail, query):
        m = self.command
        if marker == "/blobs/uploads/":
            if m == "POST" and tail == "":
                return self.start(repo)
            if m == "PATCH":
                return self.patch(repo, tail)
            if m == "PUT":
                return self.complete(repo, tail, query.get("digest", ""))
        if marker == "/blobs/" and m in ("HEAD", "GET"):
            return self.blob(repo, tail, m == "HEAD")
        if marker == "/manifests/":
            if m == "PUT":
                return self.put_manifest(repo, tail)
            if m in ("GET", "HEAD"):
                return self.get_manifest(repo, tail, m == "HEAD")
            if m == "DELETE":
                return self.delete_manifest(repo, tail)
        if marker == "/tags/list" and m == "GET":
            with LOCK:
                tags = [t for (r, t) in TAGS if r == repo]
            body = json.dumps({"name": repo, "tags": tags}).encode()
            return self.answer(200, body=body, content_type="application/json")
        return self.error(405, "UNSUPPORTED", "unsupported")

    def location(self, repo, uid):
        path = f"/v2/{repo}/blobs/uploads/{uid}"
        return path if "relative-location" in DEFECTS else self.base() + path

    def start(self, repo):
        self.body()
        uid = str(uuid.uuid4())
        with LOCK:
            UPLOADS[uid] = {"repo": repo, "data": bytearray(), "parts": [], "first_end": None}
        self.answer(202, [("Location", self.location(repo, uid)), ("Range", "0-0")])

    def append(self, up, data, one_part):
        if one_part:
            up["parts"].append(len(data))
        else:
            for i in range(0, len(data), MAX_CHUNK):
                up["parts"].append(len(data[i:i + MAX_CHUNK]))
        up["data"] += data

    def patch(self, repo, uid):
        data = self.body()
        with LOCK:
            up = UPLOADS.get(uid)
            if up is None or up["repo"] != repo:
                return self.error(404, "BLOB_UPLOAD_UNKNOWN", "upload unknown")
            cr = self.headers.get("Content-Range")
            if cr is not None:
                first, last = (int(x) for x in cr.split("-"))
                if first != len(up["data"]) and "range-unchecked" not in DEFECTS:
                    return self.error(416, "BLOB_UPLOAD_INVALID",
                                      f"First byte of the layer part is {first} instead of {len(up['data'])}")
                if last - first + 1 != len(data):
                    return self.error(416, "BLOB_UPLOAD_INVALID", "range and body differ")
                if len(data) > MAX_CHUNK and VARIANT["oversize-chunk"] == "refused":
                    return self.error(416, "BLOB_UPLOAD_INVALID", "chunk over 20971520 bytes")
                self.append(up, data, len(data) <= MAX_CHUNK)
            else:
                self.append(up, data, False)
            if data and up["first_end"] is None:
                up["first_end"] = len(up["data"]) - 1
            if VARIANT["patch-range"] == "advancing":
                end = max(len(up["data"]) - 1, 0)
            else:
                end = up["first_end"] or 0
        status = int(VARIANT["patch-status"])
        self.answer(status, [("Location", self.location(repo, uid)), ("Range", f"0-{end}")])

    def complete(self, repo, uid, digest):
        data = self.body()
        with LOCK:
            up = UPLOADS.get(uid)
            if up is None or up["repo"] != repo:
                return self.error(404, "BLOB_UPLOAD_UNKNOWN", "upload unknown")
            if data:
                self.append(up, data, False)
            if not up["data"]:
                return self.error(400, "BLOB_UPLOAD_INVALID", "The upload contains no layer parts.")
            small = any(p < MIN_PART for p in up["parts"][:-1])
            if small and "small-chunks-ok" not in DEFECTS:
                if VARIANT["small-chunk-error"] == "server-error":
                    return self.error(500, "UNKNOWN", "part too small")
                return self.error(400, "BLOB_UPLOAD_INVALID", "Layer parts must be at least 5 MiB")
            actual = sha(bytes(up["data"]))
            if actual != digest and "digest-unchecked" not in DEFECTS:
                return self.error(400, "BLOB_UPLOAD_INVALID",
                                  "None of the provided layer digests match the calculated layer digest")
            BLOBS[(repo, digest)] = bytes(up["data"])
            del UPLOADS[uid]
        self.answer(201, [("Location", f"{self.base()}/v2/{repo}/blobs/{digest}"),
                          ("Docker-Content-Digest", digest)])

    def referenced(self, repo, digest):
        return any(r == repo and digest in blobs for (r, _), (_, _, blobs) in MANIFESTS.items())

    def blob(self, repo, digest, head):
        with LOCK:
            data = BLOBS.get((repo, digest))
            referenced = data is not None and self.referenced(repo, digest)
        if data is None:
            return self.error(404, "BLOB_UNKNOWN", "blob unknown")
        headers = [("Content-Length", str(len(data)))]
        if "head-no-digest" not in DEFECTS:
            headers.append(("Docker-Content-Digest", digest))
        if head:
            return self.answer(200, headers)
        if referenced:
            return self.answer(307, [("Location", f"{self.base()}/storage/{digest}?X-Amz-Signature=x")])
        if VARIANT["unreferenced-blob-get"] == "served":
            return self.answer(200, headers, data, "application/octet-stream")
        return self.error(404, "BLOB_UNKNOWN", "blob not referenced by an image")

    def put_manifest(self, repo, ref):
        data = self.body()
        try:
            m = json.loads(data)
            blobs = [m["config"]["digest"]] + [l["digest"] for l in m["layers"]]
        except (ValueError, KeyError, TypeError):
            return self.error(405, "UNSUPPORTED", "Invalid parameter at 'ImageManifest'")
        digest = sha(data)
        with LOCK:
            missing = [b for b in blobs if (repo, b) not in BLOBS]
            if missing and "manifest-blobs-unchecked" not in DEFECTS:
                return self.error(400, "BLOB_UPLOAD_UNKNOWN", f"missing {missing[0]}")
            media = self.headers.get("Content-Type") or m.get("mediaType", "")
            MANIFESTS[(repo, digest)] = (data, media, blobs)
            if not ref.startswith("sha256:"):
                TAGS[(repo, ref)] = digest
        headers = [("Docker-Content-Digest", digest)]
        if VARIANT["manifest-put-location"] == "present":
            headers.append(("Location", f"/v2/{repo}/manifests/{digest}"))
        self.answer(201, headers)

    def get_manifest(self, repo, ref, head):
        with LOCK:
            digest = ref if ref.startswith("sha256:") else TAGS.get((repo, ref))
            found = MANIFESTS.get((repo, digest)) if digest else None
        if found is None:
            return self.error(404, "MANIFEST_UNKNOWN", f"Requested image not found: {ref}")
        data, media, _ = found
        headers = [("Content-Length", str(len(data)))]
        if head or VARIANT["manifest-get-digest-header"] == "present":
            headers.append(("Docker-Content-Digest", digest))
        self.answer(200, headers, data, media)

    def delete_manifest(self, repo, ref):
        with LOCK:
            if (repo, ref) not in MANIFESTS:
                return self.error(404, "MANIFEST_UNKNOWN", f"Requested image not found: {ref}")
            del MANIFESTS[(repo, ref)]
            for key in [k for k, d in TAGS.items() if k[0] == repo and d == ref]:
                del TAGS[key]
        self.answer(202)

    do_GET = do_HEAD = do_POST = do_PATCH = do_PUT = do_DELETE = route


def main():
    args = sys.argv[1:]
    while args:
        flag, value = args.pop(0), args.pop(0)
        if flag == "--defects":
            DEFECTS.update(d for d in value.split(",") if d)
        elif flag == "--variant":
            k, v = value.split("=", 1)
            if k not in VARIANT:
                sys.exit(f"no knob {k}")
            VARIANT[k] = v
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    print(server.server_address[1], flush=True)
    sys.stdin.read()  # stops when the test closes its end


if __name__ == "__main__":
    main()
