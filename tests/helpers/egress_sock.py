#!/usr/bin/env python3
"""Attacker helper for egress: one way to reach an address, printing what
the kernel said (ok, EPERM, ECONNREFUSED, ...).

  egress_sock.py udplite ADDR PORT   SOCK_DGRAM/IPPROTO_UDPLITE connect + send
  egress_sock.py rawudp ADDR         SOCK_RAW/IPPROTO_UDP sendto (own header)
  egress_sock.py rawip ADDR          SOCK_RAW/IPPROTO_RAW sendto (IP header too)
  egress_sock.py raw6 ADDR           AF_INET6 SOCK_RAW/IPPROTO_UDP sendto
  egress_sock.py packet              AF_PACKET SOCK_DGRAM socket
  egress_sock.py moved PROCS tcp|udp ADDR PORT
      create the socket here, then move into the cgroup whose cgroup.procs
      is PROCS (a path, or fd:N for one open on fd N), then connect (tcp)
      or sendto (udp): a socket brought in from outside."""
import errno
import os
import socket
import struct
import sys

IPPROTO_UDPLITE = 136


def err(e):
    return errno.errorcode.get(e.errno, str(e.errno)) if e.errno else "timeout"


def run(argv):
    kind = argv[0]
    if kind == "udplite":
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM, IPPROTO_UDPLITE)
        s.connect((argv[1], int(argv[2])))
        s.send(b"warden-udplite")
    elif kind == "rawudp":
        s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_UDP)
        s.sendto(struct.pack("!HHHH", 4444, 53, 8, 0), (argv[1], 0))
    elif kind == "rawip":
        s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
        hdr = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20, 0, 0, 64, 253, 0,
                          socket.inet_aton("0.0.0.0"), socket.inet_aton(argv[1]))
        s.sendto(hdr, (argv[1], 0))
    elif kind == "raw6":
        s = socket.socket(socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_UDP)
        s.sendto(struct.pack("!HHHH", 4444, 53, 8, 0), (argv[1], 0))
    elif kind == "packet":
        s = socket.socket(socket.AF_PACKET, socket.SOCK_DGRAM, 0)
    elif kind == "moved":
        procs, proto, addr, port = argv[1], argv[2], argv[3], int(argv[4])
        typ = socket.SOCK_STREAM if proto == "tcp" else socket.SOCK_DGRAM
        s = socket.socket(socket.AF_INET, typ)
        s.settimeout(2)
        # fd:N: an fd the caller opened (`ip netns exec` hides /sys/fs/cgroup)
        if procs.startswith("fd:"):
            os.write(int(procs[3:]), b"0\n")	# this process, now inside
        else:
            with open(procs, "w") as f:
                f.write("0\n")
        if proto == "tcp":
            s.connect((addr, port))
        else:
            s.sendto(b"warden-moved", (addr, port))
    else:
        raise SystemExit(f"unknown kind {kind}")
    s.close()
    return "ok"


try:
    print(run(sys.argv[1:]))
except OSError as e:
    print(err(e))
