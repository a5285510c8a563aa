#!/usr/bin/env python3
"""A container runtime's API socket that answers what a test tells it to,
for the cases a real runtime will not produce: a name no real runtime
allows, or an answer held back.

  stub_runtime.py SOCKET DIR

Creates SOCKET (unix, stream) and DIR/ready once listening. For each
request (GET /containers/ID/json) it appends ID to DIR/asked, then, if
DIR/hold exists, waits until DIR/release exists; then answers
HTTP/1.0 200 with DIR/reply.json (ID put in place of @ID@) and closes,
and appends ID to DIR/answered (or DIR/broken when the client had gone).
"""
import os
import socket
import sys
import time


def wait_release(d):
    # the test creates the file; polling it is how the two processes meet
    while os.path.exists(os.path.join(d, "hold")) and \
            not os.path.exists(os.path.join(d, "release")):
        time.sleep(0.05)


def note(d, name, cid):
    with open(os.path.join(d, name), "a") as f:
        f.write(cid + "\n")


def serve(conn, d):
    req = b""
    while b"\r\n\r\n" not in req:
        chunk = conn.recv(4096)
        if not chunk:
            return
        req += chunk
    path = req.split(b" ")[1].decode()
    cid = path.split("/")[2]
    note(d, "asked", cid)
    wait_release(d)
    with open(os.path.join(d, "reply.json"), "rb") as f:
        body = f.read().replace(b"@ID@", cid.encode())
    head = b"HTTP/1.0 200 OK\r\nContent-Type: application/json\r\n" + \
        b"Content-Length: %d\r\n\r\n" % len(body)
    try:
        conn.sendall(head + body)
        note(d, "answered", cid)
    except OSError:
        note(d, "broken", cid)


def main():
    path, d = sys.argv[1], sys.argv[2]
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.bind(path)
    s.listen(8)
    open(os.path.join(d, "ready"), "w").close()
    while True:
        conn, _ = s.accept()
        with conn:
            serve(conn, d)


if __name__ == "__main__":
    main()
