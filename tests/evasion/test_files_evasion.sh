#!/usr/bin/env bash
# Evasion suite, file rules: every kernel entry that reaches a protected
# file without the open* syscalls the open-time check watches, done as an
# attacker would. docs/security.md has the table.
# shellcheck source-path=SCRIPTDIR source=../integration/lib.sh
. "$(dirname "$0")/../integration/lib.sh"

has_lsm() { "$WARDEN" probe --json | grep -q '"lsm":true'; }

# protect_policy FILE ACTION SCOPE_BINARY TARGET...: one file rule on TARGETs
# for processes running SCOPE_BINARY (tests never act on the rest of the host)
protect_policy() {
	local f=$1 act=$2 bin=$3 t; shift 3
	{
		echo "rules:"
		echo "  - name: protect"
		echo "    action: $act"
		echo "    match: { binary: [\"$bin\"] }"
		echo "    files:"
		for t in "$@"; do echo "      - \"$t\""; done
	} >"$f"
}

# io_uring: OPENAT into a direct descriptor linked to a WRITE, and OPENAT
# linked to a READ into memory a forked child prints after the reader is
# gone. No syscall names the file.
t_io_uring_write_and_read() {
	local s out rc
	s=$(scratch); out=$s/ev.jsonl
	mkdir "$s/prot"
	echo original >"$s/prot/config"
	echo topsecret >"$s/prot/secret"
	protect_policy "$s/p.yaml" kill "$HELPERS/uring_file" "$s/prot/"
	start_warden "$out" --policy "$s/p.yaml"
	# the attack works without the policy's scope: a copy of the helper
	cp "$HELPERS/uring_file" "$s/free_uring"
	echo x >"$s/free"
	"$s/free_uring" write "$s/free" written >/dev/null; assert_eq $? 0 "out of scope"
	assert_eq "$(cat "$s/free")" written "the ring wrote outside the scope"
	"$HELPERS/uring_file" write "$s/prot/config" hacked >"$s/w.out" 2>&1
	rc=$?
	if has_lsm; then
		assert_eq $rc 3 "the ring's open fails with EPERM"
	else
		assert_eq $rc 137 "killed at submission"
		wait_events "$out" 1 type=file rule=protect action=kill \
			mechanism=sigkill via=io_uring io_uring_op=openat
		assert_eq "$(events "$out" get file via=io_uring)" "\"$s/prot/config\""
	fi
	assert_eq "$(cat "$s/prot/config")" original "the file is untouched"
	"$HELPERS/uring_file" read "$s/prot/secret" >"$s/r.out" 2>&1
	assert_contains "$s/r.out" 'shared memory after the reader: ""'
	assert_not_contains "$s/r.out" topsecret
	has_lsm || wait_events "$out" 2 type=file rule=protect via=io_uring
	# unlinked: the second operation merely follows in the same submission
	"$HELPERS/uring_file" -u write "$s/prot/config" hacked >/dev/null 2>&1
	assert_eq "$(cat "$s/prot/config")" original "unlinked write"
	"$HELPERS/uring_file" -u read "$s/prot/secret" >"$s/r2.out" 2>&1
	assert_not_contains "$s/r2.out" topsecret
}

# Without LSM the ring's path cannot be checked: every io_uring open in the
# rule's scope is treated as touching its files (documented; --explain and
# the load say so). Setting up a ring alone is not an open.
t_io_uring_scope_is_the_rule() {
	local s out
	has_lsm && return 0
	s=$(scratch); out=$s/ev.jsonl
	mkdir "$s/prot"
	echo x >"$s/other"
	protect_policy "$s/p.yaml" kill "$HELPERS/uring_file" "$s/prot/"
	"$WARDEN" policy check --explain "$s/p.yaml" >"$s/explain" 2>&1
	assert_contains "$s/explain" 'p.yaml:2:5: note: rule "protect": without BPF LSM, io_uring operations'
	start_warden "$out" --policy "$s/p.yaml"
	assert_contains "$out.err" 'note: rule "protect": without BPF LSM, io_uring'
	"$HELPERS/uring_file" setup; assert_eq $? 0 "a ring alone"
	"$HELPERS/uring_file" write "$s/other" y >/dev/null 2>&1
	assert_eq $? 137 "an open in scope, of another file"
	wait_events "$out" 1 type=file rule=protect via=io_uring file="$s/other"
}

# open_by_handle_at: a file handle (name_to_handle_at, which opens
# nothing) opened on any descriptor of the mount: no path at the open.
t_open_by_handle_at() {
	local s out rc
	s=$(scratch); out=$s/ev.jsonl
	mkdir "$s/prot"
	echo original >"$s/prot/config"
	echo topsecret >"$s/prot/secret"
	protect_policy "$s/p.yaml" deny "$HELPERS/handle_open" "$s/prot/"
	start_warden "$out" --policy "$s/p.yaml"
	"$HELPERS/handle_open" write "$s/prot/config" hacked 2>/dev/null
	rc=$?
	if has_lsm; then assert_eq $rc 3 "EPERM"; else assert_eq $rc 137 "killed"; fi
	assert_eq "$(cat "$s/prot/config")" original "not written"
	"$HELPERS/handle_open" read "$s/prot/secret" >"$s/r.out" 2>/dev/null
	assert_not_contains "$s/r.out" topsecret
	wait_events "$out" 2 type=file rule=protect action=deny
	assert_eq "$(events "$out" get file type=file)" "\"$s/prot/config\""
}

run_tests
