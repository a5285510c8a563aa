#!/usr/bin/env python3
"""Turn bench/run.sh's raw TSV files into bench/results.md and a PNG plot.

Reads OUT/raw.tsv (one line per timed run), OUT/warden.tsv (start-up, peak
RSS, shutdown per warden start), OUT/events.tsv (event loss) and
OUT/meta.tsv (machine, kernel, versions).  Standard library only, except
matplotlib for the plot, which is skipped with a note if missing.
"""
import argparse
import csv
import os
import statistics
import sys

WORKLOAD_TITLES = {
    "getppid": "getppid: N x getppid(), the cheapest syscall",
    "fork": "fork: N x fork(), the child exits at once",
    "exec": "exec: N x posix_spawn(/bin/true)",
    "open": "open: N x open+close one file",
    "connect": "connect: N x connect() to a closed loopback port",
    "build": "build: make -j2 of a generated C project",
}


# Table order: bare first, then warden, then the peers.
CONFIG_ORDER = ["bare", "warden-default", "warden-rules10", "warden-rules100", "warden-rules1000",
                "warden-report_all",
                "warden-kill_unrelated", "warden-egress100k", "execsnoop", "opensnoop", "tcpconnect",
                "bpftrace", "auditd"]


def ordered(d, order):
    """d's items sorted by position in order (unknown keys last, stable)."""
    rank = {k: i for i, k in enumerate(order)}
    return dict(sorted(d.items(), key=lambda kv: rank.get(kv[0], len(order))))


def read_tsv(path):
    if not os.path.exists(path):
        return []
    with open(path, newline="") as f:
        return list(csv.DictReader(f, delimiter="\t"))


def floats(values):
    out = []
    for v in values:
        try:
            out.append(float(v))
        except (TypeError, ValueError):
            pass
    return out


def summarise(raw):
    """{workload: {config: {"secs": [...], "notes": [...], "fails": n}}} in first-seen order."""
    table = {}
    for row in raw:
        cell = table.setdefault(row["workload"], {}).setdefault(
            row["config"], {"secs": [], "notes": [], "fails": 0})
        if row["status"] == "ok":
            cell["secs"].extend(floats([row["seconds"]]))
        else:
            cell["fails"] += row["status"] == "fail"
            if row["note"] and row["note"] not in cell["notes"]:
                cell["notes"].append(row["note"])
    return {w: ordered(c, CONFIG_ORDER) for w, c in ordered(table, list(WORKLOAD_TITLES)).items()}


def cell_text(text):
    """Tool messages may hold '|', which would split a Markdown table cell."""
    return text.replace("|", "\\|")


def ratio_of(cell, bare):
    if not cell["secs"] or not bare:
        return None
    return statistics.median(cell["secs"]) / bare


def workload_rows(configs):
    bare_cell = configs.get("bare")
    bare = statistics.median(bare_cell["secs"]) if bare_cell and bare_cell["secs"] else None
    rows = []
    for name, cell in configs.items():
        secs = cell["secs"]
        if secs:
            med = f"{statistics.median(secs):.3f}"
            rng = f"{min(secs):.3f}–{max(secs):.3f}"
            r = ratio_of(cell, bare)
            ratio = f"{r:.2f}×" if r is not None else "—"
        else:
            med = rng = ratio = "—"
        notes = list(cell["notes"])
        if cell["fails"]:
            notes.insert(0, f"{cell['fails']} failed run(s)")
        rows.append(f"| {name} | {med} | {rng} | {ratio} | {len(secs)} | {cell_text('; '.join(notes))} |")
    return rows


def warden_section(rows):
    out = ["## warden itself", ""]
    if not rows:
        return out + ["Not measured: warden was not built or never started.", ""]
    out += ["| configuration | during | start-up to `ready` (s), median (min–max) | peak RSS VmHWM (KiB), max "
            "| SIGTERM to exit (s), median | starts |", "|---|---|---|---|---|---|"]
    by_config = {}
    for r in rows:
        during = "idle 1 s" if r["workload"] == "idle" else "workloads"
        by_config.setdefault((r["config"], during), []).append(r)
    for (config, during), rs in by_config.items():
        start = floats(r["startup_s"] for r in rs)
        hwm = floats(r["hwm_kib"] for r in rs)
        stop = floats(r["stop_s"] for r in rs)
        s = (f"{statistics.median(start):.3f} ({min(start):.3f}–{max(start):.3f})"
             if start else "—")
        h = f"{max(hwm):.0f}" if hwm else "—"
        t = f"{statistics.median(stop):.3f}" if stop else "—"
        out.append(f"| {config} | {during} | {s} | {h} | {t} | {len(rs)} |")
    return out + ["", "Start-up is polled every 10 ms; peak RSS is read just before SIGTERM, "
                  "after the workload ran. warden-ingress1m: `network.ingress` denying a list file of "
                  "1,000,000 IPv4 prefixes, XDP on a veth in a network namespace made by the bench.", ""]


def num(v):
    try:
        return float(v)
    except (TypeError, ValueError):
        return None


def events_section(rows):
    out = ["## Events: throughput and loss", ""]
    if not rows:
        return out + ["Not measured.", ""]
    out += ["Events come only from the bench's marker binaries (an `alert` exec rule, and a syscall "
            "rule on `getppid` for the burst program), so the number generated is known exactly. "
            "Each step is one daemon; `lost_total` is from its final stats event, written after the "
            "ring buffer is drained at SIGTERM. *others*: events of other processes that shared the "
            "ring buffer (warden's tamper guard reporting the harness's own signals to the daemon, "
            "other processes' `bpf()` calls; with forks printed, other processes' forks). "
            "*overload* steps SIGSTOP the daemon while the events are generated, so the 4 MiB ring "
            "buffer must overflow. *exec-overload-forks* also prints every fork (`observe: fork`), so "
            "each spawn is two events (its fork and its exec): warden sends every fork to user space "
            "for its process table even when it does not print it, and `lost_total` counts those "
            "unprinted records too.", "",
            "| step | event | paced at /s | generated | delivered | lost_total | delivered + lost − generated "
            "| others | achieved /s | every event delivered | note |",
            "|---|---|---|---|---|---|---|---|---|---|---|"]
    best = {}
    for r in rows:
        gen, dlv, lost, secs = num(r["generated"]), num(r["delivered"]), num(r["lost_total"]), num(r["seconds"])
        rate = gen / secs if gen and secs else None
        diff = "—"
        every = "—"
        if gen is not None and dlv is not None and lost is not None:
            diff = f"{dlv + lost - gen:+.0f}"
            every = "yes" if dlv == gen and lost == 0 else "no"
            if every == "yes" and rate and "overload" not in r["test"]:
                best[r["event"]] = max(best.get(r["event"], 0), rate)
        paced = r["rate"] if r["rate"] not in ("0", "NA") else "max"
        out.append(f"| {r['test']} | {r['event']} | {paced} | {r['generated']} | {r['delivered']} | "
                   f"{r['lost_total']} | {diff} | {r['others']} | {rate:.0f} | {every} | {cell_text(r['note'])} |"
                   if rate else
                   f"| {r['test']} | {r['event']} | {paced} | {r['generated']} | {r['delivered']} | "
                   f"{r['lost_total']} | {diff} | {r['others']} | — | {every} | {cell_text(r['note'])} |")
    out.append("")
    for ev, rate in best.items():
        out.append(f"- highest {ev} event rate with every event delivered (achieved, not paced): {rate:,.0f}/s")
    return out + [""]


def loss_exact(rows):
    """(verdict, detail) for the 'loss counts exact' target from the overload steps."""
    over = [r for r in rows if "overload" in r["test"]]
    if not over:
        return None, "not measured"
    details, ok = [], True
    for r in over:
        gen, dlv, lost, others = (num(r[k]) for k in ("generated", "delivered", "lost_total", "others"))
        if None in (gen, dlv, lost):
            return False, f"{r['test']}: counters missing"
        d = dlv + lost - gen
        ok &= d == 0
        details.append(f"{r['test']}: {dlv:.0f} + {lost:.0f} lost = {dlv + lost:.0f} of {gen:.0f} "
                       f"({d:+.0f}; {others:.0f} other events)")
        ok &= lost > 0  # not an overload if nothing was lost
    return ok, "; ".join(details)


def targets_section(table, warden_rows, event_rows):
    def ratio(workload, config):
        cfgs = table.get(workload, {})
        bare = cfgs.get("bare")
        cell = cfgs.get(config)
        if not cell or not bare or not bare["secs"] or not cell["secs"]:
            return None
        return ratio_of(cell, statistics.median(bare["secs"]))

    def verdict(v, limit):
        return "—" if v is None else ("met" if v <= limit else "missed")

    rows = []
    for workload, limit in (("getppid", 1.02), ("open", 1.02), ("connect", 1.02),
                            ("build", 1.02), ("exec", 1.03), ("fork", 1.03)):
        for config, label in (("warden-default", "default policy"),
                              ("warden-rules1000", "1,000 non-matching rules")):
            r = ratio(workload, config)
            rows.append((f"{workload}, {label}", f"≤ {limit:.2f}× bare",
                         f"{r:.2f}×" if r is not None else "not measured", verdict(r, limit)))
    default = [r for r in warden_rows if r["config"] == "warden-default"]
    hwm = floats(r["hwm_kib"] for r in default)
    h = max(hwm) / 1024 if hwm else None
    rows.append(("peak RSS, default policy (max VmHWM)", "≤ 12 MiB",
                 f"{h:.1f} MiB" if h is not None else "not measured", verdict(h, 12)))
    big = floats(r["hwm_kib"] for r in warden_rows if r["config"] == "warden-ingress1m")
    b = max(big) / 1024 if big else None
    rows.append(("peak RSS, 1,000,000 ingress prefixes (max VmHWM)", "≤ 40 MiB",
                 f"{b:.1f} MiB" if b is not None else "not measured", verdict(b, 40)))
    for config, label, limit in (("warden-default", "default policy", 0.2),
                                 ("warden-rules1000", "1,000 rules", 0.5)):
        start = floats(r["startup_s"] for r in warden_rows if r["config"] == config)
        s = statistics.median(start) if start else None
        rows.append((f"start-up to enforcing (`ready`), {label}, median", f"≤ {limit * 1000:.0f} ms",
                     f"{s * 1000:.0f} ms" if s is not None else "not measured", verdict(s, limit)))
    best = max((num(r["generated"]) / num(r["seconds"]) for r in event_rows
                if "overload" not in r["test"] and num(r["generated"]) and num(r["seconds"])
                and num(r["delivered"]) == num(r["generated"]) and num(r["lost_total"]) == 0),
               default=None)
    rows.append(("events delivered with zero loss, highest rate", "≥ 500,000/s",
                 f"{best:,.0f}/s" if best else "not measured",
                 "—" if best is None else ("met" if best >= 500000 else "missed")))
    ok, detail = loss_exact(event_rows)
    rows.append(("loss counts exact at overload", "delivered + lost = generated", detail,
                 "—" if ok is None else ("met" if ok else "missed")))
    out = ["## Targets (issue 16)", "", "Goals, reported as measured; on a shared 2-core VM read "
           "them beside the min–max ranges above.", "",
           "| target | goal | measured | |", "|---|---|---|---|"]
    out += [f"| {a} | {b} | {cell_text(c)} | {d} |" for a, b, c, d in rows]
    return out + [""]


def phases_section(rows):
    """Median ms of each start-up phase warden -v printed, per configuration."""
    out = ["## Start-up per phase (`warden daemon -v`)", ""]
    if not rows:
        return out + ["Not measured.", ""]
    by = {}
    for r in rows:
        v = num(r["ms"])
        if v is not None:
            by.setdefault(r["config"], {}).setdefault(r["phase"], []).append(v)
    out += ["Median over every start of that configuration, in the order warden runs them; "
            "the phases do not add up to the start-up above, which also counts exec, "
            "the policy parse and the harness's 10 ms polling.", "",
            "| configuration | phase | median ms | max ms | starts |", "|---|---|---|---|---|"]
    for config, phases in ordered(by, CONFIG_ORDER).items():
        for phase, v in phases.items():
            out.append(f"| {config} | {cell_text(phase)} | {statistics.median(v):.1f} | {max(v):.1f} | {len(v)} |")
    return out + [""]


def scaling_section(table):
    """Cost per exec against the number of rules (none matches)."""
    cfgs = table.get("exec", {})
    bare = cfgs.get("bare")
    if not bare or not bare["secs"]:
        return []
    b = statistics.median(bare["secs"])
    out = ["## Rule count: cost per exec", "",
           "posix_spawn(/bin/true) with N exec kill rules, none matching, nothing printed "
           "(bench/policies/gen-rules1000.sh N); from the exec table above. 10,000 rules "
           "cannot be measured: a policy holds at most 1,024 (MAX_RULES in "
           "include/warden/process_abi.h; the per-value rule bitmaps are 16 words).", "",
           "| rules | median s | per exec µs | µs over bare | ratio to bare |", "|---|---|---|---|---|"]
    for n, config in ((10, "warden-rules10"), (100, "warden-rules100"), (1000, "warden-rules1000")):
        cell = cfgs.get(config)
        if not cell or not cell["secs"]:
            out.append(f"| {n:,} | — | — | — | — |")
            continue
        m = statistics.median(cell["secs"])
        per = m / N_EXEC * 1e6 if N_EXEC else None
        over = (m - b) / N_EXEC * 1e6 if N_EXEC else None
        out.append(f"| {n:,} | {m:.3f} | {per:.0f} | {over:+.0f} | {m / b:.2f}× |" if per is not None
                   else f"| {n:,} | {m:.3f} | — | — | {m / b:.2f}× |")
    return out + [""]


def encode_section(rows, event_rows):
    out = ["## Event encoding: lines per second on one core", ""]
    secs = [num(r["seconds"]) for r in rows if num(r["seconds"])]
    if rows and secs:
        lines, nbytes = num(rows[0]["lines"]), num(rows[0]["bytes"])
        best = min(secs)
        out += ["`build/bench/wl_encode N`: N exec event lines (the daemon's fields, lib/json.c's "
                "writer) into a 64 KiB buffer written to /dev/null; one process, one core.", "",
                "| lines | runs | best s | lines/s (best) | lines/s (median) | bytes/line |",
                "|---|---|---|---|---|---|",
                f"| {lines:,.0f} | {len(secs)} | {best:.3f} | {lines / best:,.0f} | "
                f"{lines / statistics.median(secs):,.0f} | {nbytes / lines:.0f} |", ""]
    cpu = [(r["test"], num(r["delivered"]), num(r.get("daemon_cpu_s"))) for r in event_rows]
    cpu = [(t, d, c) for t, d, c in cpu if d and c and "overload" not in t]
    if cpu:
        out += ["The whole daemon path (ring buffer, decode, process table, JSON, write) per CPU "
                "second of the daemon, from the event steps below (daemon utime+stime):", "",
                "| step | delivered | daemon CPU s | lines per CPU second |", "|---|---|---|---|"]
        out += [f"| {t} | {d:.0f} | {c:.2f} | {d / c:,.0f} |" for t, d, c in cpu] + [""]
    return out


def extras_section(outdir):
    names = sorted(f for f in os.listdir(outdir) if f.startswith("extra-") and f.endswith(".md"))
    if not names:
        return []
    out = ["## Standalone benchmarks", "",
           "Run by bench/run.sh after the round-robin: bench/ingress.sh, bench/egress.sh, "
           "bench/run_build.sh (their own output, headings demoted).", ""]
    for n in names:
        with open(os.path.join(outdir, n)) as f:
            for line in f.read().rstrip("\n").split("\n"):
                out.append("#" + line if line.startswith("#") else line)
        out.append("")
    return out


N_EXEC = None


def markdown(meta, table, warden_rows, event_rows, plot_note, outdir):
    out = ["# warden benchmark results", ""]
    if "quick" in meta.get("mode", ""):
        out += ["**Quick run (BENCH_QUICK=1): small N, 3 runs — a smoke test, not figures to quote.**", ""]
    out += [f"- {k}: {v}" for k, v in meta.items()] + [""]
    out += ["Seconds are each workload's own CLOCK_MONOTONIC time; median and min–max over the "
            "runs; ratio = median / bare median. Configurations ran round-robin.", ""]
    for workload, configs in table.items():
        out += [f"## {WORKLOAD_TITLES.get(workload, workload)}", "",
                "| configuration | median s | min–max s | ratio to bare | runs | note |",
                "|---|---|---|---|---|---|"]
        out += workload_rows(configs) + [""]
    out += scaling_section(table)
    out += targets_section(table, warden_rows, event_rows)
    out += warden_section(warden_rows)
    out += phases_section(read_tsv(os.path.join(outdir, "phases.tsv")))
    out += encode_section(read_tsv(os.path.join(outdir, "encode.tsv")), event_rows)
    out += events_section(event_rows) + extras_section(outdir)
    out += ["## Plot", "", plot_note, ""]
    return "\n".join(out)


def plot(table, png):
    """One panel per workload, a bar per configuration: median / bare median."""
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return "Plot skipped: matplotlib is not installed (apt-get install python3-matplotlib)."
    workloads = list(table)
    fig, axes = plt.subplots(1, len(workloads), figsize=(4 * len(workloads), 4.5), squeeze=False)
    for ax, workload in zip(axes[0], workloads):
        configs = table[workload]
        bare = configs.get("bare")
        bare_med = statistics.median(bare["secs"]) if bare and bare["secs"] else None
        names, ratios = [], []
        for name, cell in configs.items():
            names.append(name)
            ratios.append(ratio_of(cell, bare_med))
        colors = ["#888" if n == "bare" else "#2a7" if n.startswith("warden") else "#c63" for n in names]
        heights = [r if r is not None else 0 for r in ratios]
        ax.bar(range(len(names)), heights, color=colors)
        ax.axhline(1.0, color="black", linewidth=0.8)
        ax.set_xticks(range(len(names)))
        ax.set_xticklabels(names, rotation=60, ha="right", fontsize=8)
        ax.set_title(workload)
        ax.set_ylabel("median time / bare")
        for i, r in enumerate(ratios):
            # No bar for what did not run: labelled, never drawn as a 0.
            label = f"{r:.2f}" if r is not None else "n/a"
            ax.text(i, r if r is not None else 0.02, label, ha="center", va="bottom", fontsize=7,
                    rotation=0 if r is not None else 90)
    fig.tight_layout()
    fig.savefig(png, dpi=100)
    return f"![ratio to bare]({os.path.basename(png)})"


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--out", required=True, help="bench/out with the raw TSV files")
    ap.add_argument("--md", required=True)
    ap.add_argument("--png", required=True)
    args = ap.parse_args()
    meta = {}
    meta_path = os.path.join(args.out, "meta.tsv")
    if os.path.exists(meta_path):
        with open(meta_path) as f:
            for line in f:
                k, _, v = line.rstrip("\n").partition("\t")
                meta[k] = v
    global N_EXEC
    sizes = meta.get("sizes", "")
    if sizes.startswith("exec "):
        N_EXEC = num(sizes.split()[1].rstrip(","))
    table = summarise(read_tsv(os.path.join(args.out, "raw.tsv")))
    plot_note = plot(table, args.png) if table else "No data to plot."
    text = markdown(meta, table, read_tsv(os.path.join(args.out, "warden.tsv")),
                    read_tsv(os.path.join(args.out, "events.tsv")), plot_note, args.out)
    with open(args.md, "w") as f:
        f.write(text)
    print(text)


if __name__ == "__main__":
    sys.exit(main())
