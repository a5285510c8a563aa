#!/usr/bin/env bash
# Rules and events against real containers: Debian's docker.io with its
# own daemon (tests/integration/container.sh), overlay2, a busybox image
# imported locally, --network none.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/container.sh"

# The harness itself: a container runs, in a cgroup of its own below the
# harness's parent, and warden attributes its execs to it.
t_container_attribution() {
	local s out id
	s=$(scratch)
	out=$s/events.jsonl
	start_warden "$out"
	ctr_run "$UNIQ-attr" "$CTR_IMAGE" sh -c 'cat /proc/self/cgroup' >"$s/cg" ||
		fail "container did not run"
	id=$(ctr_id "$UNIQ-attr")
	assert_contains "$s/cg" "0::$CTR_CGPARENT/$id"
	# the entrypoint runc executes (busybox's sh runs cat in-process: no exec)
	wait_events "$out" 1 type=exec comm=sh container_id="$id"
	assert_eq "$(events "$out" get container_runtime type=exec comm=sh container_id="$id")" '"docker"'
}

# host_copy PATH: a harmless binary at PATH on the host, which the test
# creates (it must not exist) and removes.
host_copy() {
	[ -e "$1" ] && fail "$1 exists on the host"
	cp /bin/true "$1" || fail "cannot create $1"
	defer "rm -f '$1'"
}

# in_ctr NAME SCRIPT: run SCRIPT with sh in a new container; its output
# (one "NAME=rc" line per probe) in $s/NAME.out.
in_ctr() {
	ctr_run "$1" ${CTR_OPTS:-} "$CTR_IMAGE" sh -c "$2" >"$s/$1.out" 2>&1 ||
		{ cat "$s/$1.out" >&2; fail "container $1 failed"; }
}

# Exact path, directory prefix and name rules scoped to containers kill
# the container's binary (overlayfs: another inode than any host file)
# and not a copy elsewhere in it, nor the same path on the host.
t_path_rules_in_container() {
	local s out
	s=$(scratch)
	out=$s/events.jsonl
	host_copy /usr/bin/$UNIQ-exact
	host_copy /usr/local/bin/$UNIQ-prefix
	write_policy "$s/p.yaml" <<YAML
name: ctr-paths
rules:
  - name: exact
    action: kill
    match: {binary: /usr/bin/$UNIQ-exact, container: any}
  - name: prefix
    action: kill
    match: {binary: /usr/local/bin/, container: any}
  - name: named
    action: kill
    match: {binary: $UNIQ-named, container: any}
  - name: applet
    action: kill
    match: {binary: nc, container: any}
YAML
	start_warden "$out" --policy "$s/p.yaml"
	in_ctr "$UNIQ-paths" "
		/usr/bin/$UNIQ-exact true; echo exact=\$?
		cp /usr/bin/$UNIQ-exact /tmp/x; /tmp/x true; echo copy=\$?
		/usr/local/bin/$UNIQ-prefix true; echo prefix=\$?
		/usr/bin/$UNIQ-other true; echo other=\$?
		/usr/bin/$UNIQ-named true; echo named=\$?
		nc -h 2>/dev/null; echo applet=\$?
		/bin/nc -h 2>/dev/null; echo applet_path=\$?
		true; echo builtin=\$?"
	# a busybox copy under another name exits 127 (no such applet): what
	# counts is SIGKILL (137) or not
	for want in exact=137 prefix=137 named=137 applet=137 applet_path=137; do
		assert_contains "$s/$UNIQ-paths.out" "$want"
	done
	for spared in copy other; do
		assert_contains "$s/$UNIQ-paths.out" "$spared="
		assert_not_contains "$s/$UNIQ-paths.out" "$spared=137"
	done
	# the same paths on the host: out of scope
	/usr/bin/$UNIQ-exact || fail "host /usr/bin/$UNIQ-exact was hit"
	/usr/local/bin/$UNIQ-prefix || fail "host /usr/local/bin/$UNIQ-prefix was hit"
	wait_events "$out" 1 type=exec action=kill binary=/usr/bin/$UNIQ-exact
	assert_eq "$(events "$out" count type=exec action=kill binary=/usr/bin/$UNIQ-exact)" 1
}

# An allow-list by directory kills only what runs from elsewhere.
t_allow_list_by_directory() {
	local s out
	s=$(scratch)
	out=$s/events.jsonl
	write_policy "$s/p.yaml" <<YAML
name: ctr-allow
rules:
  - name: only-system-dirs
    action: kill
    match: {container: any}
    not: {binary: [/usr/, /bin/]}
YAML
	start_warden "$out" --policy "$s/p.yaml"
	in_ctr "$UNIQ-allow" "
		/usr/bin/$UNIQ-exact true; echo usr=\$?
		/bin/ls / >/dev/null; echo bin=\$?
		/opt/$UNIQ-outside true; echo outside=\$?
		cp /bin/busybox /tmp/bb; /tmp/bb true; echo tmp=\$?"
	for want in bin=0 outside=137 tmp=137; do
		assert_contains "$s/$UNIQ-allow.out" "$want"
	done
	assert_contains "$s/$UNIQ-allow.out" "usr="
	assert_not_contains "$s/$UNIQ-allow.out" "usr=137"
	# the host's binaries outside /usr and /bin are not the containers'
	cp /bin/true "$s/host-tool"
	"$s/host-tool" || fail "a host binary was hit by a container rule"
}

# No reload: each container's first exec (its entrypoint, run by runc
# init right after the cgroup is made) is in scope, 20 times in a row.
t_first_exec_of_each_container() {
	local s out i rc killed=0
	s=$(scratch)
	out=$s/events.jsonl
	write_policy "$s/p.yaml" <<YAML
name: ctr-first
rules:
  - name: entrypoint
    action: kill
    match: {binary: /usr/bin/$UNIQ-exact, container: any}
YAML
	start_warden "$out" --policy "$s/p.yaml"
	for i in $(seq 1 20); do
		ctr_run "$UNIQ-first$i" "$CTR_IMAGE" /usr/bin/$UNIQ-exact true
		rc=$?
		[ $rc -eq 137 ] && killed=$((killed + 1))
	done
	assert_eq "$killed" 20 "containers whose first exec was killed"
	wait_events "$out" 20 type=exec action=kill binary=/usr/bin/$UNIQ-exact
}

# A syscall rule for the workload spares the runtime: runc's own unshare
# and mount calls (it sets up the namespaces in the container's cgroup)
# still start the container; the workload's calls are killed.
t_syscall_rule_spares_runtime() {
	local s out
	s=$(scratch)
	out=$s/events.jsonl
	write_policy "$s/p.yaml" <<YAML
name: ctr-escape
rules:
  - name: no-namespaces
    action: kill
    syscalls: [unshare, setns, mount]
    match: {container: any}
YAML
	start_warden "$out" --policy "$s/p.yaml"
	# docker's seccomp profile would refuse these before the syscall's
	# tracepoint fires: without it, warden's rule is what stops them
	# ns_escape (static): clone/clone3 with namespace flags count as unshare,
	# fsopen (the new mount API) as mount
	CTR_OPTS="--security-opt seccomp=unconfined --cap-add SYS_ADMIN
		-v $HELPERS/ns_escape:/ns_escape:ro"
	in_ctr "$UNIQ-sys" "
		echo started
		unshare -m true; echo unshare=\$?
		mount -t tmpfs none /tmp; echo mount=\$?
		/ns_escape clone; echo clone=\$?
		/ns_escape clone3; echo clone3=\$?
		/ns_escape fsopen; echo fsopen=\$?
		/ns_escape plain; echo plain=\$?"
	for want in started unshare=137 mount=137 clone=137 clone3=137 fsopen=137 plain=0; do
		assert_contains "$s/$UNIQ-sys.out" "$want"
	done
	wait_events "$out" 1 type=syscall action=kill comm=unshare
	# the runtime was never hit
	assert_eq "$(events "$out" count type=syscall comm=runc:[1:CHILD])" 0
	assert_eq "$(events "$out" count type=syscall comm=runc:[2:INIT])" 0
}

# `policy apply` holds through a container restart (its cgroup removed
# and made again, with a new id): the daemon recompiles the applied
# policy, not its --policy file, and also when it was started without
# one. A rule by container id needs no recompiling at all.
apply_then_restart() { # WITH_POLICY_FLAG
	local s out id
	s=$(scratch)
	out=$s/events.jsonl
	ctr_run "$UNIQ-rs" -d "$CTR_IMAGE" sleep 1000 >/dev/null || fail "no container"
	id=$(ctr_id "$UNIQ-rs")
	write_policy "$s/start.yaml" <<YAML
name: start
rules: []
YAML
	write_policy "$s/applied.yaml" <<YAML
name: applied
rules:
  - name: by-cgroup
    action: kill
    match: {binary: /usr/bin/$UNIQ-exact, cgroup: $CTR_CGPARENT/$id}
  - name: by-id
    action: kill
    match: {binary: /usr/bin/$UNIQ-other, container: ${id:0:12}}
YAML
	if [ "$1" = yes ]; then
		start_warden "$out" --policy "$s/start.yaml"
	else
		start_warden "$out"
	fi
	"$WARDEN" policy apply "$s/applied.yaml" --socket "$WARDEN_SOCK" >/dev/null ||
		fail "policy apply"
	dk exec "$UNIQ-rs" /usr/bin/$UNIQ-exact true
	assert_eq $? 137 "before the restart"
	dk restart -t 0 "$UNIQ-rs" >/dev/null || fail "restart"
	wait_for "$out.err" "recompiled: 1 of its 1 cgroups exist" 100
	dk exec "$UNIQ-rs" /usr/bin/$UNIQ-exact true
	assert_eq $? 137 "by cgroup, after the restart"
	dk exec "$UNIQ-rs" /usr/bin/$UNIQ-other true
	assert_eq $? 137 "by container id, after the restart"
	assert_not_contains "$out.err" "policy $s/start.yaml reloaded"
}
t_apply_holds_through_restart() { apply_then_restart yes; }
t_apply_holds_without_policy_flag() { apply_then_restart no; }

# The shipped example works on real containers: they start, and their
# workload cannot unshare.
t_container_escape_example() {
	local s out
	s=$(scratch)
	out=$s/events.jsonl
	start_warden "$out" --policy "$(dirname "$0")/../../examples/container-escape.yaml"
	CTR_OPTS="--security-opt seccomp=unconfined --cap-add SYS_ADMIN"
	in_ctr "$UNIQ-ex" "echo started; unshare -U true; echo unshare=\$?"
	assert_contains "$s/$UNIQ-ex.out" started
	assert_contains "$s/$UNIQ-ex.out" unshare=137
	wait_events "$out" 1 type=syscall rule=no-namespace-escape action=kill
}

# A container that runs before the agent starts: its cgroup is marked by
# the start-up scan, so a process started in it later (docker exec) is in
# scope.
t_container_before_agent() {
	local s out
	s=$(scratch)
	out=$s/events.jsonl
	ctr_run "$UNIQ-early" -d "$CTR_IMAGE" sleep 1000 >/dev/null || fail "no container"
	write_policy "$s/p.yaml" <<YAML
name: ctr-early
rules:
  - name: exact
    action: kill
    match: {binary: /usr/bin/$UNIQ-exact, container: any}
YAML
	start_warden "$out" --policy "$s/p.yaml"
	dk exec "$UNIQ-early" /usr/bin/$UNIQ-exact true
	assert_eq $? 137 "docker exec in a container older than the agent"
	dk exec "$UNIQ-early" /usr/bin/$UNIQ-other true
	[ $? -ne 137 ] || fail "another binary in it was killed"
}

# systemd's cgroup driver names containers docker-<id>.scope (no systemd
# here to run docker with it): a cgroup made by that name after the agent
# started is a container's; a process that runs a program in another mount
# namespace there is its workload, one in the host's is not (runc init).
t_systemd_scope_name() {
	local s out hex cg
	s=$(scratch)
	out=$s/events.jsonl
	cp /bin/true "$s/tool"
	write_policy "$s/p.yaml" <<YAML
name: ctr-scope
rules:
  - name: tool
    action: kill
    match: {binary: $s/tool, container: any}
YAML
	start_warden "$out" --policy "$s/p.yaml"
	hex=$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')
	mk_cgroup "$UNIQ-system.slice" >/dev/null
	cg=$(mk_cgroup "$UNIQ-system.slice/docker-$hex.scope")
	in_cgroup "$cg" "$s/tool"; assert_eq $? 0 "the host's mount namespace: not a workload"
	in_cgroup "$cg" unshare -m "$s/tool"; assert_eq $? 137 "its own mount namespace: a workload"
	"$s/tool"; assert_eq $? 0 "outside the container's cgroup"
	wait_events "$out" 1 type=exec action=kill binary="$s/tool"
}

# The text format names the container (its short id).
t_text_format_shows_container() {
	local s out id
	s=$(scratch)
	out=$s/events.txt
	start_warden "$out" --format text
	ctr_run "$UNIQ-txt" "$CTR_IMAGE" sh -c 'cat /dev/null' || fail "no container"
	id=$(ctr_id "$UNIQ-txt")
	wait_for "$out" "container=${id:0:12}"
	grep "container=${id:0:12}" "$out" | grep -q "/bin/busybox" ||
		fail "no exec line of the container: $(grep -c . "$out") lines"
}

ctr_start
run_tests
