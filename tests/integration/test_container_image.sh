#!/usr/bin/env bash
# warden itself as a container, the way docs/deploy.md runs it (host pid
# namespace, /sys/fs/bpf, /sys/kernel and /sys/fs/cgroup from the host, the
# runtime's socket, the capabilities it needs and no more), enforcing a
# rule on another container and naming it. The image is the binary under
# test with the libraries it links, imported (building
# packaging/container/Dockerfile compiles everything and takes minutes:
# docs/deploy.md; the same layout). WARDEN_IMAGE_ARCHIVE=FILE (from
# `docker save` of that build) runs the test on that image instead.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/container.sh"

AGENT_IMAGE="$UNIQ-warden:test"

# The image: $WARDEN, what ldd says it loads, the directories it writes.
build_agent_image() {
	local r=$CTR_DIR/agent lib
	mkdir -p "$r/usr/sbin" "$r/etc/warden" "$r/run/warden" "$r/tmp" \
		"$r/proc" "$r/sys" "$r/dev" "$r/out"
	cp "$WARDEN" "$r/usr/sbin/warden"
	for lib in $(ldd "$WARDEN" | awk '$2 == "=>" && $3 ~ /^\// {print $3} $1 ~ /^\// {print $1}'); do
		mkdir -p "$r$(dirname "$lib")"
		cp -L "$lib" "$r$lib"
	done
	tar -C "$r" -c . | dk import --change 'ENTRYPOINT ["/usr/sbin/warden"]' \
		- "$AGENT_IMAGE" >/dev/null
}

# The capabilities for BPF: CAP_BPF and CAP_PERFMON, or CAP_SYS_ADMIN
# where the runtime knows neither name (docker 20.10, Debian's).
agent_bpf_caps() {
	if dk run --rm --network none --cap-drop ALL --cap-add BPF --cap-add PERFMON \
		"$CTR_IMAGE" true >/dev/null 2>&1; then
		echo "--cap-add BPF --cap-add PERFMON"
	else
		echo "--cap-add SYS_ADMIN"
	fi
}

# run_agent NAME DIR: the agent container, config and policy from DIR/etc,
# events to DIR/out/events.jsonl; waits until it enforces.
run_agent() {
	local name=$1 d=$2 i
	defer "dk rm -f '$name'"
	dk run -d --name "$name" --pid host --cgroupns host --network none \
		--cap-drop ALL $(agent_bpf_caps) --cap-add NET_ADMIN \
		--cap-add SYS_PTRACE --security-opt seccomp=unconfined \
		--security-opt apparmor=unconfined \
		-v /sys/fs/bpf:/sys/fs/bpf -v /sys/kernel:/sys/kernel:ro \
		-v /sys/fs/cgroup:/sys/fs/cgroup:ro \
		-v "$CTR_SOCK:/run/docker.sock" -v "$d/etc:/etc/warden:ro" \
		-v "$d/out:/out" "$AGENT_IMAGE" daemon --config /etc/warden/warden.yaml \
		>/dev/null || fail "the agent container did not start"
	for i in $(seq 1 150); do
		dk logs "$name" 2>&1 | grep -q 'ready: enforcing' && return 0
		[ "$(dk inspect --format '{{.State.Running}}' "$name")" = true ] || break
		sleep 0.1
	done
	dk logs "$name" >&2
	fail "the agent container is not enforcing"
}

# The agent kills a binary in another container and names the container
# and its image; a container the rule does not name runs on.
t_agent_container_enforces_on_another() {
	local s d rc
	s=$(scratch)
	d=$s/agent
	mkdir -p "$d/etc" "$d/out"
	cat >"$d/etc/warden.yaml" <<YAML
policy: /etc/warden/policy.yaml
output: [/out/events.jsonl]
docker-socket: /run/docker.sock
podman-socket: ""
YAML
	write_policy "$d/etc/policy.yaml" <<YAML
name: agent-in-a-container
rules:
  - name: no-named-in-containers
    action: kill
    match: {binary: $UNIQ-named, cgroup: $CTR_CGPARENT}
YAML
	run_agent "$UNIQ-agent" "$d"
	rc=0
	ctr_run "$UNIQ-victim" "$CTR_IMAGE" /usr/bin/$UNIQ-named true || rc=$?
	assert_eq "$rc" 137 "the victim's binary was not killed"
	ctr_run "$UNIQ-bystander" "$CTR_IMAGE" sh -c true ||
		fail "a binary no rule names was stopped"
	# the victim's first exec came before the runtime answered; one
	# that keeps trying gets its name once the agent knows it
	defer "dk rm -f '$UNIQ-looper'"
	dk run -d --name "$UNIQ-looper" --network none "$CTR_IMAGE" \
		sh -c "while :; do /usr/bin/$UNIQ-named; sleep 0.2; done" >/dev/null ||
		fail "container $UNIQ-looper did not start"
	wait_events "$d/out/events.jsonl" 1 type=exec rule=no-named-in-containers \
		action=kill container_name="$UNIQ-looper" container_image="$CTR_IMAGE"
	wait_events "$d/out/events.jsonl" 1 type=exec rule=no-named-in-containers \
		container_id="$(ctr_id "$UNIQ-victim")"
	dk stop -t 10 "$UNIQ-agent" >/dev/null
	events "$d/out/events.jsonl" schema "$EVENTS_SCHEMA" ||
		fail "the agent's events do not follow docs/events.schema.json"
	assert_contains "$d/out/events.jsonl" '"final":true'
}

# agent_image: load WARDEN_IMAGE_ARCHIVE, or build the image from $WARDEN.
agent_image() {
	if [ -z "${WARDEN_IMAGE_ARCHIVE:-}" ]; then
		build_agent_image
		return
	fi
	AGENT_IMAGE=$(dk load -i "$WARDEN_IMAGE_ARCHIVE" | sed -n 's/^Loaded image: //p')
	[ -n "$AGENT_IMAGE" ]
}

ctr_start
agent_image || { echo "FAIL $(basename "$0") no agent image" | tee -a "${TALLY:-/dev/null}"; exit 1; }
run_tests
