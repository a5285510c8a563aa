#!/usr/bin/env python3
"""Markdown (or JUnit XML) summary of a `warden run --report` JSON file.

    summary.py REPORT.json [--format markdown|junit] [--status N]

Every value that comes from the report (paths, arguments, names) was chosen
by the step that ran, so it is shown as a code span: inside one, Markdown
and HTML mean nothing (no links, no images, no tags). Control and bidi
characters are written as escapes, long values are cut and long lists end
with "... and N more", so a hostile step can neither inject markup nor
flood the job summary. --status is warden run's exit status, used when the
report is missing (the run could not start).
"""
import argparse
import json
import re
import sys
import unicodedata
import xml.etree.ElementTree as ET

MAX_VALUE = 200     # characters of one value
MAX_ITEMS = 50      # entries of one list

SETUP_FAILURES = {2: "usage or policy error", 125: "the run could not be set up",
                  127: "the command could not be executed"}


def visible(s):
    """s with control, format (bidi) and line-break characters escaped."""
    out = []
    for ch in str(s):
        cat = unicodedata.category(ch)
        if cat in ("Cc", "Cf", "Zl", "Zp"):
            out.append("\\x%02x" % ord(ch) if ord(ch) < 0x100 else "\\u%04x" % ord(ch))
        else:
            out.append(ch)
    s = "".join(out)
    return s if len(s) <= MAX_VALUE else s[:MAX_VALUE] + "…"


def code(s):
    """s as a Markdown code span, fenced by more backticks than it holds."""
    s = visible(s)
    if not s:
        return "(empty)"
    longest = max((len(r) for r in re.findall("`+", s)), default=0)
    fence = "`" * (longest + 1)
    return "%s %s %s" % (fence, s, fence)


def capped(items):
    """The first MAX_ITEMS items and a closing line for the rest."""
    items = list(items)
    rest = len(items) - MAX_ITEMS
    return items[:MAX_ITEMS], ("- ... and %d more" % rest if rest > 0 else None)


def bullets(lines_of_items):
    shown, more = capped(lines_of_items)
    return shown + ([more] if more else [])


def status_text(st):
    if not st:
        return "running"
    if "signal" in st:
        return "killed by SIG%s" % st.get("signal_name", st["signal"])
    return "exit %d" % st.get("exit_code", 0)


def result_line(r):
    viols = len(r["violations"])
    if not viols:
        verdict = "✅ no violations"
    elif r["exit_status"] == 3:
        verdict = "❌ violations %s" % ("blocked" if r["mode"] == "enforce" else "found")
    else:
        verdict = "⚠️ violations reported (audit)"
    return "### warden run: %s, exit status %d" % (verdict, r["exit_status"])


def tree_lines(nodes, depth=0):
    for n in nodes:
        count = " ×%d" % n["count"] if n["count"] > 1 else ""
        yield "%s- %s%s" % ("  " * depth, code(n["binary"]), count)
        if depth < 8:
            yield from tree_lines(n["children"], depth + 1)


def violation_line(v):
    chain = " › ".join(code(b) for b in v["process_chain"])
    count = ", ×%d" % v["count"] if v["count"] > 1 else ""
    return "- **%s** %s %s (rule %s, pid %d%s)%s" % (
        v["action"].upper(), v["kind"], code(v["detail"]), code(v["rule"]),
        v["pid"], count, "<br>by " + chain if chain else "")


def connection_line(c):
    dest = code(c["address"])
    if c["name"]:
        dest = "%s (%s)" % (code(c["name"]), dest)
    return "- %s %s port %d/%s ×%d" % ("allowed" if c["allowed"] else "**BLOCKED**",
                                       dest, c["port"], c["protocol"], c["count"])


def dns_line(d):
    return "- %s %s ×%d" % ("allowed" if d["allowed"] else "**REFUSED**",
                            code(d["name"]), d["count"])


def file_line(f):
    return "- %s %s %s" % ("ok" if f["allowed"] else "**BLOCKED**",
                           code(f["op"]), code(f["path"]))


def section(title, items, line):
    items = list(items)
    out = ["", "#### %s (%d)" % (title, len(items))]
    return out + (bullets(map(line, items)) if items else ["none"])


def markdown(r):
    out = [result_line(r), "",
           "Command %s (%s), %s mode, policy %s, %.2f s." % (
               code(" ".join(r["command"])), status_text(r["command_status"]),
               r["mode"], code(r["policy"]), r["duration_ms"] / 1000.0)]
    if r["lost_events"]:
        out += ["", "**%d kernel events were lost: this report is incomplete.**"
                % r["lost_events"]]
    out += section("Violations", r["violations"], violation_line)
    out += ["", "#### Processes (%d)" % len(r["processes"])]
    out += bullets(tree_lines(r["process_tree"]))
    out += section("Connections", r["connections"], connection_line)
    out += section("DNS queries", r["dns"], dns_line)
    written = [f for f in r["files"] if f["op"] != "read-secret"]
    out += section("Files written", written, file_line)
    secrets = [f for f in r["files"] if f["op"] == "read-secret"]
    if secrets:
        out += section("Secret reads", secrets, file_line)
    out += ["", "<details><summary>Process arguments</summary>", ""]
    out += bullets("- %s: %s" % (code(p["binary"]), code(p["args"] or ""))
                   for p in r["processes"])
    out += ["", "</details>", ""]
    return "\n".join(out)


def setup_failure(status):
    return "### warden run: ❌ %s, exit status %d\n\nNo report was written.\n" % (
        SETUP_FAILURES.get(status, "no report"), status)


def junit(r):
    """One test case per violation, so GitLab's test widget lists them."""
    suite = ET.Element("testsuite", name="warden run", tests=str(max(1, len(r["violations"]))),
                       failures=str(len(r["violations"])))
    for v in r["violations"]:
        case = ET.SubElement(suite, "testcase", classname="warden." + v["kind"],
                             name=visible(v["detail"]))
        ET.SubElement(case, "failure", message="%s by rule %s" % (v["action"], v["rule"])).text = \
            "pid %d, %s" % (v["pid"], " > ".join(visible(b) for b in v["process_chain"]))
    if not r["violations"]:
        ET.SubElement(suite, "testcase", classname="warden", name="no violations")
    return ET.tostring(suite, encoding="unicode") + "\n"


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("report")
    ap.add_argument("--format", choices=["markdown", "junit"], default="markdown")
    ap.add_argument("--status", type=int, default=None)
    a = ap.parse_args()
    try:
        with open(a.report, encoding="utf-8", errors="replace") as f:
            r = json.load(f)
    except (OSError, ValueError) as e:
        if a.status is None:
            sys.exit("summary.py: %s: %s" % (a.report, e))
        r = None
    if a.format == "junit":
        sys.stdout.write(junit(r) if r else '<testsuite name="warden run" tests="1" failures="1">'
                         '<testcase name="setup"><failure message="no report"/></testcase>'
                         '</testsuite>\n')
    else:
        sys.stdout.write(markdown(r) if r else setup_failure(a.status))


if __name__ == "__main__":
    main()
