#!/usr/bin/env bash
# The example policies in examples/ are valid and do what they say.
. "$(dirname "$0")/lib.sh"
EXAMPLES=$(cd "$(dirname "$0")/../../examples" && pwd)

t_examples_pass_policy_check() {
	local f
	for f in "$EXAMPLES"/*.yaml; do
		"$WARDEN" policy check "$f" >/dev/null || fail "$f does not pass policy check"
	done
}

t_block_netcat_by_basename() {
	local s out
	s=$(scratch)
	out=$s/events.jsonl
	cp /bin/true "$s/nc"
	cp /bin/true "$s/ncx"
	start_warden "$out" --policy "$EXAMPLES/block-netcat.yaml"
	"$s/nc"; assert_eq $? 137 "a copy named nc"
	"$s/ncx"; assert_eq $? 0 "another name"
	wait_events "$out" 1 rule=no-netcat action=kill
}

t_container_escape_alerts_ptrace() {
	local s out
	s=$(scratch)
	out=$s/events.jsonl
	command -v strace >/dev/null || fail "strace is not installed"
	start_warden "$out" --policy "$EXAMPLES/container-escape.yaml"
	strace -o /dev/null true; assert_eq $? 0 "alert only"
	wait_events "$out" 1 type=syscall syscall=ptrace rule=watch-ptrace action=alert
}

t_observe_example_logs_exec() {
	local s out
	s=$(scratch)
	out=$s/events.jsonl
	start_warden "$out" --policy "$EXAMPLES/observe.yaml"
	/bin/true
	wait_events "$out" 1 type=exec binary=/usr/bin/true
}

run_tests
