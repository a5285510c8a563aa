#!/usr/bin/env bash
# Outputs: several at once, syslog to a real rsyslog, a file reopened on
# SIGUSR1 after logrotate's rename without losing a line.
. "$(dirname "$0")/lib.sh"

free_udp_port() {
	python3 -c 'import socket; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# start_rsyslog DIR PORT: an rsyslogd of the test's own (its config, pid
# file, work directory, a private unix socket DIR/log.sock and UDP on
# 127.0.0.1:PORT), writing what it receives to DIR/received.log. The
# host's syslog configuration is never read.
start_rsyslog() {
	local d=$1 port=$2 i
	mkdir -p "$d/work"
	cat >"$d/rsyslog.conf" <<CONF
global(workDirectory="$d/work")
module(load="imuxsock" SysSock.Use="off")
module(load="imudp")
template(name="fields" type="string"
	string="%inputname%|%app-name%|%msgid%|%structured-data%|%msg%\n")
ruleset(name="warden") {
	action(type="omfile" file="$d/received.log" template="fields")
}
input(type="imuxsock" Socket="$d/log.sock" UseSpecialParser="off"
	ParseHostname="on" Ruleset="warden")
input(type="imudp" Address="127.0.0.1" Port="$port" Ruleset="warden")
CONF
	rsyslogd -N1 -f "$d/rsyslog.conf" >"$d/check.log" 2>&1 || { cat "$d/check.log"; fail "rsyslog config"; }
	rsyslogd -n -f "$d/rsyslog.conf" -i "$d/rsyslog.pid" >"$d/rsyslog.log" 2>&1 &
	RSYSLOG_PID=$!
	defer "kill $RSYSLOG_PID; wait $RSYSLOG_PID"
	# ready when both inputs are bound
	for i in $(seq 1 100); do
		[ -S "$d/log.sock" ] && ss -Hlun "sport = :$port" | grep -q . && return 0
		kill -0 $RSYSLOG_PID 2>/dev/null || { cat "$d/rsyslog.log"; fail "rsyslogd exited"; }
		sleep 0.1
	done
	fail "rsyslogd not listening after 10 s"
}

t_syslog_udp_and_unix() {
	local s out port
	s=$(scratch)
	out=$s/events.jsonl
	port=$(free_udp_port)
	start_rsyslog "$s" "$port"
	cp /bin/true "$s/logtool"
	start_warden "$out" --output "syslog:udp://127.0.0.1:$port" \
		--output "syslog:unix:$s/log.sock"
	"$s/logtool"
	wait_events "$out" 1 type=exec binary="$s/logtool"
	for input in imudp imuxsock; do
		wait_for "$s/received.log" "$input|warden|exec|[warden@32473 type=\"exec\" schema_version=\""
	done
	# the message is the event's JSON line, the same as the file's
	python3 - "$s/received.log" "$s/logtool" <<'PY' || fail "syslog messages"
import json, sys
got = {}
for line in open(sys.argv[1]):
    inp, app, msgid, sd, msg = line.rstrip("\n").split("|", 4)
    ev = json.loads(msg)
    assert ev["type"] == msgid, line
    if ev.get("binary") == sys.argv[2] and ev["type"] == "exec":
        got[inp] = got.get(inp, 0) + 1
assert got == {"imudp": 1, "imuxsock": 1}, got
PY
	# every output counted: the file's lines and both syslog messages
	kill -TERM "$WARDEN_PID"; wait "$WARDEN_PID"
	assert_eq "$(events "$out" get output_write_failed type=stats final=true)" 0
}

t_syslog_target_errors() {
	local s
	s=$(scratch)
	"$WARDEN" daemon --output syslog:tcp://1.2.3.4:5 --socket "$s/sock" 2>"$s/err"
	assert_eq $? 1
	assert_contains "$s/err" "expected syslog, syslog:unix:PATH or syslog:udp://HOST:PORT"
	"$WARDEN" daemon --output "syslog:unix:$s/none" --socket "$s/sock" 2>"$s/err"
	assert_eq $? 1
	assert_contains "$s/err" "cannot connect output syslog:unix:$s/none"
}

# logrotate's create + postrotate: rename the file, signal, a new file.
t_rotate_on_sigusr1_loses_no_line() {
	local s out gen a=300 b=50 total
	s=$(scratch)
	out=$s/events.jsonl
	cp /bin/true "$s/rottool"
	start_warden "$out" --stats-interval 1
	( for _ in $(seq 1 $a); do "$s/rottool"; done ) &
	gen=$!
	wait_events "$out" 20 type=exec binary="$s/rottool"
	mv "$out" "$out.1"
	kill -USR1 "$WARDEN_PID"
	wait_for_file "$out"
	wait $gen
	for _ in $(seq 1 $b); do "$s/rottool"; done
	wait_events "$out" 1 type=exec binary="$s/rottool"
	kill -TERM "$WARDEN_PID"; wait "$WARDEN_PID"
	cat "$out.1" "$out" >"$s/all"
	events "$s/all" validate >/dev/null || fail "a line was cut"
	assert_eq "$(events "$s/all" count type=exec binary="$s/rottool")" $((a + b)) "exec events across both files"
	assert_eq "$(events "$s/all" count type=exit comm=rottool)" $((a + b)) "exit events across both files"
	# and no line of any kind: all the daemon wrote is in the two files
	total=$(events "$s/all" get events_written type=stats final=true)
	assert_eq "$(wc -l <"$s/all")" $((total + 1)) "lines = events_written + the final stats line"
	assert_eq "$(events "$s/all" get output_write_failed type=stats final=true)" 0
	[ "$(events "$out" count type=exec binary="$s/rottool")" -ge $b ] || fail "new file lacks the later events"
}

wait_for_file() {
	local i
	for i in $(seq 1 50); do [ -e "$1" ] && return 0; sleep 0.1; done
	fail "$1 was not created"
}

run_tests
