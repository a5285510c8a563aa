#!/usr/bin/env bash
# --metrics: the Prometheus endpoint, scraped by a real Prometheus server.
. "$(dirname "$0")/lib.sh"

# A loopback TCP port nobody listens on now.
free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

kill_policy() { # FILE TOOL
	write_policy "$1" <<YAML
name: metrics-test
rules:
  - name: kill-tool
    action: kill
    match:
      binary: $2
YAML
}

# prom_query PORT EXPR: the value of an instant query's only sample, or "".
prom_query() {
	curl -sf --data-urlencode "query=$2" "http://127.0.0.1:$1/api/v1/query" |
		python3 -c 'import json,sys
r = json.load(sys.stdin)["data"]["result"]
print(r[0]["value"][1] if len(r) == 1 else "")'
}

# scrape PORT: the exposition warden serves now.
scrape() { curl -sf "http://127.0.0.1:$1/metrics"; }

# wait_metric PORT SAMPLE VALUE: poll warden's endpoint (published once a
# second) until the exact line "SAMPLE VALUE" is there (bounded: 10 s).
wait_metric() {
	local i
	for i in $(seq 1 100); do
		scrape "$1" | grep -qxF -- "$2 $3" && return 0
		sleep 0.1
	done
	scrape "$1" | grep -F -- "${2%%\{*}" >&2
	fail "metric $2 never became $3"
}

t_prometheus_scrapes_exact_rule_matches() {
	local s out wport pport ppid i v n=5
	s=$(scratch)
	out=$s/events.jsonl
	cp /bin/true "$s/tool"
	kill_policy "$s/p.yaml" "$s/tool"
	wport=$(free_port)
	start_warden "$out" --policy "$s/p.yaml" --metrics "127.0.0.1:$wport"
	pport=$(free_port)
	cat >"$s/prometheus.yml" <<YAML
global:
  scrape_interval: 1s
  scrape_timeout: 1s
scrape_configs:
  - job_name: warden
    static_configs:
      - targets: ['127.0.0.1:$wport']
YAML
	prometheus --config.file="$s/prometheus.yml" --storage.tsdb.path="$s/tsdb" \
		--web.listen-address="127.0.0.1:$pport" >"$s/prometheus.log" 2>&1 &
	ppid=$!
	defer "kill $ppid; wait $ppid"
	for i in $(seq 1 300); do
		curl -sf "http://127.0.0.1:$pport/-/ready" >/dev/null && break
		kill -0 $ppid 2>/dev/null || { cat "$s/prometheus.log"; fail "prometheus exited"; }
		sleep 0.1
	done
	curl -sf "http://127.0.0.1:$pport/-/ready" >/dev/null || fail "prometheus not ready after 30 s"
	for i in $(seq 1 $n); do
		"$s/tool"
		assert_eq $? 137 "run $i killed"
	done
	wait_events "$out" $n rule=kill-tool action=kill
	local q='warden_rule_matches_total{job="warden",module="process",rule="kill-tool",action="kill"}'
	# bounded: Prometheus scrapes every second; 60 s is far beyond that
	for i in $(seq 1 300); do
		v=$(prom_query "$pport" "$q")
		[ "$v" = "$n" ] && break
		[ -n "$v" ] && [ "$v" -gt "$n" ] && fail "counter went past $n: $v"
		sleep 0.2
	done
	assert_eq "$v" "$n" "the rule-match counter Prometheus scraped"
	assert_eq "$(events "$out" count rule=kill-tool action=kill)" "$n" "kill events"
	# the scrape itself is healthy, and the exec events are counted by type
	assert_eq "$(prom_query "$pport" 'up{job="warden"}')" 1
	v=$(prom_query "$pport" 'warden_events_total{job="warden",type="exec"}')
	[ -n "$v" ] && [ "$v" -ge "$n" ] || fail "exec events: '$v'"
}

t_metrics_exposition() {
	local s out port page
	s=$(scratch)
	out=$s/events.jsonl
	cp /bin/true "$s/tool"
	kill_policy "$s/p.yaml" "$s/tool"
	port=$(free_port)
	start_warden "$out" --policy "$s/p.yaml" --metrics "127.0.0.1:$port"
	page=$s/page
	scrape "$port" >"$page" || fail "no /metrics"
	for m in warden_events_total warden_rule_matches_total warden_losses_total \
		warden_module_loaded warden_policy_generation warden_policy_loads_total \
		warden_policy_load_duration_seconds warden_policy_last_load_timestamp_seconds \
		warden_ringbuf_used_bytes warden_ringbuf_size_bytes; do
		assert_contains "$page" "# TYPE $m "
	done
	assert_contains "$page" 'warden_module_loaded{module="process"} 1'
	assert_contains "$page" 'warden_losses_total{module="process",cause="ringbuf_full"} '
	assert_contains "$page" 'warden_policy_generation 1'
	# a reload moves the generation; a rejected one counts as rejected
	kill -HUP "$WARDEN_PID"
	wait_metric "$port" warden_policy_generation 2
	echo 'rules: [' >"$s/p.yaml"
	kill -HUP "$WARDEN_PID"
	wait_metric "$port" 'warden_policy_loads_total{result="rejected"}' 1
	assert_eq "$(scrape "$port" | grep -c '^warden_policy_generation 2$')" 1 "bad policy keeps generation"
	# anything but /metrics is a 404, not a page
	assert_eq "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/")" 404
}

t_metrics_address_refused_before_loading() {
	local s rc port
	s=$(scratch)
	"$WARDEN" daemon --metrics nonsense --socket "$s/sock" >"$s/out" 2>"$s/err"
	rc=$?
	assert_eq $rc 1 "bad address"
	assert_contains "$s/err" "expected HOST:PORT"
	# a busy port: refused, and nothing was loaded or emitted
	port=$(free_port)
	python3 -c 'import signal,socket,sys
s=socket.socket(); s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen()
print("ok", flush=True); signal.pause()' "$port" >"$s/held" &
	defer "kill $!"
	wait_for "$s/held" ok
	"$WARDEN" daemon --metrics "127.0.0.1:$port" --socket "$s/sock" >"$s/out" 2>"$s/err"
	assert_eq $? 1 "busy port"
	assert_contains "$s/err" "cannot listen on 127.0.0.1:$port"
	assert_eq "$(wc -c <"$s/out")" 0 "no event before refusing"
}

run_tests
