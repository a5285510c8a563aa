#!/usr/bin/env python3
"""Send one IPv4 non-first fragment (offset 1480, ICMP payload) from SRC to
DST through IFACE with AF_PACKET. usage: frag.py IFACE SRC DST DSTMAC"""
import socket
import struct
import sys

iface, src, dst, dmac = sys.argv[1:5]


def csum(b):
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    s = (s >> 16) + (s & 0xFFFF)
    return ~(s + (s >> 16)) & 0xFFFF


payload = b"f" * 64
hdr = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(payload), 0x4242,
                  1480 // 8, 64, socket.IPPROTO_ICMP, 0,
                  socket.inet_aton(src), socket.inet_aton(dst))
hdr = hdr[:10] + struct.pack("!H", csum(hdr)) + hdr[12:]
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind((iface, 0))
smac = s.getsockname()[4]
eth = bytes.fromhex(dmac.replace(":", "")) + smac + b"\x08\x00"
s.send(eth + hdr + payload)
