#!/usr/bin/env bash
# The whole test suite: unit tests, then integration tests against the real
# kernel. Prints one closing line "N passed, N failed".
set -u
cd "$(dirname "$0")/.." || exit
BUILD=${BUILD:-build}
total_pass=0 total_fail=0
tally() { # file with "pass fail" written by a runner
	read -r p f <"$1" || { p=0; f=1; }
	total_pass=$((total_pass + p)); total_fail=$((total_fail + f))
}
res=$(mktemp)
trap 'rm -f "$res"' EXIT
RESULT_FILE=$res tests/unit/run.sh "$BUILD"/tests/test_*; tally "$res"
# the evasion suite runs on the integration harness
[ $# -eq 0 ] && set -- tests/integration/test_*.sh tests/evasion/test_*.sh
RESULT_FILE=$res tests/integration/run.sh "$@"; tally "$res"
echo
echo "$total_pass passed, $total_fail failed"
[ "$total_fail" -eq 0 ]
