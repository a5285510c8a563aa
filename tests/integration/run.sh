#!/usr/bin/env bash
# Run every tests/integration/test_*.sh (or those named) as root against the
# real kernel. Each file holds t_* functions; lib.sh runs each one in its own
# subshell with its own cleanup.
set -u
cd "$(dirname "$0")/../.."
if [ "$(id -u)" -ne 0 ]; then
	echo "integration tests need root (they load BPF programs)" >&2
	[ -n "${RESULT_FILE:-}" ] && echo "0 1" >"$RESULT_FILE"
	exit 1
fi
export WARDEN=${WARDEN:-$PWD/build/warden}
export TESTS_DIR=$PWD/tests/integration
tally=$(mktemp)
files=("$@")
[ ${#files[@]} -eq 0 ] && files=(tests/integration/test_*.sh)
for f in "${files[@]}"; do
	TALLY=$tally bash "$f"
done
pass=$(grep -c '^ok' "$tally"); fail=$(grep -c '^FAIL' "$tally")
echo "integration: $pass passed, $fail failed"
grep '^FAIL' "$tally" | sed 's/^/  /'
rm -f "$tally"
[ -n "${RESULT_FILE:-}" ] && echo "$pass $fail" >"$RESULT_FILE"
[ "$fail" -eq 0 ]
