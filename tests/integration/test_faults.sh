#!/usr/bin/env bash
# Faults: the output's disk fills, the output pipe closes, the ring buffer
# overflows, the policy file vanishes, a rule's cgroup is removed and
# recreated, the filtered interface goes down and up. In each the agent
# keeps enforcing (a kill rule still kills), reports the problem once,
# counts what it lost, and recovers.
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
HERE=$(cd "$(dirname "$0")" && pwd)

make_tool() { mkdir -p "$1/dir" && cp /bin/true "$1/dir/tool"; }

# FILE DIR [observe]: kill DIR/dir/tool; observe execs and exits if asked
kill_policy() {
	{
		[ -n "${3:-}" ] && echo "observe: { exec: true, exit: true }"
		echo "rules:"
		echo "  - { name: kill-tool, action: kill, match: { binary: \"$2/dir/tool\" } }"
	} >"$1"
}

still_kills() { "$1/dir/tool"; assert_eq $? 137 "${2:-kill rule enforced}"; }

# lines of FILE matching a fixed string
count_lines() { grep -cF -- "$2" "$1"; }

# the last stats event's field
last_stat() {
	python3 - "$1" "$2" <<'PY'
import json, sys
v = None
for line in open(sys.argv[1], encoding="utf-8", errors="replace"):
    try:
        e = json.loads(line)
    except ValueError:
        continue
    if e.get("type") == "stats":
        v = e.get(sys.argv[2])
print(v)
PY
}

# The output's filesystem fills (a 64 KiB tmpfs and a file that takes
# what is left); kill events cannot be written; then room comes back.
t_output_disk_full() {
	local s mnt out pid failed
	s=$(scratch)
	make_tool "$s"
	mnt=$s/mnt; mkdir "$mnt"
	mount -t tmpfs -o size=64k "$UNIQ-full" "$mnt" || fail "cannot mount tmpfs"
	defer "umount -l '$mnt'"
	out=$mnt/ev.jsonl
	kill_policy "$s/p.yaml" "$s"
	"$WARDEN" daemon --output "$out" --socket "$s/sock" --policy "$s/p.yaml" \
		--stats-interval 1 2>"$s/err" &
	pid=$!
	defer "stop_warden $pid"
	wait_for "$s/err" "ready" 100
	wait_events "$out" 1 type=policy status=loaded
	dd if=/dev/zero of="$mnt/filler" bs=1k count=64 2>/dev/null
	for _ in $(seq 1 20); do still_kills "$s" "enforced with the disk full"; done
	wait_for "$s/err" "events are being lost" 100
	sleep 1.2	# a stats interval: its line is lost too, and not reported again
	assert_eq "$(count_lines "$s/err" "events are being lost")" 1 "reported once"
	rm "$mnt/filler"
	still_kills "$s" "enforced after recovery"
	wait_events "$out" 1 rule=kill-tool
	wait_for "$s/err" "works again; " 100
	for _ in $(seq 1 30); do
		[ "$(last_stat "$out" output_write_failed)" != None ] && break
		sleep 0.1
	done
	# the last page of the file had room for a few: every one of the 21
	# kill events is either in the file or counted as lost
	failed=$(last_stat "$out" output_write_failed)
	[ "$failed" -gt 0 ] || fail "nothing counted: $(grep stats "$out")"
	[ $(($(events "$out" count rule=kill-tool) + failed)) -ge 21 ] ||
		fail "kill events missing: $(events "$out" count rule=kill-tool) written, $failed lost"
	[ "$(last_stat "$out" lost_total)" -ge "$failed" ] || fail "lost_total"
	events "$out" validate >/dev/null || fail "a cut line was left in the output"
	kill -0 "$pid" || fail "daemon died"
}

t_output_pipe_closed() {
	local s pid
	s=$(scratch)
	make_tool "$s"
	kill_policy "$s/p.yaml" "$s" observe
	mkfifo "$s/fifo"
	"$WARDEN" daemon --socket "$s/sock" --policy "$s/p.yaml" \
		--stats-interval 1 >"$s/fifo" 2>"$s/err" &
	pid=$!
	defer "stop_warden $pid"
	head -n 1 <"$s/fifo" >"$s/first" &
	wait_for "$s/err" "ready" 100
	for _ in $(seq 1 50); do /bin/true; done
	wait_for "$s/err" "events are being lost" 100
	assert_contains "$s/first" '"type":"policy"'
	for _ in $(seq 1 200); do /bin/true; done
	still_kills "$s" "enforced with nobody reading"
	sleep 1.2	# a stats interval: its write fails too, unreported
	assert_eq "$(count_lines "$s/err" "events are being lost")" 1 "reported once"
	kill -0 "$pid" || fail "daemon died of the closed pipe"
	"$WARDEN" status --socket "$s/sock" >"$s/status" || fail "status failed"
	python3 - "$s/status" <<'PY' || fail "status: $(cat "$s/status")"
import json, sys
st = json.load(open(sys.argv[1]))["stats"]
assert st["output_write_failed"] > 0 and st["lost_total"] >= st["output_write_failed"], st
PY
}

t_ringbuf_overflow() {
	local s out pid big deep lost
	s=$(scratch); out=$s/ev.jsonl
	make_tool "$s"
	kill_policy "$s/p.yaml" "$s" observe
	start_warden "$out" --policy "$s/p.yaml" --stats-interval 1
	pid=$WARDEN_PID
	defer "kill -CONT $pid"
	kill -STOP "$pid"
	# exec events of ~8 KiB (4 KiB of argv, 4 KiB of cwd): 1000 of them
	# overflow the 4 MiB ring buffer while nobody reads it
	big=$(head -c 4000 /dev/zero | tr '\0' 'a')
	deep=$s$(for _ in $(seq 1 16); do printf '/%.250s' "$big"; done)
	mkdir -p "$deep" || fail "mkdir"
	(cd "$deep" && for _ in $(seq 1 1000); do /bin/true "$big"; done)
	still_kills "$s" "enforced while the reader is stopped"
	kill -CONT "$pid"
	wait_for "$out.err" "events lost" 100
	for _ in $(seq 1 30); do
		lost=$(last_stat "$out" process_ringbuf_full)
		[ "$lost" != None ] && [ "$lost" -gt 0 ] && break
		sleep 0.1
	done
	[ "$lost" -gt 0 ] || fail "no process_ringbuf_full in the stats"
	[ "$(last_stat "$out" lost_total)" -ge "$lost" ] || fail "lost_total"
	still_kills "$s" "enforced after the overflow"
	wait_events "$out" 1 rule=kill-tool
	sleep 1.2	# another stats interval: nothing new lost, no new warning
	assert_eq "$(count_lines "$out.err" "events lost")" 1 "reported once"
}

t_policy_file_vanishes() {
	local s out n
	s=$(scratch); out=$s/ev.jsonl
	make_tool "$s"
	kill_policy "$s/p.yaml" "$s"
	start_warden "$out" --policy "$s/p.yaml"
	rm "$s/p.yaml"
	n=$(wc -l <"$out.err")
	kill -HUP "$WARDEN_PID"
	wait_events "$out" 1 type=policy status=rejected
	still_kills "$s" "old policy stays"
	tail -n +"$((n + 1))" "$out.err" >"$s/new-err"
	cat "$s/new-err"
	assert_eq "$(wc -l <"$s/new-err")" 1 "one error line"
	assert_contains "$s/new-err" "$s/p.yaml"
	assert_contains "$s/new-err" "No such file"
	# the file comes back: picked up from the directory watch
	kill_policy "$s/p.new" "$s" observe
	mv "$s/p.new" "$s/p.yaml"
	wait_events "$out" 2 type=policy status=loaded
	still_kills "$s" "new policy enforced"
}

t_rule_cgroup_removed_and_recreated() {
	local s out cg n
	s=$(scratch); out=$s/ev.jsonl
	make_tool "$s"
	cg=$(mk_cgroup "$UNIQ-gone")
	write_policy "$s/p.yaml" <<YAML
rules:
  - { name: tool-in-cg, action: kill, match: { binary: "$s/dir/tool", cgroup: /$UNIQ-gone } }
  - { name: kill-tool, action: kill, match: { binary: "$s/dir/other" } }
YAML
	cp /bin/true "$s/dir/other"
	start_warden "$out" --policy "$s/p.yaml"
	in_cgroup "$cg" "$s/dir/tool"; assert_eq $? 137 "in the cgroup"
	n=$(wc -l <"$out.err")
	rmdir "$cg" || fail "cannot remove $cg"
	"$s/dir/other"; assert_eq $? 137 "other rules enforced without the cgroup"
	mkdir "$cg"
	# the recreated cgroup is a new kernfs node: the rule must follow it
	for _ in $(seq 1 50); do
		in_cgroup "$cg" "$s/dir/tool" && sleep 0.1 && continue
		break
	done
	in_cgroup "$cg" "$s/dir/tool"; assert_eq $? 137 "in the recreated cgroup"
	"$s/dir/tool"; assert_eq $? 0 "outside it"
	tail -n +"$((n + 1))" "$out.err"
	[ "$(tail -n +"$((n + 1))" "$out.err" | wc -l)" -le 2 ] || fail "too many lines"
}

# The ingress filter on a veth in a test netns; the link goes down and
# comes back: still attached, still dropping, still passing.
t_ingress_iface_down_up() {
	local s P=${UNIQ}fp Q=${UNIQ}fq tools=$HERE/ingress
	s=$(scratch)
	make_tool "$s"
	ip netns add "$P" || fail "netns"
	defer "ip netns del $P"
	ip netns add "$Q" || fail "netns"
	defer "ip netns del $Q"
	defer "ip netns pids $P | xargs -r kill; ip netns pids $Q | xargs -r kill"
	ip link add i0 netns "$P" type veth peer name o0 netns "$Q" || fail "veth"
	ip -n "$P" addr add 10.78.1.1/24 dev i0
	ip -n "$Q" addr add 10.78.1.2/24 dev o0
	ip -n "$Q" addr add 10.78.1.200/24 dev o0
	ip -n "$P" link set i0 up; ip -n "$Q" link set o0 up
	write_policy "$s/p.yaml" <<YAML
rules:
  - { name: kill-tool, action: kill, match: { binary: "$s/dir/tool" } }
network:
  ingress:
    interfaces:
      i0:
        mode: xdp
        default: pass
        deny:
          - { name: bad, cidr: 10.78.1.200 }
YAML
	printf '#!/bin/sh\nexec ip netns exec %s %s "$@" 3>&-\n' "$P" "$WARDEN" >"$s/warden-p"
	chmod +x "$s/warden-p"
	WARDEN="$s/warden-p" start_warden "$s/out" --policy "$s/p.yaml" --stats-interval 1
	ping_from() { ip netns exec "$Q" python3 "$tools/ping.py" "$1" 10.78.1.1 1 0.01 "${2:-2}" >/dev/null; }
	ping_from 10.78.1.2 || fail "allowed peer before"
	! ping_from 10.78.1.200 0.3 || fail "denied peer passes before"
	ip -n "$P" link set i0 down
	still_kills "$s" "enforced while the link is down"
	ip -n "$P" link set i0 up
	for _ in $(seq 1 50); do ping_from 10.78.1.2 0.2 && break; done
	ping_from 10.78.1.2 || fail "allowed peer after the link came back"
	! ping_from 10.78.1.200 0.3 || fail "denied peer passes after the link came back"
	ip -n "$P" link show i0 | grep -q xdp || fail "XDP no longer attached"
	still_kills "$s" "enforced after"
	kill -0 "$WARDEN_PID" || fail "daemon died"
}

run_tests
