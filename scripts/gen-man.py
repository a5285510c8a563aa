#!/usr/bin/env python3
"""Expand a man page source (docs/man/NAME.SECTION.md) into the Markdown
that go-md2man turns into roff, so the man pages share their text with the
docs and the binary instead of copying it:
  <!-- include: FILE -->   FILE (relative to the source), its "# Title"
                           dropped and headings raised one level, so its
                           "## Sections" become man SECTIONS
  <!-- run: warden ARGS --> the output of `WARDEN ARGS` (e.g. --help)
  <!-- docs only -->        (in an included file) the paragraph after it
                           stays out of the man page
usage: gen-man.py SOURCE WARDEN VERSION DATE > OUT.md"""
import os
import re
import subprocess
import sys

MANUALS = {"5": "File Formats", "8": "System Administration"}
# Links between docs become references a man reader can follow.
MAN_REFS = {"policy.md": "**warden-policy**(5)", "operations.md": "**warden**(8)"}
LINK = re.compile(r"\[([^\]]+)\]\(([^)#\s]+\.md)(#[^)]*)?\)")


def man_link(m):
    target = os.path.basename(m.group(2))
    if target in MAN_REFS:
        return f"{m.group(1)} ({MAN_REFS[target]})"
    return f"{m.group(1)} (docs/{target} in the source tree)"


def included(path):
    out = []
    with open(path) as f:
        lines = f.read().splitlines()
    if lines and lines[0].startswith("# "):
        lines = lines[1:]
    fenced = skipping = False
    for line in lines:
        if line == "<!-- docs only -->":
            skipping = True
            continue
        if skipping:
            skipping = line != ""
            continue
        if line.startswith("```"):
            fenced = not fenced
        elif not fenced:
            if line.startswith("## "):
                line = "# " + line[3:].upper()	# a man section
            elif line.startswith("##"):
                line = line[1:]
            line = LINK.sub(man_link, line)
        out.append(line)
    return out


def command_output(warden, args):
    r = subprocess.run([warden] + args, capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit(f"gen-man: `warden {' '.join(args)}` exited {r.returncode}")
    return ["    " + l if l else "" for l in r.stdout.splitlines()]


def main():
    src, warden, version, date = sys.argv[1:5]
    directive = re.compile(r"^<!-- (include|run): (.+?) -->$")
    for line in open(src).read().splitlines():
        m = directive.match(line)
        title = re.match(r"^% (\S+) (\d)$", line)
        if title:
            sec = title.group(2)
            print(f'% {title.group(1)} {sec} "{date}" "warden {version}" '
                  f'"{MANUALS.get(sec, "")}"')
        elif m and m.group(1) == "include":
            print("\n".join(included(os.path.join(os.path.dirname(src), m.group(2)))))
        elif m:
            args = m.group(2).split()
            if args[0] != "warden":
                sys.exit(f"gen-man: {src}: only warden commands run: {line}")
            print("\n".join(command_output(warden, args[1:])))
        else:
            print(line)


if __name__ == "__main__":
    main()
