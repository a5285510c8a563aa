#!/usr/bin/env python3
"""ICMP/ICMPv6 echo (ping is not installed everywhere).
usage: ping.py SRC DST [COUNT] [INTERVAL] [TIMEOUT] [SIZE]
Sends COUNT echo requests INTERVAL s apart, each waiting up to TIMEOUT s
for its reply; prints "sent N received M"; exit 0 when every reply came.
COUNT "until=PATH": send until the file PATH exists (at least once)."""
import os
import select
import socket
import struct
import sys
import time

src, dst = sys.argv[1:3]
count = sys.argv[3] if len(sys.argv) > 3 else "1"
until = count[len("until="):] if count.startswith("until=") else None
count = 1 << 62 if until else int(count)
interval = float(sys.argv[4]) if len(sys.argv) > 4 else 0.01
timeout = float(sys.argv[5]) if len(sys.argv) > 5 else 2.0
size = int(sys.argv[6]) if len(sys.argv) > 6 else 56
v6 = ":" in dst
if v6:
    s = socket.socket(socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_ICMPV6)
else:
    s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
s.bind((src, 0))
ident = os.getpid() & 0xFFFF


def csum(b):
    if len(b) % 2:
        b += b"\0"
    t = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    t = (t >> 16) + (t & 0xFFFF)
    return ~(t + (t >> 16)) & 0xFFFF


def wait_reply(seq):
    end = time.monotonic() + timeout
    while True:
        left = end - time.monotonic()
        if left <= 0 or not select.select([s], [], [], left)[0]:
            return False
        data = s.recv(65535)
        if not v6:
            data = data[(data[0] & 0xF) * 4:]
        typ, _, _, rid, rseq = struct.unpack("!BBHHH", data[:8])
        if typ == (129 if v6 else 0) and rid == ident and rseq == seq:
            return True


got = sent = 0
for seq in range(count):
    seq16 = seq & 0xFFFF
    body = b"p" * size
    hdr = struct.pack("!BBHHH", 128 if v6 else 8, 0, 0, ident, seq16)
    if not v6:  # the kernel fills in the ICMPv6 checksum
        hdr = struct.pack("!BBHHH", 8, 0, csum(hdr + body), ident, seq16)
    s.sendto(hdr + body, (dst, 0))
    sent += 1
    got += wait_reply(seq16)
    if until and os.path.exists(until):
        break
    if seq + 1 < count:
        time.sleep(interval)
print("sent %d received %d" % (sent, got))
sys.exit(0 if got == sent else 1)
