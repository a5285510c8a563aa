#!/usr/bin/env bash
# Process tracking, exec rules and syscall rules against the real kernel.
. "$(dirname "$0")/lib.sh"

# A directory with a killable copy of a harmless binary and a bystander.
make_tools() {
	local d=$1
	mkdir -p "$d/dir"
	cp /bin/true "$d/dir/tool"
	cp /bin/true "$d/dir/other"
}

kill_tool_policy() { # FILE DIR
	write_policy "$1" <<YAML
name: kill-tool
rules:
  - name: kill-tool
    action: kill
    match:
      binary: $2/dir/tool
YAML
}

t_observe_exec_fields() {
	local s out cg
	s=$(scratch)
	out=$s/events.jsonl
	cg=$(mk_cgroup "$UNIQ-obs")
	start_warden "$out"
	cp /bin/dash "$s/mysh"
	(cd "$s" && in_cgroup "$cg" "$s/mysh" -c '/bin/echo hello world >/dev/null; true')
	wait_events "$out" 1 type=exec comm=echo
	events "$out" validate >/dev/null || fail "invalid JSON"
	local ev
	ev=$(grep '"comm":"echo"' "$out" | grep '"type":"exec"' | head -n1)
	for k in time pid tid ppid uid gid exec_id parent_exec_id ancestors cgroup_id cwd args; do
		echo "$ev" | grep -q "\"$k\":" || fail "exec event lacks $k: $ev"
	done
	assert_eq "$(events "$out" get binary type=exec comm=echo)" '"/usr/bin/echo"'
	assert_eq "$(events "$out" get args type=exec comm=echo)" '["/bin/echo", "hello", "world"]'
	assert_eq "$(events "$out" get cwd type=exec comm=echo)" "\"$s\""
	assert_eq "$(events "$out" get cgroup type=exec comm=echo)" "\"/$UNIQ-obs\""
	# the echo's ancestry starts with the sh that ran it
	events "$out" get ancestors type=exec comm=echo | grep -q "^\[\"$s/mysh\"" ||
		fail "ancestors: $(events "$out" get ancestors type=exec comm=echo)"
	# its parent's exec_id is the sh's own exec_id
	local sh_id echo_parent
	echo_parent=$(events "$out" get parent_exec_id type=exec comm=echo)
	sh_id=$(events "$out" get exec_id type=exec comm=mysh)
	assert_eq "$echo_parent" "$sh_id" "parent_exec_id"
	wait_events "$out" 1 type=exit comm=echo exit_code=0
}

t_kill_by_path_and_evasions() {
	local s out rc
	s=$(scratch)
	out=$s/events.jsonl
	make_tools "$s"
	kill_tool_policy "$s/p.yaml" "$s"
	start_warden "$out" --policy "$s/p.yaml"
	ln -s "$s/dir/tool" "$s/symlink"
	ln "$s/dir/tool" "$s/hardlink"
	"$s/dir/tool"; assert_eq $? 137 "direct path"
	"$s/dir/other"; assert_eq $? 0 "other binary in the same directory"
	"$s/symlink"; assert_eq $? 137 "symlink"
	"$s/hardlink"; assert_eq $? 137 "hard link"
	(cd "$s/dir" && ./tool); assert_eq $? 137 "relative path"
	"$HELPERS/exec_via" fd "$s/dir/tool"; assert_eq $? 137 "execveat AT_EMPTY_PATH"
	"$HELPERS/exec_via" procfd "$s/dir/tool"; assert_eq $? 137 "/proc/self/fd/N"
	"$HELPERS/exec_via" dirfd "$s/dir/tool"; assert_eq $? 137 "execveat dirfd"
	mkdir "$s/bind"
	unshare -m sh -c "mount --bind '$s/dir' '$s/bind' && '$s/bind/tool'"
	assert_eq $? 137 "bind mount"
	wait_events "$out" 8 rule=kill-tool action=kill
	sleep 0.2
	assert_eq "$(events "$out" count rule=kill-tool)" 8 "one event per kill"
	assert_eq "$(events "$out" count comm=other)" 0 "bystander not reported"
}

t_kill_exactly_one_event() {
	local s out
	s=$(scratch)
	out=$s/events.jsonl
	make_tools "$s"
	kill_tool_policy "$s/p.yaml" "$s"
	start_warden "$out" --policy "$s/p.yaml"
	sh -c "'$s/dir/tool'; echo status=\$?" >"$s/status"
	assert_contains "$s/status" "status=137"
	wait_events "$out" 1 rule=kill-tool
	sleep 0.3
	assert_eq "$(events "$out" count rule=kill-tool action=kill mechanism=sigkill)" 1
}

t_deny_falls_back_to_kill_without_lsm() {
	local s out
	s=$(scratch)
	out=$s/events.jsonl
	make_tools "$s"
	write_policy "$s/p.yaml" <<YAML
rules:
  - { name: deny-tool, action: deny, match: { binary: $s/dir/tool } }
YAML
	start_warden "$out" --policy "$s/p.yaml"
	if "$WARDEN" probe --json | grep -q '"lsm":true'; then
		"$s/dir/tool"; assert_eq $? 126 "exec fails with EPERM under LSM"
		wait_events "$out" 1 rule=deny-tool action=deny mechanism=lsm
	else
		"$s/dir/tool"; assert_eq $? 137 "killed where there is no LSM"
		wait_events "$out" 1 rule=deny-tool action=deny mechanism=sigkill
	fi
}

t_deny_required_fails_without_lsm() {
	local s out
	s=$(scratch)
	out=$s/events.jsonl
	make_tools "$s"
	write_policy "$s/p.yaml" <<YAML
on_unsupported: fail
rules:
  - { name: deny-tool, action: deny, match: { binary: $s/dir/tool } }
YAML
	if "$WARDEN" probe --json | grep -q '"lsm":true'; then
		start_warden "$out" --policy "$s/p.yaml"
		return 0
	fi
	"$WARDEN" daemon --policy "$s/p.yaml" --socket "$s/sock" -o "$out" 2>"$s/err" &&
		fail "started although deny cannot be enforced"
	assert_contains "$s/err" "deny needs BPF LSM"
	assert_contains "$s/err" "p.yaml:3:5:"
}

t_file_rule_write_deny() {
	local s out lsm rc
	s=$(scratch)
	out=$s/events.jsonl
	mkdir -p "$s/prot" "$s/open"
	echo original >"$s/prot/existing"
	write_policy "$s/p.yaml" <<YAML
rules:
  - name: protect-dir
    action: deny
    files: [$s/prot/]
    access: write
YAML
	start_warden "$out" --policy "$s/p.yaml"
	lsm=false
	"$WARDEN" probe --json | grep -q '"lsm":true' && lsm=true
	sh -c "echo x > '$s/open/file'"; assert_eq $? 0 "write elsewhere"
	cat "$s/prot/existing" >/dev/null; assert_eq $? 0 "reading is not writing"
	sh -c "echo x >> '$s/prot/existing'"
	rc=$?
	if $lsm; then
		assert_eq $rc 2 "open for write fails with EPERM (sh: cannot create)"
		wait_events "$out" 1 type=file rule=protect-dir action=deny mechanism=lsm
	else
		assert_eq $rc 137 "killed before it writes"
		wait_events "$out" 1 type=file rule=protect-dir action=deny mechanism=sigkill
	fi
	assert_eq "$(cat "$s/prot/existing")" original "content untouched"
	assert_eq "$(events "$out" get file type=file)" "\"$s/prot/existing\""
}

t_prefix_and_basename_rules() {
	local s out
	s=$(scratch)
	out=$s/events.jsonl
	make_tools "$s"
	mkdir -p "$s/free"; cp /bin/true "$s/free/tool2"; cp /bin/true "$s/free/named"
	write_policy "$s/p.yaml" <<YAML
rules:
  - name: no-dir
    action: kill
    match: { binary: $s/dir/ }
  - name: no-name
    action: kill
    match: { binary: named }
YAML
	start_warden "$out" --policy "$s/p.yaml"
	"$s/dir/other"; assert_eq $? 137 "file under the prefix"
	"$s/free/tool2"; assert_eq $? 0 "file outside the prefix"
	"$s/free/named"; assert_eq $? 137 "basename"
}

t_ancestor_scope() {
	local s out
	s=$(scratch)
	out=$s/events.jsonl
	make_tools "$s"
	cp /bin/dash "$s/guardsh"
	write_policy "$s/p.yaml" <<YAML
rules:
  - name: tool-under-guardsh
    action: kill
    match:
      binary: $s/dir/tool
      ancestor: $s/guardsh
YAML
	start_warden "$out" --policy "$s/p.yaml"
	"$s/dir/tool"; assert_eq $? 0 "outside the ancestor scope"
	"$s/guardsh" -c "'$s/dir/tool'"; assert_eq $? 137 "child of guardsh"
	# a grandchild that double-forks away is still a descendant
	"$s/guardsh" -c "sh -c \"(sh -c '$s/dir/tool; echo \\\$? > $s/gc') &\"; sleep 0.3"
	sleep 0.3
	assert_eq "$(cat "$s/gc")" 137 "orphaned grandchild"
}

t_cgroup_scope() {
	local s out cg
	s=$(scratch)
	out=$s/events.jsonl
	make_tools "$s"
	cg=$(mk_cgroup "$UNIQ-scope")
	mkdir -p "$cg/inner"
	write_policy "$s/p.yaml" <<YAML
rules:
  - name: tool-in-cgroup
    action: kill
    match:
      binary: $s/dir/tool
      cgroup: /$UNIQ-scope
YAML
	start_warden "$out" --policy "$s/p.yaml"
	"$s/dir/tool"; assert_eq $? 0 "outside the cgroup"
	in_cgroup "$cg" "$s/dir/tool"; assert_eq $? 137 "inside the cgroup"
	in_cgroup "$cg/inner" "$s/dir/tool"; assert_eq $? 137 "in a child cgroup"
}

t_not_selector() {
	local s out
	s=$(scratch)
	out=$s/events.jsonl
	make_tools "$s"
	chmod 755 "$s" "$s/dir"
	write_policy "$s/p.yaml" <<YAML
rules:
  - name: tool-unless-root
    action: kill
    match: { binary: $s/dir/tool }
    not: { uid: 0 }
YAML
	start_warden "$out" --policy "$s/p.yaml"
	"$s/dir/tool"; assert_eq $? 0 "root is excepted"
	setpriv --reuid 65534 --regid 65534 --clear-groups "$s/dir/tool"
	assert_eq $? 137 "nobody is not"
}

t_allow_exception_first_match() {
	local s out cg
	s=$(scratch)
	out=$s/events.jsonl
	make_tools "$s"
	cg=$(mk_cgroup "$UNIQ-allow")
	write_policy "$s/p.yaml" <<YAML
rules:
  - name: allow-in-cgroup
    action: allow
    match: { cgroup: /$UNIQ-allow }
  - name: kill-tool
    action: kill
    match: { binary: $s/dir/tool }
YAML
	start_warden "$out" --policy "$s/p.yaml"
	in_cgroup "$cg" "$s/dir/tool"; assert_eq $? 0 "allowed by the first rule"
	"$s/dir/tool"; assert_eq $? 137 "killed elsewhere"
}

t_syscall_rule_in_cgroup() {
	local s out cg
	s=$(scratch)
	out=$s/events.jsonl
	cg=$(mk_cgroup "$UNIQ-sys")
	write_policy "$s/p.yaml" <<YAML
rules:
  - name: no-unshare-here
    action: kill
    syscalls: [unshare]
    match: { cgroup: /$UNIQ-sys }
YAML
	start_warden "$out" --policy "$s/p.yaml"
	in_cgroup "$cg" unshare -U true; assert_eq $? 137 "unshare inside the cgroup"
	unshare -U true; assert_eq $? 0 "unshare elsewhere"
	in_cgroup "$cg" true; assert_eq $? 0 "other syscalls inside"
	wait_events "$out" 1 type=syscall syscall=unshare rule=no-unshare-here action=kill
}

t_syscall_alert() {
	local s out
	s=$(scratch)
	out=$s/events.jsonl
	write_policy "$s/p.yaml" <<YAML
rules:
  - name: watch-setns
    action: alert
    syscalls: [setns]
YAML
	start_warden "$out" --policy "$s/p.yaml"
	nsenter -t $$ -n true; assert_eq $? 0 "alert does not kill"
	wait_events "$out" 1 type=syscall syscall=setns action=alert
}

t_hostile_args_json() {
	local s out
	s=$(scratch)
	out=$s/events.jsonl
	start_warden "$out"
	/bin/echo 'quote"' $'new\nline' 'back\slash' $'\xff' $'tab\there' $'\x01' >/dev/null
	wait_events "$out" 1 type=exec comm=echo
	events "$out" validate >/dev/null || fail "output has an invalid JSON line"
	python3 - "$out" <<'PY' || fail "args not preserved"
import json, sys
for line in open(sys.argv[1], encoding="utf-8"):
    e = json.loads(line)
    if e.get("type") == "exec" and e.get("comm") == "echo":
        assert e["args"] == ["/bin/echo", 'quote"', "new\nline", "back\\slash",
                             "\ufffd", "tab\there", "\x01"], e["args"]
        break
else:
    sys.exit(1)
PY
}

t_long_argv_truncated() {
	local s out big
	s=$(scratch)
	out=$s/events.jsonl
	start_warden "$out"
	big=$(head -c 100000 /dev/zero | tr '\0' 'a')
	/bin/echo "$big" "$big" "$big" >/dev/null
	wait_events "$out" 1 type=exec comm=echo args_truncated=true
	events "$out" validate >/dev/null || fail "invalid JSON"
}

t_policy_check_reports_position() {
	local s msg
	s=$(scratch)
	write_policy "$s/bad.yaml" <<'YAML'
rules:
  - name: x
    action: explode
    match:
      binray: /bin/true
    syscalls: [not_a_syscall]
YAML
	msg=$("$WARDEN" policy check "$s/bad.yaml" 2>&1)
	assert_eq $? 1 "exit status"
	echo "$msg" | grep -q "$s/bad.yaml:3:13: unknown action" || fail "action: $msg"
	echo "$msg" | grep -q "$s/bad.yaml:5:7: unknown key" || fail "key: $msg"
	echo "$msg" | grep -q "$s/bad.yaml:6:16: unknown syscall" || fail "syscall: $msg"
}

t_sighup_bad_policy_keeps_old() {
	local s out
	s=$(scratch)
	out=$s/events.jsonl
	make_tools "$s"
	kill_tool_policy "$s/p.yaml" "$s"
	start_warden "$out" --policy "$s/p.yaml"
	echo "rules: [ {name: broken" >"$s/p.yaml"
	kill -HUP "$WARDEN_PID"
	wait_events "$out" 1 type=policy status=rejected
	"$s/dir/tool"; assert_eq $? 137 "old policy still enforced"
	grep -q "p.yaml:[0-9]*:[0-9]*: " "$out.err" || fail "no position in the rejection: $(cat "$out.err")"
	# a good policy replaces it (picked up from the file change alone)
	sed "s#$s/dir/tool#$s/dir/other#" >"$s/p2.yaml" <<YAML
rules:
  - name: kill-other
    action: kill
    match: { binary: $s/dir/tool }
YAML
	mv "$s/p2.yaml" "$s/p.yaml"
	wait_events "$out" 2 type=policy status=loaded
	"$s/dir/tool"; assert_eq $? 0 "new policy: tool allowed"
	"$s/dir/other"; assert_eq $? 137 "new policy: other killed"
}

t_stats_at_exit() {
	local s out
	s=$(scratch)
	out=$s/events.jsonl
	start_warden "$out"
	stop_warden "$WARDEN_PID"
	assert_eq "$(events "$out" count type=stats final=true)" 1 "final stats line"
	assert_eq "$(events "$out" get lost_total type=stats)" 0
}

t_cleanup_leaves_nothing() {
	local s out ids id
	s=$(scratch)
	out=$s/events.jsonl
	start_warden "$out"
	ids=$(cat /proc/"$WARDEN_PID"/fdinfo/* 2>/dev/null | awk '/^prog_id:/ {print $2}' | sort -u)
	[ -n "$ids" ] || fail "no programs seen for warden($WARDEN_PID)"
	stop_warden "$WARDEN_PID"
	# programs are freed by the kernel shortly after their last fd closes
	for id in $ids; do
		for _ in $(seq 1 30); do
			bpftool prog show id "$id" >/dev/null 2>&1 || continue 2
			sleep 0.1
		done
		fail "program $id left loaded"
	done
	true
}

run_tests
