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
# The build under test: $BUILD (as make passes it, e.g. build/san), or the
# binaries named by WARDEN and HELPERS.
BUILD=${BUILD:-build}
case $BUILD in /*) ;; *) BUILD=$PWD/$BUILD ;; esac
export WARDEN=${WARDEN:-$BUILD/warden}
export HELPERS=${HELPERS:-$BUILD/helpers}
export TESTS_DIR=$PWD/tests/integration
tally=$(mktemp)
# Under make SAN=1 sanitizer reports go to files, so one from a daemon
# whose stderr no test reads (a leak at exit, say) still fails the run.
san_logs=$(mktemp -d /tmp/warden-san.XXXX)
export ASAN_OPTIONS="log_path=$san_logs/asan:${ASAN_OPTIONS:-}"
export UBSAN_OPTIONS="log_path=$san_logs/ubsan:print_stacktrace=1:${UBSAN_OPTIONS:-}"
export LSAN_OPTIONS="suppressions=$PWD/tests/lsan.supp:${LSAN_OPTIONS:-}"
files=("$@")
[ ${#files[@]} -eq 0 ] && files=(tests/integration/test_*.sh)
for f in "${files[@]}"; do
	TALLY=$tally bash "$f"
done
for f in "$san_logs"/*; do
	[ -f "$f" ] || continue
	echo "FAIL sanitizer report $(basename "$f")" >>"$tally"
	sed 's/^/     | /' "$f" | head -n 40
done
rm -rf "$san_logs"
pass=$(grep -c '^ok' "$tally"); fail=$(grep -c '^FAIL' "$tally")
echo "integration: $pass passed, $fail failed"
grep '^FAIL' "$tally" | sed 's/^/  /'
rm -f "$tally"
[ -n "${RESULT_FILE:-}" ] && echo "$pass $fail" >"$RESULT_FILE"
[ "$fail" -eq 0 ]
