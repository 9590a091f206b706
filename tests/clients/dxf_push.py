#!/usr/bin/env python3
"""Pushes FILE to HOST/REPO with python-dxf (pinned in scripts/requirements.txt): POST, then
one PUT ?digest= carrying the whole blob. Prints the digest python-dxf computed.

    dxf_push.py HOST REPO FILE
"""

import sys

import dxf

host, repo, path = sys.argv[1:4]
client = dxf.DXF(host, repo, insecure=True)
print(client.push_blob(path))
