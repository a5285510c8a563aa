#!/usr/bin/env bash
# Cost of the egress hooks per connect(): N connects to a closed loopback
# port, bare and with `warden daemon` enforcing a network.egress policy
# with a 100,000-entry list. Prints a markdown table (medians of RUNS).
# Needs root. Standalone: bench/egress.sh [N] [RUNS]
set -eu
cd "$(dirname "$0")/.."
N=${1:-20000}
RUNS=${2:-5}
WARDEN=${WARDEN:-$PWD/build/warden}
tmp=$(mktemp -d /tmp/warden-bench-egress.XXXX)	# mode 0700: policies, socket
wpid=
cleanup() {
	[ -n "$wpid" ] && kill "$wpid" 2>/dev/null && wait "$wpid" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT

[ "$(id -u)" -eq 0 ] || { echo "bench/egress.sh needs root" >&2; exit 1; }
[ -x "$WARDEN" ] || { echo "build warden first (make)" >&2; exit 1; }
cc -O2 -o "$tmp/connect_loop" bench/connect_loop.c

# 100,000 entries, half IPv4 /32s, half IPv6 /64s; none is 127.0.0.1
python3 - "$tmp/list.txt" <<'PY'
import sys
with open(sys.argv[1], "w") as f:
    for i in range(100_000):
        f.write(f"10.{i >> 16 & 255}.{i >> 8 & 255}.{i & 255}\n" if i % 2
                else f"2001:db8:{i >> 16 & 255:x}:{i & 0xffff:x}::/64\n")
PY

policy() {	# policy REPORT [EXTRA-LIST-ENTRY]
	cat <<YAML
name: bench-egress
network:
  egress:
    report: $1
    lists:
      - name: feed
        action: alert
        file: $tmp/list.txt
YAML
	[ -n "${2:-}" ] && printf '      - name: loop\n        action: alert\n        addresses: [%s]\n' "$2"
	true
}

# "MEDIAN MIN" of the runs. The minimum is reported beside the median
# because other load on the machine only ever adds time.
stats() { sort -n | awk '{v[NR]=$1} END {print v[int((NR+1)/2)], v[1]}'; }

measure() {
	for _ in $(seq 1 "$RUNS"); do "$tmp/connect_loop" "$N" 9; done | stats
}

with_warden() {	# with_warden POLICY-FILE: measure under the daemon
	# its own control socket: never collide with another daemon here
	"$WARDEN" daemon -p "$1" -o "$tmp/events.jsonl" -s "$tmp/sock" 2>"$tmp/err" &
	wpid=$!
	for _ in $(seq 1 150); do
		grep -q ready "$tmp/err" && break
		kill -0 "$wpid" 2>/dev/null || { cat "$tmp/err" >&2; exit 1; }
		sleep 0.1
	done
	measure
	kill "$wpid"; wait "$wpid" 2>/dev/null || true
	wpid=
}

policy matches >"$tmp/matches.yaml"
policy all >"$tmp/all.yaml"
policy all 127.0.0.1 >"$tmp/listed.yaml"

# bare before and after the warden runs, so drifting load shows
bare1=$(measure)
matches=$(with_warden "$tmp/matches.yaml")
all=$(with_warden "$tmp/all.yaml")
listed=$(with_warden "$tmp/listed.yaml")
bare2=$(measure)
bare=$(echo "$bare1 $bare2" | awk '{print ($1 + $3) / 2, ($2 < $4 ? $2 : $4)}')

row() {	# row LABEL "MEDIAN MIN"
	awk -v l="$1" -v s="$2" -v b="$bare" -v n="$N" 'BEGIN {
		split(s, x, " "); split(b, y, " ");
		printf "| %s | %.3f s | %.2f µs | %.2f µs | %+.2f µs | %.2f× |\n",
			l, x[1], x[1] / n * 1e6, x[2] / n * 1e6,
			(x[2] - y[2]) / n * 1e6, x[2] / y[2] }'
}

echo "### egress hooks: $N × connect() to a closed loopback port ($RUNS runs)"
echo
echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
echo
echo "| setup | median total | median per connect | min per connect | hook cost (min) | vs bare (min) |"
echo "|---|---|---|---|---|---|"
row "bare (no warden; mean of medians before/after)" "$bare"
row "100,000-entry list, report: matches (unlisted destination)" "$matches"
row "100,000-entry list, report: all (every attempt aggregated)" "$all"
row "100,000-entry list + destination listed (alert, aggregated)" "$listed"
