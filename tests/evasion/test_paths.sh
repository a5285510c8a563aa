#!/usr/bin/env bash
# Evasion suite, exec rules: each known way around a path rule either is
# caught here or shows the documented limit (docs/security.md has the
# table). Symlinks, hard links, relative paths, execveat(fd, "",
# AT_EMPTY_PATH), execveat with a dirfd, /proc/self/fd/N and bind mounts
# are in tests/integration/test_process.sh (t_kill_by_path_and_evasions).
# shellcheck source-path=SCRIPTDIR source=../integration/lib.sh
. "$(dirname "$0")/../integration/lib.sh"

make_tools() { # DIR: DIR/dir/tool (denied by the policies) and DIR/dir/other
	mkdir -p "$1/dir"
	cp /bin/true "$1/dir/tool"
	cp /bin/true "$1/dir/other"
}

kill_policy() { # FILE BINARY...: one kill rule naming every BINARY
	local f=$1 b; shift
	{
		echo "rules:"
		echo "  - name: kill-it"
		echo "    action: kill"
		echo "    match:"
		echo "      binary:"
		for b in "$@"; do echo "        - \"$b\""; done
	} >"$f"
}

t_rename_after_load() {
	local s out
	s=$(scratch); out=$s/ev.jsonl
	make_tools "$s"
	kill_policy "$s/p.yaml" "$s/dir/tool"
	start_warden "$out" --policy "$s/p.yaml"
	mv "$s/dir/tool" "$s/dir/renamed"
	"$s/dir/renamed"; assert_eq $? 137 "renamed in place (same inode)"
	mkdir "$s/elsewhere"
	mv "$s/dir/renamed" "$s/elsewhere/innocent"
	"$s/elsewhere/innocent"; assert_eq $? 137 "moved to another directory"
	mv "$s/dir" "$s/dir2"
	"$s/elsewhere/innocent"; assert_eq $? 137 "after its old directory moved"
	wait_events "$out" 3 rule=kill-it action=kill
}

t_replace_at_path_after_load() {
	local s out
	s=$(scratch); out=$s/ev.jsonl
	make_tools "$s"
	kill_policy "$s/p.yaml" "$s/dir/tool"
	start_warden "$out" --policy "$s/p.yaml"
	# the named file moved aside and a harmless one put in its place: both
	mv "$s/dir/tool" "$s/dir/aside"
	cp /bin/true "$s/dir/tool"
	"$s/dir/aside"; assert_eq $? 137 "the named inode, moved aside"
	"$s/dir/tool"; assert_eq $? 137 "its replacement"
	# atomic replace: a new inode renamed over the name
	cp /bin/true "$s/dir/.new"
	mv "$s/dir/.new" "$s/dir/tool"
	"$s/dir/tool"; assert_eq $? 137 "new inode renamed over the path"
	# removed and recreated
	rm "$s/dir/tool"
	cp /bin/true "$s/dir/tool"
	"$s/dir/tool"; assert_eq $? 137 "file recreated at the path"
	"$s/dir/other"; assert_eq $? 0 "bystander"
	wait_events "$out" 4 rule=kill-it action=kill
}

t_created_at_path_after_load() {
	local s out
	s=$(scratch); out=$s/ev.jsonl
	make_tools "$s"
	kill_policy "$s/p.yaml" "$s/dir/later"
	start_warden "$out" --policy "$s/p.yaml"
	assert_contains "$out.err" "binary \"$s/dir/later\""
	cp /bin/true "$s/dir/later"
	"$s/dir/later"; assert_eq $? 137 "created after the policy loaded"
	ln -s "$s/dir/later" "$s/link"
	"$s/link"; assert_eq $? 137 "through a symlink"
	wait_events "$out" 2 rule=kill-it action=kill
}

t_fileless_memfd_and_deleted() {
	local s out
	s=$(scratch); out=$s/ev.jsonl
	make_tools "$s"
	write_policy "$s/p.yaml" <<YAML
rules:
  - { name: no-fileless, action: kill, match: { binary: "@fileless" } }
YAML
	start_warden "$out" --policy "$s/p.yaml"
	"$HELPERS/memfd_exec" memfd /bin/true; assert_eq $? 137 "memfd, execveat AT_EMPTY_PATH"
	"$HELPERS/memfd_exec" procfd /bin/true; assert_eq $? 137 "memfd, /proc/self/fd/N"
	"$HELPERS/memfd_exec" deleted "$s/dir/tool"; assert_eq $? 137 "deleted after open"
	"$s/dir/other"; assert_eq $? 0 "a file with a name"
	"$HELPERS/exec_via" fd "$s/dir/other"; assert_eq $? 0 "a named file through its fd"
	wait_events "$out" 3 rule=no-fileless action=kill
	events "$out" get binary rule=no-fileless | grep -q memfd: ||
		fail "memfd not named in the event: $(events "$out" get binary rule=no-fileless)"
}

# The kernel executes ld.so, which maps the program itself: a path rule on
# the program never sees it (out of scope, docs/security.md). The
# documented mitigation, a rule on the loader's name, stops it while
# programs that merely use the loader as their interpreter run.
t_dynamic_loader() {
	local s out ld
	s=$(scratch); out=$s/ev.jsonl
	ld=/lib64/ld-linux-x86-64.so.2
	[ -x "$ld" ] || fail "no $ld here"
	make_tools "$s"
	kill_policy "$s/p.yaml" "$s/dir/tool"
	start_warden "$out" --policy "$s/p.yaml"
	"$ld" "$s/dir/tool"; assert_eq $? 0 "limit: a path rule does not see ld.so PROGRAM"
	write_policy "$s/p2.yaml" <<YAML
rules:
  - name: no-explicit-loader
    action: kill
    match: { binary: [ld-linux-x86-64.so.2, ld-linux.so.2, ld.so] }
  - { name: kill-it, action: kill, match: { binary: "$s/dir/tool" } }
YAML
	mv "$s/p2.yaml" "$s/p.yaml"
	wait_events "$out" 2 type=policy status=loaded
	"$ld" "$s/dir/tool"; assert_eq $? 137 "mitigation: the loader run by name"
	"$ld" /bin/true; assert_eq $? 137 "mitigation: whatever it would load"
	/bin/true; assert_eq $? 0 "dynamic programs still run"
	"$s/dir/tool"; assert_eq $? 137 "the rule itself"
	wait_events "$out" 2 rule=no-explicit-loader action=kill
}

# A script named in a rule: on kernels without BPF LSM the exec tracepoint
# sees the interpreter (bprm->file after binfmt_script), not the script.
# With LSM, deny_exec checks every binfmt step, so the script is denied.
# What works everywhere: a rule on the interpreter, scoped.
t_script_through_interpreter() {
	local s out cg rc lsm=false
	s=$(scratch); out=$s/ev.jsonl
	cg=$(mk_cgroup "$UNIQ-scr")
	mkdir -p "$s/scripts"
	printf '#!/bin/sh\nexit 0\n' >"$s/scripts/job.sh"
	chmod +x "$s/scripts/job.sh"
	"$WARDEN" probe --json | grep -q '"lsm":true' && lsm=true
	write_policy "$s/p.yaml" <<YAML
rules:
  - { name: no-job, action: deny, match: { binary: "$s/scripts/job.sh" } }
  - name: no-shell-in-cgroup
    action: kill
    match: { binary: [/bin/sh, /bin/dash, /bin/bash], cgroup: /$UNIQ-scr }
YAML
	start_warden "$out" --policy "$s/p.yaml"
	"$s/scripts/job.sh"; rc=$?
	if $lsm; then
		assert_eq $rc 126 "script denied by LSM"
	else
		assert_eq $rc 0 "limit: the tracepoint sees /bin/sh, not the script"
	fi
	/bin/sh "$s/scripts/job.sh"; assert_eq $? 0 "limit: an interpreter run with the script as argument"
	in_cgroup "$cg" "$s/scripts/job.sh"; assert_eq $? 137 "the scoped interpreter rule"
	wait_events "$out" 1 rule=no-shell-in-cgroup action=kill
	# the event names the interpreter and carries the script in args
	events "$out" get args rule=no-shell-in-cgroup | grep -qF "$s/scripts/job.sh" ||
		fail "script not in args: $(events "$out" get args rule=no-shell-in-cgroup)"
}

# Copying the binary makes a new inode with a new name: exact-file and
# basename rules cannot follow it (they name files, not contents). An
# allow-list by directory, scoped, catches it.
t_copy_needs_allow_list() {
	local s out cg
	s=$(scratch); out=$s/ev.jsonl
	cg=$(mk_cgroup "$UNIQ-copy")
	make_tools "$s"
	write_policy "$s/p.yaml" <<YAML
rules:
  - { name: kill-it, action: kill, match: { binary: "$s/dir/tool" } }
  - name: only-system-binaries
    action: kill
    match: { cgroup: /$UNIQ-copy }
    not: { binary: [/usr/, "$s/dir/"] }
YAML
	start_warden "$out" --policy "$s/p.yaml"
	cp "$s/dir/tool" "$s/copy"
	"$s/copy"; assert_eq $? 0 "limit: a copy is another file"
	in_cgroup "$cg" "$s/copy"; assert_eq $? 137 "the allow-list catches the copy"
	in_cgroup "$cg" /bin/true; assert_eq $? 0 "system binaries run"
	in_cgroup "$cg" "$s/dir/tool"; assert_eq $? 137 "the rule itself"
}

# overlayfs gives the files it shows its own (dev, inode): an exact-file,
# path or directory rule on the lower file does not match the overlay's
# view of it, and an unprivileged user namespace may mount one. A name
# rule does match (docs/security.md).
t_overlayfs_limit() {
	local s out
	s=$(scratch); out=$s/ev.jsonl
	make_tools "$s"
	mkdir "$s/up" "$s/work" "$s/mnt"
	write_policy "$s/p.yaml" <<YAML
rules:
  - { name: kill-it, action: kill, match: { binary: ["$s/dir/tool", "$s/dir/"] } }
  - { name: kill-by-name, action: kill, match: { binary: other } }
YAML
	start_warden "$out" --policy "$s/p.yaml"
	ovl() { unshare -Urm sh -c "mount -t overlay o -o lowerdir='$s/dir',upperdir='$s/up',workdir='$s/work' '$s/mnt' && exec '$s/mnt/$1'"; }
	ovl tool; assert_eq $? 0 "limit: the overlay's view of a denied file"
	ovl other; assert_eq $? 137 "a name rule matches through the overlay"
}

# The pid rule names a number: it matches whatever process holds that pid
# when it execs (or makes the syscall), including one that reused it.
# exec_id tells the two processes apart in events.
t_pid_reuse() {
	local s out p a b i got=
	s=$(scratch); out=$s/ev.jsonl
	make_tools "$s"
	write_policy "$s/p.yaml" <<YAML
observe: { exec: true }
YAML
	start_warden "$out" --policy "$s/p.yaml"
	sleep 1000 &
	p=$!
	defer "kill $p"
	wait_events "$out" 1 type=exec pid=$p comm=sleep
	a=$(events "$out" get exec_id type=exec pid=$p comm=sleep)
	write_policy "$s/p2.yaml" <<YAML
observe: { exec: true }
rules:
  - { name: kill-pid, action: kill, match: { pid: $p, binary: "$s/dir/tool" } }
YAML
	mv "$s/p2.yaml" "$s/p.yaml"
	wait_events "$out" 2 type=policy status=loaded
	kill "$p"; wait "$p" 2>/dev/null
	# make the next fork take pid p again (others may fork in between: retry)
	for i in $(seq 1 100); do
		echo $((p - 1)) >/proc/sys/kernel/ns_last_pid
		"$s/dir/tool" &
		if [ $! -eq "$p" ]; then wait $!; got=$?; break; fi
		wait $! 2>/dev/null
	done
	[ -n "$got" ] || fail "could not reuse pid $p in $i tries"
	assert_eq "$got" 137 "the process that reused pid $p is matched by the pid rule"
	wait_events "$out" 1 type=exec pid=$p rule=kill-pid
	b=$(events "$out" get exec_id type=exec pid=$p rule=kill-pid)
	[ "$a" != "$b" ] || fail "exec_id reused: $a"
	echo "$a then $b"
}

# Deeper than 64 components and longer than PATH_MAX, under a denied
# prefix: the directory walk goes to the root however deep the file is;
# only the printed path is cut (binary_truncated).
t_deep_and_long_path() {
	local s out comp
	s=$(scratch); out=$s/ev.jsonl
	mkdir -p "$s/deny"
	write_policy "$s/p.yaml" <<YAML
rules:
  - { name: no-deep, action: kill, match: { binary: "$s/deny/" } }
YAML
	start_warden "$out" --policy "$s/p.yaml"
	comp=$(printf 'd%.0s' $(seq 1 60))
	(
		cd "$s/deny" || exit 2
		# 80 components of 61 bytes: 4880 bytes, beyond PATH_MAX
		for _ in $(seq 1 80); do mkdir "$comp" && cd "$comp" || exit 2; done
		cp /bin/true ./deep || exit 2
		./deep
	) 2>/dev/null
	assert_eq $? 137 "deep and long under the prefix"
	(
		cd "$s/deny" || exit 2
		# 200 one-byte components: short, but deep
		for _ in $(seq 1 200); do mkdir x && cd x || exit 2; done
		cp /bin/true ./deep || exit 2
		./deep
	)
	assert_eq $? 137 "200 levels under the prefix"
	wait_events "$out" 2 rule=no-deep action=kill
	assert_eq "$(events "$out" count rule=no-deep binary_truncated=true)" 2 "binary_truncated"
	events "$out" validate >/dev/null || fail "invalid JSON"
}

# argv beyond 1 MiB: the event keeps the first 4095 bytes and says so; the
# rule is enforced all the same.
t_huge_argv() {
	local s out big args=() i
	s=$(scratch); out=$s/ev.jsonl
	make_tools "$s"
	kill_policy "$s/p.yaml" "$s/dir/tool"
	start_warden "$out" --policy "$s/p.yaml"
	big=$(head -c 120000 /dev/zero | tr '\0' 'a')
	for i in $(seq 1 10); do args+=("$big"); done	# 1.2 MB
	"$s/dir/tool" "${args[@]}"; assert_eq $? 137 "killed with a 1.2 MB argv"
	wait_events "$out" 1 rule=kill-it args_truncated=true
	events "$out" validate >/dev/null || fail "invalid JSON"
}

run_tests
