#!/usr/bin/env python3
"""Peak memory of the fake while a large layer is pushed through it.

Starts `ecr-conformance serve` (release build), pushes a layer of SIZE_MIB in 20 MiB
parts over loopback with a plain HTTP client, and prints the server's peak RSS (VmHWM)
after every 10 parts and at the end, with the throughput.

Usage: scripts/measure-fake-memory.py [SIZE_MIB] [BINARY]   (default 1024, target/release/ecr-conformance)
"""
import base64
import http.client
import json
import os
import subprocess
import sys
import time

size_mib = int(sys.argv[1]) if len(sys.argv) > 1 else 1024
binary = sys.argv[2] if len(sys.argv) > 2 else "target/release/ecr-conformance"
server = subprocess.Popen([binary, "serve", "--repository", "big"], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
try:
    url = server.stdout.readline().strip()
    host, port = url.removeprefix("http://").split(":")

    def call(op, body):
        c = http.client.HTTPConnection(host, int(port), timeout=120)
        c.request("POST", "/", body=body, headers={
            "Content-Type": "application/x-amz-json-1.1",
            "X-Amz-Target": "AmazonEC2ContainerRegistry_V20150921." + op})
        r = c.getresponse()
        data = r.read()
        c.close()
        return r.status, json.loads(data)

    def peak_mib():
        with open(f"/proc/{server.pid}/status") as f:
            for line in f:
                if line.startswith("VmHWM"):
                    return int(line.split()[1]) / 1024
        return -1.0

    part = os.urandom(20 * 1024 * 1024)
    text = base64.b64encode(part).decode()
    _, r = call("InitiateLayerUpload", json.dumps({"repositoryName": "big"}))
    uid = r["uploadId"]
    total, first, n, start = size_mib * 1024 * 1024, 0, 0, time.time()
    idle = peak_mib()
    while first < total:
        body = ('{"repositoryName":"big","uploadId":"%s","partFirstByte":%d,"partLastByte":%d,'
                '"layerPartBlob":"%s"}') % (uid, first, first + len(part) - 1, text)
        status, r = call("UploadLayerPart", body)
        assert status == 200, r
        first += len(part)
        n += 1
        if n % 10 == 0:
            print(f"after {first >> 20:5d} MiB: peak RSS {peak_mib():6.1f} MiB")
    secs = time.time() - start
    print(f"pushed {first >> 20} MiB in {n} parts, {secs:.1f} s, {(first >> 20) / secs:.0f} MiB/s; "
          f"peak RSS idle {idle:.1f} MiB, at the end {peak_mib():.1f} MiB")
finally:
    server.terminate()
    server.wait()
