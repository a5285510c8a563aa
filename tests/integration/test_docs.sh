#!/usr/bin/env bash
# Every ```console example of README.md and docs/*.md runs and prints
# output of the shape the docs show (tests/docs/run_examples.py).
. "$(dirname "$0")/lib.sh"
RUNNER="$(dirname "$0")/../docs/run_examples.py"

t_doc_examples() {
	local before
	before=$(ls -d /run/warden 2>/dev/null)
	BUILD_DIR="$(dirname "$WARDEN")" python3 "$RUNNER" || fail "doc examples differ from the docs"
	assert_eq "$(ls -d /run/warden 2>/dev/null)" "$before" "the examples left /run/warden behind"
}

# The runner must be able to fail: a wrong flag and a wrong shape.
t_doc_runner_catches_drift() {
	local s
	s=$(scratch)
	printf '```console\n# warden policy check --no-such-flag examples/observe.yaml\nexamples/observe.yaml: ok (0 rules)\n```\n' >"$s/flag.md"
	BUILD_DIR="$(dirname "$WARDEN")" python3 "$RUNNER" "$s/flag.md" >"$s/out" && fail "a wrong flag passed"
	assert_contains "$s/out" "FAIL"
	printf '```console\n# echo {\\"a\\":1}\n{"a":"x"}\n```\n' >"$s/json.md"
	BUILD_DIR="$(dirname "$WARDEN")" python3 "$RUNNER" "$s/json.md" >"$s/out" && fail "a JSON type change passed"
	printf '<!-- doc-test: skip (needs eth0) -->\n```console\n# false\n```\n```console\n# echo hi\nhi\n```\n' >"$s/skip.md"
	BUILD_DIR="$(dirname "$WARDEN")" python3 "$RUNNER" "$s/skip.md" >"$s/out" || fail "skip: $(cat "$s/out")"
	assert_contains "$s/out" "skip.md:2: needs eth0"
	assert_contains "$s/out" "1 blocks run, 0 failed, 1 skipped"
}

run_tests
