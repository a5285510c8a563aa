#!/usr/bin/env python3
"""One echo round trip. usage: client.py tcp|udp SRC DST PORT [TIMEOUT] [SIZE]
Exit 0 when the echo came back, 1 otherwise."""
import socket
import sys

proto, src, dst, port = sys.argv[1:5]
timeout = float(sys.argv[5]) if len(sys.argv) > 5 else 2.0
size = int(sys.argv[6]) if len(sys.argv) > 6 else 16
fam = socket.AF_INET6 if ":" in dst else socket.AF_INET
kind = socket.SOCK_STREAM if proto == "tcp" else socket.SOCK_DGRAM
s = socket.socket(fam, kind)
s.settimeout(timeout)
s.bind((src, 0))
msg = b"x" * size
try:
    if proto == "tcp":
        s.connect((dst, int(port)))
        s.sendall(msg)
        ok = s.recv(4096) == msg[:4096]
    else:
        s.sendto(msg, (dst, int(port)))
        ok = s.recvfrom(65535)[0] == msg[:64]
except OSError:
    ok = False
sys.exit(0 if ok else 1)
