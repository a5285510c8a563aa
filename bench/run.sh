#!/usr/bin/env bash
# `make bench`: each workload bare, under warden with each policy, and under
# the peers that do the same job, round-robin (one run of every
# configuration per round, the order rotated each round), then a table of
# medians, min-max and ratios to bare in bench/results.md plus a plot.
#
#   bench/run.sh                 full run (~10-15 min on 2 cores, limit 30)
#   BENCH_QUICK=1 bench/run.sh   smoke run: small N, 3 runs (~3 min)
#   BENCH_RUNS=N                 runs per configuration (default 7, quick 3)
#   BENCH_WORKLOADS="exec open"  a subset of exec open connect build
#   WARDEN=path BUILD=dir        where build/warden and build/bench live
#
# Needs root (BPF, auditd).  Raw data and logs go to bench/out/.
set -euo pipefail

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(dirname "$BENCH_DIR")
BUILD=$(cd "$ROOT" && mkdir -p "${BUILD:-build}" && cd "${BUILD:-build}" && pwd)
WARDEN=${WARDEN:-$BUILD/warden}
BIN=$BUILD/bench
OUTDIR=${BENCH_OUT:-$BENCH_DIR/out}
LOGS=$OUTDIR/logs
RESULTS_MD=${BENCH_RESULTS:-$BENCH_DIR/results.md}
CC=${CC:-cc}
read -r -a WORKLOADS <<<"${BENCH_WORKLOADS:-exec open connect build}"

# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$BENCH_DIR/lib.sh"
# shellcheck source-path=SCRIPTDIR source=configs.sh
. "$BENCH_DIR/configs.sh"

declare -A UNAVAILABLE=()   # "workload/config" -> why it cannot run here
AUDIT_TOUCHED=""

# Workload sizes.  Full sizes match the figures in the project brief.
set_sizes() {
	if [ -n "${BENCH_QUICK:-}" ]; then
		RUNS=${BENCH_RUNS:-3} N_EXEC=500 N_OPEN=50000 N_CONNECT=5000 BUILD_FILES=16
		MODE="quick run (BENCH_QUICK=1)"
	else
		RUNS=${BENCH_RUNS:-7} N_EXEC=2000 N_OPEN=200000 N_CONNECT=20000 BUILD_FILES=40
		MODE="full run"
	fi
	N_EVENTS=$N_EXEC
}

preflight() {
	[ "$(id -u)" = 0 ] || die "must run as root (BPF programs, auditd)"
	local t
	for t in "$CC" bpftool awk; do
		command -v "$t" >/dev/null || die "$t not found (scripts/setup.sh --bench installs the peers)"
	done
	# The peers attach through tracefs; libbpf wants bpffs for pinning.
	mount_if_missing tracefs /sys/kernel/tracing
	mount_if_missing bpf /sys/fs/bpf
	[ -x "$WARDEN" ] || log "bench: $WARDEN not built: warden configurations are skipped"
}

build_workloads() {
	local w
	mkdir -p "$BIN"
	for w in exec open connect build; do
		"$CC" -O2 -Wall -Wextra -std=gnu11 -D_GNU_SOURCE -o "$BIN/wl_$w" \
			"$BENCH_DIR/wl_$w.c" || die "cannot compile bench/wl_$w.c"
	done
}

prepare_work() {
	WORK=$(mktemp -d /tmp/warden-bench.XXXXXX)
	mkdir -p "$LOGS"
	rm -f "$LOGS"/*
	OPEN_TARGET=$WORK/open-target
	echo "warden bench" >"$OPEN_TARGET"
	PORT=$(closed_loopback_port) || die "no closed loopback port in 20000-20099 outside the ephemeral range"
	"$BENCH_DIR/policies/gen-rules1000.sh" 1000 >"$WORK/rules1000.yaml"
	RAW=$OUTDIR/raw.tsv WARDEN_TSV=$OUTDIR/warden.tsv EVENTS_TSV=$OUTDIR/events.tsv
	printf 'workload\tconfig\tround\tstatus\tseconds\tnote\n' >"$RAW"
	printf 'config\tworkload\tround\tstartup_s\thwm_kib\tstop_s\n' >"$WARDEN_TSV"
	printf 'test\texpected\tobserved\tseconds\tnote\n' >"$EVENTS_TSV"
}

# Leave nothing behind: the workload, the tool measured, auditd and its rules.
cleanup() {
	set +e # undo as much as possible, whatever fails
	[ -z "${WL_PID:-}" ] || { kill -TERM "$WL_PID" 2>/dev/null; wait "$WL_PID" 2>/dev/null; }
	stop_active
	[ -z "$AUDIT_TOUCHED" ] || audit_stop
	[ -z "${WORK:-}" ] || rm -rf "$WORK"
}

# workload_cmd WORKLOAD: sets WL_CMD to the command line of one run.
workload_cmd() {
	case $1 in
	exec) WL_CMD=("$BIN/wl_exec" "$N_EXEC" /bin/true) ;;
	open) WL_CMD=("$BIN/wl_open" "$N_OPEN" "$OPEN_TARGET") ;;
	connect) WL_CMD=("$BIN/wl_connect" "$N_CONNECT" "$PORT") ;;
	build) WL_CMD=("$BIN/wl_build" "$BUILD_FILES" "$WORK/project") ;;
	esac
}

# run_workload WORKLOAD: one run; sets SECS to the workload's own elapsed
# seconds.  Run in the background and waited for, so that a SIGTERM/SIGINT
# to the harness runs its cleanup at once rather than after the workload.
run_workload() {
	local out="$LOGS/wl.out" rc=0
	workload_cmd "$1"
	SECS=NA
	timeout --foreground 900 "${WL_CMD[@]}" >"$out" 2>"$LOGS/wl.err" &
	WL_PID=$!
	wait "$WL_PID" || rc=$?
	WL_PID=""
	[ "$rc" = 0 ] || return 1
	SECS=$(awk '$1 == "elapsed" { v = $2 } END { if (v == "") exit 1; print v }' "$out")
}

record() { # workload config round status seconds note
	printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$@" >>"$RAW"
}

# measure_one WORKLOAD CONFIG ROUND: start CONFIG, one timed run, stop.
measure_one() {
	local w=$1 c=$2 round=$3 status=ok note=""
	[ -z "${UNAVAILABLE[$w/$c]:-}" ] || return 0
	[ "$c" != auditd ] || AUDIT_TOUCHED=1
	if ! config_start "$c" "$w"; then
		UNAVAILABLE[$w/$c]=$ACTIVE_NOTE
		record "$w" "$c" "$round" unavailable NA "$ACTIVE_NOTE"
		printf '  %-8s %-22s %s\n' "$w" "$c" "$ACTIVE_NOTE" >&2
		return 0
	fi
	run_workload "$w" || { status=fail note="workload failed: $(last_line "$LOGS/wl.err")"; }
	config_stop "$c"
	if [[ $c == warden-* ]]; then
		printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$c" "$w" "$round" \
			"$WARDEN_STARTUP" "$WARDEN_HWM" "$WARDEN_STOP" >>"$WARDEN_TSV"
		[ -z "$WARDEN_DIED" ] || { status=fail note="$WARDEN_DIED; $note"; }
	fi
	record "$w" "$c" "$round" "$status" "$SECS" "$note"
	printf '  %-8s %-22s %s s %s\n' "$w" "$c" "$SECS" "$note" >&2
}

# rotated N WORDS...: WORDS rotated left by N, so that no configuration
# always runs first (cold caches) or right after the same neighbour.
rotated() {
	local n=$1
	shift
	local words=("$@") i
	for ((i = 0; i < ${#words[@]}; i++)); do
		printf '%s ' "${words[(i + n) % ${#words[@]}]}"
	done
}

# One untimed bare run of each workload: warms the page cache and
# generates the build project, so round 1 is not special.
warm_up() {
	local w
	for w in "${WORKLOADS[@]}"; do
		log "warm-up: $w"
		run_workload "$w" || die "$w fails even bare: $(last_line "$LOGS/wl.err")"
	done
}

measure_rounds() {
	local round w c configs
	for ((round = 1; round <= RUNS; round++)); do
		log "[round $round/$RUNS]"
		for w in "${WORKLOADS[@]}"; do
			read -r -a configs <<<"$(configs_for "$w")"
			for c in $(rotated "$round" "${configs[@]}"); do
				measure_one "$w" "$c" "$round"
			done
		done
	done
}

# ---- event loss -----------------------------------------------------------
# N execs of a uniquely named copy of /bin/true under the default policy
# (exec + exit events); count the events that name it in warden's output.

# HOOK (format): the match assumes each exec and exit event line carries the
# binary's path or comm.  Adjust once warden's JSON event format is fixed.
count_marker_events() {
	grep -c 'wl_marker_true' "$1" 2>/dev/null || true
}

# HOOK (counters): warden writes a final {"type":"stats",...,"lost_total":N}
# event to its output at exit (daemon --stats-interval).  Record warden's own
# loss count beside the inferred one; if the event is missing or renamed,
# say so rather than report 0.
warden_counters_hook() {
	local stats lost
	stats=$(grep '"type":"stats"' "$1" 2>/dev/null | tail -n 1)
	lost=$(grep -o '"lost_total":[0-9]*' <<<"$stats" | cut -d: -f2)
	if [ -n "$lost" ]; then
		record_event warden_lost_total 0 "$lost" NA "warden's own ring-buffer loss counter (final stats event)"
	else
		record_event warden_lost_total 0 NA NA "TODO: no stats event with lost_total in warden's output"
	fi
}

record_event() { # test expected observed seconds note
	printf '%s\t%s\t%s\t%s\t%s\n' "$@" >>"$EVENTS_TSV"
}

measure_event_loss() {
	local out="$WORK/events.out" secs observed
	[ -x "$WARDEN" ] || { record_event exec_exit_events NA NA NA "skipped: warden not built"; return 0; }
	log "event loss: $N_EVENTS execs under warden-default"
	cp /bin/true "$WORK/wl_marker_true"
	if ! warden_start default "$out"; then
		record_event exec_exit_events NA NA NA "$ACTIVE_NOTE"
		return 0
	fi
	secs=$("$BIN/wl_exec" "$N_EVENTS" "$WORK/wl_marker_true" |
		awk '$1 == "elapsed" { print $2 }') || secs=NA
	warden_stop # SIGTERM: warden is expected to drain its ring buffer first
	observed=$(count_marker_events "$out")
	record_event exec_exit_events "$((2 * N_EVENTS))" "$observed" "$secs" \
		"lines naming the binary; expected one exec + one exit event per run"
	warden_counters_hook "$out"
}

# ---- report ---------------------------------------------------------------

pkg_version() { dpkg-query -W -f '${Version}' "$1" 2>/dev/null || echo "not installed"; }

write_meta() {
	local meta=$OUTDIR/meta.tsv
	{
		printf 'mode\t%s\n' "$MODE"
		printf 'date\t%s\n' "$(date -u '+%Y-%m-%d %H:%M UTC')"
		printf 'machine\t%s, %s cores, %s MiB\n' \
			"$(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo)" \
			"$(nproc)" "$(awk '/MemTotal/ { print int($2 / 1024) }' /proc/meminfo)"
		printf 'kernel\t%s\n' "$(uname -sr)"
		printf 'runs\t%s per configuration, round-robin\n' "$RUNS"
		printf 'sizes\texec %s, open %s, connect %s (port %s), build %s files\n' \
			"$N_EXEC" "$N_OPEN" "$N_CONNECT" "$PORT" "$BUILD_FILES"
		printf 'warden\t%s\n' "$(warden_version)"
		printf 'libbpf-tools\t%s\n' "$(pkg_version libbpf-tools)"
		printf 'bpftrace\t%s\n' "$(pkg_version bpftrace)"
		printf 'auditd\t%s\n' "$(pkg_version auditd)"
		printf 'cc\t%s\n' "$("$CC" --version | head -n 1)"
		printf 'make\t%s\n' "$(make --version | head -n 1)"
	} >"$meta"
}

warden_version() {
	local rev
	rev=$(git -C "$ROOT" describe --always --dirty 2>/dev/null || echo unknown)
	if [ -x "$WARDEN" ]; then echo "$WARDEN (tree $rev)"; else echo "not built (tree $rev)"; fi
}

# The plot needs matplotlib; Debian's python3 has it (python3-matplotlib),
# a python3 earlier in PATH (pyenv, venv) may not.
pick_python() {
	local p
	for p in /usr/bin/python3 python3; do
		"$p" -c 'import sys' 2>/dev/null && { echo "$p"; return 0; }
	done
	return 1
}

report() {
	local py
	py=$(pick_python) || die "python3 not found: raw results are in $OUTDIR"
	"$py" "$BENCH_DIR/report.py" --out "$OUTDIR" --md "$RESULTS_MD" \
		--png "${RESULTS_MD%.md}.png"
}

main() {
	set_sizes
	preflight
	build_workloads
	prepare_work
	trap cleanup EXIT
	trap 'exit 130' INT TERM
	audit_save_state
	log "warden bench: $MODE, $RUNS runs, workloads: ${WORKLOADS[*]}"
	warm_up
	measure_rounds
	measure_event_loss
	write_meta
	report
	log "bench: wrote $RESULTS_MD (raw data in $OUTDIR)"
}

main "$@"
