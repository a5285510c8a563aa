#!/usr/bin/env bash
# Evasion suite, ancestry: an ancestor rule holds however many execs and
# forks lie between the ancestor and the process (the kernel keeps a bit
# per watched ancestor binary, inherited at fork, set at exec), so a chain
# of env/nice execs cannot push the ancestor out. docs/security.md.
# shellcheck source-path=SCRIPTDIR source=../integration/lib.sh
. "$(dirname "$0")/../integration/lib.sh"

setup() { # DIR: DIR/websrv (a shell), DIR/target (denied below websrv)
	cp /bin/sh "$1/websrv"
	cp /bin/true "$1/target"
	cat >"$1/p.yaml" <<-Y
	rules:
	  - name: no-target-from-websrv
	    action: kill
	    match:
	      binary: $1/target
	      ancestor: $1/websrv
	Y
}

chain() { # N: "env nice env nice ..." N words
	local i c=""
	for i in $(seq 1 "$1"); do
		if [ $((i % 2)) -eq 1 ]; then c="$c env"; else c="$c nice"; fi
	done
	echo "$c"
}

t_40_alternating_execs() {
	local s out rc
	s=$(scratch); out=$s/ev.jsonl
	setup "$s"
	start_warden "$out" --policy "$s/p.yaml"
	"$s/target" || fail "target outside websrv is allowed"
	# 40 execs in one process between websrv and the target
	# shellcheck disable=SC2046
	"$s/websrv" -c "exec $(chain 40) '$s/target'"; rc=$?
	assert_eq "$rc" 137 "40 execs deep: still killed"
	wait_events "$out" 1 rule=no-target-from-websrv action=kill
	# and a fork + exec between each: 40 nested shells (`; exit` keeps
	# each one from exec'ing the next in its own place)
	cat >"$s/nest.sh" <<-'S'
	n=$1; shift
	if [ "$n" -gt 0 ]; then /bin/sh "$0" $((n - 1)) "$@"; exit $?; fi
	"$@"; exit $?
	S
	"$s/websrv" "$s/nest.sh" 40 "$s/target"; rc=$?
	assert_eq "$rc" 137 "40 nested shells: still killed"
}

t_15_and_16_execs() {
	local s out rc n
	s=$(scratch); out=$s/ev.jsonl
	setup "$s"
	start_warden "$out" --policy "$s/p.yaml"
	# the old limit's edge: 15 were caught, 16 were not
	for n in 15 16 17; do
		# shellcheck disable=SC2046
		"$s/websrv" -c "exec $(chain $n) '$s/target'"; rc=$?
		assert_eq "$rc" 137 "$n execs deep"
	done
}

run_tests
