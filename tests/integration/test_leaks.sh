#!/usr/bin/env bash
# A daemon start, two reloads (one valid, one rejected), execs and SIGTERM
# under a leak checker: valgrind for a normal build, LeakSanitizer for an
# ASan one (make SAN=1). See tests/valgrind/daemon_cycle.sh.
. "$(dirname "$0")/lib.sh"
CYCLE=$(cd "$(dirname "$0")/../valgrind" && pwd)/daemon_cycle.sh

t_daemon_cycle_no_leaks() {
	local s
	s=$(scratch)
	"$CYCLE" "$WARDEN" >"$s/cycle.log" 2>&1 || {
		tail -n 60 "$s/cycle.log" >&2
		fail "leak check of a daemon start-reload-stop cycle failed"
	}
	assert_contains "$s/cycle.log" "clean"
}

run_tests
