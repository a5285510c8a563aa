#!/usr/bin/env bash
# network.ingress on a real kernel: a protected namespace P and a peer
# namespace Q joined by a veth pair; warden runs inside P and filters P's
# end (i0). Every name carries $UNIQ; the namespaces (and with them every
# address, route and link) are removed at the end of each test.
. "$(dirname "$0")/lib.sh"
HERE=$(cd "$(dirname "$0")" && pwd)
TOOLS=$HERE/ingress
EXAMPLES=$HERE/../../examples

exec 3>&1	# for numbers worth printing when the tests pass
. "$TOOLS/net.sh"

# The final stats line's counter for rule NAME on i0: "packets bytes".
counter() {
	python3 - "$1" "$2" <<'EOF'
import json, sys
stats = [json.loads(l) for l in open(sys.argv[1]) if '"stats"' in l]
for r in stats[-1]["ingress"][0]["rules"]:
    if r["rule"] == sys.argv[2]:
        print(r["packets"], r["bytes"])
EOF
}

filter_basics() {
	local mode=$1 d
	d=$(scratch)
	setup_net
	start_in_p "$d" -p "$(policy "$EXAMPLES/ingress-test.yaml" "$mode" "$d")"
	grep -q "filtering i0 (ifindex [0-9]*) with $2" "$d/out.err" ||
		{ cat "$d/out.err"; fail "mode $2 not reported"; }
	reach tcp $ALLOWED 10.77.1.1 7000 || fail "allowed peer: tcp failed"
	reach udp $ALLOWED 10.77.1.1 7000 || fail "allowed peer: udp failed"
	pings $ALLOWED 10.77.1.1 || fail "allowed peer: ping failed"
	inp python3 "$TOOLS/ping.py" 10.77.1.1 $ALLOWED >/dev/null || fail "allowed peer does not answer ping"
	no_reach tcp $OUTSIDE 10.77.2.1 7000 || fail "outside peer reached tcp"
	no_reach udp $OUTSIDE 10.77.2.1 7000 || fail "outside peer reached udp"
	! pings $OUTSIDE 10.77.2.1 1 0.3 || fail "outside peer: ping answered"
	no_reach tcp $QUARANTINED 10.77.1.1 7000 || fail "more specific deny lost"
	# port-narrowed: udp 9999 dropped, tcp 9999 and udp 7000 pass
	no_reach udp $ALLOWED 10.77.1.1 9999 || fail "udp 9999 not dropped"
	reach tcp $ALLOWED 10.77.1.1 9999 || fail "tcp 9999 dropped"
	# IPv6, same rules
	reach tcp $ALLOWED6 fd77:1::1 7000 || fail "allowed v6 peer: tcp failed"
	reach udp $ALLOWED6 fd77:1::1 7000 || fail "allowed v6 peer: udp failed"
	pings $ALLOWED6 fd77:1::1 || fail "allowed v6 peer: ping failed"
	no_reach tcp $OUTSIDE6 fd77:2::1 7000 || fail "outside v6 peer reached tcp"
	no_reach tcp $QUARANTINED6 fd77:1::1 7000 || fail "v6 more specific deny lost"
	no_reach udp $ALLOWED6 fd77:1::1 9999 || fail "v6 udp 9999 not dropped"
	wait_for "$d/out" '"type":"ingress_drop"'
	assert_contains "$d/out" '"src":"10.77.2.2","dst":"10.77.2.1","sport":'
	assert_contains "$d/out" '"rule":"quarantine"'
	assert_contains "$d/out" '"dport":9999'
}
t_xdp_allow_deny_ports_v4_v6() { filter_basics xdp xdp-native; }
t_tc_allow_deny_ports_v4_v6() { filter_basics tc tcx; }
t_xdp_generic_allow_deny() { filter_basics xdp-generic xdp-generic; }
t_counters_exact() {
	local d c
	d=$(scratch)
	setup_net
	start_in_p "$d" -p "$(policy "$EXAMPLES/ingress-test.yaml" xdp "$d")"
	inq python3 "$TOOLS/ping.py" $COUNTED 10.77.1.1 25 0.005 >/dev/null ||
		fail "counted peer: ping failed"
	! inq python3 "$TOOLS/ping.py" $QUARANTINED 10.77.1.1 5 0 0.05 >/dev/null ||
		fail "quarantined peer answered"
	# read live from the running daemon, then from its final stats line
	"$WARDEN" status --socket "$WARDEN_SOCK" | python3 -c '
import json, sys
st = json.loads(sys.stdin.read())["stats"]
print(json.dumps({"type": "stats", "ingress": st["ingress"]}))' >"$d/status" ||
		fail "warden status"
	assert_eq "$(counter "$d/status" counted)" "25 2450" "live counter (warden status)"
	stop_warden "$WARDEN_PID"
	# an echo request is 14 + 20 + 8 + 56 = 98 bytes on the wire
	c=$(counter "$d/out" counted)
	echo "counted: $c"
	assert_eq "$c" "25 2450" "counter of rule counted"
	assert_eq "$(counter "$d/out" quarantine)" "5 490" "counter of rule quarantine"
	# left as found: no XDP program on i0 any more
	inp ip link show i0 | grep -q xdp && fail "XDP still attached after exit"
	true
}

# The no-loss peer pings every 5 ms across the reload; the moved peer's
# first packet after the switch is dropped.
hot_reload() {
	local mode=$1 d pol bg
	d=$(scratch)
	setup_net
	python3 -c '
import sys
with open(sys.argv[1], "w") as f:
    for i in range(200000):
        f.write("172.%d.%d.%d\n" % (16 + (i >> 16), (i >> 8) & 255, i & 255))
' "$d/big.txt"
	pol=$(policy "$EXAMPLES/ingress-test.yaml" "$mode" "$d")
	cat >>"$pol" <<-EOF2
	          - name: blocklist
	            file: big.txt
	EOF2
	start_in_p "$d" -p "$pol"
	pings $MOVER 10.77.1.1 || fail "mover blocked before the reload"
	inq python3 "$TOOLS/ping.py" $ALLOWED 10.77.1.1 600 0.005 1 >"$d/steady" &
	bg=$!
	sleep 0.5
	cp "$pol" "$d/new.yaml"
	cat >>"$d/new.yaml" <<-EOF2
	          - name: moved
	            cidr: $MOVER
	EOF2
	mv "$d/new.yaml" "$pol"
	wait_for "$d/out.err" "reloaded" 100
	! pings $MOVER 10.77.1.1 1 0.3 || fail "moved peer still passes"
	wait $bg
	cat "$d/steady"
	assert_eq "$(cat "$d/steady")" "sent 600 received 600" "steady peer lost packets"
	grep "staged in" "$d/out.err"
}
t_xdp_hot_reload_no_loss() { hot_reload xdp; }
t_tc_hot_reload_no_loss() { hot_reload tc; }

# 802.1Q and 802.1ad+802.1Q tagged frames (this kernel has no VLAN devices,
# so they are made by hand) and IPv4 fragments. The filter must parse
# through the tags: a quarantined source's tagged echo counts against the
# quarantine rule, not against non_ip.
vlan_and_fragments() {
	local d
	d=$(scratch)
	setup_net
	start_in_p "$d" -p "$(policy "$EXAMPLES/ingress-test.yaml" "$1" "$d")"
	inq python3 "$TOOLS/craft.py" o0 "$PMAC" $QUARANTINED 10.77.1.1 vlan
	inq python3 "$TOOLS/craft.py" o0 "$PMAC" $QUARANTINED 10.77.1.1 qinq
	inq python3 "$TOOLS/craft.py" o0 "$PMAC" $OUTSIDE 10.77.1.1 qinq
	# a lone non-first fragment (no L4 header) from a quarantined source
	inq python3 "$TOOLS/craft.py" o0 "$PMAC" $QUARANTINED 10.77.1.1 frag
	inq python3 "$TOOLS/craft.py" o0 "$PMAC" $QUARANTINED 10.77.1.1 frag vlan
	# fragmented echo requests: whole from an allowed peer, none from others
	inq python3 "$TOOLS/ping.py" $ALLOWED 10.77.1.1 1 0 2 3000 >/dev/null ||
		fail "fragmented ping from an allowed peer failed"
	! inq python3 "$TOOLS/ping.py" $OUTSIDE 10.77.2.1 1 0 0.3 3000 >/dev/null ||
		fail "fragmented ping from an outside peer got through"
	! inq python3 "$TOOLS/ping.py" $QUARANTINED 10.77.1.1 1 0 0.3 3000 >/dev/null ||
		fail "fragmented ping from a quarantined peer got through"
	stop_warden "$WARDEN_PID"
	# 4 crafted (102 + 106 + 98 + 102 bytes) + the 3 fragments of the
	# 3000-byte ping (1514 + 1514 + 82); at TC the kernel has already moved
	# the outer tag of the 3 tagged frames into skb metadata (3 x 4 bytes)
	assert_eq "$(counter "$d/out" quarantine)" "7 $2" "quarantine counter"
	assert_eq "$(counter "$d/out" non_ip | cut -d' ' -f1)" "0" "tagged frames seen as non-IP"
}
t_xdp_vlan_and_fragments() { vlan_and_fragments xdp 3518; }
t_tc_vlan_and_fragments() { vlan_and_fragments tc 3506; }

t_million_prefixes() {
	local d pol
	d=$(scratch)
	setup_net
	python3 -c '
import sys
with open(sys.argv[1], "w") as f:
    f.write("# generated: 1,000,000 /32 and /24 prefixes\n")
    for i in range(1000000):
        if i % 4:
            f.write("100.%d.%d.%d\n" % (64 + (i >> 16), (i >> 8) & 255, i & 255))
        else:
            f.write("%d.%d.%d.0/24\n" % (1 + (i >> 16), (i >> 8) & 255, i & 255))
    f.write("%s\n" % sys.argv[2])
' "$d/million.txt" $ALLOWED
	pol=$(policy "$EXAMPLES/ingress-test.yaml" xdp "$d")
	cat >>"$pol" <<-EOF2
	          - name: million
	            file: million.txt
	EOF2
	start_in_p "$d" -p "$pol"
	grep -q "staged in" "$d/out.err" || fail "no load time"
	# shown in the run's output, not only in the log of a failure
	echo "     1,000,001 prefixes: $(grep -o 'staged in.*' "$d/out.err")" >&3
	no_reach tcp $ALLOWED 10.77.1.1 7000 || fail "listed peer not dropped"
	reach tcp $COUNTED 10.77.1.1 7000 || fail "unlisted peer dropped"
}
run_tests
