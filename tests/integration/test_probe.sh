#!/usr/bin/env bash
# `warden probe` against the development host's kernel (6.18, see BRIEF):
# no BPF LSM, no trampolines, no kprobes; tracepoints, cgroup hooks and XDP.
# Set PROBE_EXPECT_ANY=1 to only check the output's shape on another kernel.
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

# feature_is JSONFILE NAME true|false
feature_is() {
	grep -q "\"$2\":$3[,}]" "$1" || fail "$2 is not $3 in $(cat "$1")"
}

t_probe_json_matches_host() {
	local d
	d=$(scratch)
	"$WARDEN" probe --json >"$d/out" 2>"$d/err" || fail "exit $?: $(cat "$d/err")"
	[ "$(wc -l <"$d/out")" -eq 1 ] || fail "not one line: $(cat "$d/out")"
	assert_contains "$d/out" '"features":{'
	[ -n "${PROBE_EXPECT_ANY:-}" ] && return 0
	feature_is "$d/out" lsm false
	feature_is "$d/out" fentry false
	feature_is "$d/out" kprobe false
	feature_is "$d/out" tracepoint true
	feature_is "$d/out" cgroup_sock_addr true
	feature_is "$d/out" xdp true
}

t_probe_json_gives_reasons() {
	local d
	d=$(scratch)
	"$WARDEN" probe --json >"$d/out" 2>/dev/null || fail "exit $?"
	[ -n "${PROBE_EXPECT_ANY:-}" ] && return 0
	assert_contains "$d/out" '"lsm":"load: EPERM"'
	assert_contains "$d/out" '"fentry":"load: EPERM"'
}

t_probe_text_is_quiet_and_clean() {
	local d before after
	d=$(scratch)
	before=$(find "$CGROOT" -maxdepth 1 -name 'warden-probe*' | wc -l)
	"$WARDEN" probe >"$d/out" 2>"$d/err" || fail "exit $?"
	assert_contains "$d/out" 'FEATURE'
	assert_contains "$d/out" 'tracepoint'
	# libbpf's own warnings about failing probes must not reach stderr
	[ ! -s "$d/err" ] || fail "stderr not empty: $(cat "$d/err")"
	after=$(find "$CGROOT" -maxdepth 1 -name 'warden-probe*' | wc -l)
	assert_eq "$after" "$before" "scratch cgroup left behind"
	! ip link show lo | grep -q xdp || fail "XDP program left on lo"
}

t_probe_help_and_bad_args() {
	"$WARDEN" probe --help | grep -q -- '--json' || fail "--help lacks --json"
	"$WARDEN" probe --bogus >/dev/null 2>&1 && fail "--bogus accepted"
	true
}

run_tests
