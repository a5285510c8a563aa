#!/usr/bin/env bash
# One daemon life under a leak checker: start, reload with a changed valid
# policy (SIGHUP), reload with an invalid one (kept running on the old),
# a few execs, SIGTERM. Passes if the daemon exits 0 with no definite or
# indirect leak and no memory error.
#   tests/valgrind/daemon_cycle.sh [WARDEN]   (root; default build/warden)
# An ASan build (make SAN=1) cannot run under valgrind; it is run bare and
# LeakSanitizer does the leak check at exit instead.
set -u
cd "$(dirname "$0")/../.."
WARDEN=${1:-${WARDEN:-build/warden}}
TIMEOUT=${TIMEOUT:-180}	# valgrind loads BPF programs slowly

die() { echo "daemon_cycle: $*" >&2; exit 1; }
[ "$(id -u)" -eq 0 ] || die "needs root (loads BPF programs)"
[ -x "$WARDEN" ] || die "no $WARDEN"

dir=$(mktemp -d /tmp/warden-leak.XXXX)
pid=
cleanup() {
	[ -n "$pid" ] && kill -KILL "$pid" 2>/dev/null
	rm -rf "$dir"
}
trap cleanup EXIT
policy=$dir/policy.yaml sock=$dir/sock err=$dir/stderr vglog=$dir/valgrind.log

if grep -qa __asan_init "$WARDEN"; then
	checker=(env "LSAN_OPTIONS=suppressions=$PWD/tests/lsan.supp")
	what="LeakSanitizer"
else
	command -v valgrind >/dev/null || die "valgrind is not installed"
	checker=(valgrind --leak-check=full --errors-for-leak-kinds=definite,indirect
		--error-exitcode=1 --log-file="$vglog"
		--suppressions=tests/valgrind/warden.supp)
	what="valgrind"
fi

cat >"$policy" <<'YAML'
name: leak-cycle-1
rules:
  - name: watch-true
    action: alert
    match:
      binary: /bin/true
YAML

# wait_log PATTERN N: until stderr holds PATTERN at least N times
wait_log() {
	local i
	for ((i = 0; i < TIMEOUT * 10; i++)); do
		[ "$(grep -c -- "$1" "$err" 2>/dev/null)" -ge "$2" ] && return 0
		kill -0 "$pid" 2>/dev/null || { cat "$err" >&2; die "daemon died waiting for '$1'"; }
		sleep 0.1
	done
	cat "$err" >&2
	die "timed out waiting for '$1'"
}

"${checker[@]}" "$WARDEN" daemon --policy "$policy" --socket "$sock" \
	-o /dev/null 2>"$err" &
pid=$!
wait_log ready 1

# A changed valid policy. Saving the file may reload it on its own
# (inotify); SIGHUP reloads it (again) for certain.
sed -i -e 's/leak-cycle-1/leak-cycle-2/' -e 's/alert/kill/' \
	-e 's|/bin/true|/bin/false|' "$policy"
kill -HUP "$pid"
wait_log 'reloaded' 1

printf 'rules: [ {name: broken, action: explode\n' >"$policy"
kill -HUP "$pid"
wait_log 'rejected' 1

for _ in 1 2 3 4 5; do /bin/true; /bin/echo x >/dev/null; done
kill -TERM "$pid"
wait "$pid"
rc=$?
pid=

if [ $rc -ne 0 ]; then
	[ -f "$vglog" ] && cat "$vglog" >&2
	tail -n 60 "$err" >&2
	die "$what: daemon exited $rc"
fi
if [ -f "$vglog" ]; then
	grep -E 'ERROR SUMMARY|definitely lost|indirectly lost' "$vglog"
fi
echo "daemon_cycle: $what clean (start, 2 reloads, execs, SIGTERM)"
