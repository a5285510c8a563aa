# Helpers for bench/run.sh: logging, background processes, attach probes.
# Sourced, not run.  Every process the harness starts is tracked by pid in
# ACTIVE_PID and ended by that pid only, never by name.
# shellcheck shell=bash disable=SC2034 # globals set here are read by run.sh

ACTIVE_PID=""     # the tool currently watching the workloads, if any
ACTIVE_NOTE=""    # why the last start failed ("cannot run: ...")
AUDIT_STARTED=""  # pid of the auditd we started, if any

log() { printf '%s\n' "$*" >&2; }
die() { log "bench: $*"; exit 1; }

# The last non-empty line of a log file, squeezed onto one line, for notes.
last_line() {
	[ -s "$1" ] || { echo "no output"; return; }
	grep -v '^[[:space:]]*$' "$1" | tail -n 1 | tr '\t' ' ' | cut -c1-160
}

# why_failed LOG: a tool's first error line and its last words, for notes
# (libbpf names the failing probe first, the tool sums up last).
why_failed() {
	local first last
	last=$(last_line "$1")
	first=$(grep -m 1 -iE 'fail|error|cannot|denied' "$1" 2>/dev/null | cut -c1-120)
	if [ -n "$first" ] && [ "$first" != "$last" ]; then
		echo "$first / $last"
	else
		echo "$last"
	fi
}

# stop_pid PID: SIGTERM, up to 10 s to exit, then SIGKILL.  Prints the
# seconds the process took to exit after SIGTERM (warden's shutdown time).
stop_pid() {
	local pid=$1 t0 i
	kill -0 "$pid" 2>/dev/null || { wait "$pid" 2>/dev/null; echo "NA"; return 0; }
	t0=$EPOCHREALTIME
	kill -TERM "$pid" 2>/dev/null || true
	for ((i = 0; i < 200; i++)); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.05
	done
	if kill -0 "$pid" 2>/dev/null; then
		log "bench: pid $pid ignored SIGTERM for 10 s, sending SIGKILL"
		kill -KILL "$pid" 2>/dev/null || true
	fi
	wait "$pid" 2>/dev/null || true
	elapsed_since "$t0"
}

# stop_group PID: PID leads its own process group (setsid): SIGTERM to the
# group, up to 10 s for PID to exit, then SIGKILL to what is left of it.
stop_group() {
	local pid=$1 i
	kill -TERM -- "-$pid" 2>/dev/null || true
	for ((i = 0; i < 200; i++)); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.05
	done
	kill -KILL -- "-$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
}

# elapsed_since EPOCHREALTIME-VALUE: seconds since then, 3 decimals.
elapsed_since() {
	local now=$EPOCHREALTIME
	awk -v a="$1" -v b="$now" 'BEGIN { printf "%.3f\n", b - a }'
}

# stop_active: end whatever tool is watching, if anything.
stop_active() {
	[ -n "$ACTIVE_PID" ] || return 0
	stop_pid "$ACTIVE_PID" >/dev/null
	ACTIVE_PID=""
}

# perf_attached PID TP: does `bpftool perf` show PID attached to tracepoint
# or kprobe TP?  This is the kernel's own view, so it also works for tools
# whose header line goes to /dev/null with their events.
perf_attached() {
	bpftool perf list 2>/dev/null |
		awk -v pid="$1" -v tp="$2" '
			$1 == "pid" && $2 == pid { for (i = 3; i <= NF; i++) if ($i == tp) f = 1 }
			END { exit !f }'
}

# wait_attached PID ERRLOG TIMEOUT TP...: wait until PID has every TP
# attached.  On failure sets ACTIVE_NOTE from the tool's own last words.
wait_attached() {
	local pid=$1 errlog=$2 timeout=$3 tp t0=$SECONDS
	shift 3
	for tp in "$@"; do
		until perf_attached "$pid" "$tp"; do
			if ! kill -0 "$pid" 2>/dev/null; then
				wait "$pid" 2>/dev/null || true
				ACTIVE_NOTE="cannot run: $(why_failed "$errlog")"
				return 1
			fi
			if ((SECONDS - t0 > timeout)); then
				ACTIVE_NOTE="cannot run: $tp not attached after ${timeout}s"
				stop_pid "$pid" >/dev/null
				return 1
			fi
			sleep 0.1
		done
	done
}

# log_says FILE WORD: does FILE contain WORD?  Bash builtins only: this is
# polled every 10 ms while timing warden's start-up.
log_says() {
	local line
	[ -f "$1" ] || return 1
	while IFS= read -r line || [ -n "$line" ]; do
		[[ $line == *"$2"* ]] && return 0
	done <"$1"
	return 1
}

# vm_hwm PID: peak resident set size in KiB (VmHWM), or NA.
vm_hwm() {
	awk '/^VmHWM:/ { print $2; f = 1 } END { if (!f) print "NA" }' \
		"/proc/$1/status" 2>/dev/null || echo NA
}

# closed_loopback_port: a port with no listener on 127.0.0.1, checked by
# actually trying to connect (bash's /dev/tcp).  It must lie outside the
# ephemeral range: there, after enough attempts, connect() picks the target
# port as its own source port and TCP "simultaneous open" connects the
# socket to itself, so the run would see a connection instead of a refusal.
closed_loopback_port() {
	local low high port
	read -r low high </proc/sys/net/ipv4/ip_local_port_range
	for ((port = 20000; port < 20100; port++)); do
		((port < low || port > high)) || continue
		if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
			echo "$port"
			return 0
		fi
	done
	return 1
}

# mount_if_missing TYPE DIR: tracefs/bpffs are needed by the peers.
mount_if_missing() {
	mountpoint -q "$2" && return 0
	mount -t "$1" "$1" "$2" 2>/dev/null || log "bench: could not mount $1 at $2"
}

# median / min / max are computed by report.py; the harness only records.
