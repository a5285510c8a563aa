#!/usr/bin/env python3
"""Check that the source tree has no dependency cycles.

  scripts/check-deps.py [BUILD]

1. Include graph: every #include "..." in src/, include/ and bpf/ (resolved
   the way the compiler does: next to the file, then src/, include/, bpf/).
2. Call graph between files: from the object files under BUILD/obj, file
   A depends on file B when A refers to a symbol B defines (a call, or a
   function or variable named in a table). Calls made through function
   pointers handed over at run time (module tables, ring-buffer callbacks)
   are not references and do not count, which is the point of them.

Any cycle (two files that depend on each other, or a longer loop) is
printed and the exit status is 1. Pure Python and nm; no root.
"""
import os
import re
import subprocess
import sys

ROOTS = ["src", "include", "bpf"]
INCLUDE_RE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)


def sources():
    for root in ROOTS:
        for dirpath, _, files in os.walk(root):
            for f in files:
                if f.endswith((".c", ".h")) and "vmlinux" not in dirpath:
                    yield os.path.join(dirpath, f)


def resolve(src, name):
    for base in [os.path.dirname(src)] + ROOTS:
        p = os.path.normpath(os.path.join(base, name))
        if os.path.isfile(p):
            return p
    return None  # generated (skeletons, syscall table) or system


def include_graph():
    g = {}
    for f in sources():
        with open(f, encoding="utf-8", errors="replace") as fh:
            names = INCLUDE_RE.findall(fh.read())
        g[f] = {r for r in (resolve(f, n) for n in names) if r}
    return g


def nm(obj):
    out = subprocess.run(["nm", "--defined-only", obj], capture_output=True,
                         text=True, check=True).stdout
    defined = {l.split()[-1] for l in out.splitlines()
               if len(l.split()) == 3 and l.split()[1] in "TDBRVWGS"}
    out = subprocess.run(["nm", "--undefined-only", obj], capture_output=True,
                         text=True, check=True).stdout
    undefined = {l.split()[-1] for l in out.splitlines() if l.strip()}
    return defined, undefined


def call_graph(build):
    objdir = os.path.join(build, "obj")
    objs = []
    for dirpath, _, files in os.walk(objdir):
        if os.path.relpath(dirpath, objdir).split(os.sep)[0] == "bpf":
            continue
        objs += [os.path.join(dirpath, f) for f in files if f.endswith(".o")]
    if not objs:
        sys.exit(f"check-deps: no object files under {objdir}: run make first")
    name = {o: "src/" + os.path.relpath(o, objdir)[:-2] + ".c" for o in objs}
    syms = {o: nm(o) for o in objs}
    owner = {}
    for o, (defined, _) in syms.items():
        for s in defined:
            owner[s] = name[o]
    return {name[o]: {owner[s] for s in undef if s in owner} - {name[o]}
            for o, (_, undef) in syms.items()}


def cycles(g):
    """Strongly connected components with more than one node (Tarjan)."""
    index, low, stack, on, out = {}, {}, [], set(), []
    counter = [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in sorted(g.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    sys.setrecursionlimit(10000)
    for v in sorted(g):
        if v not in index:
            visit(v)
    return out


def report(kind, g):
    found = cycles(g)
    for comp in found:
        members = set(comp)
        print(f"check-deps: {kind} cycle among {len(comp)} files:")
        for a in comp:
            for b in sorted(g[a] & members):
                print(f"    {a} -> {b}")
    return len(found)


def main():
    build = sys.argv[1] if len(sys.argv) > 1 else "build"
    inc = include_graph()
    calls = call_graph(build)
    bad = report("include", inc) + report("call", calls)
    edges = sum(len(v) for v in calls.values())
    print(f"check-deps: {len(inc)} sources, {len(calls)} objects, "
          f"{edges} file-to-file references, {bad} cycles")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
