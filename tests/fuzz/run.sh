#!/usr/bin/env bash
# Build the libFuzzer targets and run each for FUZZ_SECONDS (default 60).
#   tests/fuzz/run.sh                 every tests/fuzz/fuzz_*.c
#   tests/fuzz/run.sh fuzz_cidr ...   only those
# Seeds come from tests/fuzz/corpus/TARGET (read only); what the fuzzer
# adds goes to $FUZZ_BUILD/corpus/TARGET, crashes to tests/fuzz/artifacts/.
# Ends with one summary line per target; non-zero if any target failed.
set -u
cd "$(dirname "$0")/../.."
FUZZ_SECONDS=${FUZZ_SECONDS:-60}
FUZZ_BUILD=${FUZZ_BUILD:-build/fuzz}
ARTIFACTS=tests/fuzz/artifacts

targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
	for f in tests/fuzz/fuzz_*.c; do
		targets+=("$(basename "$f" .c)")
	done
fi

# libFuzzer needs clang; the objects are built apart from build/.
make -s -j"$(nproc)" FUZZ=1 CC=clang BUILD="$FUZZ_BUILD" fuzz-build || exit 1

# Records longer than the seeds must be reachable: an event record holds
# up to ~13 KiB of strings.
max_len() {
	case $1 in
	fuzz_event) echo 16384 ;;
	*) echo 8192 ;;
	esac
}

export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$PWD/tests/lsan.supp:print_suppressions=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
mkdir -p "$ARTIFACTS"
failed=0 summary=()
for t in "${targets[@]}"; do
	bin=$FUZZ_BUILD/$t
	[ -x "$bin" ] || { echo "fuzz: no target $t" >&2; failed=1; continue; }
	mkdir -p "$FUZZ_BUILD/corpus/$t" tests/fuzz/corpus/"$t"
	log=$FUZZ_BUILD/$t.log
	echo "fuzz: $t for ${FUZZ_SECONDS}s (log $log)"
	"$bin" -max_total_time="$FUZZ_SECONDS" -max_len="$(max_len "$t")" \
		-timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
		-artifact_prefix="$ARTIFACTS/$t-" \
		"$FUZZ_BUILD/corpus/$t" tests/fuzz/corpus/"$t" >"$log" 2>&1
	rc=$?
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
	cov=$(grep -o 'cov: [0-9]*' "$log" | tail -n1 | cut -d' ' -f2)
	if [ $rc -ne 0 ]; then
		failed=1
		grep -m1 -A30 'ERROR\|runtime error\|deadly signal' "$log" >&2
		summary+=("FAIL $t rc=$rc execs=${execs:-?} cov=${cov:-?} (see $log, $ARTIFACTS)")
	else
		summary+=("ok   $t ${FUZZ_SECONDS}s execs=${execs:-?} cov=${cov:-?}")
	fi
	echo "$(date -u +%FT%TZ) ${summary[-1]}" >>"$FUZZ_BUILD/runs.log"
done
printf '%s\n' "${summary[@]}"
exit $failed
