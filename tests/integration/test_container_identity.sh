#!/usr/bin/env bash
# Who a container is, in its events: name, image and Kubernetes pod from
# the runtime's API socket (a real dockerd of the test's own,
# tests/integration/container.sh), the pid its own namespace gives it,
# and what a hostile name, label or a runtime that does not answer does.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/container.sh"

STUB="$(dirname "$0")/stub_runtime.py"
POD_UID=0b7c6e2a-1111-4c3e-9a2b-5d6e7f801234

# run_looping NAME ARGS...: a detached container (ARGS: docker run options)
# that runs /usr/bin/$UNIQ-named every 0.2 s (its pace, not a wait: the
# test waits for events), removed at the end of the test.
run_looping() {
	local name=$1; shift
	defer "dk rm -f '$name'"
	dk run -d --name "$name" --network none "$@" "$CTR_IMAGE" \
		sh -c "while :; do /usr/bin/$UNIQ-named; sleep 0.2; done" >/dev/null ||
		fail "container $name did not start"
}

# check_named FILE ID NAME: every event of container ID either names it
# NAME with image $CTR_IMAGE, or says its lookup is pending (never a
# wrong or half identity); prints what does not.
check_named() {
	python3 - "$@" "$CTR_IMAGE" <<'PY'
import json, sys
path, cid, name, image = sys.argv[1:5]
bad = 0
for line in open(path, encoding="utf-8"):
    e = json.loads(line)
    if e.get("container_id") != cid:
        continue
    named = e.get("container_name") == name and e.get("container_image") == image
    pending = e.get("container_lookup") == "pending" and "container_name" not in e
    if not (named or pending):
        bad += 1
        print("neither named nor pending:", line.strip()[:300])
sys.exit(1 if bad else 0)
PY
}

# Events of a real container carry its name, its image and the pod its
# CRI labels name; its first process is pid 1 in its namespace.
t_name_image_pod_from_docker() {
	local s out id
	s=$(scratch)
	out=$s/events.jsonl
	start_warden "$out" --docker-socket "$CTR_SOCK" --podman-socket ""
	run_looping "$UNIQ-web" --label io.kubernetes.pod.name=web-0 \
		--label io.kubernetes.pod.namespace=shop \
		--label io.kubernetes.pod.uid=$POD_UID
	id=$(ctr_id "$UNIQ-web")
	wait_events "$out" 1 type=exec container_id="$id" \
		comm=$UNIQ-named container_name="$UNIQ-web" \
		container_image="$CTR_IMAGE" container_runtime=docker \
		pod_name=web-0 pod_namespace=shop pod_uid=$POD_UID
	check_named "$out" "$id" "$UNIQ-web" || fail "an event of the container misnames it"
	# runc's init execs the container's command as pid 1 of its pid
	# namespace; the host numbers it otherwise
	[ "$(events "$out" count type=exec container_id="$id" comm=sh ns_pid=1)" -ge 1 ] ||
		fail "no exec of the container's init with ns_pid 1"
	assert_eq "$(events "$out" count type=exec container_id="$id" pid=1)" 0
	# a host process: its own namespace is the host's
	cp /bin/true "$s/host-true"
	"$s/host-true"
	wait_events "$out" 1 type=exec binary="$s/host-true"
	assert_eq "$(events "$out" get ns_pid type=exec binary="$s/host-true")" \
		"$(events "$out" get pid type=exec binary="$s/host-true")"
}

# The text form shows the container by name, and its pod.
t_text_shows_name_and_pod() {
	local s out
	s=$(scratch)
	out=$s/events.log
	start_warden "$out" --format text --docker-socket "$CTR_SOCK" --podman-socket ""
	run_looping "$UNIQ-txt" --label io.kubernetes.pod.name=web-1 \
		--label io.kubernetes.pod.namespace=shop
	wait_for "$out" "container=$UNIQ-txt pod=shop/web-1 "
}

# A container's creator chooses its labels' bytes (docker checks names,
# not labels): quotes, a line break, a terminal escape, far too long.
# Each is escaped and cut; no output line breaks or carries the escape.
t_hostile_labels() {
	local s out pod ns
	s=$(scratch)
	out=$s/events.jsonl
	# docker itself refuses a name like that
	if dk create --name "$UNIQ\"x" "$CTR_IMAGE" true >/dev/null 2>&1; then
		dk rm -f "$UNIQ\"x" >/dev/null 2>&1
		fail "docker accepted a container name with a quote"
	fi
	pod=$'p"\n\x1b[2J\\'$(printf 'y%.0s' $(seq 1 300))
	ns=$(printf 'n%.0s' $(seq 1 100))
	start_warden "$out" --docker-socket "$CTR_SOCK" --podman-socket ""
	start_warden "$s/text.log" --format text --docker-socket "$CTR_SOCK" --podman-socket ""
	run_looping "$UNIQ-hostile" --label "io.kubernetes.pod.name=$pod" \
		--label "io.kubernetes.pod.namespace=$ns"
	wait_events "$out" 1 type=exec container_name="$UNIQ-hostile" pod_namespace="${ns:0:63}"
	python3 - "$out" "$UNIQ-hostile" "$pod" <<'PY' || fail "pod_name not the label, escaped and cut"
import json, sys
path, name, pod = sys.argv[1:4]
got = [json.loads(l).get("pod_name") for l in open(path)
       if json.loads(l).get("container_name") == name]
want = pod.encode()[:255].decode()
if not got or any(g != want for g in got):
    print(repr(got[:1]), "!=", repr(want)); sys.exit(1)
PY
	wait_for "$s/text.log" "container=$UNIQ-hostile pod=${ns:0:63}/\"p\\x22\\x0a\\x1b[2J\\x5cyyy"
	assert_eq "$(grep -c $'\x1b' "$s/text.log")" 0 "an escape byte reached the text output"
	assert_eq "$(grep -vc '^20[0-9][0-9]-' "$s/text.log")" 0 "a text line was broken"
}

# fake_container: a cgroup named like docker's with a random id (the stub
# runtime below answers for it); prints "ID PATH".
fake_container() {
	local id
	id=$(od -An -tx1 -N32 /dev/urandom | tr -d ' \n')
	mk_cgroup "$UNIQ-fdocker" >/dev/null
	echo "$id $(mk_cgroup "$UNIQ-fdocker/$id")"
}

# loop_in CGROUP BIN: run BIN in CGROUP every 0.2 s (a pace, not a wait)
# until the test ends (rm_cgroup kills what is left in the cgroup).
loop_in() {
	in_cgroup "$1" sh -c 'while :; do "$0"; sleep 0.2; done' "$2" &
	defer "kill $!"
}

# start_stub DIR: the stub runtime at DIR/api.sock, stopped at the end.
start_stub() {
	python3 "$STUB" "$1/api.sock" "$1" &
	defer "kill $!"
	wait_file "$1/ready"
}

# A runtime (not docker, which refuses them) may hand out any name: a
# quote, a line break, an escape, a byte that is not UTF-8, 10,000 bytes.
t_hostile_name_from_runtime() {
	local s out id cg
	s=$(scratch)
	out=$s/events.jsonl
	python3 - "$s/reply.json" <<'PY'
import sys
name = b'/evil\\"\\n\\u001b[2J\\\\ \xff' + b"z" * 10000
open(sys.argv[1], "wb").write(b'{"Id":"@ID@","Name":"' + name +
                              b'","Config":{"Image":"img\\u0007:1","Labels":null}}')
PY
	start_stub "$s"
	start_warden "$out" --docker-socket "$s/api.sock" --podman-socket ""
	start_warden "$s/text.log" --format text --docker-socket "$s/api.sock" --podman-socket ""
	read -r id cg < <(fake_container)
	cp /bin/true "$s/ctr-true"
	loop_in "$cg" "$s/ctr-true"
	wait_events "$out" 1 type=exec container_id="$id" container_image=$'img\a:1'
	python3 - "$out" "$id" <<'PY' || fail "container_name not escaped and cut"
import json, sys
want = 'evil"\n\x1b[2J\\ \ufffd' + "z" * (127 - 13)
for l in open(sys.argv[1]):
    e = json.loads(l)
    if e.get("container_id") == sys.argv[2] and "container_name" in e and \
            e["container_name"] != want:
        print(repr(e["container_name"]), "!=", repr(want)); sys.exit(1)
PY
	wait_for "$s/text.log" 'container="evil\x22\x0a\x1b[2J\x5c ?zzz'
	assert_eq "$(grep -c $'\x1b' "$s/text.log")" 0 "an escape byte reached the text output"
	assert_eq "$(grep -vc '^20[0-9][0-9]-' "$s/text.log")" 0 "a text line was broken"
}

# The lookup runs beside the event path: while the runtime holds its
# answer back, the container's own events and everyone else's come out
# (the container's saying "pending"); once it answers, the next events
# carry the name.
t_lookup_never_delays_events() {
	local s out id cg
	s=$(scratch)
	out=$s/events.jsonl
	echo '{"Id":"@ID@","Name":"/held-back","Config":{"Image":"img:2"}}' >"$s/reply.json"
	touch "$s/hold"
	start_stub "$s"
	start_warden "$out" --docker-socket "$s/api.sock" --podman-socket ""
	read -r id cg < <(fake_container)
	cp /bin/true "$s/ctr-true"
	cp /bin/true "$s/host-true"
	loop_in "$cg" "$s/ctr-true"
	wait_for "$s/asked" "$id"	# the lookup is under way, held
	"$s/host-true"
	wait_events "$out" 1 type=exec binary="$s/host-true"
	wait_events "$out" 3 type=exec binary="$s/ctr-true" container_id="$id" \
		container_lookup=pending
	[ -e "$s/answered" ] && fail "the stub answered before it was released"
	touch "$s/release"
	wait_for "$s/answered" "$id"
	[ -e "$s/broken" ] && fail "warden gave up on the lookup before the answer came"
	wait_events "$out" 1 type=exec binary="$s/ctr-true" container_name=held-back \
		container_image=img:2
}

# No runtime socket at all: events say the lookup failed, nothing else.
t_no_runtime_socket() {
	local s out id cg
	s=$(scratch)
	out=$s/events.jsonl
	start_warden "$out" --docker-socket "$s/none.sock" --podman-socket "$s/none2.sock"
	read -r id cg < <(fake_container)
	cp /bin/true "$s/ctr-true"
	loop_in "$cg" "$s/ctr-true"
	wait_events "$out" 1 type=exec binary="$s/ctr-true" container_id="$id" \
		container_lookup=failed
	python3 - "$out" "$id" <<'PY' || fail "an event of the container has identity fields"
import json, sys
for l in open(sys.argv[1]):
    e = json.loads(l)
    if e.get("container_id") == sys.argv[2] and (
            "container_name" in e or e.get("container_lookup") not in ("pending", "failed")):
        print(l); sys.exit(1)
PY
}

ctr_start
run_tests
