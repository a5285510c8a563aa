#!/usr/bin/env bash
# `warden run -- CMD`: exec allow-list, file rules, secret reads, denied
# syscalls, egress by address and DNS name, audit vs enforce, exit status,
# report, learn, and clean-up, against the real kernel.
. "$(dirname "$0")/lib.sh"
SCHEMA="$(dirname "$0")/../../docs/run-report.schema.json"
VALIDATE="$(dirname "$0")/validate_schema.py"
EXAMPLES="$(cd "$(dirname "$0")/../../examples" && pwd)"

# wrun PREFIX ARGS...: warden run, stdout in PREFIX.out, stderr in
# PREFIX.err; prints the exit status.
wrun() {
	local p=$1; shift
	"$WARDEN" run "$@" >"$p.out" 2>"$p.err"
	echo $?
}

leftovers() { # cgroups and run programs still around
	ls "$CGROOT" | grep -c '^warden-run-'
	bpftool prog show 2>/dev/null | grep -c 'run_connect4'
}
assert_nothing_left() {
	local now
	now=$(leftovers | tr '\n' ' ')
	assert_eq "$now" "$1" "cgroups/programs left behind"
}

# A shell script step and the policy to run it under.
exec_policy() { # FILE MODE
	write_policy "$1" <<YAML
run:
  mode: $2
  exec:
    allow: [/usr/bin/dash, /usr/bin/true]
YAML
}

t_exec_enforce() {
	local s rc before
	s=$(scratch); before=$(leftovers | tr '\n' ' ')
	cp /bin/true "$s/tool"
	exec_policy "$s/p.yaml" enforce
	rc=$(wrun "$s/r" -p "$s/p.yaml" -- sh -c "true; echo allowed=\$?; '$s/tool'; echo denied=\$?")
	assert_eq "$rc" 3 "exit status with a violation in enforce mode"
	assert_contains "$s/r.out" "allowed=0"
	assert_contains "$s/r.out" "denied=137"
	assert_contains "$s/r.err" "BLOCKED  exec $s/tool (rule exec.allow"
	assert_not_contains "$s/r.err" "exec /usr/bin/true"
	assert_nothing_left "$before"
}

t_exec_audit() {
	local s rc
	s=$(scratch)
	cp /bin/true "$s/tool"
	exec_policy "$s/p.yaml" enforce
	rc=$(wrun "$s/r" -p "$s/p.yaml" --audit -- sh -c "'$s/tool'; echo denied=\$?")
	assert_eq "$rc" 0 "audit: the command's status"
	assert_contains "$s/r.out" "denied=0"
	assert_contains "$s/r.err" "REPORTED exec $s/tool"
	rc=$(wrun "$s/f" -p "$s/p.yaml" --audit --fail-on-violation -- "$s/tool")
	# the command itself is always allowed: no violation
	assert_eq "$rc" 0 "the command's own binary"
	rc=$(wrun "$s/f" -p "$s/p.yaml" --audit --fail-on-violation -- sh -c "'$s/tool'")
	assert_eq "$rc" 3 "--fail-on-violation"
}

t_exit_status_passthrough() {
	local s rc
	s=$(scratch)
	exec_policy "$s/p.yaml" enforce
	rc=$(wrun "$s/r" -p "$s/p.yaml" -- sh -c 'exit 7')
	assert_eq "$rc" 7
	rc=$(wrun "$s/r" -p "$s/p.yaml" -- sh -c 'kill -9 $$')
	assert_eq "$rc" 137 "killed command"
	assert_contains "$s/r.err" "killed by SIGKILL"
	rc=$(wrun "$s/r" -- /nonexistent/cmd)
	assert_eq "$rc" 127 "command not found"
}

files_policy() { # FILE MODE DIR
	write_policy "$1" <<YAML
run:
  mode: $2
  files:
    write: [$3/out/]
    secrets: [$3/home/.ssh/]
YAML
}

files_step() { # DIR: writes in and out of the prefix, by many routes
	local d=$1
	cat <<SH
cd '$d/out'
echo in > ok.txt; echo in=\$?
echo out > ../outside.txt; echo out=\$?
ln -s '$d' link; echo x > link/viaslink.txt; echo slink=\$?
mkdir sub; echo x > sub/../../dotdot.txt; echo dotdot=\$?
rm -f '$d/victim'; echo rm=\$?
mv ok.txt '$d/moved.txt'; echo mv=\$?
chmod 600 '$d/victim' 2>/dev/null; echo chmod=\$?
cat '$d/home/.ssh/id_rsa' >/dev/null; echo secret=\$?
SH
}

files_setup() { # DIR
	mkdir -p "$1/out" "$1/home/.ssh"
	echo key >"$1/home/.ssh/id_rsa"
	echo v >"$1/victim"
}

t_files_enforce() {
	local s rc
	s=$(scratch); files_setup "$s"
	files_policy "$s/p.yaml" enforce "$s"
	files_step "$s" >"$s/step.sh"
	rc=$(wrun "$s/r" -p "$s/p.yaml" --report "$s/r.json" -- sh "$s/step.sh")
	assert_eq "$rc" 3
	for k in in=0 out=2 slink=2 dotdot=2 rm=1 mv=1 chmod=1 secret=1; do
		assert_contains "$s/r.out" "$k" "$(cat "$s/r.out" | tr '\n' ' ')"
	done
	[ -e "$s/outside.txt" ] && fail "write outside the prefix happened"
	[ -e "$s/viaslink.txt" ] && fail "write through a symlink happened"
	[ -e "$s/dotdot.txt" ] && fail "write via .. happened"
	[ -e "$s/victim" ] || fail "unlink outside the prefix happened"
	assert_contains "$s/r.err" "BLOCKED     open     $s/outside.txt"
	assert_contains "$s/r.err" "BLOCKED     open     $s/viaslink.txt"
	assert_contains "$s/r.err" "BLOCKED     open     $s/dotdot.txt"
	assert_contains "$s/r.err" "BLOCKED     unlink   $s/victim"
	assert_contains "$s/r.err" "secret read: BLOCKED $s/home/.ssh/id_rsa"
	assert_contains "$s/r.err" "ok          open     $s/out/ok.txt"
	python3 "$VALIDATE" "$SCHEMA" "$s/r.json" || fail "report does not match the schema"
}

t_files_audit() {
	local s rc
	s=$(scratch); files_setup "$s"
	files_policy "$s/p.yaml" audit "$s"
	files_step "$s" >"$s/step.sh"
	rc=$(wrun "$s/r" -p "$s/p.yaml" -- sh "$s/step.sh")
	assert_eq "$rc" 0
	for k in in=0 out=0 slink=0 dotdot=0 rm=0 mv=0 secret=0; do
		assert_contains "$s/r.out" "$k"
	done
	[ -e "$s/outside.txt" ] || fail "audit blocked a write"
	assert_contains "$s/r.err" "NOT-ALLOWED open     $s/outside.txt"
	assert_contains "$s/r.err" "REPORTED file-write $s/dotdot.txt"
	assert_contains "$s/r.err" "secret read: REPORTED $s/home/.ssh/id_rsa"
}

# Secrets by file: a hard link made before the run and one the step
# makes, a file deep under a secret directory, /proc/self/root.
secret_links_step() { # DIR
	local d=$1
	cat <<SH
ln '$d/home/.ssh/id_rsa' '$d/out/innocent'; echo ln=\$?
cat '$d/out/innocent'; echo link=\$?
cat '$d/old-link'; echo oldlink=\$?
cat '/proc/self/root$d/home/.ssh/id_rsa'; echo root=\$?
cat '$d/home/.ssh/deep/er/k'; echo deep=\$?
cat /etc/hostname >/dev/null; echo other=\$?
SH
}

secret_links_setup() { # DIR
	files_setup "$1"
	mkdir -p "$1/home/.ssh/deep/er"
	echo key2 >"$1/home/.ssh/deep/er/k"
	ln "$1/home/.ssh/deep/er/k" "$1/old-link"
}

t_secret_by_hard_link_enforce() {
	local s rc
	s=$(scratch); secret_links_setup "$s"
	files_policy "$s/p.yaml" enforce "$s"
	secret_links_step "$s" >"$s/step.sh"
	rc=$(wrun "$s/r" -p "$s/p.yaml" --report "$s/r.json" -- sh "$s/step.sh")
	assert_eq "$rc" 3
	for k in ln=0 link=1 oldlink=1 root=1 deep=1 other=0; do
		assert_contains "$s/r.out" "$k" "$(cat "$s/r.out" | tr '\n' ' ')"
	done
	assert_not_contains "$s/r.out" key
	assert_contains "$s/r.err" "secret read: BLOCKED $s/out/innocent"
	assert_contains "$s/r.err" "secret read: BLOCKED $s/old-link"
	assert_contains "$s/r.err" "secret read: BLOCKED $s/home/.ssh/deep/er/k"
	run_violations "$s/r.json" >"$s/v"
	assert_contains "$s/v" "secret-read files.secrets blocked $s/out/innocent"
	assert_contains "$s/v" "secret-read files.secrets blocked $s/old-link"
}

t_secret_by_hard_link_audit() {
	local s rc
	s=$(scratch); secret_links_setup "$s"
	files_policy "$s/p.yaml" audit "$s"
	secret_links_step "$s" >"$s/step.sh"
	rc=$(wrun "$s/r" -p "$s/p.yaml" --report "$s/r.json" -- sh "$s/step.sh")
	assert_eq "$rc" 0
	for k in link=0 oldlink=0 deep=0; do
		assert_contains "$s/r.out" "$k"
	done
	assert_contains "$s/r.err" "secret read: REPORTED $s/out/innocent"
	assert_contains "$s/r.err" "secret read: REPORTED $s/old-link"
	run_violations "$s/r.json" >"$s/v"
	assert_contains "$s/v" "secret-read files.secrets reported $s/out/innocent"
	# reported once per open, not again when warden opens it for the step
	assert_eq "$(grep -c "secret-read files.secrets reported $s/old-link" "$s/v")" 1
}

syscall_policy() { # FILE MODE
	write_policy "$1" <<YAML
run:
  mode: $2
  syscalls:
    deny: [chroot, ptrace]
YAML
}

t_syscall_enforce_and_audit() {
	local s rc
	s=$(scratch)
	syscall_policy "$s/p.yaml" enforce
	rc=$(wrun "$s/r" -p "$s/p.yaml" -- sh -c 'chroot / true; echo chroot=$?')
	assert_eq "$rc" 3
	assert_contains "$s/r.out" "chroot=125"
	assert_contains "$s/r.err" "BLOCKED  syscall chroot (rule syscalls.deny"
	assert_contains "$s/r.err" "by /usr/bin/dash > /usr/sbin/chroot"
	rc=$(wrun "$s/a" -p "$s/p.yaml" --audit -- sh -c 'chroot / true; echo chroot=$?')
	assert_eq "$rc" 0
	assert_contains "$s/a.out" "chroot=0"
	assert_contains "$s/a.err" "REPORTED syscall chroot"
}

# ---- network: a netns for the step, one for the servers -------------

# mk_net: namespaces $NSA (the step) and $NSB (servers at $NET.2, $NET.3,
# dnsmasq at $NET.2 answering good.test/bad.test/new.test).
mk_net() {
	NET=10.77.$(( $$ % 200 ))
	mk_netns_pair "$NET"
	local s; s=$(scratch)
	ip netns exec "$NSB" dnsmasq --no-resolv --no-hosts --bind-interfaces \
		--listen-address="$NET.2" --pid-file="$s/dns.pid" \
		--address=/good.test/"$NET.2" --address=/bad.test/"$NET.3" \
		--address=/new.test/"$NET.3" || fail "dnsmasq"
	defer "kill \$(cat $s/dns.pid)"
	ip netns exec "$NSB" python3 -c '
import socket
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("0.0.0.0", 8080)); s.listen(64)
while True:
    c, _ = s.accept(); c.close()' &
	defer "kill $!"
	sleep 0.3
}

net_policy() { # FILE MODE
	write_policy "$1" <<YAML
run:
  mode: $2
  network:
    allow: [$NET.2/32, "*.example.org", good.test]
YAML
}

net_step() {
	cat <<SH
nc -z -w 2 $NET.2 8080; echo ip_ok=\$?
nc -z -w 2 $NET.3 8080; echo ip_bad=\$?
getent hosts good.test >/dev/null; echo res_good=\$?
nc -z -w 2 good.test 8080; echo name_good=\$?
getent hosts bad.test >/dev/null; echo res_bad=\$?
nc -z -w 2 bad.test 8080; echo name_bad=\$?
SH
}

t_net_enforce() {
	local s rc before
	s=$(scratch); before=$(leftovers | tr '\n' ' ')
	mk_net
	net_policy "$s/p.yaml" enforce
	net_step >"$s/step.sh"
	in_net "$WARDEN" run -p "$s/p.yaml" --report "$s/r.json" -- sh "$s/step.sh" >"$s/r.out" 2>"$s/r.err"
	rc=$?
	assert_eq "$rc" 3
	for k in ip_ok=0 ip_bad=1 res_good=0 name_good=0 res_bad=2 name_bad=1; do
		assert_contains "$s/r.out" "$k" "$(tr '\n' ' ' <"$s/r.out")"
	done
	assert_contains "$s/r.err" "BLOCKED  connect $NET.3 port 8080/tcp"
	assert_contains "$s/r.err" "BLOCKED  dns bad.test"
	assert_contains "$s/r.err" "allowed     good.test ($NET.2) port 8080/tcp"
	python3 "$VALIDATE" "$SCHEMA" "$s/r.json" || fail "schema"
	python3 - "$s/r.json" "$NET" <<'PY' || fail "report content"
import json, sys
r = json.load(open(sys.argv[1])); net = sys.argv[2]
c = {(x["address"], x["allowed"]) for x in r["connections"]}
assert (net + ".3", False) in c, c
assert any(d["name"] == "good.test" and d["answers"] == [net + ".2"] for d in r["dns"]), r["dns"]
assert any(v["kind"] == "dns" and v["detail"] == "bad.test" for v in r["violations"])
PY
	assert_nothing_left "$before"
}

t_net_audit() {
	local s rc
	s=$(scratch)
	mk_net
	net_policy "$s/p.yaml" audit
	net_step >"$s/step.sh"
	in_net "$WARDEN" run -p "$s/p.yaml" -- sh "$s/step.sh" >"$s/r.out" 2>"$s/r.err"
	rc=$?
	assert_eq "$rc" 0
	for k in ip_ok=0 ip_bad=0 res_good=0 name_good=0 res_bad=0 name_bad=0; do
		assert_contains "$s/r.out" "$k" "$(tr '\n' ' ' <"$s/r.out")"
	done
	assert_contains "$s/r.err" "REPORTED connect $NET.3 port 8080/tcp"
	assert_contains "$s/r.err" "REPORTED dns bad.test"
	assert_contains "$s/r.err" "NOT-ALLOWED bad.test ($NET.3) port 8080/tcp"
}

# An address an allowed name never resolved to stays closed, even when a
# blocked name resolves to it.
t_net_unresolved_ip_stays_blocked() {
	local s rc
	s=$(scratch)
	mk_net
	net_policy "$s/p.yaml" enforce
	in_net "$WARDEN" run -p "$s/p.yaml" -- sh -c \
		"getent hosts good.test; nc -z -w 2 $NET.3 8080; echo hard=\$?" >"$s/r.out" 2>"$s/r.err"
	assert_contains "$s/r.out" "hard=1"
}

t_learn_then_enforce() {
	local s rc
	s=$(scratch)
	mk_net
	mkdir -p "$s/ws"
	cat >"$s/step.sh" <<SH
mkdir -p build && echo obj > build/a.o && cat build/a.o >/dev/null
getent hosts good.test >/dev/null
nc -z -w 2 good.test 8080 && echo reached
SH
	cp "$s/step.sh" "$s/step2.sh"
	echo "nc -z -w 2 new.test 8080; echo new=\$?" >>"$s/step2.sh"
	(cd "$s/ws" && in_net "$WARDEN" run --learn "$s/learned.yaml" -- sh "$s/step.sh") \
		>"$s/l.out" 2>"$s/l.err"
	assert_eq $? 0 "audit run with the built-in policy"
	assert_contains "$s/learned.yaml" "good.test"
	assert_contains "$s/learned.yaml" '$PWD/'
	assert_contains "$s/learned.yaml" "/usr/bin/nc.openbsd"
	assert_contains "$s/learned.yaml" "mode: enforce"
	rm -rf "$s/ws/build"
	(cd "$s/ws" && in_net "$WARDEN" run -p "$s/learned.yaml" -- sh "$s/step.sh") \
		>"$s/e.out" 2>"$s/e.err"
	assert_eq $? 0 "enforce run with the learned policy: $(cat "$s/e.err")"
	assert_contains "$s/e.out" "reached"
	assert_contains "$s/e.err" "result: no violations"
	(cd "$s/ws" && in_net "$WARDEN" run -p "$s/learned.yaml" -- sh "$s/step2.sh") \
		>"$s/x.out" 2>"$s/x.err"
	assert_eq $? 3 "one extra connection"
	assert_contains "$s/x.out" "reached"
	assert_contains "$s/x.out" "new=1"
	assert_contains "$s/x.err" "BLOCKED  dns new.test"
}

t_sigterm_cleans_up() {
	local s pid before i
	s=$(scratch); before=$(leftovers | tr '\n' ' ')
	"$WARDEN" run --report "$s/r.json" -- sh -c "sleep 300 & echo \$! >'$s/bg'; sleep 200" \
		>"$s/r.out" 2>"$s/r.err" &
	pid=$!
	for i in $(seq 50); do [ -s "$s/bg" ] && break; sleep 0.1; done
	[ -s "$s/bg" ] || fail "step did not start"
	kill -TERM "$pid"
	wait "$pid"
	assert_eq $? 143 "status: the command died of the forwarded SIGTERM"
	kill -0 "$(cat "$s/bg")" 2>/dev/null && fail "background process survived"
	assert_nothing_left "$before"
	python3 "$VALIDATE" "$SCHEMA" "$s/r.json" || fail "schema"
}

t_builtin_policy_and_examples() {
	local s rc
	s=$(scratch)
	rc=$(wrun "$s/r" -- sh -c 'cat /etc/shadow >/dev/null; echo read=$?')
	assert_eq "$rc" 0 "built-in policy audits"
	assert_contains "$s/r.out" "read=0"
	assert_contains "$s/r.err" "secret read: REPORTED /etc/shadow"
	for f in "$EXAMPLES"/run-*.yaml; do
		rc=$(wrun "$s/e" -p "$f" -- true)
		assert_eq "$rc" 0 "example $f: $(cat "$s/e.err")"
	done
	write_policy "$s/bad.yaml" <<YAML
run:
  mode: enforcing
  network:
    allow: [10.0.0.1/8]
YAML
	rc=$(wrun "$s/b" -p "$s/bad.yaml" -- true)
	assert_eq "$rc" 2 "policy error"
	assert_contains "$s/b.err" "bad.yaml:2:9"
	assert_contains "$s/b.err" "bad.yaml:4:13"
}

run_tests
