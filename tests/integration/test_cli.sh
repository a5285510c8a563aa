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

# What cannot hold on this kernel is reported by policy check and by the
# daemon at load in the same words (core/preflight.c): deny without BPF
# LSM, a syscall without a tracepoint, file operations no hook sees.
t_kernel_gaps_reported_by_check_and_daemon() {
	local s cg lsm rc
	s=$(scratch)
	cg=$(mk_cgroup "$UNIQ-gaps")
	lsm=no
	"$WARDEN" probe --json | grep -q '"lsm":true' && lsm=yes
	cp /bin/true "$s/tool"
	mkdir "$s/keys"
	cat >"$s/p.yaml" <<YAML
name: gaps
rules:
  - name: deny-tool
    action: deny
    match: { binary: $s/tool }
  - name: no-modules
    action: kill
    syscalls: [init_module, umount2]
    match: { cgroup: /$UNIQ-gaps }
  - name: keys
    action: kill
    files: [$s/keys/]
    access: write
    match: { cgroup: /$UNIQ-gaps }
YAML
	"$WARDEN" policy check "$s/p.yaml" >"$s/out" 2>"$s/check.err"
	assert_eq $? 0 "warnings alone pass"
	assert_contains "$s/out" "ok (3 rules, with warnings)"
	# init_module is not built in here (CONFIG_MODULES=n); umount2's
	# tracepoint is sys_enter_umount: watched, so no warning
	grep -q "^$s/p.yaml:6:5: warning: rule \"no-modules\": syscall init_module is not in this kernel" "$s/check.err" ||
		fail "init_module: $(cat "$s/check.err")"
	assert_not_contains "$s/check.err" "umount2"
	if [ $lsm = no ]; then
		grep -q "^$s/p.yaml:3:5: warning: rule \"deny-tool\": deny falls back to kill: this kernel has no BPF LSM (warden probe: lsm: " "$s/check.err" ||
			fail "deny: $(cat "$s/check.err")"
		grep -q "^$s/p.yaml:10:5: warning: rule \"keys\": without BPF LSM a file rule is checked when an open returns" "$s/check.err" ||
			fail "file rule: $(cat "$s/check.err")"
	else
		assert_not_contains "$s/check.err" "deny falls back"
	fi
	"$WARDEN" policy check --strict "$s/p.yaml" >/dev/null 2>"$s/strict.err"
	assert_eq $? 1 "--strict: kernel warnings are errors"
	assert_contains "$s/strict.err" "errors under --strict"
	"$WARDEN" policy check --strict --no-kernel "$s/p.yaml" >/dev/null 2>&1 ||
		fail "--no-kernel: nothing but the kernel's warnings"
	# unprivileged, nothing can be probed: said, not guessed
	chmod 755 "$s"
	setpriv --reuid=65534 --regid=65534 --clear-groups "$WARDEN" policy check "$s/p.yaml" >/dev/null 2>"$s/user.err" ||
		fail "as nobody: $(cat "$s/user.err")"
	assert_contains "$s/user.err" "$s/p.yaml: note: not root, so not checked against this kernel"
	assert_not_contains "$s/user.err" "init_module"
	# the daemon says the same, line for line
	start_warden "$s/ev.jsonl" --policy "$s/p.yaml"
	grep -E '(warning|note): ' "$s/check.err" >"$s/check.w"
	grep -E '(warning|note): ' "$s/ev.jsonl.err" >"$s/daemon.w"
	diff "$s/check.w" "$s/daemon.w" >&2 || fail "daemon and policy check differ"
	# and umount2 really is watched through its other tracepoint name
	in_cgroup "$cg" python3 -c 'import ctypes; ctypes.CDLL(None).umount2(b"/nonexistent", 0)'
	rc=$?
	assert_eq $rc 137 "umount2 killed"
	wait_events "$s/ev.jsonl" 1 rule=no-modules action=kill
}

# on_unsupported: fail: what would not be enforced as written is an error
# for both.
t_on_unsupported_fail_is_an_error_for_both() {
	local s
	s=$(scratch)
	cat >"$s/p.yaml" <<YAML
on_unsupported: fail
rules:
  - { name: no-ptrace, action: deny, syscalls: [ptrace], match: { cgroup: /$UNIQ-none } }
YAML
	"$WARDEN" policy check "$s/p.yaml" >"$s/out" 2>"$s/err"
	assert_eq $? 1 "a syscall deny is a kill on every kernel"
	assert_contains "$s/err" "$s/p.yaml:3:5: rule \"no-ptrace\": deny on a syscall rule is a kill on every kernel"
	assert_not_contains "$s/out" "ok"
	"$WARDEN" daemon --policy "$s/p.yaml" --socket "$s/sock" -o "$s/ev.jsonl" 2>"$s/d.err" &&
		fail "the daemon started"
	assert_contains "$s/d.err" "$s/p.yaml:3:5: rule \"no-ptrace\": deny on a syscall rule is a kill on every kernel"
	assert_not_contains "$s/d.err" "ready"
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
