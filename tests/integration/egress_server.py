#!/usr/bin/env python3
"""Egress test server: accept TCP on [::]:PORT (dual stack) and swallow
UDP datagrams on the same port, until killed."""
import select
import socket
import sys

port = int(sys.argv[1])
t = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
t.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
t.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
t.bind(("::", port))
t.listen(128)
u = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
u.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
u.bind(("::", port))
print("listening", flush=True)
while True:
    r, _, _ = select.select([t, u], [], [])
    if t in r:
        c, _ = t.accept()
        c.close()
    if u in r:
        u.recvfrom(2048)
