#!/usr/bin/env bash
# The daemon's control socket and the trust checks on policy files.
. "$(dirname "$0")/lib.sh"

as_nobody() { setpriv --reuid 65534 --regid 65534 --clear-groups "$@"; }

t_status_reports_policy_and_counters() {
	local s out st
	s=$(scratch)
	out=$s/events.jsonl
	start_warden "$out" --policy "$TESTS_DIR/../../examples/observe.yaml"
	st=$("$WARDEN" status --socket "$WARDEN_SOCK") || fail "status failed"
	echo "$st" | python3 -c '
import json, sys
s = json.loads(sys.stdin.read())
assert s["policy"] == "observe", s
assert "lost_total" in s["stats"] and "process_ringbuf_full" in s["stats"], s
' || fail "status: $st"
}

t_socket_is_root_only() {
	local s out
	s=$(scratch)
	out=$s/events.jsonl
	start_warden "$out"
	assert_eq "$(stat -c %a "$WARDEN_SOCK")" 600 "socket mode"
	assert_eq "$(stat -c %U "$WARDEN_SOCK")" root "socket owner"
}

t_nonroot_refused_by_every_command() {
	local s out c msg
	s=$(scratch)
	out=$s/events.jsonl
	start_warden "$out"
	for c in status events stop; do
		msg=$(as_nobody "$WARDEN" "$c" --socket "$WARDEN_SOCK" 2>&1) &&
			fail "$c succeeded as nobody"
		echo "$msg" | grep -qi "permission denied" || fail "$c: $msg"
	done
	msg=$(as_nobody "$WARDEN" policy apply /dev/null --socket "$WARDEN_SOCK" 2>&1) &&
		fail "policy apply succeeded as nobody"
	# even with the file modes loosened by hand, SO_PEERCRED refuses
	chmod 755 "$s"; chmod 777 "$WARDEN_SOCK"
	msg=$(as_nobody "$WARDEN" stop --socket "$WARDEN_SOCK" 2>&1)
	echo "$msg" | grep -q "permission denied" || fail "peercred: $msg"
	kill -0 "$WARDEN_PID" || fail "a refused stop stopped the daemon"
}

t_policy_apply_and_reject() {
	local s out
	s=$(scratch)
	out=$s/events.jsonl
	cp /bin/true "$s/tool"
	start_warden "$out"
	cat >"$s/good.yaml" <<YAML
rules:
  - { name: kill-tool, action: kill, match: { binary: $s/tool } }
YAML
	"$WARDEN" policy apply "$s/good.yaml" --socket "$WARDEN_SOCK" >/dev/null || fail "apply good"
	"$s/tool"; assert_eq $? 137 "applied policy enforced"
	echo "rules: [" >"$s/bad.yaml"
	"$WARDEN" policy apply "$s/bad.yaml" --socket "$WARDEN_SOCK" >/dev/null 2>"$s/err" &&
		fail "apply bad succeeded"
	# the client is told why, at the file's line and column
	assert_contains "$s/err" "policy $s/bad.yaml rejected; the running policy stays:"
	grep -q "^$s/bad.yaml:[0-9]*:[0-9]*: " "$s/err" || fail "no FILE:LINE:COL reason: $(cat "$s/err")"
	"$s/tool"; assert_eq $? 137 "old policy kept"
}

t_events_filters_and_text() {
	local s out
	s=$(scratch)
	out=$s/events.jsonl
	cp /bin/true "$s/ftool"
	cp /bin/true "$s/other"
	cat >"$s/p.yaml" <<YAML
rules:
  - { name: watch-ftool, action: alert, match: { binary: $s/ftool } }
YAML
	start_warden "$out" --policy "$s/p.yaml"
	"$WARDEN" events --socket "$WARDEN_SOCK" --type exec --binary "$s/ftool" >"$s/json" &
	defer "kill $! 2>/dev/null"
	"$WARDEN" events --socket "$WARDEN_SOCK" --rule watch-ftool --format text >"$s/text" &
	defer "kill $! 2>/dev/null"
	"$WARDEN" events --socket "$WARDEN_SOCK" --type fork,exec --rule watch-ftool >"$s/execs" &
	defer "kill $! 2>/dev/null"
	# all three subscribed once each has seen an ftool (bounded)
	for _ in $(seq 1 100); do
		"$s/ftool"
		[ -s "$s/json" ] && [ -s "$s/text" ] && [ -s "$s/execs" ] && break
		sleep 0.1
	done
	"$s/other"; "$s/ftool" extra arg
	wait_for "$s/json" "extra"
	wait_for "$s/text" "extra arg"
	wait_for "$s/execs" "extra"
	assert_eq "$(events "$s/json" count)" "$(events "$s/json" count type=exec binary="$s/ftool")" "only matching events"
	assert_not_contains "$s/json" "$s/other"
	assert_eq "$(events "$s/execs" count)" "$(events "$s/execs" count type=exec rule=watch-ftool)" "--type fork,exec --rule"
	# text: time, type, the fields; no JSON
	grep -qE "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+Z exec pid=[0-9]+ ppid=[0-9]+ uid=0 container=- binary=$s/ftool args=\[$s/ftool extra arg\] cwd=[^ ]+ rule=watch-ftool action=alert( mechanism=[a-z]+)?$" "$s/text" ||
		fail "text line: $(cat "$s/text")"
	assert_not_contains "$s/text" "{"
	"$WARDEN" events --format yaml --socket "$WARDEN_SOCK" 2>"$s/err"; assert_eq $? 2 "bad format"
	"$WARDEN" events --help | grep -q -- "--container ID" || fail "events --help"
}

t_events_stream() {
	local s out
	s=$(scratch)
	out=$s/events.jsonl
	start_warden "$out"
	"$WARDEN" events --socket "$WARDEN_SOCK" >"$s/stream" &
	defer "kill $! 2>/dev/null"
	sleep 0.3
	/bin/echo streamed-marker >/dev/null
	wait_for "$s/stream" "streamed-marker"
	events "$s/stream" validate >/dev/null || fail "stream is not JSON lines"
}

t_stop_detaches() {
	local s out
	s=$(scratch)
	out=$s/events.jsonl
	start_warden "$out"
	"$WARDEN" stop --socket "$WARDEN_SOCK" >/dev/null || fail "stop"
	for _ in $(seq 1 50); do kill -0 "$WARDEN_PID" 2>/dev/null || break; sleep 0.1; done
	kill -0 "$WARDEN_PID" 2>/dev/null && fail "daemon still running"
	[ -e "$WARDEN_SOCK" ] && fail "socket left behind"
	assert_eq "$(events "$out" count type=stats final=true)" 1 "final stats"
}

t_second_daemon_on_same_socket_refused() {
	local s out
	s=$(scratch)
	out=$s/events.jsonl
	start_warden "$out"
	"$WARDEN" daemon --socket "$WARDEN_SOCK" -o /dev/null 2>"$s/err" &&
		fail "second daemon started"
	assert_contains "$s/err" "another warden daemon"
	"$WARDEN" status --socket "$WARDEN_SOCK" >/dev/null || fail "first daemon lost its socket"
}

t_untrusted_policy_refused() {
	local s
	s=$(scratch)
	cp "$TESTS_DIR/../../examples/observe.yaml" "$s/p.yaml"
	chmod 666 "$s/p.yaml"
	"$WARDEN" daemon -p "$s/p.yaml" --socket "$s/sock" -o /dev/null 2>"$s/err" &&
		fail "started with a world-writable policy"
	assert_contains "$s/err" "writable by anyone"
	chmod 644 "$s/p.yaml"; chown 65534 "$s/p.yaml"
	"$WARDEN" daemon -p "$s/p.yaml" --socket "$s/sock" -o /dev/null 2>"$s/err" &&
		fail "started with a policy owned by nobody"
	assert_contains "$s/err" "not root"
}

t_untrusted_policy_allowed_by_flag() {
	local s out
	s=$(scratch)
	out=$s/events.jsonl
	cp "$TESTS_DIR/../../examples/observe.yaml" "$s/p.yaml"
	chmod 666 "$s/p.yaml"
	start_warden "$out" -p "$s/p.yaml" --allow-untrusted-policy
}

t_self_protection_reports_ptrace() {
	local s out
	s=$(scratch)
	out=$s/events.jsonl
	# ptrace is seen through its syscall tracepoint: an opt-in
	printf 'self_protection_syscalls: on\n' >"$s/p.yaml"
	start_warden "$out" --policy "$s/p.yaml"
	timeout 2 strace -o /dev/null -p "$WARDEN_PID" 2>/dev/null
	wait_events "$out" 1 type=syscall syscall=ptrace rule=self-protection action=alert
	# reported once per process image and syscall, not per call
	sleep 0.3
	assert_eq "$(events "$out" count syscall=ptrace rule=self-protection)" 1 "one report"
	kill -0 "$WARDEN_PID" || fail "agent died"
}

t_self_protection_kill() {
	local s out rc
	s=$(scratch)
	out=$s/events.jsonl
	printf 'self_protection: kill\nself_protection_syscalls: on\n' >"$s/p.yaml"
	start_warden "$out" --policy "$s/p.yaml"
	# kill(2) aimed at the agent now kills the caller: stop it by socket
	defer "'$WARDEN' stop --socket '$WARDEN_SOCK'; sleep 0.5"
	timeout 5 strace -o /dev/null -p "$WARDEN_PID" 2>/dev/null
	rc=$?
	assert_eq "$rc" 137 "strace on the agent is killed"
	wait_events "$out" 1 rule=self-protection action=kill mechanism=sigkill
	"$WARDEN" status --socket "$WARDEN_SOCK" >/dev/null || fail "agent not answering"
}

run_tests
