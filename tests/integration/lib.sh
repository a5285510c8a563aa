# Shared helpers for integration tests. Source it, define t_* functions,
# then call run_tests. Every test runs in a subshell; whatever it registers
# with `defer` is undone when it ends, pass or fail.
set -u
WARDEN=${WARDEN:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)/${BUILD:-build}/warden}
UNIQ="wt$$"	# prefix for every name a test creates

# The cgroup v2 mount, from /proc/self/mounts (hybrid or unified layout).
cgroup2_root() { awk '$3 == "cgroup2" {print $2; exit}' /proc/self/mounts; }
CGROOT=$(cgroup2_root)

# Cleanups live in a file, not a variable, so helpers called as $(scratch)
# (a subshell) register theirs too. Run newest first.
_DEFER_FILE=
defer() { echo "$*" >>"${_DEFER_FILE:?defer outside a test}"; }
_run_deferred() {
	local c cmds=()
	[ -f "$_DEFER_FILE" ] || return 0
	mapfile -t cmds < <(tac "$_DEFER_FILE")
	for c in "${cmds[@]}"; do eval "$c" >/dev/null 2>&1; done
	rm -f "$_DEFER_FILE" "$_DEFER_FILE.outputs"
}

fail() { echo "    $*" >&2; exit 1; }
assert_eq() { [ "$1" = "$2" ] || fail "expected '$2', got '$1'${3:+ ($3)}"; }
assert_contains() { grep -qF -- "$2" "$1" || fail "$1 lacks '$2'${3:+ ($3)}"; }
assert_not_contains() { ! grep -qF -- "$2" "$1" || fail "$1 has '$2'${3:+ ($3)}"; }

# A scratch directory removed at the end of the test.
scratch() { local d; d=$(mktemp -d "/tmp/$UNIQ.XXXX"); defer "rm -rf '$d'"; echo "$d"; }

# mk_cgroup NAME: create $CGROOT/NAME (nested ok), removed (with any
# processes moved out first) at the end of the test. Prints the path.
mk_cgroup() {
	local p="$CGROOT/$1"
	mkdir -p "$p" || fail "cannot create cgroup $p"
	defer "rm_cgroup '$p'"
	echo "$p"
}
rm_cgroup() {
	local d
	# deepest first; kill leftovers so rmdir can succeed
	find "$1" -depth -type d 2>/dev/null | while read -r d; do
		[ -f "$d/cgroup.kill" ] && echo 1 >"$d/cgroup.kill" 2>/dev/null
		for _ in 1 2 3 4 5 6 7 8 9 10; do rmdir "$d" 2>/dev/null && break; sleep 0.1; done
	done
}
# in_cgroup PATH CMD...: run CMD inside cgroup PATH (moved before exec).
in_cgroup() { local cg=$1; shift; sh -c 'echo $$ > "$1/cgroup.procs" && shift && exec "$@"' sh "$cg" "$@"; }

# start_warden OUTFILE [ARGS...]: start the daemon in the background and wait
# until it says it is enforcing. Stopped at the end of the test.
start_warden() {
	local out=$1; shift
	WARDEN_SOCK="$out.sock"
	rm -f "$out.err"	# a "ready" from an earlier daemon is not this one's
	"$WARDEN" daemon --output "$out" --socket "$WARDEN_SOCK" "$@" 2>"$out.err" &
	local pid=$!
	defer "stop_warden $pid"
	case " $* " in
	*" text "*) ;;	# --format text: not JSON, not checked
	*) echo "$pid $WARDEN_SOCK $out" >>"$_DEFER_FILE.outputs" ;;
	esac
	local i
	for i in $(seq 1 100); do
		grep -q '"ready"\|ready' "$out.err" 2>/dev/null && { WARDEN_PID=$pid; return 0; }
		kill -0 $pid 2>/dev/null || { cat "$out.err" >&2; fail "warden exited at start"; }
		sleep 0.1
	done
	cat "$out.err" >&2
	fail "warden not ready after 10 s"
}
stop_warden() { kill -TERM "$1" 2>/dev/null; wait "$1" 2>/dev/null; true; }

# wait_for FILE PATTERN [TRIES]: poll until FILE holds PATTERN (fixed string).
wait_for() {
	local i
	for i in $(seq 1 "${3:-50}"); do
		grep -qF -- "$2" "$1" 2>/dev/null && return 0
		sleep 0.1
	done
	fail "timed out waiting for '$2' in $1"
}

# After a test passed: stop the daemons it started (the one whose output
# moved away too) and check every line
# they wrote against docs/events.schema.json (a test that moved its output
# away is not checked).
EVENTS_SCHEMA="$(dirname "${BASH_SOURCE[0]}")/../../docs/events.schema.json"
_check_outputs() {
	local pid sock out
	[ -f "$_DEFER_FILE.outputs" ] || return 0
	while read -r pid sock out; do
		# through the socket: with self_protection: kill a signal to the
		# daemon would kill this shell
		"$WARDEN" stop --socket "$sock" >/dev/null 2>&1 || stop_warden "$pid"
		wait "$pid" 2>/dev/null
		[ -f "$out" ] || continue
		events "$out" schema "$EVENTS_SCHEMA" || fail "events of $out do not follow docs/events.schema.json"
	done <"$_DEFER_FILE.outputs"
	rm -f "$_DEFER_FILE.outputs"
}

# Run every t_* function (or those named in $ONLY) each in its own subshell.
run_tests() {
	local t rc
	for t in $(declare -F | awk '{print $3}' | grep '^t_'); do
		[ -n "${ONLY:-}" ] && [[ " $ONLY " != *" $t "* ]] && continue
		_DEFER_FILE=$(mktemp "/tmp/$UNIQ.$t.defer.XXXX")
		( trap _run_deferred EXIT; "$t" && _check_outputs ) >"/tmp/$UNIQ.$t.log" 2>&1
		rc=$?
		if [ $rc -eq 0 ]; then
			echo "ok   $(basename "$0") $t" | tee -a "${TALLY:-/dev/null}"
		else
			echo "FAIL $(basename "$0") $t" | tee -a "${TALLY:-/dev/null}"
			sed 's/^/     | /' "/tmp/$UNIQ.$t.log" | tail -n 30
		fi
		rm -f "/tmp/$UNIQ.$t.log"
	done
}

EVENTS="$(dirname "${BASH_SOURCE[0]}")/events.py"
HELPERS=${HELPERS:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)/${BUILD:-build}/helpers}
# events FILE count|get|validate ...: query JSON-lines output
events() { python3 "$EVENTS" "$@"; }
# wait_events FILE N K=V...: poll until at least N events match
wait_events() {
	local f=$1 n=$2 i c; shift 2
	for i in $(seq 1 50); do
		c=$(events "$f" count "$@" 2>/dev/null || echo 0)
		[ "${c:-0}" -ge "$n" ] && return 0
		sleep 0.1
	done
	fail "expected $n events matching $* in $f, saw ${c:-0}"
}
# write_policy FILE <<EOF ... : policy text from stdin
write_policy() { cat >"$1"; }

# ---- warden run tests ------------------------------------------------
RUN_SCHEMA="$(dirname "${BASH_SOURCE[0]}")/../../docs/run-report.schema.json"
RUN_VALIDATE="$(dirname "${BASH_SOURCE[0]}")/validate_schema.py"

# run_violations FILE.json: "kind rule action detail" of each, one a line
run_violations() {
	python3 -c 'import json,sys
for v in json.load(open(sys.argv[1]))["violations"]:
    print(v["kind"], v["rule"], v["action"], v["detail"])' "$1"
}

# wait_file F: a server says it is ready by creating F (at most 5 s)
wait_file() {
	local i
	for i in $(seq 1 50); do [ -e "$1" ] && return 0; sleep 0.1; done
	fail "$1 never appeared"
}

# mk_netns_pair NET: namespaces $NSA (NET.1) and $NSB (NET.2, NET.3)
# joined by a veth, loopback up in both; $NSA's resolv.conf names NET.2.
mk_netns_pair() {
	local net=$1
	NSA=$UNIQ-a; NSB=$UNIQ-b
	ip netns add "$NSA" && defer "ip netns del $NSA"
	ip netns add "$NSB" && defer "ip netns del $NSB"
	ip link add "$UNIQ-va" type veth peer name "$UNIQ-vb" || fail "veth"
	ip link set "$UNIQ-va" netns "$NSA"; ip link set "$UNIQ-vb" netns "$NSB"
	ip -n "$NSA" addr add "$net.1/24" dev "$UNIQ-va"
	ip -n "$NSB" addr add "$net.2/24" dev "$UNIQ-vb"
	ip -n "$NSB" addr add "$net.3/24" dev "$UNIQ-vb"
	ip -n "$NSA" link set "$UNIQ-va" up; ip -n "$NSA" link set lo up
	ip -n "$NSB" link set "$UNIQ-vb" up; ip -n "$NSB" link set lo up
	mkdir -p "/etc/netns/$NSA" && defer "rm -rf /etc/netns/$NSA"
	echo "nameserver $net.2" >"/etc/netns/$NSA/resolv.conf"
}

# in_net CMD...: CMD in $NSA's network, with its resolv.conf, but the
# host's mounts (cgroup2 stays visible, unlike `ip netns exec`).
in_net() {
	unshare -m sh -c 'mount --bind "$1" /etc/resolv.conf && shift && exec nsenter --net="$0" "$@"' \
		"/run/netns/$NSA" "/etc/netns/$NSA/resolv.conf" "$@"
}
