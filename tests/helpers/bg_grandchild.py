#!/usr/bin/env python3
"""Attacker helper: bg_grandchild.py PIDFILE: leave a grandchild behind
that has left the session (setsid + double fork), ignores SIGHUP and
SIGTERM, and keeps running; its pid and our own go to PIDFILE. Then wait
forever ourselves."""
import os
import signal
import sys
import time

pidfile = sys.argv[1]
if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        signal.signal(signal.SIGHUP, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        with open(pidfile, "a") as f:
            f.write(f"{os.getpid()}\n")
        while True:
            time.sleep(1)
    os._exit(0)
with open(pidfile, "a") as f:
    f.write(f"{os.getpid()}\n")
while True:
    time.sleep(1)
