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

# The TOCTOU of seccomp notify: a second thread flips the path between an
# allowed file and a forbidden one while the first opens it for writing.
# With "continue" the kernel re-read the path after warden's judgement
# and some opens reached the forbidden file; warden now opens what it
# judged itself and hands the fd in (SECCOMP_ADDFD), for each open entry.
t_open_path_race_enforce() {
	local s rc sc out
	s=$(scratch)
	mkdir "$s/ws" "$s/wx"
	printf 'run:\n  mode: enforce\n  files:\n    write: [%s/ws/]\n' "$s" >"$s/p.yaml"
	for sc in open openat openat2 creat; do
		"$WARDEN" run --as-root -p "$s/p.yaml" --report "$s/r.json" -- \
			"$HELPERS/open_race" "$sc" "$s/ws/f" "$s/wx/f" 50 1000000 \
			>"$s/r.out" 2>"$s/r.err"
		rc=$?
		out=$(cat "$s/r.out")
		echo "    $sc: $out"
		assert_eq "$rc" 3 "$sc: exit status; $(cat "$s/r.err")"
		# the race was run: both outcomes seen, so both paths were read
		grep -Eq 'opened=([5-9][0-9]|[0-9]{3,}) refused=([5-9][0-9]|[0-9]{3,})' \
			"$s/r.out" || fail "$sc: the race did not run both ways: $out"
		assert_contains "$s/r.out" "forbidden=0" "$sc"
		[ ! -e "$s/wx/f" ] || fail "$sc: the forbidden file was created"
		run_violations "$s/r.json" >"$s/v"
		assert_contains "$s/v" "file-write files.write blocked $s/wx/f"
		assert_eq "$(stat -c %U "$s/ws/f")" root "$sc: made by the step's user"
		rm -f "$s/ws/f"
	done
}

# Opened on the caller's behalf: as the caller (its uid, groups, umask),
# with its flags (O_CLOEXEC, O_APPEND, O_EXCL), and its errors.
t_open_on_behalf_keeps_caller_semantics() {
	local s rc
	s=$(scratch)
	mkdir "$s/ws"
	chmod 777 "$s" "$s/ws"
	echo secret >"$s/ws/rootonly"
	chmod 600 "$s/ws/rootonly"
	printf 'run:\n  mode: enforce\n  files:\n    write: [%s/ws/]\n    secrets: [/nonexistent/]\n' "$s" >"$s/p.yaml"
	"$WARDEN" run --user nobody -p "$s/p.yaml" -- python3 -c '
import ctypes, os, sys, fcntl
d = sys.argv[1]
libc = ctypes.CDLL(None, use_errno=True)  # os.open always adds O_CLOEXEC
os.umask(0o027)
fd = os.open(d + "/new", os.O_WRONLY | os.O_CREAT | os.O_CLOEXEC, 0o666)
print("cloexec", bool(fcntl.fcntl(fd, fcntl.F_GETFD) & fcntl.FD_CLOEXEC))
fd2 = libc.open((d + "/new2").encode(), os.O_WRONLY | os.O_CREAT, 0o666)
print("inherit", bool(fcntl.fcntl(fd2, fcntl.F_GETFD) & fcntl.FD_CLOEXEC))
os.write(fd, b"a"); os.close(fd)
fd = os.open(d + "/new", os.O_WRONLY | os.O_APPEND)
os.write(fd, b"b"); os.close(fd)
print("content", open(d + "/new").read())
try: os.open(d + "/new", os.O_WRONLY | os.O_CREAT | os.O_EXCL)
except OSError as e: print("excl", e.errno == 17)
try: os.open(d + "/rootonly", os.O_RDONLY)
except OSError as e: print("denied", e.errno == 13)
try: os.open(d + "/missing/x", os.O_WRONLY | os.O_CREAT)
except OSError as e: print("enoent", e.errno == 2)
' "$s/ws" >"$s/r.out" 2>"$s/r.err"
	rc=$?
	assert_eq "$rc" 0 "$(cat "$s/r.out" "$s/r.err")"
	for w in "cloexec True" "inherit False" "content ab" "excl True" \
		 "denied True" "enoent True"; do
		assert_contains "$s/r.out" "$w" "$(cat "$s/r.out")"
	done
	assert_eq "$(stat -c '%U %a' "$s/ws/new")" "nobody 640"
}

run_tests
