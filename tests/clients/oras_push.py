#!/usr/bin/env python3
"""Pushes FILE... as an OCI artifact to HOST/REPO:TAG with oras-py (pinned in
scripts/requirements.txt): `monolithic` (POST, then one PUT carrying each blob) or `chunked`
(POST, PATCHes with inclusive Content-Range of CHUNK bytes, then PUT ?digest=).
Prints the manifest PUT's status.

    oras_push.py HOST REPO:TAG monolithic|chunked CHUNK FILE...
"""

import os
import sys

import oras.client

host, target, mode, chunk = sys.argv[1:5]
files = sys.argv[5:]
os.chdir(os.path.dirname(os.path.abspath(files[0])))  # oras names layers by their paths
client = oras.client.OrasClient(hostname=host, insecure=True)
answer = client.push(
    files=[os.path.basename(f) for f in files],
    target=f"{host}/{target}",
    do_chunked=mode == "chunked",
    chunk_size=int(chunk),
    disable_path_validation=True,
)
print(answer.status_code)
