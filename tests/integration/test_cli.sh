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

# The daemon's options from --config FILE; flags override it.
t_config_file_then_flags_override() {
	local s pid i
	s=$(scratch)
	cp /bin/true "$s/tool"
	cat >"$s/kill.yaml" <<YAML
name: kill
rules:
  - { name: kill-tool, action: kill, match: { binary: $s/tool } }
YAML
	cat >"$s/alert.yaml" <<YAML
name: alert
rules:
  - { name: alert-tool, action: alert, match: { binary: $s/tool } }
YAML
	cat >"$s/warden.yaml" <<YAML
policy: $s/kill.yaml
output:
  - $s/cfg.jsonl
socket: $s/cfg.sock
stats-interval: 1
YAML
	"$WARDEN" daemon --config "$s/warden.yaml" 2>"$s/err" &
	pid=$!
	defer "stop_warden $pid"
	wait_for "$s/err" "ready: enforcing policy \"kill\"" 200
	[ -S "$s/cfg.sock" ] || fail "socket: from the config file"
	"$s/tool"; assert_eq $? 137 "the config file's policy"
	wait_events "$s/cfg.jsonl" 1 rule=kill-tool action=kill
	stop_warden $pid
	# the same file, with a flag for the policy and one for the output
	start_warden "$s/flag.jsonl" --config "$s/warden.yaml" --policy "$s/alert.yaml"
	assert_eq "$WARDEN_SOCK" "$s/flag.jsonl.sock"
	[ -S "$WARDEN_SOCK" ] || fail "--socket overrides socket:"
	"$s/tool"; assert_eq $? 0 "--policy overrides policy:"
	wait_events "$s/flag.jsonl" 1 rule=alert-tool action=alert
	assert_eq "$(events "$s/cfg.jsonl" count rule=alert-tool)" 0 "--output replaces output:"
}

t_config_file_errors_name_line_and_column() {
	local s
	s=$(scratch)
	printf 'policy: /x\noutput: [a, {b: 1}]\nformat: xml\nstats-interval: 0\nbogus: 1\n' >"$s/c.yaml"
	"$WARDEN" daemon --config "$s/c.yaml" >"$s/out" 2>"$s/err"
	assert_eq $? 2 "bad config"
	assert_contains "$s/err" "$s/c.yaml:5:1: unknown key \"bogus\""
	assert_contains "$s/err" "$s/c.yaml:4:17: "
	assert_contains "$s/err" "$s/c.yaml:2:13: "
	assert_contains "$s/err" "$s/c.yaml:3:9: format: expected json or text"
	assert_eq "$(wc -c <"$s/out")" 0 "nothing emitted"
	chmod 666 "$s/c.yaml"
	"$WARDEN" daemon --config "$s/c.yaml" 2>"$s/err"
	assert_eq $? 2
	assert_contains "$s/err" "refusing config $s/c.yaml"
}

run_tests
