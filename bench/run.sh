#!/usr/bin/env bash
# `make bench`: each workload bare, under warden with each policy, and under
# the peers that do the same job, round-robin (one run of every
# configuration per round, the order rotated each round), then a table of
# medians, min-max and ratios to bare in bench/results.md plus a plot.
#
#   bench/run.sh                 full run (~11 min on 2 cores, limit 30)
#   BENCH_QUICK=1 bench/run.sh   smoke run: small N, 3 runs (~4 min)
#   BENCH_RUNS=N                 runs per configuration (default 5, quick 3)
#   BENCH_WORKLOADS="exec open"  a subset of getppid fork exec open connect build
#   WARDEN=path BUILD=dir        where build/warden and build/bench live
#
# Then warden alone: event throughput and loss at overload, peak RSS with
# 1,000,000 ingress prefixes, and the standalone bench/ingress.sh,
# bench/egress.sh, bench/run_build.sh and bench/syscall_path.sh, whose
# tables are appended.
# Needs root (BPF, auditd, netns).  Raw data and logs go to bench/out/.
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
read -r -a WORKLOADS <<<"${BENCH_WORKLOADS:-getppid fork exec open connect build}"

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
		N_GETPPID=500000 N_FORK=1000 N_ENCODE=200000
		EVENT_EXEC_RATES="500" EVENT_SYSCALL_RATES="20000" EVENT_STEP_S=1
		N_BURST=100000 N_EXEC_OVERLOAD=10000 RSS_RUNS=1 EXTRA_RUNS=2 FLOOD_SECONDS=1
		MODE="quick run (BENCH_QUICK=1)"
	else
		RUNS=${BENCH_RUNS:-5} N_EXEC=2000 N_OPEN=200000 N_CONNECT=20000 BUILD_FILES=40
		N_GETPPID=2000000 N_FORK=4000 N_ENCODE=1000000
		EVENT_EXEC_RATES="250 500 1000" EVENT_SYSCALL_RATES="10000 100000 200000 500000" EVENT_STEP_S=2
		N_BURST=200000 N_EXEC_OVERLOAD=15000 RSS_RUNS=3 EXTRA_RUNS=5 FLOOD_SECONDS=3
		MODE="full run"
	fi
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
	for w in exec open connect build syscall fork; do
		"$CC" -O2 -Wall -Wextra -std=gnu11 -D_GNU_SOURCE -o "$BIN/wl_$w" \
			"$BENCH_DIR/wl_$w.c" || die "cannot compile bench/wl_$w.c"
	done
	# the encoder with warden's own JSON writer, at warden's -O2
	"$CC" -O2 -Wall -Wextra -std=gnu11 -D_GNU_SOURCE -I"$ROOT/src" -o "$BIN/wl_encode" \
		"$BENCH_DIR/wl_encode.c" "$ROOT/src/lib/json.c" || die "cannot compile bench/wl_encode.c"
}

prepare_work() {
	WORK=$(mktemp -d /tmp/warden-bench.XXXXXX) # mode 0700, root's
	mkdir -m 0700 "$WORK/run"                 # the daemons' control sockets
	mkdir -p "$LOGS"
	rm -f "$LOGS"/* "$OUTDIR"/extra-*.md
	OPEN_TARGET=$WORK/open-target
	echo "warden bench" >"$OPEN_TARGET"
	PORT=$(closed_loopback_port) || die "no closed loopback port in 20000-20099 outside the ephemeral range"
	write_bench_policies
	RAW=$OUTDIR/raw.tsv WARDEN_TSV=$OUTDIR/warden.tsv EVENTS_TSV=$OUTDIR/events.tsv
	PHASES_TSV=$OUTDIR/phases.tsv ENCODE_TSV=$OUTDIR/encode.tsv
	printf 'config\tphase\tms\n' >"$PHASES_TSV"
	printf 'run\tlines\tseconds\tbytes\n' >"$ENCODE_TSV"
	printf 'workload\tconfig\tround\tstatus\tseconds\tnote\n' >"$RAW"
	printf 'config\tworkload\tround\tstartup_s\thwm_kib\tstop_s\n' >"$WARDEN_TSV"
	printf 'test\tevent\trate\tgenerated\tdelivered\tlost_total\tringbuf_full\tothers\tseconds\tnote\tdaemon_cpu_s\n' >"$EVENTS_TSV"
}

# Leave nothing behind: the workload, the tool measured, auditd and its rules.
cleanup() {
	set +e # undo as much as possible, whatever fails
	[ -z "${WL_PID:-}" ] || { kill -TERM "$WL_PID" 2>/dev/null; wait "$WL_PID" 2>/dev/null; }
	# a standalone script: its own trap removes its netns and daemons
	[ -z "${EXTRA_PID:-}" ] || stop_group "$EXTRA_PID"
	[ -z "${ACTIVE_PID:-}" ] || kill -CONT "$ACTIVE_PID" 2>/dev/null # overload test
	stop_active
	[ -z "${NETNS:-}" ] || ip netns del "$NETNS" 2>/dev/null
	[ -z "$AUDIT_TOUCHED" ] || audit_stop
	[ -z "${WORK:-}" ] || rm -rf "$WORK"
}

# workload_cmd WORKLOAD: sets WL_CMD to the command line of one run.
workload_cmd() {
	case $1 in
	getppid) WL_CMD=("$BIN/wl_syscall" "$N_GETPPID") ;;
	fork) WL_CMD=("$BIN/wl_fork" "$N_FORK") ;;
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

# ---- events: throughput and loss ------------------------------------------
# One policy, two alert rules that only the bench's own marker binaries
# match, so the events generated are known exactly:
#  - bench-exec: one exec event per run of $WORK/wl_marker_true (a copy of
#    /bin/true), spawned by wl_exec at a paced rate;
#  - bench-burst: a syscall rule, one event per getppid() of $WORK/wl_burst
#    (a copy of wl_syscall): the fastest event source there is.
# Each step starts its own daemon, so the final stats event (written at
# exit, after the ring buffer is drained) counts that step's losses only.
# Other events (warden's tamper guard reports other processes' bpf() calls,
# e.g. other daemons on this machine) share the ring buffer: they are
# counted in the "others" column; a loss counter cannot say whose event it
# lost, so with others present delivered + lost may exceed generated.

write_events_policy() {
	cp /bin/true "$WORK/wl_marker_true"
	cp "$BIN/wl_syscall" "$WORK/wl_burst"
	cat >"$WORK/policies/events.yaml" <<-EOF
	# generated by bench/run.sh: events only for the bench's marker binaries
	name: bench-events
	rules:
	  - name: bench-exec
	    action: alert
	    match: { binary: $WORK/wl_marker_true }
	  - name: bench-burst
	    action: alert
	    syscalls: [getppid]
	    match: { binary: $WORK/wl_burst }
	EOF
	# the same, and every fork printed: warden always sends each fork to
	# user space (its process table needs it), printed or not, so in this
	# variant every ring-buffer record of the exec workload is an event
	{ cat "$WORK/policies/events.yaml"; echo "observe: { fork: true }"; } \
		>"$WORK/policies/events-fork.yaml"
	chmod 0600 "$WORK/policies/events.yaml" "$WORK/policies/events-fork.yaml"
}

# stats_field OUT FIELD: FIELD of warden's final stats event, or NA.
stats_field() {
	grep '"type":"stats"' "$1" 2>/dev/null | tail -n 1 |
		grep -o "\"$2\":[0-9]*" | cut -d: -f2 | grep . || echo NA
}

# events_step TEST EVENT RATE N [stop|parallel|stop-fork]: start warden,
# generate N events (EVENT exec or syscall) at RATE per second (0: as fast
# as one producer can; parallel: two producers of N/2 each; stop: warden's
# process is SIGSTOPped while the events are generated, so its ring buffer
# overflows; stop-fork: the same with forks printed, so that each spawn is
# two events, its fork and its exec), stop warden, count.
events_step() {
	local test=$1 ev=$2 rate=$3 n=$4 how=${5:-} out="$WORK/events-$1.out"
	local cmd secs rule delivered total others lost full note="" policy=events
	rm -f "$out"
	[ "$how" != stop-fork ] || { policy=events-fork how=stop; }
	if ! warden_start "$policy" "$out"; then
		record_event "$test" "$ev" "$rate" "$n" NA NA NA NA NA "$ACTIVE_NOTE"
		return 0
	fi
	if [ "$ev" = exec ]; then
		cmd=("$BIN/wl_exec" "$n" "$WORK/wl_marker_true" "$rate") rule=bench-exec
	else
		cmd=("$WORK/wl_burst" "$n" "$rate") rule=bench-burst
	fi
	[ "$how" != stop ] || kill -STOP "$ACTIVE_PID"
	if [ "$how" = parallel ]; then
		cmd[1]=$((n / 2))
		"${cmd[@]}" >"$LOGS/ev2.out" 2>&1 &
		WL_PID=$!
		secs=$("${cmd[@]}" 2>>"$LOGS/ev.err" | awk '$1 == "elapsed" { print $2 }')
		wait "$WL_PID" || note="second producer failed"
		WL_PID=""
		secs=$(awk -v a="$secs" '$1 == "elapsed" && $2 > a { a = $2 } END { print a }' "$LOGS/ev2.out")
	else
		secs=$("${cmd[@]}" 2>>"$LOGS/ev.err" | awk '$1 == "elapsed" { print $2 }')
	fi
	[ -n "$secs" ] || { secs=NA note="workload failed: $(last_line "$LOGS/ev.err")"; }
	[ "$how" != stop ] || kill -CONT "$ACTIVE_PID"
	DAEMON_CPU=$(daemon_cpu_after_drain "$ACTIVE_PID" "$out")
	warden_stop # SIGTERM: warden drains its ring buffer, then writes stats
	[ -z "$WARDEN_DIED" ] || note="$WARDEN_DIED; $note"
	local pat="\"rule\":\"$rule\""
	if [ "$policy" = events-fork ]; then # + the forks of the spawned children
		pat="$pat\|\"type\":\"fork\".*\"comm\":\"wl_exec\"" n=$((2 * n))
	fi
	delivered=$(grep -c "$pat" "$out" || true)
	# events read from the ring buffer: all but warden's own policy/stats lines
	total=$(grep -vc '"type":"\(policy\|stats\)"' "$out" || true)
	others=$((total - delivered))
	# what the other events were (type, comm, syscall), for the loss analysis
	grep -v "$pat\|\"type\":\"\(policy\|stats\)\"" "$out" |
		cut -c1-400 >"$LOGS/events-$test.others" || true
	lost=$(stats_field "$out" lost_total)
	full=$(stats_field "$out" process_ringbuf_full)
	[ "$lost" != NA ] || note="no final stats event with lost_total; $note"
	record_event "$test" "$ev" "$rate" "$n" "$delivered" "$lost" "$full" "$others" "$secs" "$note"
	log "  events $test: generated $n, delivered $delivered, lost_total $lost, others $others, ${secs}s"
	rm -f "$out"
}

record_event() { # test event rate generated delivered lost ringbuf_full others seconds note
	printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$@" "${DAEMON_CPU:-NA}" >>"$EVENTS_TSV"
	DAEMON_CPU=NA
}

# daemon_cpu_after_drain PID OUT: the daemon's CPU seconds (utime+stime)
# once OUT has stopped growing (it has printed what the ring buffer held;
# at most 5 s), for its lines per CPU second.
daemon_cpu_after_drain() {
	local last=-1 size i hz
	hz=$(getconf CLK_TCK)
	for ((i = 0; i < 50; i++)); do
		size=$(stat -c %s "$2" 2>/dev/null || echo 0)
		[ "$size" != "$last" ] || break
		last=$size
		sleep 0.1
	done
	awk -v hz="$hz" '{ printf "%.2f\n", ($14 + $15) / hz }' "/proc/$1/stat" 2>/dev/null || echo NA
}

measure_events() {
	local r
	[ -x "$WARDEN" ] || { record_event all NA NA NA NA NA NA NA NA "skipped: warden not built"; return 0; }
	log "events: throughput (paced rates) and loss at overload"
	write_events_policy
	for r in $EVENT_EXEC_RATES; do
		events_step "exec-$r" exec "$r" $((r * EVENT_STEP_S))
	done
	events_step exec-max exec 0 "$N_EXEC"
	events_step exec-max-2 exec 0 "$N_EXEC" parallel
	for r in $EVENT_SYSCALL_RATES; do
		events_step "syscall-$r" syscall "$r" $((r * EVENT_STEP_S))
	done
	events_step syscall-max syscall 0 "$N_BURST"
	events_step syscall-max-2 syscall 0 "$N_BURST" parallel
	events_step exec-overload exec 0 "$N_EXEC_OVERLOAD" stop
	events_step exec-overload-forks exec 0 "$N_EXEC_OVERLOAD" stop-fork
	events_step syscall-overload syscall 0 "$N_BURST" stop
}

# ---- the JSON encoder alone -------------------------------------------------
measure_encode() {
	local r out
	log "encoder: $N_ENCODE exec event lines, $RUNS runs"
	for ((r = 1; r <= RUNS; r++)); do
		out=$("$BIN/wl_encode" "$N_ENCODE") || { log "  wl_encode failed"; return 0; }
		printf '%s\t%s\t%s\t%s\n' "$r" \
			"$(awk '$1 == "lines" { print $2 }' <<<"$out")" \
			"$(awk '$1 == "elapsed" { print $2 }' <<<"$out")" \
			"$(awk '$1 == "bytes" { print $2 }' <<<"$out")" >>"$ENCODE_TSV"
	done
}

# ---- peak RSS with 1,000,000 ingress prefixes ------------------------------
# A veth pair in a network namespace made here (never a host interface),
# warden's XDP filter on one end with a list file of 1,000,000 IPv4 /32s.
measure_ingress_rss() {
	local d=$WORK/policies round
	[ -x "$WARDEN" ] || return 0
	log "peak RSS: default policy idle, and 1,000,000 ingress prefixes on a veth"
	NETNS=wbench-rss-$$
	ip netns add "$NETNS" || die "cannot create netns $NETNS"
	ip -n "$NETNS" link add wb0 type veth peer name wb1
	ip -n "$NETNS" link set wb0 up
	ip -n "$NETNS" link set wb1 up
	awk 'BEGIN { for (i = 0; i < 1000000; i++)
		printf "10.%d.%d.%d\n", int(i / 65536), int(i / 256) % 256, i % 256 }' >"$d/ingress1m.txt"
	cat >"$d/ingress1m.yaml" <<-EOF
	# generated by bench/run.sh: 1,000,000 IPv4 prefixes denied on wb0
	name: bench-ingress1m
	network:
	  ingress:
	    interfaces:
	      wb0:
	        mode: xdp
	        deny:
	          - name: feed1m
	            file: ingress1m.txt
	EOF
	chmod 0600 "$d/ingress1m.yaml" "$d/ingress1m.txt"
	for ((round = 1; round <= RSS_RUNS; round++)); do
		rss_one default "" "$round"
		rss_one ingress1m "$NETNS" "$round"
	done
	ip netns del "$NETNS"
	NETNS=""
}

rss_one() { # POLICY NETNS ROUND: start, idle 1 s, peak RSS, stop
	if warden_start "$1" /dev/null "$2"; then
		sleep 1
		warden_stop
	else
		log "  $1: $ACTIVE_NOTE"
	fi
	printf '%s\t%s\t%s\t%s\t%s\t%s\n' "warden-$1" idle "$3" \
		"$WARDEN_STARTUP" "$WARDEN_HWM" "$WARDEN_STOP" >>"$WARDEN_TSV"
	log "  warden-$1 idle: ready after ${WARDEN_STARTUP}s, VmHWM $WARDEN_HWM KiB"
}

# ---- the standalone benchmarks ---------------------------------------------
# bench/ingress.sh, bench/egress.sh and bench/run_build.sh print Markdown;
# each lands in $OUTDIR/extra-NAME.md and report.py appends it to the
# results.  Run in the background and waited for, so an interrupt stops
# them (their own traps remove their namespaces and daemons).
run_extra() { # NAME SCRIPT ARGS...
	local name=$1 rc=0 t0=$SECONDS
	shift
	log "standalone: $*"
	# setsid: its own process group, so cleanup can end it with every
	# child (make, warden run) by the group id
	WARDEN=$WARDEN BUILD=$(basename "$BUILD") FLOOD_SECONDS=$FLOOD_SECONDS \
		setsid "$@" >"$OUTDIR/extra-$name.md" 2>"$LOGS/extra-$name.err" &
	EXTRA_PID=$!
	wait "$EXTRA_PID" || rc=$?
	EXTRA_PID=""
	if [ "$rc" != 0 ]; then
		printf '\n**%s failed (exit %s):** %s\n' "$*" "$rc" \
			"$(why_failed "$LOGS/extra-$name.err")" >>"$OUTDIR/extra-$name.md"
	fi
	log "  $name: $((SECONDS - t0)) s"
}

run_extras() {
	[ -x "$WARDEN" ] || return 0
	run_extra ingress "$BENCH_DIR/ingress.sh"
	run_extra egress "$BENCH_DIR/egress.sh" "$N_CONNECT" "$EXTRA_RUNS"
	run_extra run_build "$BENCH_DIR/run_build.sh" "$EXTRA_RUNS" "$BUILD_FILES"
	run_extra syscall_path "$BENCH_DIR/syscall_path.sh" "$EXTRA_RUNS"
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
		printf 'load average\t%s at start, %s at the end (1, 5, 15 min; other jobs may share the cores)\n' \
			"$LOAD_START" "$(cut -d' ' -f1-3 /proc/loadavg)"
		printf 'duration\t%s min\n' "$(((SECONDS + 30) / 60))"
		printf 'runs\t%s per configuration, round-robin\n' "$RUNS"
		printf 'sizes\texec %s, open %s, connect %s (port %s), build %s files, getppid %s, fork %s\n' \
			"$N_EXEC" "$N_OPEN" "$N_CONNECT" "$PORT" "$BUILD_FILES" "$N_GETPPID" "$N_FORK"
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
	LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)
	set_sizes
	preflight
	build_workloads
	prepare_work
	trap cleanup EXIT
	trap 'exit 130' INT TERM HUP
	audit_save_state
	log "warden bench: $MODE, $RUNS runs, workloads: ${WORKLOADS[*]}"
	warm_up
	measure_rounds
	measure_events
	measure_encode
	measure_ingress_rss
	run_extras
	write_meta
	report
	log "bench: wrote $RESULTS_MD (raw data in $OUTDIR)"
}

main "$@"
