#!/usr/bin/env bash
# The command line a person uses: every --help answers, policy check
# reads every section as the daemon and `warden run` would.
. "$(dirname "$0")/lib.sh"

t_every_help_answers() {
	local s c
	s=$(scratch)
	for c in daemon run status events stop probe cleanup policy "policy check" "policy apply"; do
		# shellcheck disable=SC2086 # "policy check" is two words
		"$WARDEN" $c --help >"$s/out" 2>"$s/err" || fail "warden $c --help: exit $?: $(cat "$s/err")"
		grep -q "^usage: warden ${c%% *}" "$s/out" || fail "warden $c --help: no usage: $(head -3 "$s/out")"
		[ ! -s "$s/err" ] || fail "warden $c --help wrote to stderr: $(cat "$s/err")"
	done
	"$WARDEN" policy check -h | grep -q -- "--strict" || fail "policy check -h"
}

t_policy_check_reads_run_section() {
	local s
	s=$(scratch)
	cat >"$s/ci.yaml" <<'YAML'
name: ci
run:
  mode: enforce
  exec:
    alow: [/usr/bin/make]
YAML
	"$WARDEN" policy check "$s/ci.yaml" >"$s/out" 2>"$s/err"
	assert_eq $? 1 "a typo under run: is an error"
	grep -q "^$s/ci.yaml:5:5: unknown key \"alow\"" "$s/err" || fail "run: typo: $(cat "$s/err")"
	assert_not_contains "$s/out" "ok"
	# the same file as warden run sees it
	"$WARDEN" run --policy "$s/ci.yaml" -- /bin/true >/dev/null 2>"$s/run.err"
	[ $? -ne 0 ] || fail "warden run accepted what policy check refused"
	assert_contains "$s/run.err" "unknown key \"alow\""
	sed -i 's/alow/allow/' "$s/ci.yaml"
	"$WARDEN" policy check "$s/ci.yaml" >"$s/out" 2>"$s/err" || fail "fixed file: $(cat "$s/err")"
	assert_contains "$s/out" "$s/ci.yaml: ok"
}

t_policy_check_prints_daemon_warnings_strict_fails() {
	local s rc
	s=$(scratch)
	cat >"$s/p.yaml" <<YAML
name: w
rules:
  - name: later
    action: alert
    match: { binary: $s/not-yet }
YAML
	"$WARDEN" policy check "$s/p.yaml" >"$s/out" 2>"$s/err"
	assert_eq $? 0 "warnings alone pass"
	grep -q "^$s/p.yaml:5:22: warning: binary \"$s/not-yet\"" "$s/err" || fail "warning: $(cat "$s/err")"
	assert_contains "$s/out" "ok (1 rules, with warnings)"
	"$WARDEN" policy check --strict "$s/p.yaml" >"$s/out" 2>"$s/err"
	rc=$?
	assert_eq $rc 1 "--strict"
	assert_contains "$s/err" "$s/p.yaml: 1 warning, errors under --strict"
	# gone once the file exists
	touch "$s/not-yet"
	"$WARDEN" policy check --strict "$s/p.yaml" >/dev/null 2>&1 || fail "no warning once the file exists"
	"$WARDEN" policy check --bogus "$s/p.yaml" >/dev/null 2>&1
	assert_eq $? 2 "unknown option"
}

run_tests
