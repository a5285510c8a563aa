#!/usr/bin/env bash
# --pin: enforcement outlives the daemon, a restart adopts it with no gap,
# and `warden cleanup` removes it all.
. "$(dirname "$0")/lib.sh"

pinned_setup() { # sets s, pin; writes the policy
	s=$(scratch)
	pin=/sys/fs/bpf/$UNIQ-$RANDOM
	defer "'$WARDEN' cleanup '$pin'"
	cp /bin/true "$s/tool"
	cat >"$s/p.yaml" <<YAML
rules:
  - { name: kill-tool, action: kill, match: { binary: $s/tool } }
YAML
}

t_sigkill_then_restart_no_gap() {
	local s pin loop
	pinned_setup
	start_warden "$s/out1" -p "$s/p.yaml" --pin "$pin"
	kill -9 "$WARDEN_PID"
	# exec the denied binary continuously across the restart
	( for i in $(seq 1 400); do "$s/tool"; echo $?; done >"$s/codes" 2>/dev/null ) &
	loop=$!
	sleep 0.1
	start_warden "$s/out2" -p "$s/p.yaml" --pin "$pin"
	wait "$loop"
	assert_eq "$(wc -l <"$s/codes")" 400 "runs"
	assert_eq "$(grep -vc '^137$' "$s/codes")" 0 "runs that got through"
	"$s/tool"; assert_eq $? 137 "restarted daemon enforces"
}

t_clean_stop_keeps_pinned_enforcement() {
	local s pin
	pinned_setup
	start_warden "$s/out" -p "$s/p.yaml" --pin "$pin"
	stop_warden "$WARDEN_PID"
	"$s/tool"; assert_eq $? 137 "still enforced after the daemon stopped"
	"$WARDEN" cleanup "$pin" >/dev/null || fail "cleanup"
	[ -e "$pin" ] && fail "pins left after cleanup"
	"$s/tool"; assert_eq $? 0 "nothing enforced after cleanup"
}

t_restart_adopts_new_policy() {
	local s pin
	pinned_setup
	start_warden "$s/out1" -p "$s/p.yaml" --pin "$pin"
	kill -9 "$WARDEN_PID"
	cp /bin/true "$s/other"
	cat >"$s/p2.yaml" <<YAML
rules:
  - { name: kill-other, action: kill, match: { binary: $s/other } }
YAML
	start_warden "$s/out2" -p "$s/p2.yaml" --pin "$pin"
	"$s/other"; assert_eq $? 137 "new policy"
	"$s/tool"; assert_eq $? 0 "old policy replaced"
}

t_pin_outside_bpffs_refused() {
	local s
	s=$(scratch)
	"$WARDEN" daemon --pin "$s/pins" --socket "$s/sock" -o /dev/null 2>"$s/err" &&
		fail "started with pins outside bpffs"
	assert_contains "$s/err" "not on a bpf filesystem"
}

run_tests
