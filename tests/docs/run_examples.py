#!/usr/bin/env python3
"""Run every ```console block of README.md and docs/*.md; compare the shape.

In a block, a line starting with "# " or "$ " is a command; the lines after
it, up to the next command, are its expected output. Each block runs in a
fresh scratch directory (with build/, examples/ and ci/ linked in, read-only use)
as root, with build/ on PATH; stdout and stderr are read together. A command
ending in "&" runs in the background: the runner waits until it printed as
many lines as the block lists under it, and stops it by pid (SIGTERM) at
the end of the block. Its later lines may match any expected line of the
block; what it prints once it is being stopped is not compared.

Shape: a JSON line must have the same keys (recursively) and value types; a
text line the same first two words, with numbers, paths and quoted strings
masked. "..." in the expected output stands for any number of lines.
A block preceded by <!-- doc-test: skip (REASON) --> is listed, not run.
Everything runs in a private mount namespace with an empty /run.

    run_examples.py [FILE.md ...]       exit 0 if every block matched
"""
import glob
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

ROOT = os.path.realpath(os.path.join(os.path.dirname(__file__), "..", ".."))
BUILD = os.path.realpath(os.environ.get("BUILD_DIR", os.path.join(ROOT, "build")))
SKIP = re.compile(r"<!--\s*doc-test:\s*skip\s*\((.+?)\)\s*-->")
TIMEOUT = 60


def blocks(path):
    """(line number, skip reason or None, [(command, [expected lines])])"""
    lines = open(path, encoding="utf-8").read().split("\n")
    i = 0
    while i < len(lines):
        if lines[i].strip() == "```console":
            m = SKIP.search(lines[i - 1]) if i else None
            start, i = i + 1, i + 1
            cmds = []
            while i < len(lines) and lines[i].strip() != "```":
                if lines[i].startswith(("# ", "$ ")):
                    cmds.append((lines[i][2:], []))
                elif cmds:
                    cmds[-1][1].append(lines[i])
                i += 1
            yield start, (m.group(1) if m else None), cmds
        i += 1


def mask(word):
    word = re.sub(r"\d+", "N", word)
    if word.startswith(("/", "./", "~/", '"/', "'/")):
        return "PATH"
    return word


def shape(line):
    s = line.strip()
    if s.startswith("{"):
        try:
            return ("json", json_shape(json.loads(s)))
        except ValueError:
            pass
    return ("text", tuple(mask(w) for w in s.split()[:2]))


def json_shape(v):
    if isinstance(v, dict):
        return {k: json_shape(x) for k, x in v.items()}
    if isinstance(v, bool):
        return "bool"
    if isinstance(v, (int, float)):
        return "number"
    return type(v).__name__


def match_in_order(actual, expected):
    """Match actual lines against expected in order ("..." = anything).
    Returns (expected lines left over, actual lines that matched nothing)."""
    left, extra, e = [], [], 0
    elided = False
    for a in actual:
        while e < len(expected) and expected[e].strip() == "...":
            elided, e = True, e + 1
        k = e
        while k < len(expected) and expected[k].strip() != "..." and shape(expected[k]) != shape(a):
            k += 1
        if k < len(expected) and expected[k].strip() != "...":
            left += expected[e:k]          # maybe printed by a background command
            e = k + 1
            elided = False
        elif not elided:
            extra.append(a)
    left += [x for x in expected[e:] if x.strip() != "..."]
    return left, extra


def take(pool, lines):
    """Remove from pool the lines matched by lines (any order); the rest of lines."""
    rest = []
    for a in lines:
        hit = next((p for p in pool if shape(p) == shape(a)), None)
        if hit is None:
            rest.append(a)
        else:
            pool.remove(hit)
    return rest


def scratch_area():
    """DIR with DIR/work (where commands run) and DIR/home ($HOME)."""
    d = tempfile.mkdtemp(prefix="warden-doctest.")
    os.mkdir(os.path.join(d, "home"))
    os.mkdir(os.path.join(d, "work"))
    for name in ("build", "examples", "ci"):
        os.symlink(os.path.join(ROOT, name) if name != "build" else BUILD,
                   os.path.join(d, "work", name))
    return d


def env_for(d):
    env = dict(os.environ)
    env.update(HOME=os.path.join(d, "home"), PATH=BUILD + ":" + env["PATH"],
               TMPDIR=d, LC_ALL="C.UTF-8")
    return env


def read_lines(path):
    with open(path, encoding="utf-8", errors="replace") as f:
        return [x for x in f.read().split("\n") if x.strip()]


def run_block(cmds):
    """Errors of one block (empty: it matched)."""
    d = scratch_area()
    env, bg, pool, errors = env_for(d), [], [], []
    try:
        for n, (cmd, expected) in enumerate(cmds):
            expected = [x for x in expected if x.strip()]
            if cmd.rstrip().endswith("&"):
                out = os.path.join(d, ".bg%d.out" % n)
                p = subprocess.Popen(["bash", "-c", "exec " + cmd.rstrip()[:-1]], cwd=os.path.join(d, "work"), env=env,
                                     stdout=open(out, "w"), stderr=subprocess.STDOUT,
                                     start_new_session=True)
                bg.append((p, out))
                deadline = time.time() + TIMEOUT
                while len(read_lines(out)) < len(expected) and p.poll() is None \
                        and time.time() < deadline:
                    time.sleep(0.1)	# waiting for the daemon's own output
                pool += expected
                continue
            r = subprocess.run(["bash", "-c", cmd], cwd=os.path.join(d, "work"), env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, timeout=TIMEOUT)
            actual = [x for x in r.stdout.decode("utf-8", "replace").split("\n") if x.strip()]
            left, extra = match_in_order(actual, expected)
            pool += left
            for a in extra:
                errors.append("%s: unexpected output line: %s" % (cmd, a))
        deadline = time.time() + 10
        while bg and uncovered(pool, [x for _, out in bg for x in read_lines(out)]) \
                and time.time() < deadline:
            time.sleep(0.1)	# a background command's late lines (events)
    finally:
        # what a daemon prints because it is being stopped (its final
        # stats, the self-protection alert for the signal) is not the docs'
        bg_lines = [x for _, out in bg for x in read_lines(out)]
        for p, _ in bg:
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
            try:
                p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
        shutil.rmtree(d)
    for a in take(pool, bg_lines):
        errors.append("background: unexpected output line: %s" % a)
    errors += ["expected output missing: %s" % x for x in pool]
    return errors


def uncovered(pool, lines):
    """The expected lines of pool that lines do not (yet) cover."""
    p = list(pool)
    take(p, lines)
    return p


def private_run():
    """Re-run in a mount namespace of our own with an empty /run, so a
    daemon an example starts (its socket: /run/warden/) leaves nothing on
    the host; the namespace ends with the runner."""
    if os.environ.get("WARDEN_DOCTEST_NS") == "1":
        subprocess.run(["mount", "-t", "tmpfs", "-o", "mode=0755", "doctest-run", "/run"],
                       check=True)
        return
    os.execvp("unshare", ["unshare", "--mount", "--propagation", "private", "env",
                          "WARDEN_DOCTEST_NS=1", sys.executable, os.path.abspath(__file__)]
              + sys.argv[1:])


def main():
    private_run()
    files = sys.argv[1:] or [os.path.join(ROOT, "README.md")] + \
        sorted(glob.glob(os.path.join(ROOT, "docs", "*.md")))
    ran = failed = 0
    skips = []
    for f in files:
        rel = os.path.relpath(f, ROOT)
        for line, reason, cmds in blocks(f):
            if reason:
                skips.append("%s:%d: %s" % (rel, line, reason))
                continue
            ran += 1
            errors = run_block(cmds)
            print("%s %s:%d" % ("FAIL" if errors else "ok  ", rel, line))
            for e in errors:
                print("     | " + e)
            failed += bool(errors)
    for s in skips:
        print("skip " + s)
    print("doc examples: %d blocks run, %d failed, %d skipped" % (ran, failed, len(skips)))
    return 1 if failed or not ran else 0


if __name__ == "__main__":
    sys.exit(main())
