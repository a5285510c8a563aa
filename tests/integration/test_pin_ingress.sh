#!/usr/bin/env bash
# --pin for network.ingress: the XDP/tcx filter outlives the daemon, a new
# daemon takes it over with no gap, and `warden cleanup` removes it. The
# daemon runs in P's network namespace through nsenter (not `ip netns
# exec`, which remounts /sys and so hides the host's bpffs and its pins).
. "$(dirname "$0")/lib.sh"
HERE=$(cd "$(dirname "$0")" && pwd)
TOOLS=$HERE/ingress
EXAMPLES=$HERE/../../examples
. "$TOOLS/net.sh"

# pinned_in_p DIR PIN ARGS...: the daemon in P with --pin PIN; its
# output in $OUT, its log in $OUT.err.
pinned_in_p() {
	local dir=$1 pin=$2; shift 2
	printf '#!/bin/sh\nexec nsenter --net=/run/netns/%s %s "$@" 3>&-\n' \
		"$P" "$WARDEN" >"$dir/warden-p"
	chmod +x "$dir/warden-p"
	OUT="$dir/out.$RANDOM"
	WARDEN="$dir/warden-p" start_warden "$OUT" "$@" --pin "$pin"
}

sigkill() { kill -9 "$WARDEN_PID"; wait "$WARDEN_PID" 2>/dev/null; }

# Packets counted by rule NAME of i0 in the running daemon.
live_counter() {
	"$WARDEN" status --socket "$WARDEN_SOCK" | python3 -c '
import json, sys
for r in json.load(sys.stdin)["stats"]["ingress"][0]["rules"]:
    if r["rule"] == sys.argv[1]:
        print(r["packets"])' "$1"
}

pin_setup() { # sets d, pin, pol
	d=$(scratch)
	pin=/sys/fs/bpf/$UNIQ-ingress-$RANDOM
	defer "'$WARDEN' cleanup '$pin'"
	setup_net
	pol=$(policy "$EXAMPLES/ingress-test.yaml" "$1" "$d")
}

# Is OUTSIDE dropped while ALLOWED passes?
filtering() {
	reach tcp $ALLOWED 10.77.1.1 7000 || fail "allowed peer blocked ($1)"
	no_reach tcp $OUTSIDE 10.77.2.1 7000 || fail "outside peer reached ($1)"
}

sigkill_restart_cleanup() {
	local d pin pol bg c0
	pin_setup "$1"
	pinned_in_p "$d" "$pin" -p "$pol"
	filtering "daemon running"
	sigkill
	filtering "after SIGKILL"
	[ -e "$pin/ingress/links/$(link_of "$1")" ] || fail "no pinned link"
	# an outside peer probes every 5 ms from before the restart until the
	# new daemon has taken the filter over: none answered
	inq python3 "$TOOLS/ping.py" $OUTSIDE 10.77.2.1 "until=$d/restarted" \
		0.005 0.02 >"$d/probe" &
	bg=$!
	pinned_in_p "$d" "$pin" -p "$pol"
	touch "$d/restarted"
	wait "$bg"
	echo "probe across the restart: $(cat "$d/probe")"
	grep -q '^sent [1-9][0-9]* received 0$' "$d/probe" ||
		fail "outside pings answered across the restart: $(cat "$d/probe")"
	filtering "after the restart"
	# the new daemon's program drops, and counts, in the adopted link
	c0=$(live_counter default)
	! inq python3 "$TOOLS/ping.py" $OUTSIDE 10.77.2.1 5 0 0.05 >/dev/null ||
		fail "outside ping answered"
	assert_eq "$(($(live_counter default) - c0))" 5 "drops counted after the restart"
	stop_warden "$WARDEN_PID"
	filtering "after a clean stop"
	"$WARDEN" cleanup "$pin" >/dev/null || fail "cleanup"
	reach tcp $OUTSIDE 10.77.2.1 7000 || fail "outside peer still dropped after cleanup"
	inp ip link show i0 | grep -q 'xdp' && fail "XDP left on i0 after cleanup"
	true
}
link_of() { [ "$1" = tc ] && echo "if$(inp cat /sys/class/net/i0/ifindex)_tc" ||
	echo "if$(inp cat /sys/class/net/i0/ifindex)_xdp"; }
t_xdp_pinned_survives_and_is_adopted() { sigkill_restart_cleanup xdp; }
t_tcx_pinned_survives_and_is_adopted() { sigkill_restart_cleanup tc; }

# A restart whose policy no longer filters i0 removes the pinned filter.
t_restart_without_ingress_unpins() {
	local d pin pol
	pin_setup xdp
	pinned_in_p "$d" "$pin" -p "$pol"
	sigkill
	printf 'version: 1\n' >"$d/none.yaml"
	pinned_in_p "$d" "$pin" -p "$d/none.yaml"
	reach tcp $OUTSIDE 10.77.2.1 7000 || fail "pinned filter kept by a policy without ingress"
	[ -e "$pin/ingress/links/$(link_of xdp)" ] && fail "stale pin left"
	true
}
# A restart with a changed policy enforces it through the pinned filter.
t_restart_adopts_new_policy() {
	local d pin pol
	pin_setup xdp
	pinned_in_p "$d" "$pin" -p "$pol"
	sigkill
	sed 's|cidr: \[10.77.1.192/26|cidr: [10.77.1.2, 10.77.1.192/26|' "$pol" >"$d/new.yaml"
	grep -q "10.77.1.2, 10.77.1.192" "$d/new.yaml" || fail "policy not changed"
	pinned_in_p "$d" "$pin" -p "$d/new.yaml"
	no_reach tcp $ALLOWED 10.77.1.1 7000 || fail "newly denied peer reached"
	no_reach tcp $OUTSIDE 10.77.2.1 7000 || fail "outside peer reached"
	reach tcp $COUNTED 10.77.1.1 7000 || fail "allowed peer blocked"
}

# A restart asking for the other XDP mode replaces the pinned link (the
# two modes cannot coexist on one interface).
t_restart_in_other_xdp_mode() {
	local d pin pol
	pin_setup xdp-native
	pinned_in_p "$d" "$pin" -p "$pol"
	inp ip link show i0 | grep -q 'xdpgeneric' && fail "generic before the restart"
	sigkill
	pol=$(policy "$EXAMPLES/ingress-test.yaml" xdp-generic "$d")
	pinned_in_p "$d" "$pin" -p "$pol"
	grep -q "filtering i0 (ifindex [0-9]*) with xdp-generic" "$OUT.err" ||
		{ cat "$OUT.err"; fail "xdp-generic not reported"; }
	inp ip link show i0 | grep -q 'xdpgeneric' || fail "not generic after the restart"
	[ -e "$pin/ingress/links/$(link_of xdp)" ] || fail "generic link not pinned"
	filtering "after the mode swap"
	sigkill
	filtering "generic link after SIGKILL"
}
run_tests
