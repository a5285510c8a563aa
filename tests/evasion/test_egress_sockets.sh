#!/usr/bin/env bash
# Evasion suite, egress: every socket type that can reach a block-listed
# address, and sockets brought into a scope from outside. Each case is a
# row of docs/security.md.
# shellcheck source-path=SCRIPTDIR source=../integration/lib.sh
. "$(dirname "$0")/../integration/lib.sh"
HELPER_PY="$(cd "$(dirname "$0")/../helpers" && pwd)"

# A client namespace (192.0.2.1) and a peer namespace holding 192.0.2.2
# and the block-listed 192.0.2.99, nothing listening: a connect that is
# not refused by warden ends in ECONNREFUSED.
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
	ip -n "$NS_S" addr add 192.0.2.2/24 dev "${UNIQ}b"
	ip -n "$NS_S" addr add 192.0.2.99/24 dev "${UNIQ}b"
	ip -n "$NS_S" addr add 2001:db8:1::99/64 dev "${UNIQ}b" nodad
	for ns in "$NS_C" "$NS_S"; do ip -n "$ns" link set lo up; done
	ip -n "$NS_C" link set "${UNIQ}a" up
	ip -n "$NS_S" link set "${UNIQ}b" up
}

# sock CGROUP ARGS...: egress_sock.py ARGS inside CGROUP and the client
# namespace; prints its result.
sock() {
	local cg=$1; shift
	in_cgroup "$cg" ip netns exec "$NS_C" python3 "$HELPER_PY/egress_sock.py" "$@"
}

egress_policy() { # FILE RAW [ATTACH]: block list 192.0.2.99, scope jail
	cat >"$1" <<YAML
network:
  egress:
    raw_sockets: $2
${3:+    attach: [$3]}
    lists:
      - { name: c2, action: block, addresses: [192.0.2.99, "2001:db8:1::99"] }
    allow:
      - name: jail
        match: { cgroup: /$UNIQ/jail }
        addresses: [192.0.2.250]
        default: block
YAML
}

# UDP-Lite has no connect hook and connected sends skip the sendmsg
# hooks: its creation is decided like a raw socket's. Raw IP sockets (own
# UDP header, own IP header, IPv6) likewise.
t_udplite_and_raw_sockets_blocked() {
	local s out cg k
	s=$(scratch); out=$s/ev.jsonl
	mk_cgroup "$UNIQ" >/dev/null	# removed last, after its children
	cg=$(mk_cgroup "$UNIQ/free"); mk_cgroup "$UNIQ/jail" >/dev/null
	mk_net
	egress_policy "$s/p.yaml" block
	start_warden "$out" --policy "$s/p.yaml"
	assert_eq "$(sock "$cg" udplite 192.0.2.99 9)" EPERM "UDP-Lite connect + send"
	wait_events "$out" 1 type=socket protocol=udplite blocked=true
	for k in "rawudp 192.0.2.99" "rawip 192.0.2.99" "raw6 2001:db8:1::99"; do
		# shellcheck disable=SC2086
		assert_eq "$(sock "$cg" $k)" EPERM "raw: $k"
	done
	wait_events "$out" 4 type=socket blocked=true
	# a plain UDP socket is not raw: its sends to the list are refused
	assert_eq "$(sock "$cg" moved fd:3 udp 192.0.2.99 9 3>>"$cg/cgroup.procs")" EPERM "udp sendto"
	assert_eq "$(sock "$cg" moved fd:3 udp 192.0.2.2 9 3>>"$cg/cgroup.procs")" ok "udp sendto, unlisted"
}

# The documented limit: the kernel runs cgroup/sock_create for inet
# sockets only (inet_create, inet6_create), so an AF_PACKET socket is
# created unseen even with raw_sockets: block.
t_packet_socket_limit() {
	local s out cg
	s=$(scratch); out=$s/ev.jsonl
	mk_cgroup "$UNIQ" >/dev/null	# removed last, after its children
	cg=$(mk_cgroup "$UNIQ/free"); mk_cgroup "$UNIQ/jail" >/dev/null
	mk_net
	egress_policy "$s/p.yaml" block
	start_warden "$out" --policy "$s/p.yaml"
	assert_eq "$(sock "$cg" packet)" ok "AF_PACKET: the known limit"
}

# With raw_sockets: alert the UDP-Lite send goes out, and is reported.
t_udplite_alert() {
	local s out cg
	s=$(scratch); out=$s/ev.jsonl
	mk_cgroup "$UNIQ" >/dev/null	# removed last, after its children
	cg=$(mk_cgroup "$UNIQ/free"); mk_cgroup "$UNIQ/jail" >/dev/null
	mk_net
	egress_policy "$s/p.yaml" alert
	start_warden "$out" --policy "$s/p.yaml"
	assert_eq "$(sock "$cg" udplite 192.0.2.99 9)" ok "UDP-Lite, alert only"
	wait_events "$out" 1 type=socket protocol=udplite decision=alert
}

# A socket made in a cgroup outside the jail scope and used after moving
# into it: the hooks at the cgroup2 root decide by the calling task's
# cgroup, so the jail's default-block holds (TCP connect, UDP sendto).
t_socket_from_outside_the_scope() {
	local s out free jail
	s=$(scratch); out=$s/ev.jsonl
	mk_cgroup "$UNIQ" >/dev/null	# removed last, after its children
	free=$(mk_cgroup "$UNIQ/free"); jail=$(mk_cgroup "$UNIQ/jail")
	mk_net
	egress_policy "$s/p.yaml" block
	start_warden "$out" --policy "$s/p.yaml"
	assert_eq "$(sock "$free" moved fd:3 tcp 192.0.2.2 9 3>>"$free/cgroup.procs")" ECONNREFUSED \
		"outside the scope: reaches the peer"
	assert_eq "$(sock "$free" moved fd:3 tcp 192.0.2.2 9 3>>"$jail/cgroup.procs")" EPERM \
		"made outside, connected inside"
	assert_eq "$(sock "$free" moved fd:3 udp 192.0.2.2 9 3>>"$jail/cgroup.procs")" EPERM \
		"made outside, sendto inside"
}

# The documented limit (docs/security.md): with `attach:` naming a
# subtree, a socket made outside it carries the outside cgroup, and the
# kernel runs cgroup socket hooks by the socket's cgroup: its connect is
# not seen. Attaching at the root (the default, above) closes it.
t_attach_subtree_socket_from_outside_limit() {
	local s out free jail
	s=$(scratch); out=$s/ev.jsonl
	mk_cgroup "$UNIQ" >/dev/null	# removed last, after its children
	free=$(mk_cgroup "$UNIQ/free"); jail=$(mk_cgroup "$UNIQ/jail")
	mk_net
	egress_policy "$s/p.yaml" block "/$UNIQ/jail"
	start_warden "$out" --policy "$s/p.yaml"
	assert_eq "$(sock "$jail" moved fd:3 tcp 192.0.2.99 9 3>>"$jail/cgroup.procs")" EPERM \
		"made inside the attach point"
	assert_eq "$(sock "$free" moved fd:3 tcp 192.0.2.99 9 3>>"$jail/cgroup.procs")" ECONNREFUSED \
		"made outside the attach point: the known limit"
}

# within SECONDS FILE PATTERN: FILE holds PATTERN before SECONDS pass (the
# feature's deadline, not a measurement)
within() {
	timeout "$1" sh -c 'until grep -qF -- "$2" "$1"; do sleep 0.05; done' \
		sh "$2" "$3" || fail "no '$3' in $2 within $1 s"
}

# The ids of PID's cgroup links of attach type TYPE (fdinfo numbers:
# 10 is BPF_CGROUP_INET4_CONNECT).
cgroup_links() {
	grep -l "^attach_type:[[:space:]]*$2\$" /proc/"$1"/fdinfo/* 2>/dev/null |
		xargs -r grep -h '^link_id:' | awk '{print $2}'
}

# Another root process detaches the agent's connect4 hook by link id
# (BPF_LINK_DETACH, bpftool): the agent reports it within 2 s, attaches
# the hook again, and the block list holds again.
t_detached_hook_reattached() {
	local s out cg id
	s=$(scratch); out=$s/ev.jsonl
	mk_cgroup "$UNIQ" >/dev/null	# removed last, after its children
	cg=$(mk_cgroup "$UNIQ/free"); mk_cgroup "$UNIQ/jail" >/dev/null
	mk_net
	egress_policy "$s/p.yaml" block
	start_warden "$out" --policy "$s/p.yaml"
	assert_eq "$(sock "$cg" moved fd:3 tcp 192.0.2.99 9 3>>"$cg/cgroup.procs")" EPERM "before"
	id=$(cgroup_links "$WARDEN_PID" 10)
	[ -n "$id" ] || fail "no connect4 link in the daemon's fds"
	bpftool link detach id "$id" || fail "detach failed"
	within 2 "$out" '"link":"cg'
	assert_contains "$out" '"restored":true'
	assert_eq "$(sock "$cg" moved fd:3 tcp 192.0.2.99 9 3>>"$cg/cgroup.procs")" EPERM \
		"the hook attached again"
}

run_tests
