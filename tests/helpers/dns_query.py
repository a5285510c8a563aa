#!/usr/bin/env python3
"""Attacker helper: dns_query.py SERVER PORT NAME [udp|tcp] [APPEND_HEX]:
send one A query for NAME to SERVER:PORT as `dig @SERVER` would, with
APPEND_HEX bytes appended after the question (smuggled data), and print
"answer ADDR from PEER" (PEER: the reply's source, or the TCP
connection's getpeername()), "rcode N", "refused ERRNO_NAME" (the kernel refused the
send or connect) or "timeout"."""
import errno
import random
import socket
import struct
import sys

server, port, name = sys.argv[1], int(sys.argv[2]), sys.argv[3]
proto = sys.argv[4] if len(sys.argv) > 4 else "udp"
extra = bytes.fromhex(sys.argv[5]) if len(sys.argv) > 5 else b""
qid = random.randrange(65536)
q = struct.pack(">HHHHHH", qid, 0x0100, 1, 0, 0, 0)
for label in name.split("."):
    q += bytes([len(label)]) + label.encode()
q += b"\0" + struct.pack(">HH", 1, 1) + extra
try:
    if proto == "tcp":
        s = socket.create_connection((server, port), timeout=3)
        s.sendall(struct.pack(">H", len(q)) + q)
        r = s.recv(4096)[2:]
        peer = s.getpeername()
    else:
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.settimeout(3)
        s.sendto(q, (server, port))
        r, peer = s.recvfrom(4096)
except socket.timeout:
    print("timeout")
    sys.exit(0)
except OSError as e:
    print("refused", errno.errorcode.get(e.errno, e.errno))
    sys.exit(0)
if len(r) < 12 or r[:2] != q[:2]:
    print("bad reply")
    sys.exit(0)


def skip_name(off):
    while r[off] & 0xC0 != 0xC0 and r[off]:
        off += 1 + r[off]
    return off + (2 if r[off] & 0xC0 == 0xC0 else 1)


rcode = r[3] & 15
an = struct.unpack(">H", r[6:8])[0]
off = skip_name(12) + 4
for _ in range(an):
    off = skip_name(off)
    rtype, _, _, rdlen = struct.unpack(">HHIH", r[off:off + 10])
    off += 10
    if rtype == 1 and rdlen == 4:
        print("answer", socket.inet_ntoa(r[off:off + 4]), "from", peer[0])
        sys.exit(0)
    off += rdlen
print("rcode", rcode)
