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

# pinned_in_p DIR PIN ARGS...: the daemon in P with --pin PIN.
pinned_in_p() {
	local dir=$1 pin=$2; shift 2
	printf '#!/bin/sh\nexec nsenter --net=/run/netns/%s %s "$@" 3>&-\n' \
		"$P" "$WARDEN" >"$dir/warden-p"
	chmod +x "$dir/warden-p"
	WARDEN="$dir/warden-p" start_warden "$dir/out.$RANDOM" "$@" --pin "$pin"
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
	local d pin pol bg
	pin_setup "$1"
	pinned_in_p "$d" "$pin" -p "$pol"
	filtering "daemon running"
	kill -9 "$WARDEN_PID"
	wait "$WARDEN_PID" 2>/dev/null
	filtering "after SIGKILL"
	[ -e "$pin/ingress/links/$(link_of "$1")" ] || fail "no pinned link"
	# an outside peer probes every 5 ms across the restart: none answered
	inq python3 "$TOOLS/ping.py" $OUTSIDE 10.77.2.1 150 0.005 0.02 >"$d/probe" &
	bg=$!
	pinned_in_p "$d" "$pin" -p "$pol"
	wait "$bg"
	assert_contains "$d/probe" "sent 150 received 0" "outside pings answered across the restart"
	filtering "after the restart"
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
	kill -9 "$WARDEN_PID"
	wait "$WARDEN_PID" 2>/dev/null
	printf 'version: 1\n' >"$d/none.yaml"
	pinned_in_p "$d" "$pin" -p "$d/none.yaml"
	reach tcp $OUTSIDE 10.77.2.1 7000 || fail "pinned filter kept by a policy without ingress"
	[ -e "$pin/ingress/links/$(link_of xdp)" ] && fail "stale pin left"
	true
}
run_tests
