#!/usr/bin/env bash
# Run `make test` N times in a row (default 5) on a fresh clone of HEAD
# while stress-ng keeps one CPU busy; print one line per run and exit
# non-zero if any run failed. How docs/kernel-matrix.md's "make test,
# 5 runs in a row" was made.
#   scripts/test-under-load.sh [N]
set -u
runs=${1:-5}
src=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d /tmp/warden-load.XXXXXX)
# beside the clone, as CI has it (tests/vm reads ../shared)
[ -d "$src/../shared" ] && ln -s "$src/../shared" "$work/shared"
git clone -q "$src" "$work/warden" || exit 1
cd "$work/warden" || exit 1
make -j2 >/dev/null 2>&1 || { echo "build failed"; exit 1; }
stress-ng --cpu 1 --timeout 0 >/dev/null 2>&1 &
stress=$!
trap 'kill "$stress" 2>/dev/null; wait "$stress" 2>/dev/null' EXIT
echo "commit $(git rev-parse --short HEAD), kernel $(uname -r), logs in $work"
failed=0
for i in $(seq 1 "$runs"); do
	t0=$(date +%s)
	flock /tmp/warden-itest.lock make test >"$work/run$i.log" 2>&1 || failed=$((failed + 1))
	echo "run $i: $(grep -E '^[0-9]+ passed' "$work/run$i.log" | tail -1)," \
	     "$(($(date +%s) - t0)) s, ended $(date -u +%T), load $(cut -d' ' -f1-3 /proc/loadavg)"
done
[ "$failed" -eq 0 ]
