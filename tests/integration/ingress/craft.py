#!/usr/bin/env python3
"""Send one hand-made IPv4 ICMP echo request through IFACE (AF_PACKET).
usage: craft.py IFACE DSTMAC SRC DST [vlan|qinq|frag]...
  vlan  one 802.1Q tag (VID 5)
  qinq  an 802.1ad tag (VID 100) outside an 802.1Q tag (VID 7)
  frag  a non-first fragment (offset 1480): no ICMP header to read"""
import socket
import struct
import sys

iface, dmac, src, dst = sys.argv[1:5]
opts = set(sys.argv[5:])


def csum(b):
    t = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    t = (t >> 16) + (t & 0xFFFF)
    return ~(t + (t >> 16)) & 0xFFFF


body = b"c" * 56
icmp = struct.pack("!BBHHH", 8, 0, 0, 0x4242, 1)
icmp = struct.pack("!BBHHH", 8, 0, csum(icmp + body), 0x4242, 1) + body
frag = 1480 // 8 if "frag" in opts else 0
ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(icmp), 0x4243, frag, 64,
                 socket.IPPROTO_ICMP, 0, socket.inet_aton(src),
                 socket.inet_aton(dst))
ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
tags = b""
if "qinq" in opts:
    tags = struct.pack("!HHHH", 0x88A8, 100, 0x8100, 7)
elif "vlan" in opts:
    tags = struct.pack("!HH", 0x8100, 5)
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind((iface, 0))
eth = bytes.fromhex(dmac.replace(":", "")) + s.getsockname()[4]
s.send(eth + tags + b"\x08\x00" + ip + icmp)
