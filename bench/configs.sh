# The configurations bench/run.sh measures: bare, warden with each policy
# in bench/policies/, and the peers.  Sourced, not run.
#   config_start CONFIG WORKLOAD  start it and wait until it is attached;
#                                 on failure ACTIVE_NOTE says why
#   config_stop CONFIG            stop it, leaving nothing behind
# Needs from run.sh: WARDEN, WORK, LOGS, OPEN_TARGET.
# shellcheck shell=bash disable=SC2034 # globals set here are read by run.sh

WARDEN_CONFIGS=(warden-default warden-rules1000 warden-report_all warden-kill_unrelated)
# exec only: the rule count's cost per exec, beside rules1000 (O(1): a
# bitmap per selector value, not a scan). 10,000 is beyond the policy
# limit (MAX_RULES, 1,024 rules: the rule bitmaps are 16 words).
SCALING_CONFIGS=(warden-rules10 warden-rules100)
# connect only: network.egress with a 100,000-entry alert list (IPv4 /32s
# and IPv6 /64s, none of them the loopback target), report: matches.
EGRESS_CONFIG=warden-egress100k

# Which configurations watch which workload.  Each peer does the same job
# as warden does there: report every exec, every open, every connect.
configs_for() {
	case $1 in
	exec) echo bare "${WARDEN_CONFIGS[@]}" "${SCALING_CONFIGS[@]}" execsnoop bpftrace auditd ;;
	build) echo bare "${WARDEN_CONFIGS[@]}" execsnoop bpftrace auditd ;;
	# every fork and exit is what execsnoop's peers would have to see too;
	# execsnoop itself only attaches to execve (the issue's table)
	fork) echo bare "${WARDEN_CONFIGS[@]}" execsnoop ;;
	# nothing reports getppid: what the syscall path costs everyone
	getppid) echo bare "${WARDEN_CONFIGS[@]}" ;;
	open) echo bare "${WARDEN_CONFIGS[@]}" opensnoop bpftrace auditd ;;
	connect) echo bare "${WARDEN_CONFIGS[@]}" "$EGRESS_CONFIG" tcpconnect bpftrace auditd ;;
	esac
}

# The syscall each workload is about, for bpftrace's and auditd's rule.
syscall_for() {
	case $1 in
	exec | build | fork) echo execve ;;
	getppid) echo getppid ;;
	open) echo openat ;;
	connect) echo connect ;;
	esac
}

config_start() {
	local config=$1 workload=$2 sc
	ACTIVE_NOTE=""
	sc=$(syscall_for "$workload")
	case $config in
	bare) return 0 ;;
	warden-*) warden_start "${config#warden-}" /dev/null ;;
	execsnoop) peer_start "sys_enter_execve sys_exit_execve" execsnoop ;;
	opensnoop) peer_start "sys_enter_openat sys_exit_openat" opensnoop ;;
	tcpconnect) peer_start "tcp_v4_connect" tcpconnect ;;
	bpftrace) bpftrace_start "$sc" ;;
	auditd) audit_start "$sc" "$workload" ;;
	*) die "unknown configuration $config" ;;
	esac
}

config_stop() {
	case $1 in
	bare) ;;
	warden-*) warden_stop ;;
	auditd) audit_stop ;;
	*) stop_active ;;
	esac
}

# ---- peers --------------------------------------------------------------

# peer_start "TP..." CMD...: events to /dev/null (the peers' cheapest sink),
# stderr to a log; attached once bpftool shows every TP for its pid.
peer_start() {
	local tps=$1 errlog
	shift
	errlog="$LOGS/$1.err"
	: >"$errlog"
	"$@" >/dev/null 2>"$errlog" &
	ACTIVE_PID=$!
	# shellcheck disable=SC2086 # tps is a word list on purpose
	wait_attached "$ACTIVE_PID" "$errlog" 30 $tps || { ACTIVE_PID=""; return 1; }
}

bpftrace_start() {
	local prog
	prog="tracepoint:syscalls:sys_enter_$1 { printf(\"%s %d\\n\", comm, pid); }"
	peer_start "sys_enter_$1" bpftrace -e "$prog"
}

# ---- auditd -------------------------------------------------------------
# We start our own auditd (foreground, a private config whose log lives in
# $WORK) unless one already runs, add ONE rule equivalent to the peers'
# probe, and afterwards put back the rules and enabled flag found at start.

# Nothing to save (or restore) where auditd is not installed: under
# pipefail a missing auditctl would end the whole run.
audit_save_state() {
	command -v auditctl >/dev/null || return 0
	auditctl -l >"$WORK/audit-rules.saved" 2>/dev/null || true
	AUDIT_SAVED_ENABLED=$(auditctl -s 2>/dev/null | awk '$1 == "enabled" { print $2 }' || true)
}

audit_rule() { # SYSCALL WORKLOAD -> auditctl arguments
	local args=(-a "always,exit" -F arch=b64 -S "$1")
	[ "$2" = open ] && args+=(-F "path=$OPEN_TARGET")
	echo "${args[@]}"
}

audit_daemon_pid() { auditctl -s 2>/dev/null | awk '$1 == "pid" { print $2 }' || true; }

audit_start() {
	local rule i
	command -v auditd >/dev/null || { ACTIVE_NOTE="cannot run: auditd not installed"; return 1; }
	if [ "$(audit_daemon_pid)" = 0 ]; then
		audit_private_conf
		auditd -n -c "$WORK/audit" -s enable 2>"$LOGS/auditd.err" &
		AUDIT_STARTED=$!
		for ((i = 0; i < 100; i++)); do
			[ "$(audit_daemon_pid)" = "$AUDIT_STARTED" ] && break
			sleep 0.1
		done
		[ "$(audit_daemon_pid)" = "$AUDIT_STARTED" ] || {
			ACTIVE_NOTE="cannot run: auditd did not register: $(last_line "$LOGS/auditd.err")"
			audit_stop
			return 1
		}
	fi
	rule=$(audit_rule "$1" "$2")
	# shellcheck disable=SC2086 # the rule is an argument list
	if ! auditctl $rule >/dev/null 2>"$LOGS/auditctl.err" || ! auditctl -l | grep -q -- "-S $1"; then
		ACTIVE_NOTE="cannot run: auditctl: $(last_line "$LOGS/auditctl.err")"
		audit_stop
		return 1
	fi
}

audit_private_conf() {
	mkdir -p "$WORK/audit"
	sed -e "s|^log_file = .*|log_file = $WORK/audit/audit.log|" \
		/etc/audit/auditd.conf >"$WORK/audit/auditd.conf"
	chmod 640 "$WORK/audit/auditd.conf"
}

audit_stop() {
	auditctl -D >/dev/null 2>&1 || true
	if grep -q -- '^-' "$WORK/audit-rules.saved" 2>/dev/null; then
		auditctl -R "$WORK/audit-rules.saved" >/dev/null 2>&1 ||
			log "bench: could not restore audit rules from $WORK/audit-rules.saved"
	fi
	if [ -n "$AUDIT_STARTED" ]; then
		stop_pid "$AUDIT_STARTED" >/dev/null
		AUDIT_STARTED=""
	fi
	[ -z "${AUDIT_SAVED_ENABLED:-}" ] || auditctl -e "$AUDIT_SAVED_ENABLED" >/dev/null 2>&1 || true
}

# ---- warden -------------------------------------------------------------
# Results of the last warden_start / warden_stop, for extras.tsv.
WARDEN_STARTUP=NA WARDEN_HWM=NA WARDEN_STOP=NA WARDEN_DIED=""

# Policies are copied into $WORK (root-owned, mode 0700) by run.sh, since
# warden refuses a policy file that someone other than root could modify.
policy_file() { echo "$WORK/policies/$1.yaml"; }

# write_bench_policies: the policies the harness generates, into
# $WORK/policies beside the copies of bench/policies/*.yaml.
write_bench_policies() {
	local d=$WORK/policies
	mkdir -m 0700 "$d"
	cp "$BENCH_DIR"/policies/*.yaml "$d/"
	local n
	for n in 10 100 1000; do
		"$BENCH_DIR/policies/gen-rules1000.sh" "$n" >"$d/rules$n.yaml"
	done
	# 100,000 entries, half IPv4 /32s, half IPv6 /64s, as bench/egress.sh
	awk 'BEGIN { for (i = 0; i < 100000; i++)
		if (i % 2) printf "10.%d.%d.%d\n", int(i / 65536) % 256, int(i / 256) % 256, i % 256
		else printf "2001:db8:%x:%x::/64\n", int(i / 65536) % 256, i % 65536 }' >"$d/egress100k.txt"
	cat >"$d/egress100k.yaml" <<-EOF
	# generated by bench/configs.sh: a 100,000-entry egress list, no entry
	# is the workload's loopback destination
	name: bench-egress100k
	network:
	  egress:
	    report: matches
	    lists:
	      - name: feed100k
	        action: alert
	        file: egress100k.txt
	EOF
	chmod 0600 "$d"/*
}

# warden_start POLICY OUTPUT [NETNS]: start-up time is exec -> the `ready`
# line on stderr, polled every 10 ms with bash builtins (so ~10 ms
# resolution).  With NETNS, warden runs in that network namespace (`ip
# netns exec` execs it: the pid is warden's).
warden_start() {
	local policy=$1 errlog="$LOGS/warden-$1.err" t0 s0=$SECONDS pre=()
	[ -z "${3:-}" ] || pre=(ip netns exec "$3")
	# Each daemon has its own control socket in the private $WORK, so that
	# it never collides with a daemon someone else runs on this machine.
	# -v: the start-up phases (debug lines "... in N ms") go to errlog
	local args=(daemon -v --output "$2" --format json --socket "$WORK/run/$1.sock")
	[ -x "$WARDEN" ] || { ACTIVE_NOTE="skipped: warden not built"; return 1; }
	[ "$policy" = default ] || args+=(--policy "$(policy_file "$policy")")
	WARDEN_STARTUP=NA WARDEN_HWM=NA WARDEN_STOP=NA WARDEN_DIED=""
	# Empty the log first: the child truncates it only once it runs, and
	# the previous run's `ready` must not be read as this one's.
	: >"$errlog"
	t0=$EPOCHREALTIME
	"${pre[@]}" "$WARDEN" "${args[@]}" >/dev/null 2>"$errlog" &
	ACTIVE_PID=$!
	until log_says "$errlog" ready; do
		if ! kill -0 "$ACTIVE_PID" 2>/dev/null; then
			wait "$ACTIVE_PID" 2>/dev/null || true
			ACTIVE_PID=""
			ACTIVE_NOTE="cannot run: warden exited at start: $(why_failed "$errlog")"
			return 1
		fi
		if ((SECONDS - s0 >= 60)); then
			stop_active
			ACTIVE_NOTE="cannot run: warden not ready after 60 s"
			return 1
		fi
		sleep 0.01
	done
	WARDEN_STARTUP=$(elapsed_since "$t0")
	record_phases "$policy" "$errlog"
}

# record_phases POLICY ERRLOG: warden -v's start-up phases ("debug: WHAT in
# N ms", up to `ready`) into $PHASES_TSV, one line per phase.
record_phases() {
	[ -n "${PHASES_TSV:-}" ] || return 0
	sed -n '/ready/q; s/^warden: debug: \(.*\) in \([0-9.]*\) ms.*/\1\t\2/p' "$2" |
		while IFS=$'\t' read -r what ms; do
			printf '%s\t%s\t%s\n' "warden-$1" "$what" "$ms" >>"$PHASES_TSV"
		done
}

# warden_stop: peak RSS is read just before SIGTERM, so it covers the run.
warden_stop() {
	[ -n "$ACTIVE_PID" ] || return 0
	if kill -0 "$ACTIVE_PID" 2>/dev/null; then
		WARDEN_HWM=$(vm_hwm "$ACTIVE_PID")
	else
		WARDEN_DIED="warden exited during the run"
	fi
	WARDEN_STOP=$(stop_pid "$ACTIVE_PID")
	ACTIVE_PID=""
}
