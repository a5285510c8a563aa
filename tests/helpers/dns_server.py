#!/usr/bin/env python3
"""Test resolver: dns_server.py ADDR LOG ANSWER [TTL]: answer every query
on ADDR:53 (UDP) with one A record ANSWER (class IN, TTL seconds), and log
each datagram received, as hex, one a line, to LOG. Used as the step's
resolver (the log shows what warden's proxy sent) and as an attacker's
resolver (the log shows whether anything reached it)."""
import socket
import struct
import sys

addr, log, answer = sys.argv[1], sys.argv[2], sys.argv[3]
ttl = int(sys.argv[4]) if len(sys.argv) > 4 else 60
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((addr, 53))
open(log + ".ready", "w").close()
while True:
    q, peer = s.recvfrom(4096)
    with open(log, "a") as f:
        f.write(q.hex() + "\n")
    if len(q) < 12:
        continue
    # the question: labels up to the root, then type and class
    off = 12
    while off < len(q) and q[off]:
        off += 1 + q[off]
    question = q[12:off + 5]
    hdr = q[:2] + struct.pack(">HHHHH", 0x8180, 1, 1, 0, 0)
    rr = b"\xc0\x0c" + struct.pack(">HHIH", 1, 1, ttl, 4) + socket.inet_aton(answer)
    s.sendto(hdr + question + rr, peer)
