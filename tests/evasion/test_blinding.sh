#!/usr/bin/env bash
# Evasion suite, blinding the daemon: what a root process (or a member of
# the control group) can do to make the agent stop seeing or enforcing
# while it still looks healthy. Each case is a row of docs/security.md.
# shellcheck source-path=SCRIPTDIR source=../integration/lib.sh
. "$(dirname "$0")/../integration/lib.sh"
HELPER_PY="$(cd "$(dirname "$0")/../helpers" && pwd)"

alert_tool_policy() { # FILE TOOL: one alert rule on TOOL
	cat >"$1" <<YAML
rules:
  - { name: see-tool, action: alert, match: { binary: $2 } }
YAML
}

# Many control clients each trickle a request a byte every 0.45 s (the
# attack that held the old single-threaded loop for minutes): events are
# still written as they happen and another client's `status` is answered.
t_slow_control_clients_do_not_stall() {
	local s out i
	s=$(scratch); out=$s/ev.jsonl
	cp /bin/true "$s/tool"
	alert_tool_policy "$s/p.yaml" "$s/tool"
	start_warden "$out" --policy "$s/p.yaml"
	python3 "$HELPER_PY/slow_client.py" "$WARDEN_SOCK" 20 \
		>"$s/slow" 2>&1 &
	defer "kill $! 2>/dev/null"
	wait_for "$s/slow" "sent 60"	# every client is three bytes in
	for i in $(seq 1 25); do "$s/tool"; done
	wait_events "$out" 25 rule=see-tool
	# the answer is due within 1 s: a deadline, not a measurement
	timeout 1 "$WARDEN" status --socket "$WARDEN_SOCK" >"$s/status" ||
		fail "status not answered within 1 s while slow clients are connected"
	python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$s/status" ||
		fail "status: $(cat "$s/status")"
	grep -q "sent" "$s/slow" || fail "the slow clients never sent"
	# and the daemon gives up on a client that never finishes its line
	wait_for "$s/slow" "request not received in time" 60
	for i in $(seq 1 5); do "$s/tool"; done
	wait_events "$out" 30 rule=see-tool
}

# A request without a newline longer than the limit is refused at once.
t_oversized_control_request_refused() {
	local s out
	s=$(scratch); out=$s/ev.jsonl
	start_warden "$out"
	python3 - "$WARDEN_SOCK" >"$s/reply" <<'PY'
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.connect(sys.argv[1])
try:
    s.sendall(b"x" * 70000)
except OSError:
    pass
print(s.recv(4096).decode())
PY
	assert_contains "$s/reply" "request too long"
	timeout 1 "$WARDEN" status --socket "$WARDEN_SOCK" >/dev/null ||
		fail "status not answered within 1 s"
}

run_tests
