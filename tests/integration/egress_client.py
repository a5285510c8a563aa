#!/usr/bin/env python3
"""Egress test client: one outbound attempt (or a loop of them), printing
what the kernel said: ok, EPERM, ECONNREFUSED, ...

usage: egress_client.py tcp|udp|raw ADDR PORT [COUNT]
ADDR may be IPv4, IPv6 or v4-mapped IPv6 (::ffff:a.b.c.d: sent through
an AF_INET6 socket)."""
import errno
import socket
import sys


def family_of(addr):
    return socket.AF_INET6 if ":" in addr else socket.AF_INET


def once(kind, addr, port):
    fam = family_of(addr)
    if kind == "raw":
        try:
            socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP).close()
            return "ok"
        except OSError as e:
            return errno.errorcode.get(e.errno, str(e.errno))
    typ = socket.SOCK_STREAM if kind == "tcp" else socket.SOCK_DGRAM
    s = socket.socket(fam, typ)
    s.settimeout(2)
    try:
        if kind == "tcp":
            s.connect((addr, port))
        else:
            s.sendto(b"warden-test", (addr, port))
        return "ok"
    except OSError as e:
        return errno.errorcode.get(e.errno, str(e.errno)) if e.errno else "timeout"
    finally:
        s.close()


def main():
    kind, addr, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
    count = int(sys.argv[4]) if len(sys.argv) > 4 else 1
    results = {}
    for _ in range(count):
        r = once(kind, addr, port)
        results[r] = results.get(r, 0) + 1
    if count == 1:
        print(next(iter(results)))
    else:
        print(" ".join(f"{k}={v}" for k, v in sorted(results.items())))


main()
