#!/bin/sh
# In-guest checks for `make vmtest`, run by tests/vm/init under busybox sh
# as root on a kernel booted with the BPF LSM enabled. Each check is a
# vt_* function; run_all runs each in a subshell and prints
#   VMTEST <name> ok
#   VMTEST <name> FAIL <reason>
# which tests/vm/run.sh collects into the kernel matrix.
# Environment: WARDEN (the static binary), PROBE_JSON (`warden probe --json`).
# To add a check: define vt_something, make it return non-zero (after
# printing the reason on stdout or stderr) when it fails.

# probe_is NAME true|false: what `warden probe --json` said about NAME.
probe_is() {
	case "$PROBE_JSON" in
	*"\"$1\":$2,"* | *"\"$1\":$2}"*) return 0 ;;
	esac
	echo "probe says $1 is not $2"
	return 1
}

# kernel_at_least MAJOR MINOR
kernel_at_least() {
	rel=$(uname -r)
	maj=${rel%%.*}
	rest=${rel#*.}
	min=${rest%%[!0-9]*}
	[ "$maj" -gt "$1" ] || { [ "$maj" -eq "$1" ] && [ "$min" -ge "$2" ]; }
}

vt_probe_runs() {
	[ -n "$PROBE_JSON" ] || { echo "no probe output"; return 1; }
	probe_is tracepoint true
}

# Booted with lsm=...,bpf: the whole point of these kernels.
vt_probe_lsm() { probe_is lsm true; }
vt_probe_fentry() { probe_is fentry true; }
vt_probe_kprobe() { probe_is kprobe true; }
vt_probe_tracing() { probe_is raw_tp true && probe_is tp_btf true; }
vt_probe_cgroup_sock_addr() { probe_is cgroup_sock_addr true; }
vt_probe_xdp() { probe_is xdp true; }
vt_probe_maps_helpers() {
	probe_is ringbuf true && probe_is lpm_trie true && probe_is send_signal true
}
# tcx arrived in 6.6: the probe must say no before, yes from there on.
vt_probe_tcx() {
	if kernel_at_least 6 6; then probe_is tcx true; else probe_is tcx false; fi
}

# Probing leaves nothing behind: no scratch cgroup, nothing on lo.
vt_probe_cleans_up() {
	for d in /sys/fs/cgroup/warden-probe.*; do
		[ -e "$d" ] && { echo "left $d"; return 1; }
	done
	if ip link show lo | grep -q xdp; then
		echo "XDP left on lo"
		return 1
	fi
	return 0
}

# start_daemon POLICY: warden daemon in the background until "ready".
start_daemon() {
	# a fresh log: the background shell truncates it only after the fork,
	# and a "ready" left by the last daemon must not be read as this one's
	rm -f /tmp/vt.err /tmp/vt.events
	mkdir -p -m 700 /run/vt; "$WARDEN" daemon --policy "$1" --socket /run/vt/sock -o /tmp/vt.events \
		2>/tmp/vt.err &
	DAEMON=$!
	i=0
	while ! grep -q ready /tmp/vt.err 2>/dev/null; do
		i=$((i + 1))
		# generous: under emulation the verifier alone takes tens of seconds
		[ $i -gt 900 ] && { echo "no ready after 90 s:"; tail -3 /tmp/vt.err; return 1; }
		kill -0 $DAEMON 2>/dev/null || { cat /tmp/vt.err; debug_load "$1"; return 1; }
		sleep 0.1
	done
}
# The verifier's last words, on the console log (not in the matrix line).
debug_load() {
	"$WARDEN" daemon -vv --policy "$1" --socket /run/vt/dbg -o /dev/null 2>&1 |
		grep -v 'CO-RE relocating\|relo #\|^libbpf: map\|^libbpf: prog .*: found' |
		tail -n 25 | sed 's/^/VMDEBUG /' >/dev/console
}

stop_daemon() { kill $DAEMON 2>/dev/null; wait $DAEMON 2>/dev/null; }

# A deny rule at exec: with BPF LSM execve fails with EPERM, the calling
# shell goes on and prints its error; the event names the mechanism.
vt_exec_deny_eperm() {
	cp /bin/busybox /tmp/denied
	printf 'rules:\n  - { name: deny-it, action: deny, match: { binary: /tmp/denied } }\n' >/tmp/deny.yaml
	start_daemon /tmp/deny.yaml || return 1
	out=$(sh -c '/tmp/denied true; echo "rc=$?"; echo shell-continued' 2>&1)
	sleep 0.5
	stop_daemon
	case "$out" in *rc=126*shell-continued*) ;; *) echo "exec not refused: $out"; return 1 ;; esac
	echo "$out" | grep -qi "not permitted" || { echo "no EPERM message: $out"; return 1; }
	grep -q '"action":"deny","mechanism":"lsm"' /tmp/vt.events ||
		{ echo "no lsm deny event"; cat /tmp/vt.events | tail -3; return 1; }
}

# The same daemon still kills with a kill rule (mechanism sigkill).
vt_exec_kill_sigkill() {
	cp /bin/busybox /tmp/killed
	printf 'rules:\n  - { name: kill-it, action: kill, match: { binary: /tmp/killed } }\n' >/tmp/kill.yaml
	start_daemon /tmp/kill.yaml || return 1
	sh -c '/tmp/killed true'
	rc=$?
	sleep 0.5
	stop_daemon
	[ $rc -eq 137 ] || { echo "rc=$rc, not killed"; grep killed /tmp/vt.events | cut -c1-600; cat /tmp/vt.err; return 1; }
	grep -q '"action":"kill","mechanism":"sigkill"' /tmp/vt.events ||
		{ echo "no sigkill event"; return 1; }
}

# A file deny rule: open() fails with EPERM before the file is created, and
# an existing file is not truncated (O_TRUNC).
vt_file_deny_eperm() {
	mkdir -p /tmp/prot
	echo original >/tmp/prot/existing
	printf 'rules:\n  - { name: protect, action: deny, files: [/tmp/prot/], access: write }\n' >/tmp/fdeny.yaml
	start_daemon /tmp/fdeny.yaml || return 1
	new=$(sh -c 'echo x > /tmp/prot/new; echo "rc=$?"' 2>&1)
	trunc=$(sh -c 'echo x > /tmp/prot/existing; echo "rc=$?"' 2>&1)
	sleep 0.5
	stop_daemon
	case "$new" in *"not permitted"*rc=*) ;; *) echo "create not refused: $new"; return 1 ;; esac
	[ -e /tmp/prot/new ] && { echo "/tmp/prot/new was created"; return 1; }
	case "$trunc" in *"not permitted"*) ;; *) echo "truncate not refused: $trunc"; return 1 ;; esac
	[ "$(cat /tmp/prot/existing)" = original ] || { echo "existing file changed"; return 1; }
	grep -q '"type":"file".*"action":"deny","mechanism":"lsm"' /tmp/vt.events ||
		{ echo "no lsm file event"; return 1; }
}

run_all() {
	sed -n 's/^\(vt_[a-z0-9_]*\)().*/\1/p' "$0" | while read -r t; do
		out=$( ("$t") </dev/null 2>&1 )
		rc=$?
		name=${t#vt_}
		if [ $rc -eq 0 ]; then
			echo "VMTEST $name ok"
		else
			echo "VMTEST $name FAIL $(echo "$out" | tr '\n' ' ' | cut -c1-200)"
		fi
	done
}

run_all
