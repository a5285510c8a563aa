#!/usr/bin/env python3
"""Play systemd's side of sd_notify for test_install.sh: bind the datagram
socket $NOTIFY_SOCKET names, log each message as one JSON line with the
sender's pid (from SCM_CREDENTIALS, which systemd checks against MAINPID),
and at the first READY=1 run ON_READY at once, so what it does happens
right after the daemon said it enforces.
usage: notify_listener.py SOCKET LOG ON_READY...   (ends at STOPPING=1,
or after 120 s)"""
import json
import os
import socket
import struct
import subprocess
import sys

sock_path, log_path, on_ready = sys.argv[1], sys.argv[2], sys.argv[3:]
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_PASSCRED, 1)
s.bind(sock_path)
s.settimeout(120)
ucred = struct.calcsize("3i")
ready_seen = False
with open(log_path + ".tmp", "w"):
    pass
os.rename(log_path + ".tmp", log_path)	# exists once the socket is bound
while True:
    try:
        data, anc, _, _ = s.recvmsg(4096, socket.CMSG_SPACE(ucred))
    except socket.timeout:
        break
    pid = None
    for level, kind, payload in anc:
        if level == socket.SOL_SOCKET and kind == socket.SCM_CREDENTIALS:
            pid = struct.unpack("3i", payload[:ucred])[0]
    fields = dict(l.split("=", 1) for l in data.decode().split("\n") if "=" in l)
    ran = None
    if fields.get("READY") == "1" and not ready_seen:
        ready_seen = True
        ran = subprocess.run(on_ready).returncode
    with open(log_path, "a") as log:
        log.write(json.dumps({"pid": pid, "fields": fields, "on_ready_rc": ran}) + "\n")
    if fields.get("STOPPING") == "1":
        break
