#!/usr/bin/env bash
# Run each cmocka unit-test binary given; tally the tests they report.
set -u
pass=0 fail=0
for bin in "$@"; do
	[ -x "$bin" ] || continue
	out=$("$bin" 2>&1); rc=$?
	echo "$out"
	p=$(echo "$out" | sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' | tail -n1)
	f=$(echo "$out" | sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p' | tail -n1)
	pass=$((pass + ${p:-0})); fail=$((fail + ${f:-0}))
	[ "$rc" -ne 0 ] && [ -z "$f" ] && fail=$((fail + 1))
done
echo "unit: $pass passed, $fail failed"
[ -n "${RESULT_FILE:-}" ] && echo "$pass $fail" >"$RESULT_FILE"
[ "$fail" -eq 0 ]
