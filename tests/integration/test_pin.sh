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

# The kernel releases unpinned links asynchronously: cleanup must not
# return before the programs are gone. No sleep between cleanup and the
# check; 50 rounds, the daemon stopped cleanly or killed in turn.
t_cleanup_returns_after_detach_50x() {
	local s pin i out
	pinned_setup
	for i in $(seq 1 50); do
		out="$s/out$i"
		start_warden "$out" -p "$s/p.yaml" --pin "$pin"
		if [ $((i % 2)) -eq 0 ]; then
			stop_warden "$WARDEN_PID"
		else
			kill -9 "$WARDEN_PID"; wait "$WARDEN_PID" 2>/dev/null
		fi
		"$s/tool"; assert_eq $? 137 "round $i: enforced while pinned"
		"$WARDEN" cleanup "$pin" >/dev/null || fail "round $i: cleanup"
		"$s/tool"; assert_eq $? 0 "round $i: denied binary runs right after cleanup"
		rm -f "$out" "$out.err"
	done
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
	[ -e "$s/pins" ] && fail "created $s/pins outside bpffs"
	true
}

# --pin never follows a symlink, and never adopts a directory it did not
# make (another user's, or one holding entries warden did not pin).
t_pin_dir_checked() {
	local s base
	s=$(scratch)
	base=/sys/fs/bpf/$UNIQ-$RANDOM
	mkdir "$base-real"; defer "rmdir '$base-real'"
	ln -s "$base-real" "$base-link"; defer "rm -f '$base-link'"
	"$WARDEN" daemon --pin "$base-link" --socket "$s/sock" -o /dev/null 2>"$s/err" &&
		fail "pinned through a symlink"
	assert_contains "$s/err" "symbolic link"
	mkdir "$base-real/other"; defer "rmdir '$base-real/other'"
	"$WARDEN" daemon --pin "$base-real" --socket "$s/sock" -o /dev/null 2>"$s/err" &&
		fail "pinned into a directory warden did not make"
	assert_contains "$s/err" "did not make"
	assert_eq "$(ls "$base-real")" other "directory unchanged"
}

run_tests
