#!/usr/bin/env bash
# Install: `make install` into a DESTDIR, and the .deb installed on this
# machine with dpkg, its unit's ExecStart run the way systemd would (this
# host has no systemd as PID 1: unit_sandbox.sh reproduces the unit's
# sandbox, notify_listener.py plays systemd's side of sd_notify), then
# removed and purged. Refuses to run where warden is already installed.
. "$(dirname "$0")/lib.sh"
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=$(dirname "$WARDEN")	# the build under test (run.sh sets WARDEN)
UNIT=/lib/systemd/system/warden.service
PKG_PATHS=(/usr/sbin/warden /etc/warden /etc/logrotate.d/warden "$UNIT"
	/usr/share/man/man8/warden.8.gz /usr/share/man/man5/warden-policy.5.gz
	/var/log/warden)

# make deb from the build under test (the binary is already built); sets DEB
build_deb() {
	make -C "$ROOT" --no-print-directory BUILD="$BUILD" deb >"$1/make.log" 2>&1 ||
		{ tail -n 20 "$1/make.log" >&2; fail "make deb failed"; }
	DEB=$(ls "$BUILD"/warden_*_"$(dpkg --print-architecture)".deb) || fail "no .deb in $BUILD"
}

not_installed() {
	local p
	! dpkg-query -W -f '${Status}' warden 2>/dev/null | grep -q installed ||
		fail "refusing: a warden package is installed on this host"
	for p in "${PKG_PATHS[@]}"; do
		[ ! -e "$p" ] || fail "refusing: $p exists (not this test's)"
	done
	# an empty /run/warden (a daemon run by hand left it) is used as it
	# is and left; a socket in it is another daemon's
	[ ! -e /run/warden/warden.sock ] ||
		fail "refusing: a daemon's socket is at /run/warden/warden.sock"
}

# notify_log FILE KEY: the values KEY took, one per message, in order
notify_values() {
	python3 -c 'import json, sys
for l in open(sys.argv[1]):
    v = json.loads(l)["fields"].get(sys.argv[2])
    if v is not None: print(v)' "$1" "$2"
}

t_make_install_honours_prefix_and_destdir() {
	local s d
	s=$(scratch); d=$s/root
	make -C "$ROOT" --no-print-directory BUILD="$BUILD" install DESTDIR="$d" \
		PREFIX=/opt/w >"$s/log" 2>&1 || { cat "$s/log" >&2; fail "make install"; }
	[ -x "$d/opt/w/sbin/warden" ] || fail "no binary under PREFIX"
	for f in opt/w/share/man/man8/warden.8 opt/w/share/man/man5/warden-policy.5 \
		opt/w/lib/systemd/system/warden.service etc/warden/policy.yaml \
		etc/warden/warden.yaml etc/logrotate.d/warden; do
		[ -f "$d/$f" ] || fail "make install did not install /$f"
	done
	assert_contains "$d/opt/w/lib/systemd/system/warden.service" \
		"ExecStart=/opt/w/sbin/warden daemon --config /etc/warden/warden.yaml"
	assert_contains "$d/etc/warden/warden.yaml" "policy: /etc/warden/policy.yaml"
	"$d/opt/w/sbin/warden" policy check "$d/etc/warden/policy.yaml" >/dev/null ||
		fail "the installed policy does not pass policy check"
	# an edited policy survives install and uninstall
	echo "# edited" >>"$d/etc/warden/policy.yaml"
	make -C "$ROOT" --no-print-directory BUILD="$BUILD" install uninstall \
		DESTDIR="$d" PREFIX=/opt/w >"$s/log" 2>&1 || { cat "$s/log" >&2; fail "reinstall"; }
	assert_contains "$d/etc/warden/policy.yaml" "# edited"
	assert_eq "$(cd "$d" && find . -type f | sort | tr '\n' ' ')" "./etc/warden/policy.yaml " \
		"uninstall leaves only the edited policy"
	# an unedited one goes with the rest
	cp "$ROOT/packaging/policy.yaml" "$d/etc/warden/policy.yaml"
	make -C "$ROOT" --no-print-directory BUILD="$BUILD" uninstall DESTDIR="$d" PREFIX=/opt/w >/dev/null
	assert_eq "$(cd "$d" && find . -type f | wc -l)" 0 "files left after uninstall"
}

# dpkg -i; the files; the man pages; the unit. Leaves the package installed.
check_installed_package() {
	local deb=$1 s=$2
	dpkg -i "$deb" >"$s/dpkg.log" 2>&1 || { cat "$s/dpkg.log" >&2; fail "dpkg -i"; }
	[ -x /usr/sbin/warden ] || fail "no /usr/sbin/warden"
	for f in "$UNIT" /etc/warden/policy.yaml /etc/warden/warden.yaml /etc/logrotate.d/warden \
		/usr/share/man/man8/warden.8.gz /usr/share/man/man5/warden-policy.5.gz; do
		[ -f "$f" ] || fail "the package did not install $f"
	done
	assert_eq "$(dpkg-query -W -f '${Conffiles}' warden | awk '{print $1}' | sort | tr '\n' ' ')" \
		"/etc/logrotate.d/warden /etc/warden/policy.yaml /etc/warden/warden.yaml " "conffiles"
	assert_eq "$(man -w warden)" /usr/share/man/man8/warden.8.gz
	assert_eq "$(man -w warden-policy)" /usr/share/man/man5/warden-policy.5.gz
	MANWIDTH=80 man warden 2>/dev/null | head -n 40 >"$s/man8"
	assert_contains "$s/man8" "WARDEN(8)"
	assert_contains "$s/man8" "eBPF runtime-security agent"
	MANWIDTH=80 man warden 2>/dev/null >"$s/man8.all"
	assert_contains "$s/man8.all" "--policy FILE"	# from warden daemon --help
	assert_contains "$s/man8.all" "RELOAD"		# from docs/operations.md
	MANWIDTH=80 man warden-policy 2>/dev/null >"$s/man5"
	assert_contains "$s/man5" "WARDEN-POLICY(5)"
	assert_contains "$s/man5" "self_protection"	# from docs/policy.md
	/usr/sbin/warden policy check /etc/warden/policy.yaml >/dev/null ||
		fail "the packaged policy does not pass policy check"
	if command -v systemd-analyze >/dev/null; then
		systemd-analyze verify "$UNIT" >"$s/verify" 2>&1 ||
			{ cat "$s/verify" >&2; fail "systemd-analyze verify $UNIT"; }
		[ ! -s "$s/verify" ] || { cat "$s/verify" >&2; fail "systemd-analyze verify complained"; }
	else
		echo "    systemd-analyze not installed: unit not verified"
	fi
	logrotate -d /etc/logrotate.d/warden >"$s/lr" 2>&1 || { cat "$s/lr" >&2; fail "logrotate -d"; }
	assert_contains "$s/lr" "/var/log/warden/events.jsonl"
}

# As systemd would: its directories, $NOTIFY_SOCKET, the sandbox. Sets DPID.
start_service() {
	local s=$1 i
	RUNDIR_OURS=
	if [ ! -d /run/warden ]; then
		install -d -m 0755 /run/warden
		defer "rm -rf /run/warden"
		RUNDIR_OURS=1
	fi
	install -d -m 0750 /var/log/warden	# dpkg --purge removes it (checked)
	defer "rm -rf /var/log/warden"
	cp /bin/true "$s/nc"		# the default policy alerts on nc
	python3 "$TESTS_DIR/notify_listener.py" "$s/notify.sock" "$s/notify" "$s/nc" &
	defer "kill $!"
	for i in $(seq 50); do [ -e "$s/notify" ] && break; sleep 0.1; done
	NOTIFY_SOCKET=$s/notify.sock unshare -m --propagation private \
		"$TESTS_DIR/unit_sandbox.sh" "$UNIT" 2>"$s/err" &
	DPID=$!
	defer "stop_warden $DPID"
}

# The daemon really ran as the unit says: its bounding set, no_new_privs,
# and its mounts read-only but for the unit's writable paths (and the
# host's own / still writable).
check_sandboxed() {
	local pid=$1 want
	want=$(sed -n 's/^CapabilityBoundingSet=//p' "$UNIT" | python3 -c 'import sys
num = {"CAP_NET_ADMIN": 12, "CAP_SYS_PTRACE": 19, "CAP_SYS_ADMIN": 21,
       "CAP_CHOWN": 0, "CAP_KILL": 5, "CAP_SYS_RESOURCE": 24,
       "CAP_PERFMON": 38, "CAP_BPF": 39}
print("%016x" % sum(1 << num[c] for c in sys.stdin.read().split()))')
	assert_eq "$(awk '/^CapBnd:/ {print $2}' "/proc/$pid/status")" "$want" "CapBnd"
	assert_eq "$(awk '/^NoNewPrivs:/ {print $2}' "/proc/$pid/status")" 1 "NoNewPrivs"
	mount_opts() { awk -v m="$2" '$5 == m {o = $6} END {print substr(o, 1, 2)}' "$1"; }
	assert_eq "$(mount_opts "/proc/$pid/mountinfo" /)" ro "/ in the sandbox"
	assert_eq "$(mount_opts "/proc/$pid/mountinfo" /proc/sys)" ro "/proc/sys"
	assert_eq "$(mount_opts "/proc/$pid/mountinfo" /sys/fs/cgroup)" ro "/sys/fs/cgroup"
	for p in /sys/fs/bpf /run/warden /var/log/warden; do
		assert_eq "$(mount_opts "/proc/$pid/mountinfo" "$p")" rw "$p"
	done
	assert_eq "$(mount_opts /proc/self/mountinfo /)" rw "the host's own /"
}

# wait_notify FILE KEY N: until KEY has been sent N times
wait_notify() {
	local i
	for i in $(seq 200); do
		[ "$(notify_values "$1" "$2" | wc -l)" -ge "$3" ] && return 0
		kill -0 "$DPID" 2>/dev/null || { cat "$s/err" >&2; fail "the daemon exited"; }
		sleep 0.1
	done
	cat "$s/err" >&2
	fail "no $3 x $2= from the daemon in 20 s"
}

t_deb_installs_runs_as_the_unit_says_and_purges() {
	local s out=/var/log/warden/events.jsonl
	s=$(scratch)
	not_installed
	build_deb "$s"
	defer "dpkg --purge warden"
	check_installed_package "$DEB" "$s"

	start_service "$s"
	wait_notify "$s/notify" READY 1
	# from the daemon itself (systemd's NotifyAccess=main), and after the
	# policy was attached: the exec the listener ran on READY=1 was seen
	assert_eq "$(python3 -c 'import json,sys; print(json.loads(open(sys.argv[1]).readline())["pid"])' \
		"$s/notify")" "$DPID" "sender of READY=1"
	assert_contains "$s/err" 'ready: enforcing policy "warden-default"'
	wait_events "$out" 1 type=exec binary="$s/nc" rule=network-relay-tool action=alert
	check_sandboxed "$DPID"
	# CAP_SYS_PTRACE: the ancestors that started before the daemon are named
	assert_eq "$(events "$out" get ancestors binary="$s/nc" | python3 -c 'import json, sys
print(json.load(sys.stdin)[0])')" "$(python3 -c 'import os, sys; print(os.path.realpath(sys.executable))')" \
		"first ancestor of nc: the listener"
	events "$out" count type=policy status=loaded | grep -qx 1 || fail "no policy loaded event"

	kill -HUP "$DPID"
	wait_notify "$s/notify" READY 2
	assert_eq "$(notify_values "$s/notify" RELOADING)" 1
	notify_values "$s/notify" MONOTONIC_USEC | grep -qE '^[0-9]+$' || fail "RELOADING=1 without MONOTONIC_USEC"
	python3 -c 'import json, sys
keys = [k for l in open(sys.argv[1]) for k in json.loads(l)["fields"] if k in ("READY", "RELOADING")]
sys.exit(keys != ["READY", "RELOADING", "READY"])' "$s/notify" || fail "not READY, RELOADING, READY: $(cat "$s/notify")"
	wait_events "$out" 2 type=policy status=loaded

	# logrotate renames the file and creates a new one; its postrotate
	# signals the unit through systemd, absent here: send its SIGUSR1
	logrotate -f -s "$s/lr.state" /etc/logrotate.d/warden || fail "logrotate -f"
	[ -s "$out.1" ] || fail "logrotate did not rotate $out"
	[ -e "$out" ] && [ ! -s "$out" ] || fail "logrotate did not create an empty $out"
	assert_eq "$(stat -c %a "$out")" 600 "mode of the new file"
	kill -USR1 "$DPID"
	"$s/nc"
	wait_events "$out" 1 type=exec binary="$s/nc" rule=network-relay-tool
	assert_eq "$(events "$out.1" count type=exec binary="$s/nc")" 1 "the first nc stays in the old file"

	kill -TERM "$DPID"
	wait "$DPID"; assert_eq "$?" 0 "daemon exit status after SIGTERM"
	wait_notify "$s/notify" STOPPING 1
	# systemd removes a RuntimeDirectory at stop
	[ -z "$RUNDIR_OURS" ] || rm -rf /run/warden

	dpkg -r warden >"$s/dpkg.log" 2>&1 || { cat "$s/dpkg.log" >&2; fail "dpkg -r"; }
	for f in /usr/sbin/warden "$UNIT" /usr/share/man/man8/warden.8.gz \
		/usr/share/man/man5/warden-policy.5.gz; do
		[ ! -e "$f" ] || fail "dpkg -r left $f"
	done
	[ -f /etc/warden/policy.yaml ] || fail "dpkg -r removed a conffile (only purge does)"
	dpkg --purge warden >"$s/dpkg.log" 2>&1 || { cat "$s/dpkg.log" >&2; fail "dpkg --purge"; }
	for p in "${PKG_PATHS[@]}"; do
		[ ! -e "$p" ] || fail "dpkg --purge left $p"
	done
	! dpkg-query -W -f '${Status}' warden 2>/dev/null | grep -q installed || fail "still installed"
}

run_tests
