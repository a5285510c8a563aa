#!/usr/bin/env bash
# Evasion suite, a full process table: the kernel's table is sized from
# pid_max and threads-max so it cannot fill; when it does anyway (forced
# here with WARDEN_PROC_TABLE_MAX=16), exec rules are still decided, from
# the live task, and every miss is counted (process_table_full).
# shellcheck source-path=SCRIPTDIR source=../integration/lib.sh
. "$(dirname "$0")/../integration/lib.sh"

table_full() { # SOCK: the process_table_full counter
	"$WARDEN" status --socket "$1" |
		python3 -c 'import json, sys; print(json.load(sys.stdin)["stats"]["process_table_full"])'
}

t_full_table_fails_closed() {
	local s out rc i pids=()
	s=$(scratch); out=$s/ev.jsonl
	cp /bin/sh "$s/websrv"; cp /bin/true "$s/target"
	cat >"$s/p.yaml" <<-Y
	rules:
	  - name: no-target
	    action: kill
	    match: { binary: $s/target }
	  - name: no-target-from-websrv
	    action: kill
	    match: { binary: /bin/true, ancestor: $s/websrv }
	Y
	WARDEN_PROC_TABLE_MAX=16 start_warden "$out" --policy "$s/p.yaml"
	for i in $(seq 1 40); do sleep 60 & pids+=($!); done
	defer "kill ${pids[*]}"
	"$s/target"; rc=$?
	assert_eq "$rc" 137 "exec rule decided with the table full"
	"$s/websrv" -c '/bin/true; exit $?'; rc=$?
	assert_eq "$rc" 137 "ancestor rule decided from the live parent chain"
	[ "$(table_full "$WARDEN_SOCK")" -gt 0 ] || fail "no process_table_full counted"
	wait_events "$out" 1 rule=no-target action=kill
}

t_default_size_from_pid_max() {
	local s out n
	s=$(scratch); out=$s/ev.jsonl
	start_warden "$out" -v
	n=$(sed -n 's/.*process table: \([0-9]*\) entries.*/\1/p' "$out.err")
	[ -n "$n" ] || fail "no table size with -v: $(cat "$out.err")"
	local want
	want=$(python3 -c 'import sys; p, t = int(open("/proc/sys/kernel/pid_max").read()), int(open("/proc/sys/kernel/threads-max").read()); print(max(4096, min(p, t, 1 << 20)))')
	assert_eq "$n" "$want" "min(pid_max, threads-max), bounded"
}

run_tests
