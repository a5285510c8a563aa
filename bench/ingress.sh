#!/usr/bin/env bash
# Ingress filter benchmark (root): prints markdown tables.
#  1. XDP program cost per packet (BPF_PROG_TEST_RUN, 2,000,000 repeats) with
#     10 / 10,000 / 1,000,000 IPv4 prefixes, beside xdp-filter's program on
#     the same 64-byte UDP packet (xdp-filter matches exact addresses in a
#     hash, so its cost does not depend on the list size);
#  2. a veth flood (AF_PACKET sendmmsg, one sender) dropped by warden's XDP
#     filter, warden's tcx filter and an nftables netdev ingress drop rule.
# Everything runs in namespaces made here and removed at the end.
set -eu
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
WARDEN=${WARDEN:-$PWD/$BUILD/warden}
HELPER=$BUILD/ingress_prog_run
SECONDS_FLOOD=${FLOOD_SECONDS:-3}
NS=wbench$$

[ "$(id -u)" -eq 0 ] || { echo "bench/ingress.sh needs root" >&2; exit 1; }
make -s "$BUILD/warden" "$BUILD/ingress.skel.h" >/dev/null
cc -O2 -std=gnu11 -Wall -Isrc -Iinclude -I"$BUILD" bench/ingress_prog_run.c -o "$HELPER" -lbpf

cleanup() {
	set +e	# remove everything even if one step fails
	if [ -n "${WPID:-}" ]; then kill "$WPID" 2>/dev/null; wait "$WPID" 2>/dev/null; fi
	ip netns del "${NS}r" 2>/dev/null
	ip netns del "${NS}s" 2>/dev/null
	rm -rf "${TMPD:-/nonexistent}"
	true
}
trap cleanup EXIT
TMPD=$(mktemp -d)
inr() { ip netns exec "${NS}r" "$@"; }
ins() { ip netns exec "${NS}s" "$@"; }

ip netns add "${NS}r"
ip netns add "${NS}s"
ip link add i0 netns "${NS}r" type veth peer name o0 netns "${NS}s"
inr ip link set i0 up
ins ip link set o0 up
inr ip link set lo up

echo "### Ingress filter: XDP cost per packet (BPF_PROG_TEST_RUN)"
echo
echo "| program | prefixes | ns/packet | table load |"
echo "|---|---:|---:|---:|"
for n in 10 10000 1000000; do
	read -r ns load < <("$HELPER" warden $n)
	printf '| warden ingress_xdp (LPM) | %s | %s | %s s |\n' "$n" "$ns" "$load"
done
if command -v xdp-filter >/dev/null; then
	# shellcheck disable=SC2016 # expanded by the inner shell
	# one shell: `ip netns exec` remounts /sys, and xdp-filter pins its
	# maps in a bpffs the later commands must see
	inr sh -c '
		mountpoint -q /sys/fs/bpf || mount -t bpf bpf /sys/fs/bpf
		xdp-filter load -m skb -p deny i0 || exit 1
		xdp-filter ip -m src 10.99.0.2
		for i in 3 4 5 6 7 8 9 10 11; do xdp-filter ip -m src 10.98.0.$i; done
		id=$(ip -d link show i0 | sed -n "s/.*prog\/xdp id \([0-9]*\).*/\1/p" | head -n 1)
		printf "| xdp-filter (hash, exact) | 10 | %s | - |\n" "$("$1" prog "$id")"
		xdp-filter unload --all i0 >/dev/null 2>&1
	' sh "$PWD/$HELPER"
else
	echo "| xdp-filter | - | not installed (apt-get install xdp-tools) | - |"
fi
echo

# flood_row NAME COUNT_FN: send for SECONDS_FLOOD; print sent and dropped rate.
flood_row() {
	local name=$1 dropped sent
	sent=$(ins "$HELPER" flood o0 "$SECONDS_FLOOD")
	$2 >"$TMPD/dropped"	# not in $(): it must wait for warden
	dropped=$(cat "$TMPD/dropped")
	python3 -c "import sys; s,d,t=int(sys.argv[1]),int(sys.argv[2]),float(sys.argv[3]); print('| %s | %.0f | %.0f | %.1f%% |' % (sys.argv[4], s/t, d/t, 100.0*d/max(s,1)))" \
		"$sent" "$dropped" "$SECONDS_FLOOD" "$name"
}

warden_dropped() {
	kill -TERM "$WPID"; wait "$WPID" 2>/dev/null || true; WPID=
	python3 -c '
import json, sys
s = [json.loads(l) for l in open(sys.argv[1]) if "\"stats\"" in l][-1]
print(sum(r["packets"] for r in s["ingress"][0]["rules"] if r["rule"] == "flood"))' "$TMPD/out"
}

start_warden() {
	cat >"$TMPD/p.yaml" <<-EOF
	network:
	  ingress:
	    drop_events_per_second: 10
	    interfaces:
	      i0:
	        mode: $1
	        deny:
	          - name: flood
	            cidr: 10.99.0.0/16
	EOF
	# its own control socket: never collide with another daemon here
	ip netns exec "${NS}r" "$WARDEN" daemon -p "$TMPD/p.yaml" -o "$TMPD/out" \
		-s "$TMPD/sock" 2>"$TMPD/err" &
	WPID=$!
	for _ in $(seq 1 100); do grep -q ready "$TMPD/err" && return 0; sleep 0.1; done
	cat "$TMPD/err" >&2; exit 1
}

nft_dropped() {
	inr nft -j list ruleset | python3 -c '
import json, sys
for o in json.load(sys.stdin)["nftables"]:
    for e in o.get("rule", {}).get("expr", []):
        if "counter" in e: print(e["counter"]["packets"])'
	inr nft delete table netdev wbench
}

echo "### Ingress filter: veth flood, 64-byte UDP from a denied source (${SECONDS_FLOOD} s)"
echo
echo "| filter | sent/s | dropped/s | dropped |"
echo "|---|---:|---:|---:|"
for mode in xdp tc; do
	start_warden $mode
	flood_row "warden $(grep -o 'with [a-z-]*' "$TMPD/err" | cut -d' ' -f2)" warden_dropped
done
if command -v nft >/dev/null; then
	inr nft add table netdev wbench
	inr nft add chain netdev wbench in "{ type filter hook ingress device i0 priority 0; }"
	inr nft add rule netdev wbench in ip saddr 10.99.0.0/16 counter drop
	flood_row "nftables netdev ingress" nft_dropped
else
	echo "| nftables | not installed | | |"
fi
