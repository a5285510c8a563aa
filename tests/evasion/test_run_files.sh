#!/usr/bin/env bash
# Evasion suite, `warden run` files and the command (issue 13): a step
# that changes files through entries a path check might miss (io_uring,
# file handles, openat2, xattrs, fd-based calls), or replaces its own
# command. Written as the malicious build dependency would; docs/run.md
# "Files and denied syscalls", docs/security.md.
# shellcheck source-path=SCRIPTDIR source=../integration/lib.sh
. "$(dirname "$0")/../integration/lib.sh"

# xattr FILE: the value of user.warden, or "none"
xattr() {
	python3 -c 'import os,sys
try: print(os.getxattr(sys.argv[1], "user.warden").decode())
except OSError: print("none")' "$1"
}

MODES="uring handle openat2 setxattr lsetxattr removexattr fsetxattr setxattrat fchmod"

# $S/ws may be written, $S/out/<mode> may not; each mode aims at its file.
files_setup() {
	S=$(scratch)
	mkdir -p "$S/ws" "$S/out"
	for m in $MODES; do echo keep >"$S/out/$m"; chmod 644 "$S/out/$m"; done
	# removexattr needs something to remove
	python3 -c 'import os,sys; os.setxattr(sys.argv[1], "user.warden", b"y")' "$S/out/removexattr"
	printf 'run:\n  mode: %s\n  files:\n    write: [%s/ws/]\n' "$1" "$S" >"$S/p.yaml"
	for m in $MODES; do echo "$HELPERS/file_bypass $m $S/out/$m"; done >"$S/step.sh"
}

check_files() { # MODE RC ACTION
	local rc m
	files_setup "$1"
	"$WARDEN" run --as-root -p "$S/p.yaml" --report "$S/r.json" -- sh "$S/step.sh" \
		>"$S/r.out" 2>"$S/r.err"
	rc=$?
	assert_eq "$rc" "$2" "exit status; $(cat "$S/r.out" "$S/r.err")"
	run_violations "$S/r.json" >"$S/v"
	assert_contains "$S/v" "syscall syscalls.allow $3 io_uring_setup"
	assert_contains "$S/v" "syscall syscalls.allow $3 open_by_handle_at"
	for m in openat2 setxattr lsetxattr removexattr fsetxattr setxattrat fchmod; do
		assert_contains "$S/v" "file-write files.write $3 $S/out/$m"
	done
	python3 "$RUN_VALIDATE" "$RUN_SCHEMA" "$S/r.json" || fail "schema"
}

t_file_entries_refused_enforce() {
	local m
	check_files enforce 3 blocked
	for m in $MODES; do
		assert_contains "$S/r.out" "$m: refused: EPERM" "$(cat "$S/r.out")"
	done
	assert_eq "$(xattr "$S/out/setxattr")$(xattr "$S/out/fsetxattr")$(xattr "$S/out/setxattrat")" \
		nonenonenone "no xattr set"
	assert_eq "$(xattr "$S/out/removexattr")" y "the xattr stays"
	assert_eq "$(stat -c %a "$S/out/fchmod")" 644 "mode unchanged"
}

# audit: each really changes the file (the enforce test is not vacuous)
t_file_entries_reported_audit() {
	local m
	check_files audit 0 reported
	for m in $MODES; do
		assert_contains "$S/r.out" "$m: done" "$(cat "$S/r.out")"
	done
	assert_eq "$(xattr "$S/out/setxattr")" x
	assert_eq "$(xattr "$S/out/removexattr")" none
	assert_eq "$(stat -c %a "$S/out/fchmod")" 777
}

# syscalls.allow lets a build that needs io_uring use it
t_io_uring_allowed_by_policy() {
	local rc
	files_setup enforce
	printf '  syscalls:\n    allow: [io_uring_setup]\n' >>"$S/p.yaml"
	"$WARDEN" run --as-root -p "$S/p.yaml" -- "$HELPERS/file_bypass" uring "$S/ws/f" \
		>"$S/r.out" 2>"$S/r.err"
	rc=$?
	assert_eq "$rc" 0 "$(cat "$S/r.out" "$S/r.err")"
	assert_contains "$S/r.out" "uring: done"
}

# ---- the command itself ---------------------------------------------

# The command is allowed as the file it was at the start: with its
# directory moved aside and PAYLOAD put at the same path, `./bin/step`
# runs something else at the command's path.
check_replaced() { # MODE RC ACTION
	local s rc
	s=$(scratch)
	mkdir "$s/bin"
	cp "$HELPERS/replace_self" "$s/bin/step"
	cp /usr/bin/id "$s/payload"
	printf 'run:\n  mode: %s\n  exec:\n    allow: []\n' "$1" >"$s/p.yaml"
	(cd "$s" && "$WARDEN" run --as-root -p p.yaml --report r.json \
		--learn learned.yaml -- ./bin/step mvdir payload) >"$s/r.out" 2>"$s/r.err"
	rc=$?
	assert_eq "$rc" "$2" "exit status; $(cat "$s/r.out" "$s/r.err")"
	assert_contains "$s/r.out" "replaced $s/bin/step"
	run_violations "$s/r.json" >"$s/v"
	assert_contains "$s/v" "exec exec.command $3 $s/bin/step"
	# --learn never learns the escape: the replaced file is not allowed
	assert_not_contains "$s/learned.yaml" "$s/bin/step"
	S=$s
}

t_command_replaced_enforce() {
	check_replaced enforce 3 blocked
	assert_not_contains "$S/r.out" "uid=" "the payload ran"
}

t_command_replaced_audit() {
	check_replaced audit 0 reported
	assert_contains "$S/r.out" "uid=" "the payload ran (audit)"
}

# `mv payload ./step` names the command's file: refused as a write to it.
t_command_renamed_over() {
	local s rc
	s=$(scratch)
	cp "$HELPERS/replace_self" "$s/step"
	cp /usr/bin/id "$s/payload"
	printf 'run:\n  mode: enforce\n  exec:\n    allow: []\n' >"$s/p.yaml"
	"$WARDEN" run --as-root -p "$s/p.yaml" --report "$s/r.json" -- \
		"$s/step" mv "$s/payload" >"$s/r.out" 2>"$s/r.err"
	rc=$?
	assert_eq "$rc" 3 "$(cat "$s/r.out" "$s/r.err")"
	assert_contains "$s/r.out" "mv: EPERM"
	run_violations "$s/r.json" >"$s/v"
	assert_contains "$s/v" "file-write exec.command blocked $s/step"
}

# Writing into the command's own file is refused even inside files.write.
t_command_written_in_place() {
	local s rc
	s=$(scratch)
	cp "$HELPERS/replace_self" "$s/step"
	printf 'run:\n  mode: enforce\n  exec:\n    allow: []\n  files:\n    write: [%s/]\n' \
		"$s" >"$s/p.yaml"
	"$WARDEN" run --as-root -p "$s/p.yaml" --report "$s/r.json" -- "$s/step" write \
		>"$s/r.out" 2>"$s/r.err"
	rc=$?
	assert_eq "$rc" 3 "$(cat "$s/r.out" "$s/r.err")"
	assert_contains "$s/r.out" "write: EPERM"
	run_violations "$s/r.json" >"$s/v"
	assert_contains "$s/v" "file-write exec.command blocked $s/step"
}

run_tests
