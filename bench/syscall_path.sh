#!/usr/bin/env bash
# What the daemon adds to every task's syscalls, forks and execs: bare, the
# default policy (nothing on the syscall path), a policy with one syscall
# rule that never matches (the per-syscall tracepoint, plus the ia32
# entry's raw sys_enter), and self_protection_syscalls: on. Interleaved
# rounds, the order rotated each round, medians and ratios to bare.
# Prints Markdown.   bench/syscall_path.sh [ROUNDS] [SCALE]   (root)
#   SCALE 1: 2M getppid, 4,000 fork+exit, 1,500 posix_spawn (default)
set -u
cd "$(dirname "$0")/.." || exit 1
ROOT=$PWD
WARDEN=${WARDEN:-$ROOT/build/warden}
case $WARDEN in /*) ;; *) WARDEN=$ROOT/$WARDEN ;; esac
ROUNDS=${1:-6}
SCALE=${2:-1}
work=$(mktemp -d /tmp/warden-bench-sys.XXXX)
pid=""
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT

for w in syscall fork exec; do
	cc -O2 -Wall -std=gnu11 -D_GNU_SOURCE -o "$work/wl_$w" "bench/wl_$w.c" || exit 1
done
N_SYS=$((2000000 * SCALE)) N_FORK=$((4000 * SCALE)) N_SPAWN=$((1500 * SCALE))

printf 'name: default\n' >"$work/default.yaml"
cat >"$work/rule.yaml" <<'Y'
name: one-syscall-rule
rules:
  - name: no-unshare-here
    action: alert
    match: { binary: /nonexistent/tool }
    syscalls: [unshare]
Y
printf 'name: guard-syscalls\nself_protection_syscalls: on\n' >"$work/guard.yaml"
CONFIGS=(bare default rule guard)

start() { # CONFIG
	[ "$1" = bare ] && return 0
	rm -f "$work/err"
	"$WARDEN" daemon -p "$work/$1.yaml" -o /dev/null --socket "$work/sock" 2>"$work/err" &
	pid=$!
	for _ in $(seq 1 100); do
		grep -q ready "$work/err" 2>/dev/null && return 0
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	echo "warden $1 did not start: $(cat "$work/err")" >&2
	exit 1
}
stop() { [ -n "$pid" ] && kill "$pid" && wait "$pid" 2>/dev/null; pid=""; }

measure() { # WORKLOAD: elapsed seconds
	case $1 in
	getppid) "$work/wl_syscall" "$N_SYS" ;;
	fork) "$work/wl_fork" "$N_FORK" ;;
	spawn) "$work/wl_exec" "$N_SPAWN" /bin/true ;;
	esac | awk '/^elapsed/ {print $2}'
}

declare -A times
for r in $(seq 1 "$ROUNDS"); do
	n=${#CONFIGS[@]}
	for i in $(seq 0 $((n - 1))); do
		c=${CONFIGS[$(((i + r) % n))]}
		start "$c"
		for w in getppid fork spawn; do
			times[$c/$w]+="$(measure "$w") "
		done
		stop
	done
done

median() { tr ' ' '\n' | grep . | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
echo "## The syscall path: median of $ROUNDS interleaved rounds, ratio to bare"
echo
echo "| workload | bare s | default policy | one syscall rule | self_protection_syscalls: on |"
echo "|---|---|---|---|---|"
for w in getppid fork spawn; do
	b=$(echo "${times[bare/$w]}" | median)
	case $w in
	getppid) label="$N_SYS x getppid()" ;;
	fork) label="$N_FORK x fork+exit" ;;
	spawn) label="$N_SPAWN x posix_spawn(/bin/true)" ;;
	esac
	printf '| %s | %.3f' "$label" "$b"
	for c in default rule guard; do
		m=$(echo "${times[$c/$w]}" | median)
		printf ' | %.2fx' "$(echo "$m / $b" | bc -l)"
	done
	echo " |"
done
echo
echo "Reproduce: \`bench/syscall_path.sh $ROUNDS $SCALE\` (root), or \`make bench\`."
