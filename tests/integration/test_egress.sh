#!/usr/bin/env bash
# network.egress against the real kernel: clients in cgroups named the way
# docker and kubepods name them, in a test network namespace joined by a
# veth pair to a server namespace. Only addresses inside those namespaces
# (documentation ranges) and loopback are used.
. "$(dirname "$0")/lib.sh"
EXAMPLES=$(cd "$(dirname "$0")/../../examples" && pwd)
CLIENT="$TESTS_DIR/egress_client.py"

hex64() { python3 -c 'import secrets; print(secrets.token_hex(32))'; }

# jsel FILE KEY=VALUE...: the JSON events of FILE whose keys have these
# values (compared as JSON text: true, 80, "x" written as x).
jsel() {
	python3 - "$@" <<'EOF'
import json, sys
f, conds = sys.argv[1], [c.split("=", 1) for c in sys.argv[2:]]
def text(v):
    return json.dumps(v) if not isinstance(v, str) else v
for line in open(f):
    try:
        e = json.loads(line)
    except ValueError:
        continue
    if all(k in e and text(e[k]) == v for k, v in conds):
        print(line, end="")
EOF
}
# jsum FILE KEY=VALUE...: sum of "count" over the matching events.
jsum() { jsel "$@" | python3 -c 'import json,sys; print(sum(json.loads(l)["count"] for l in sys.stdin))'; }
jcount() { jsel "$@" | wc -l; }

# wait_ev FILE KEY=VALUE...: poll until an event matches (5 s).
wait_ev() {
	local i
	for i in $(seq 1 50); do
		[ "$(jcount "$@")" -gt 0 ] && return 0
		sleep 0.1
	done
	fail "no event with $* in $1"
}

# Two namespaces joined by a veth pair. Client: 192.0.2.1, 2001:db8:1::1.
# Server: .2 (unlisted), .66 (threat feed), .77 (added later), .99 (c2),
# the same in 2001:db8:1::/64; TCP and UDP servers on port 8080.
mk_net() {
	NS_C=${UNIQ}c NS_S=${UNIQ}s
	ip netns add "$NS_C" || fail "ip netns add"
	defer "ip netns del $NS_C"
	ip netns add "$NS_S" || fail "ip netns add"
	defer "ip netns del $NS_S"
	ip link add "${UNIQ}a" netns "$NS_C" type veth peer name "${UNIQ}b" \
		netns "$NS_S" || fail "veth"
	ip -n "$NS_C" addr add 192.0.2.1/24 dev "${UNIQ}a"
	ip -n "$NS_C" addr add 2001:db8:1::1/64 dev "${UNIQ}a" nodad
	for a in 2 66 77 99; do
		ip -n "$NS_S" addr add 192.0.2.$a/24 dev "${UNIQ}b"
		ip -n "$NS_S" addr add 2001:db8:1::$a/64 dev "${UNIQ}b" nodad
	done
	for ns in "$NS_C" "$NS_S"; do
		ip -n "$ns" link set lo up
	done
	ip -n "$NS_C" link set "${UNIQ}a" up
	ip -n "$NS_S" link set "${UNIQ}b" up
	ip netns exec "$NS_S" python3 "$TESTS_DIR/egress_server.py" 8080 \
		>/dev/null 2>&1 &
	defer "kill $!"
	sleep 0.3
}

# client CGROUP tcp|udp|raw ADDR PORT [COUNT]: run the client inside
# CGROUP and the client namespace; prints its result.
client() {
	local cg=$1
	shift
	in_cgroup "$cg" ip netns exec "$NS_C" python3 "$CLIENT" "$@"
}

# A policy from an example, with its list file copied beside it.
example_policy() {
	local dir=$1 name=$2
	cp "$EXAMPLES/$name" "$EXAMPLES/egress-threat-feed.txt" "$dir/"
	echo "$dir/$name"
}

# begin: a scratch directory $D and the test's cgroup parent $CGROOT/$UNIQ,
# both removed at the end. (lib.sh's scratch and mk_cgroup register their
# cleanup with defer, which is lost when they run inside $(...); so the
# cleanup is registered here, in the test's own shell.)
begin() {
	D=$(mktemp -d "/tmp/$UNIQ.XXXX")
	defer "rm -rf '$D'"
	mkdir -p "$CGROOT/$UNIQ" || fail "cannot create cgroup $CGROOT/$UNIQ"
	defer "rm_cgroup '$CGROOT/$UNIQ'"
}
# cgroup REL: create $CGROOT/$UNIQ/REL (removed with the parent).
cgroup() { mkdir -p "$CGROOT/$UNIQ/$1" && echo "$CGROOT/$UNIQ/$1"; }
docker_cgroup() { cgroup "system.slice/docker-$1.scope"; }
kube_cgroup() {
	cgroup "kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod$2.slice/cri-containerd-$1.scope"
}

t_docker_alert_and_plain() {
	local d id cg out pol
	begin; d=$D; id=$(hex64); cg=$(docker_cgroup "$id")
	mk_net
	pol=$(example_policy "$d" egress-monitor.yaml)
	out=$d/events.jsonl
	start_warden "$out" -p "$pol"
	assert_eq "$(client "$cg" tcp 192.0.2.66 8080)" ok "listed, alert only"
	assert_eq "$(client "$cg" tcp 192.0.2.2 8080)" ok "unlisted"
	wait_ev "$out" type=connect address=192.0.2.66 decision=alert
	wait_ev "$out" type=connect address=192.0.2.2 decision=pass
	jsel "$out" type=connect address=192.0.2.66 >"$d/alert"
	assert_contains "$d/alert" "\"container_id\":\"$id\""
	assert_contains "$d/alert" '"container_runtime":"docker"'
	assert_contains "$d/alert" '"list":"threat-feed"'
	assert_contains "$d/alert" '"port":8080'
	assert_contains "$d/alert" '"protocol":"tcp"'
	assert_contains "$d/alert" "\"cgroup\":\"/$UNIQ/system.slice/docker-$id.scope\""
	grep -q '"binary":"[^"]*python3' "$d/alert" || fail "binary is not python3"
	assert_eq "$(jcount "$out" address=192.0.2.2 decision=alert)" 0 \
		"unlisted destination must not alert"
	# the outcome arrives with the next drain
	wait_ev "$out" type=connect_summary address=192.0.2.66
	jsel "$out" type=connect_summary address=192.0.2.66 | \
		grep -q '"established":1' || fail "no established outcome"
}

t_kubepods_block_tcp_udp() {
	local d id pod cg out pol
	begin; d=$D; id=$(hex64); pod=$(cat /proc/sys/kernel/random/uuid | tr - _)
	cg=$(kube_cgroup "$id" "$pod")
	mk_net
	pol=$(example_policy "$d" egress-monitor.yaml)
	out=$d/events.jsonl
	start_warden "$out" -p "$pol"
	assert_eq "$(client "$cg" tcp 192.0.2.99 8080)" EPERM "block list, tcp"
	assert_eq "$(client "$cg" udp 192.0.2.99 53)" EPERM "block list, udp"
	assert_eq "$(client "$cg" udp 192.0.2.66 8080)" ok "alert list, udp"
	wait_ev "$out" type=connect address=192.0.2.99 protocol=tcp blocked=true
	wait_ev "$out" type=connect address=192.0.2.99 protocol=udp port=53 blocked=true
	wait_ev "$out" type=connect address=192.0.2.66 protocol=udp decision=alert
	jsel "$out" type=connect address=192.0.2.99 >"$d/block"
	assert_contains "$d/block" "\"container_id\":\"$id\""
	assert_contains "$d/block" '"container_runtime":"containerd"'
	assert_contains "$d/block" '"list":"known-c2"'
}

t_ipv6_and_v4_mapped() {
	local d id cg out pol
	begin; d=$D; id=$(hex64); cg=$(docker_cgroup "$id")
	mk_net
	pol=$(example_policy "$d" egress-monitor.yaml)
	out=$d/events.jsonl
	start_warden "$out" -p "$pol"
	assert_eq "$(client "$cg" tcp 2001:db8:1::66 8080)" ok "v6 alert"
	assert_eq "$(client "$cg" tcp 2001:db8:1::99 8080)" EPERM "v6 block"
	assert_eq "$(client "$cg" udp 2001:db8:1::99 8080)" EPERM "v6 udp block"
	# an IPv4 entry reached through an AF_INET6 socket
	assert_eq "$(client "$cg" tcp ::ffff:192.0.2.99 8081)" EPERM "v4-mapped tcp"
	assert_eq "$(client "$cg" udp ::ffff:192.0.2.99 8081)" EPERM "v4-mapped udp"
	assert_eq "$(client "$cg" tcp ::ffff:192.0.2.66 8080)" ok "v4-mapped alert"
	wait_ev "$out" type=connect address=2001:db8:1::66 decision=alert socket_family=ipv6
	wait_ev "$out" type=connect address=2001:db8:1::99 protocol=tcp blocked=true
	wait_ev "$out" type=connect address=2001:db8:1::99 protocol=udp blocked=true
	wait_ev "$out" type=connect address=192.0.2.99 port=8081 protocol=tcp \
		socket_family=ipv6 v4_mapped=true blocked=true
	wait_ev "$out" type=connect address=192.0.2.99 port=8081 protocol=udp blocked=true
	wait_ev "$out" type=connect address=192.0.2.66 v4_mapped=true decision=alert
	jsel "$out" address=2001:db8:1::66 | grep -q "\"container_id\":\"$id\"" ||
		fail "v6 event without the container id"
}

# 100,000 entries load; appending one and removing one take effect with
# the daemon still running.
t_big_list_and_reload() {
	local d id cg out pol pid i
	begin; d=$D; id=$(hex64); cg=$(docker_cgroup "$id")
	mk_net
	pol=$(example_policy "$d" egress-monitor.yaml)
	python3 - "$d/egress-threat-feed.txt" <<'EOF'
import sys
with open(sys.argv[1], "w") as f:
    f.write("192.0.2.66\n")
    for i in range(99_999):
        f.write(f"10.{i >> 16 & 255}.{i >> 8 & 255}.{i & 255}\n" if i % 2
                else f"2001:db8:ff{i >> 16 & 255:02x}:{i & 0xffff:x}::/64\n")
EOF
	assert_eq "$(grep -c . "$d/egress-threat-feed.txt")" 100000
	# 100000 from the file + the 2 inline entries of known-c2
	out=$d/events.jsonl
	start_warden "$out" -p "$pol"
	pid=$WARDEN_PID
	assert_eq "$(client "$cg" tcp 192.0.2.77 8080)" ok
	wait_ev "$out" type=connect address=192.0.2.77 decision=pass
	# a feed updater: new file renamed over the old one
	{ grep -v '^192\.0\.2\.66$' "$d/egress-threat-feed.txt"; echo 192.0.2.77; } \
		>"$d/feed.new"
	mv "$d/feed.new" "$d/egress-threat-feed.txt"
	for i in $(seq 1 30); do
		grep -q 'egress lists reloaded' "$out.err" && break
		sleep 0.1
	done
	grep -q 'egress lists reloaded: 100002 entries' "$out.err" ||
		fail "no reload of 100000 entries: $(tail -3 "$out.err")"
	assert_eq "$(client "$cg" tcp 192.0.2.77 8080)" ok
	wait_ev "$out" type=connect address=192.0.2.77 port=8080 decision=alert
	assert_eq "$(client "$cg" tcp 192.0.2.66 8080)" ok
	wait_ev "$out" type=connect address=192.0.2.66 port=8080 decision=pass
	kill -0 "$pid" || fail "the daemon restarted"
	grep -m1 "egress lists reloaded" "$out.err"
}

# 20,000 connects to one listed destination: few events, exact counts.
t_aggregation_counts() {
	local d id cg out pol n sum events refused
	begin; d=$D; id=$(hex64); cg=$(docker_cgroup "$id")
	mk_net
	pol=$(example_policy "$d" egress-monitor.yaml)
	out=$d/events.jsonl
	start_warden "$out" -p "$pol"
	# port 9 is closed: every connect is refused by the server's RST
	assert_eq "$(client "$cg" tcp 192.0.2.66 9 20000)" "ECONNREFUSED=20000"
	sleep 2.5
	stop_warden "$WARDEN_PID"	# drains what is left
	sum=$(jsum "$out" address=192.0.2.66 port=9)
	events=$(jcount "$out" address=192.0.2.66 port=9)
	refused=$(jsel "$out" type=connect_summary address=192.0.2.66 port=9 |
		python3 -c 'import json,sys; print(sum(json.loads(l).get("tcp_outcomes", {}).get("refused", 0) for l in sys.stdin))')
	echo "20000 connects -> $events events, counts sum $sum, refused $refused"
	assert_eq "$sum" 20000 "counts must add up"
	[ "$events" -le 40 ] || fail "$events events for one destination"
	assert_eq "$(jcount "$out" address=192.0.2.66 port=9 container_id="$id")" "$events"
	assert_eq "$refused" 20000 "every outcome counted"
	assert_eq "$(jsel "$out" type=stats final=true | grep -c '"egress_ringbuf_full":0')" 1
}

# Allow-list mode for one cgroup subtree, and a container exempted from
# a list.
t_allowlist_scopes() {
	local d id cg other step out pol
	begin; d=$D; id=$(hex64)
	mk_net
	step=$(cgroup ci.slice/step.scope)
	other=$(docker_cgroup "$id")
	cp "$EXAMPLES/egress-allowlist.yaml" "$EXAMPLES/egress-threat-feed.txt" "$d/"
	sed -i "s|cgroup: /ci.slice/step.scope|cgroup: /$UNIQ/ci.slice/step.scope|; s|container: 0123456789ab|container: ${id:0:12}|" \
		"$d/egress-allowlist.yaml"
	pol=$d/egress-allowlist.yaml
	out=$d/events.jsonl
	start_warden "$out" -p "$pol"
	assert_eq "$(client "$step" tcp 192.0.2.2 8080)" ok "allowed"
	assert_eq "$(client "$step" tcp 2001:db8:1::2 8080)" ok "allowed v6"
	assert_eq "$(client "$step" tcp 192.0.2.77 8080)" EPERM "not allowed"
	assert_eq "$(client "$step" udp 192.0.2.77 8080)" EPERM "not allowed, udp"
	assert_eq "$(client "$other" tcp 192.0.2.77 8080)" ok "other cgroup"
	assert_eq "$(client "$other" tcp 192.0.2.66 8080)" ok "exempted container"
	wait_ev "$out" type=connect address=192.0.2.2 decision=allow scope=ci-step
	wait_ev "$out" type=connect address=192.0.2.77 protocol=tcp blocked=true reason=default scope=ci-step
	wait_ev "$out" type=connect address=192.0.2.66 decision=allow scope=scanner-container
	# report: matches -- the other container's unlisted connect is silent
	assert_eq "$(jcount "$out" address=192.0.2.77 container_id="$id")" 0
}

t_raw_socket() {
	local d id cg out pol
	begin; d=$D; id=$(hex64); cg=$(docker_cgroup "$id")
	mk_net
	pol=$(example_policy "$d" egress-monitor.yaml)
	sed -i 's/raw_sockets: alert/raw_sockets: block/' "$pol"
	out=$d/events.jsonl
	start_warden "$out" -p "$pol"
	assert_eq "$(client "$cg" raw 192.0.2.2 0)" EPERM "raw socket"
	wait_ev "$out" type=socket blocked=true container_id="$id"
}

t_policy_errors() {
	local d
	begin; d=$D
	cat >"$d/bad.yaml" <<'EOF'
network:
  egress:
    report: some
    lists:
      - name: x
        action: drop
        addresses: [10.0.0.1/8, 300.1.1.1]
      - name: y
        action: alert
        file: no-such-file.txt
    allow:
      - name: z
        match: { container: XYZ }
EOF
	"$WARDEN" policy check "$d/bad.yaml" 2>"$d/err" && fail "bad policy accepted"
	assert_contains "$d/err" "bad.yaml:3:13: report (all or matches): unknown value \"some\""
	assert_contains "$d/err" "bad.yaml:6:17: action (alert or block): unknown value \"drop\""
	assert_contains "$d/err" "bad.yaml:7:21:"
	assert_contains "$d/err" "bad.yaml:7:33:"
	assert_contains "$d/err" "bad.yaml:10:15: list file"
	assert_contains "$d/err" "bad.yaml:13:29: container \"XYZ\""
}

run_tests
