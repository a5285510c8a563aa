#!/usr/bin/env bash
# Evasion suite, `warden run` confinement (issue 13): a step that tries to
# outlive warden, to run as root, or to move itself out of its cgroup.
# Written as the malicious build dependency would; docs/run.md
# "Confinement" and docs/security.md describe what holds.
# shellcheck source-path=SCRIPTDIR source=../integration/lib.sh
. "$(dirname "$0")/../integration/lib.sh"
HELPER_PY="$(cd "$(dirname "$0")/../helpers" && pwd)"

# wrun PREFIX ARGS...: warden run, stdout/stderr in PREFIX.out/.err;
# prints the exit status.
wrun() {
	local p=$1; shift
	"$WARDEN" run "$@" >"$p.out" 2>"$p.err"
	echo $?
}

# alive PID: a process (not a zombie) with that pid exists
alive() {
	local st
	st=$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null) || return 1
	[ -n "$st" ] && [ "$st" != Z ]
}

# violations FILE.json: "rule detail" of each violation, one a line
violations() {
	python3 -c 'import json,sys
for v in json.load(open(sys.argv[1]))["violations"]: print(v["rule"], v["detail"])' "$1"
}

# A scratch dir every user can enter (steps may run as nobody).
open_scratch() { local s; s=$(scratch); chmod 755 "$s"; echo "$s"; }

t_sigkill_warden_kills_background_grandchild() {
	local s w pid left i
	s=$(open_scratch)
	"$WARDEN" run --as-root -- python3 "$HELPER_PY/bg_grandchild.py" "$s/pids" \
		>"$s/r.out" 2>"$s/r.err" &
	w=$!
	defer "kill -KILL $w 2>/dev/null"
	for i in $(seq 1 100); do
		[ "$(wc -l <"$s/pids" 2>/dev/null)" = 2 ] && break
		sleep 0.1
	done
	assert_eq "$(wc -l <"$s/pids")" 2 "the step wrote its pids"
	# cleanup even if the test fails: these are the step's own pids
	while read -r pid; do defer "kill -KILL $pid 2>/dev/null"; done <"$s/pids"
	kill -KILL "$w"
	wait "$w" 2>/dev/null
	for i in $(seq 1 10); do	# within 1 s
		left=""
		while read -r pid; do alive "$pid" && left="$left $pid"; done <"$s/pids"
		[ -z "$left" ] && break
		sleep 0.1
	done
	assert_eq "$left" "" "processes of the step still alive 1 s after warden died"
	for i in $(seq 1 30); do
		ls -d "$CGROOT/warden-run-$w-"* >/dev/null 2>&1 || break
		sleep 0.1
	done
	ls -d "$CGROOT/warden-run-$w-"* >/dev/null 2>&1 && fail "the run's cgroup stayed behind"
	true
}

t_sudo_environment_drops_to_the_user() {
	local s rc
	s=$(open_scratch)
	rc=$(SUDO_UID=65534 SUDO_GID=65534 wrun "$s/r" -- sh -c \
		'id -u; id -g; id -G; grep -E "^(CapEff|CapPrm|NoNewPrivs)" /proc/self/status')
	assert_eq "$rc" 0 "$(cat "$s/r.err")"
	assert_eq "$(sed -n 1,3p "$s/r.out" | tr '\n' ' ')" "65534 65534 65534 " \
		"uid, gid, groups"
	assert_contains "$s/r.out" "CapEff:	0000000000000000"
	assert_contains "$s/r.out" "CapPrm:	0000000000000000"
	assert_contains "$s/r.out" "NoNewPrivs:	1"
	# --as-root is the explicit way back
	rc=$(SUDO_UID=65534 SUDO_GID=65534 wrun "$s/root" --as-root -- id -u)
	assert_eq "$rc" 0
	assert_eq "$(cat "$s/root.out")" 0 "--as-root"
}

t_user_nobody() {
	local s rc
	s=$(open_scratch)
	rc=$(wrun "$s/r" --user nobody -- id -u)
	assert_eq "$rc" 0 "$(cat "$s/r.err")"
	assert_eq "$(cat "$s/r.out")" "$(id -u nobody)"
	rc=$(wrun "$s/bad" --user "no-such-user-$UNIQ" -- id -u)
	assert_eq "$rc" 2 "unknown user: usage error"
}

# The step writes its pid into the cgroup2 root's cgroup.procs, then into
# a cgroup of the test's, and says where it ended up.
move_step() { # TARGET_DIR...
	local t
	echo 'cat /proc/self/cgroup'
	for t in "$@"; do
		echo "if echo \$\$ 2>/dev/null > '$t/cgroup.procs'; then echo MOVED $t; else echo STAYED $t; fi"
	done
}

check_moves_refused() { # MODE EXPECTED_RC [RUN ARGS...]
	local mode=$1 want=$2 s cg rc; shift 2
	s=$(open_scratch)
	cg=$(mk_cgroup "$UNIQ-outside")
	printf 'run:\n  mode: %s\n' "$mode" >"$s/p.yaml"
	move_step "$CGROOT" "$cg" >"$s/step.sh"
	rc=$(wrun "$s/r" -p "$s/p.yaml" --report "$s/r.json" "$@" -- sh "$s/step.sh")
	assert_eq "$rc" "$want" "exit status ($mode); $(cat "$s/r.err")"
	assert_contains "$s/r.out" "0::/"	# its own cgroup namespace
	assert_contains "$s/r.out" "STAYED $CGROOT"
	assert_contains "$s/r.out" "STAYED $cg"
	assert_not_contains "$s/r.out" "MOVED"
	assert_eq "$(cat "$cg/cgroup.procs")" "" "nothing arrived in $cg"
	violations "$s/r.json" >"$s/v"
	assert_contains "$s/v" "confine.cgroup $CGROOT/cgroup.procs"
	assert_contains "$s/v" "confine.cgroup $cg/cgroup.procs"
}

t_cgroup_procs_write_enforce() { check_moves_refused enforce 3; }
t_cgroup_procs_write_audit() { check_moves_refused audit 0; }
t_cgroup_procs_write_as_nobody() { check_moves_refused enforce 3 --user nobody; }

check_clone_refused() { # MODE EXPECTED_RC [RUN ARGS...]
	local mode=$1 want=$2 s cg rc; shift 2
	s=$(open_scratch)
	cg=$(mk_cgroup "$UNIQ-outside")
	printf 'run:\n  mode: %s\n' "$mode" >"$s/p.yaml"
	rc=$(wrun "$s/r" -p "$s/p.yaml" --report "$s/r.json" "$@" -- \
		"$HELPERS/cgroup_escape" "$cg" sleep 5)
	assert_eq "$rc" "$want" "exit status ($mode); $(cat "$s/r.out" "$s/r.err")"
	assert_contains "$s/r.out" "refused:"
	assert_eq "$(cat "$cg/cgroup.procs")" "" "nothing arrived in $cg"
	violations "$s/r.json" >"$s/v"
	assert_contains "$s/v" "confine.cgroup $cg"
}

t_clone_into_cgroup_enforce() { check_clone_refused enforce 3; }
# audit: the helper's own status (1: clone3 refused)
t_clone_into_cgroup_audit() { check_clone_refused audit 1; }
t_clone_into_cgroup_as_nobody() { check_clone_refused audit 1 --user nobody; }

run_tests
