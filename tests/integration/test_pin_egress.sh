#!/usr/bin/env bash
# --pin for egress: the cgroup hooks and their maps outlive the daemon, a
# restart adopts them with no gap, detaches what the new policy no longer
# names, and `warden cleanup` removes them. The hooks are attached at the
# test's own cgroups only, and the blocked destination is loopback.
. "$(dirname "$0")/lib.sh"
CLIENT="$TESTS_DIR/egress_client.py"
PORT=9	# nothing listens: an allowed connect is refused (ECONNREFUSED)

# setup: $s scratch, $pin a unique pin dir, cgroups $cga and $cgb, and
# p.yaml blocking 127.0.0.1 at both, pa.yaml at $cga only, none.yaml with
# no egress section. All removed at the end (defer in this shell).
setup() {
	s=$(mktemp -d "/tmp/$UNIQ.XXXX")
	defer "rm -rf '$s'"
	pin=/sys/fs/bpf/$UNIQ-egress-$RANDOM
	defer "'$WARDEN' cleanup '$pin'"
	mkdir -p "$CGROOT/$UNIQ/a" "$CGROOT/$UNIQ/b" || fail "cannot create cgroups"
	defer "rm_cgroup '$CGROOT/$UNIQ'"
	cga=$CGROOT/$UNIQ/a cgb=$CGROOT/$UNIQ/b
	policy "$s/p.yaml" "[/$UNIQ/a, /$UNIQ/b]"
	policy "$s/pa.yaml" "[/$UNIQ/a]"
	echo "rules: []" >"$s/none.yaml"
}
policy() {
	cat >"$1" <<YAML
network:
  egress:
    attach: $2
    lists:
      - {name: loopback, action: block, addresses: [127.0.0.1]}
YAML
}
# killed_daemon OUT POLICY: a pinned daemon ready, then SIGKILLed.
killed_daemon() {
	start_warden "$1" -p "$2" --pin "$pin"
	kill -9 "$WARDEN_PID"
	wait "$WARDEN_PID" 2>/dev/null
}
# connect CGROUP [COUNT]: what connect() to 127.0.0.1:$PORT gets there.
connect() { in_cgroup "$1" python3 "$CLIENT" tcp 127.0.0.1 "$PORT" "${2:-1}"; }

t_sigkill_restart_cleanup() {
	local s pin cga cgb loop n
	setup
	assert_eq "$(connect "$cga")" ECONNREFUSED "before warden"
	start_warden "$s/out1" -p "$s/p.yaml" --pin "$pin"
	assert_eq "$(connect "$cga")" EPERM "daemon running"
	[ -e "$pin/egress/links/tcp_state" ] || fail "no egress links pinned"
	kill -9 "$WARDEN_PID"
	wait "$WARDEN_PID" 2>/dev/null
	assert_eq "$(connect "$cga")" EPERM "after SIGKILL"
	# connect continuously across the restart: every attempt refused
	rm -f "$s/stop"
	( while [ ! -e "$s/stop" ]; do connect "$cga" 50; done >"$s/codes" ) &
	loop=$!
	defer "touch '$s/stop'; kill $loop"
	wait_for "$s/codes" "EPERM" 100
	start_warden "$s/out2" -p "$s/p.yaml" --pin "$pin"
	assert_eq "$(connect "$cga")" EPERM "right after the restart"
	# and a batch more after it
	n=$(wc -l <"$s/codes")
	for _ in $(seq 1 100); do
		[ "$(wc -l <"$s/codes")" -gt "$n" ] && break
		sleep 0.1
	done
	touch "$s/stop"
	wait "$loop"
	[ "$(wc -l <"$s/codes")" -gt "$n" ] || fail "no attempts after the restart"
	assert_eq "$(grep -vc '^EPERM=50$' "$s/codes")" 0 "attempts that got through"
	assert_eq "$(connect "$cgb")" EPERM "second attach point, adopted"
	stop_warden "$WARDEN_PID"
	"$WARDEN" cleanup "$pin" >/dev/null || fail "cleanup"
	[ -e "$pin" ] && fail "pins left after cleanup"
	assert_eq "$(connect "$cga")" ECONNREFUSED "after cleanup"
	assert_eq "$(connect "$cgb")" ECONNREFUSED "after cleanup"
}

t_restart_detaches_what_policy_drops() {
	local s pin cga cgb
	setup
	killed_daemon "$s/out1" "$s/p.yaml"
	start_warden "$s/out2" -p "$s/pa.yaml" --pin "$pin"
	assert_eq "$(connect "$cga")" EPERM "still named"
	assert_eq "$(connect "$cgb")" ECONNREFUSED "no longer named"
	kill -9 "$WARDEN_PID"
	wait "$WARDEN_PID" 2>/dev/null
	start_warden "$s/out3" -p "$s/none.yaml" --pin "$pin"
	assert_eq "$(connect "$cga")" ECONNREFUSED "no egress section"
	ls "$pin/egress/links" >"$s/links"
	assert_not_contains "$s/links" "cg"
}

t_failed_restart_keeps_enforcement() {
	local s pin cga cgb
	setup
	killed_daemon "$s/out1" "$s/p.yaml"
	# the second attach point cannot be opened: the policy is refused
	# after the first one's pins were already replaced
	policy "$s/bad.yaml" "[/$UNIQ/a, /$UNIQ/missing]"
	"$WARDEN" daemon -p "$s/bad.yaml" --pin "$pin" --socket "$s/sock" \
		-o /dev/null 2>"$s/err" && fail "started with a bad attach point"
	assert_contains "$s/err" "cannot open cgroup"
	assert_eq "$(connect "$cga")" EPERM "earlier daemon's enforcement"
	assert_eq "$(connect "$cgb")" EPERM "earlier daemon's enforcement"
}

run_tests
