#!/usr/bin/env bash
# Evasion suite, the ia32 entry: a 64-bit process making syscalls with
# `int 0x80` (build/helpers/compat32) goes around syscalls:sys_enter_*.
# Syscall rules, file rules and self-protection must hold for it.
# docs/security.md has the table.
# shellcheck source-path=SCRIPTDIR source=../integration/lib.sh
. "$(dirname "$0")/../integration/lib.sh"

C32=$HELPERS/compat32

t_unshare_rule_kills_int80() {
	local s out rc
	s=$(scratch); out=$s/ev.jsonl
	# the attack works without the agent: the new UTS namespace is made
	"$C32" unshare >"$s/bare" || fail "compat32 unshare fails bare: $(cat "$s/bare")"
	cat >"$s/p.yaml" <<-'Y'
	rules:
	  - name: no-unshare
	    action: kill
	    syscalls: [unshare]
	Y
	start_warden "$out" --policy "$s/p.yaml"
	"$C32" unshare >"$s/out"; rc=$?
	assert_eq "$rc" 137 "int 0x80 unshare is killed"
	assert_not_contains "$s/out" "sethostname"
	wait_events "$out" 1 type=syscall syscall=unshare rule=no-unshare action=kill abi=ia32
	unshare -u true; rc=$?
	assert_eq "$rc" 137 "the 64-bit unshare too"
	wait_events "$out" 1 type=syscall syscall=unshare rule=no-unshare action=kill comm=unshare
	assert_eq "$(events "$out" count type=syscall comm=unshare abi=ia32)" 0 "native is not ia32"
}

t_file_rule_holds_for_int80() {
	local s out rc
	s=$(scratch); out=$s/ev.jsonl
	echo original >"$s/secret"
	cat >"$s/p.yaml" <<-Y
	rules:
	  - name: protect-secret
	    action: kill
	    files: [$s/secret]
	    access: write
	Y
	start_warden "$out" --policy "$s/p.yaml"
	"$C32" open "$s/secret" w >"$s/out"; rc=$?
	assert_eq "$rc" 137 "int 0x80 open for writing is killed"
	assert_not_contains "$s/out" "write:"
	assert_eq "$(cat "$s/secret")" original "nothing written"
	wait_events "$out" 1 type=file rule=protect-secret action=kill
	# reading is not what the rule names
	"$C32" open "$s/secret" >/dev/null || fail "a read-only open is allowed"
}

t_signal_to_agent_via_int80() {
	local s out
	s=$(scratch); out=$s/ev.jsonl
	start_warden "$out"
	"$C32" kill "$WARDEN_PID" 19 >/dev/null || fail "int 0x80 kill failed"	# SIGSTOP
	"$C32" kill "$WARDEN_PID" 18 >/dev/null || fail "int 0x80 kill failed"	# SIGCONT
	wait_events "$out" 1 type=signal signal_name=STOP rule=self-protection comm=compat32
}

run_tests
