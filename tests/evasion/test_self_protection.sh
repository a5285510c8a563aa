#!/usr/bin/env bash
# Self-protection without a per-syscall cost: the default policy attaches
# nothing to the syscall path, and signals aimed at the agent are still
# reported (and their sender killed with self_protection: kill) through
# signal_generate. The syscall tracepoints are an opt-in
# (self_protection_syscalls: on). docs/security.md has the table.
# shellcheck source-path=SCRIPTDIR source=../integration/lib.sh
. "$(dirname "$0")/../integration/lib.sh"

# syscall_tps PID: the sys_enter*/sys_exit* tracepoints PID's fds attach
# programs to (tracepoints and raw/BTF tracepoints alike).
syscall_tps() {
	bpftool perf list -j | python3 -c '
import json, sys
pid = int(sys.argv[1])
for a in json.load(sys.stdin):
    tp = a.get("tracepoint", "")
    if a["pid"] == pid and (tp.startswith("sys_enter") or tp.startswith("sys_exit")):
        print(tp)' "$1"
}

t_default_policy_no_syscall_tracepoint() {
	local s out
	s=$(scratch); out=$s/ev.jsonl
	start_warden "$out"
	assert_eq "$(syscall_tps "$WARDEN_PID")" "" "default policy: nothing on the syscall path"
	# the check sees one when there is one: a syscall rule attaches it
	cat >"$s/p.yaml" <<-'Y'
	rules:
	  - name: no-unshare
	    action: alert
	    syscalls: [unshare]
	Y
	"$WARDEN" policy apply --socket "$WARDEN_SOCK" "$s/p.yaml" >/dev/null ||
		fail "policy apply failed"
	syscall_tps "$WARDEN_PID" | grep -qx sys_enter_unshare ||
		fail "a syscall rule attaches sys_enter_unshare"
	# and back to no rule: detached again
	"$WARDEN" policy apply --socket "$WARDEN_SOCK" "$TESTS_DIR/../../examples/observe.yaml" \
		>/dev/null || fail "policy apply failed"
	assert_eq "$(syscall_tps "$WARDEN_PID")" "" "detached with the rule"
}

t_sigstop_to_agent_reported() {
	local s out
	s=$(scratch); out=$s/ev.jsonl
	start_warden "$out"
	/bin/kill -STOP "$WARDEN_PID" || fail "kill -STOP failed"
	/bin/kill -CONT "$WARDEN_PID" || fail "kill -CONT failed"
	wait_events "$out" 1 type=signal signal_name=STOP rule=self-protection action=alert comm=kill
	wait_events "$out" 1 type=signal signal_name=CONT rule=self-protection
	# a signal to another process is not the agent's business
	sleep 100 & local other=$!
	/bin/kill -STOP "$other"; /bin/kill -KILL "$other"; wait "$other" 2>/dev/null
	"$WARDEN" status --socket "$WARDEN_SOCK" >/dev/null || fail "agent not answering"
	assert_eq "$(events "$out" count type=signal signal_name=KILL)" 0 "another target"
}

t_kill_mode_kills_sender() {
	local s out rc
	s=$(scratch); out=$s/ev.jsonl
	printf 'self_protection: kill\n' >"$s/p.yaml"
	start_warden "$out" --policy "$s/p.yaml"
	/bin/kill -STOP "$WARDEN_PID"; rc=$?
	assert_eq "$rc" 137 "the sender of SIGSTOP is killed"
	# the signal itself was sent (a tracepoint cannot refuse it): resume
	# the agent, which kills this sender too
	/bin/kill -CONT "$WARDEN_PID"; rc=$?
	assert_eq "$rc" 137 "the sender of SIGCONT is killed"
	wait_events "$out" 1 type=signal signal_name=STOP rule=self-protection action=kill mechanism=sigkill
	# SIGKILL cannot be survived, but its sender dies with the agent
	/bin/kill -9 "$WARDEN_PID"; rc=$?
	assert_eq "$rc" 137 "the sender of SIGKILL is killed"
}

t_syscalls_opt_in_reports_ptrace() {
	local s out
	s=$(scratch); out=$s/ev.jsonl
	printf 'self_protection_syscalls: on\n' >"$s/p.yaml"
	start_warden "$out" --policy "$s/p.yaml"
	syscall_tps "$WARDEN_PID" | grep -qx sys_enter_ptrace ||
		fail "the opt-in attaches sys_enter_ptrace"
	timeout 2 strace -o /dev/null -p "$WARDEN_PID" 2>/dev/null
	wait_events "$out" 1 type=syscall syscall=ptrace rule=self-protection action=alert
	kill -0 "$WARDEN_PID" || fail "agent died"
}

run_tests
