#!/usr/bin/env python3
"""An attacker on the daemon's control socket: N clients connected at
once, each sending a request one byte every 0.45 s (never a newline), as
long as the daemon keeps it; then it connects again. Prints "sent K" after
each byte (K counted over all clients) and "dropped: REPLY" when the
daemon gives up on a client, so a test knows the attack is under way."""
import selectors, socket, sys, time

path, n = sys.argv[1], int(sys.argv[2])
sel = selectors.DefaultSelector()
sent = 0


def connect():
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(path)
    s.setblocking(False)
    sel.register(s, selectors.EVENT_READ)


for _ in range(n):
    connect()
while True:
    for key, _ in sel.select(timeout=0.45):
        s = key.fileobj
        try:
            data = s.recv(4096)
        except OSError:
            data = b""
        print("dropped:", data.decode(errors="replace").strip(), flush=True)
        sel.unregister(s)
        s.close()
        connect()
    for key in list(sel.get_map().values()):
        try:
            key.fileobj.send(b"s")
            sent += 1
        except OSError:
            pass
    print("sent", sent, flush=True)
