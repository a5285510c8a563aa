# The network the ingress tests filter (sourced after lib.sh, with TOOLS
# set): a protected namespace P and a peer namespace Q joined by a veth
# pair; warden filters P's end (i0). Every name carries $UNIQ.
P=${UNIQ}p
Q=${UNIQ}q
inp() { ip netns exec "$P" "$@"; }
inq() { ip netns exec "$Q" "$@"; }

# Addresses (only inside the two namespaces):
#   allowed 10.77.1.0/24, fd77:1::/64; denied inside it 10.77.1.192/26,
#   fd77:1::c0/122; outside 10.77.2.0/24, fd77:2::/64.
ALLOWED=10.77.1.2
COUNTED=10.77.1.3
MOVER=10.77.1.4
QUARANTINED=10.77.1.200
OUTSIDE=10.77.2.2
ALLOWED6=fd77:1::2
QUARANTINED6=fd77:1::c8
OUTSIDE6=fd77:2::2

quiet_ns() {
	local ns=$1
	ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.accept_dad=0 \
		net.ipv6.conf.default.accept_dad=0 \
		net.ipv6.conf.all.router_solicitations=0 \
		net.ipv6.conf.default.router_solicitations=0 \
		net.ipv6.conf.default.accept_ra=0
}

# P and Q, their addresses, static neighbours (so no NDP is needed for
# the outside peers to send at all), and the echo service in P.
setup_net() {
	ip netns add "$P" || fail "cannot create netns"
	defer "ip netns del $P"
	ip netns add "$Q" || fail "cannot create netns"
	defer "ip netns del $Q"
	# whatever still runs inside them (deferred: runs before the del)
	defer "ip netns pids $P | xargs -r kill; ip netns pids $Q | xargs -r kill"
	quiet_ns "$P"
	quiet_ns "$Q"
	ip link add i0 netns "$P" type veth peer name o0 netns "$Q" ||
		fail "cannot create veth"
	inp ip link set lo up
	inq ip link set lo up
	inp ip addr add 10.77.1.1/24 dev i0
	inp ip addr add 10.77.2.1/24 dev i0
	inp ip addr add fd77:1::1/64 dev i0 nodad
	inp ip addr add fd77:2::1/64 dev i0 nodad
	local a
	for a in $ALLOWED $COUNTED $MOVER $QUARANTINED; do
		inq ip addr add $a/24 dev o0
	done
	inq ip addr add $OUTSIDE/24 dev o0
	for a in $ALLOWED6 $QUARANTINED6; do inq ip addr add $a/64 dev o0 nodad; done
	inq ip addr add $OUTSIDE6/64 dev o0 nodad
	inp ip link set i0 up
	inq ip link set o0 up
	PMAC=$(inp cat /sys/class/net/i0/address)
	QMAC=$(inq cat /sys/class/net/o0/address)
	for a in fd77:1::1 fd77:2::1; do
		inq ip -6 neigh replace $a lladdr "$PMAC" dev o0 nud permanent
	done
	for a in $ALLOWED6 $QUARANTINED6 $OUTSIDE6; do
		inp ip -6 neigh replace $a lladdr "$QMAC" dev i0 nud permanent
	done
	for a in 10.77.1.1 10.77.2.1; do
		inq ip neigh replace $a lladdr "$PMAC" dev o0 nud permanent
	done
	for a in $ALLOWED $COUNTED $MOVER $QUARANTINED $OUTSIDE; do
		inp ip neigh replace $a lladdr "$QMAC" dev i0 nud permanent
	done
	ip netns exec "$P" python3 "$TOOLS/echo_server.py" 7000 9999 \
		>/dev/null 2>&1 3>&- &
	for _ in $(seq 1 50); do
		inp ss -ltn | grep -q ':9999 ' && return 0
		sleep 0.05
	done
	fail "echo server did not start"
}

# policy TEMPLATE MODE DIR: the example with i0 and MODE filled in.
policy() {
	sed -e "s/eth0:/i0:/" -e "s/mode: xdp /mode: $2 /" "$1" >"$3/policy.yaml"
	echo "$3/policy.yaml"
}

# Start warden inside P (so it sees P's interfaces).
start_in_p() {
	local dir=$1; shift
	printf '#!/bin/sh\nexec ip netns exec %s %s "$@" 3>&-\n' "$P" "$WARDEN" >"$dir/warden-p"
	chmod +x "$dir/warden-p"
	WARDEN="$dir/warden-p" start_warden "$dir/out" "$@"
}

reach() { inq python3 "$TOOLS/client.py" "$1" "$2" "$3" "$4" "${5:-2}"; }
no_reach() { ! inq python3 "$TOOLS/client.py" "$1" "$2" "$3" "$4" 0.3; }
pings() { inq python3 "$TOOLS/ping.py" "$1" "$2" "${3:-1}" 0.01 "${4:-2}" >/dev/null; }

