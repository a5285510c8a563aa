#!/usr/bin/env bash
# Evasion suite, syscalls to the same effect: a rule on unshare covers
# clone/clone3 asking for a new namespace, a rule on mount the new mount
# API (build/helpers/ns_escape). docs/security.md has the table.
# shellcheck source-path=SCRIPTDIR source=../integration/lib.sh
. "$(dirname "$0")/../integration/lib.sh"

NSE=$HELPERS/ns_escape

rule_policy() { # FILE NAME SYSCALL
	printf 'rules:\n  - name: %s\n    action: kill\n    syscalls: [%s]\n' "$2" "$3" >"$1"
}

t_clone_newuser_under_unshare_rule() {
	local s out rc
	s=$(scratch); out=$s/ev.jsonl
	# each works without the agent
	"$NSE" clone >/dev/null || fail "clone(CLONE_NEWUSER|CLONE_NEWNS) fails bare"
	"$NSE" clone3 >/dev/null || fail "clone3 with namespace flags fails bare"
	rule_policy "$s/p.yaml" no-unshare unshare
	start_warden "$out" --policy "$s/p.yaml"
	"$NSE" clone >/dev/null; rc=$?
	assert_eq "$rc" 137 "clone making namespaces is killed"
	wait_events "$out" 1 type=syscall syscall=clone rule=no-unshare action=kill
	"$NSE" clone3 >/dev/null; rc=$?
	assert_eq "$rc" 137 "clone3 making namespaces is killed"
	wait_events "$out" 1 type=syscall syscall=clone3 rule=no-unshare action=kill
	# forks without namespace flags are none of the rule's business
	"$NSE" plain >/dev/null || fail "a plain clone3 was stopped"
	sh -c 'true' || fail "a shell's fork was stopped"
}

t_fsopen_under_mount_rule() {
	local s out rc
	s=$(scratch); out=$s/ev.jsonl
	"$NSE" fsopen >/dev/null || fail "fsopen fails bare"
	rule_policy "$s/p.yaml" no-mount mount
	start_warden "$out" --policy "$s/p.yaml"
	"$NSE" fsopen >/dev/null; rc=$?
	assert_eq "$rc" 137 "fsopen under a mount rule is killed"
	wait_events "$out" 1 type=syscall syscall=fsopen rule=no-mount action=kill
}

run_tests
