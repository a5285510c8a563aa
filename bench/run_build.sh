#!/usr/bin/env bash
# `warden run` overhead on a real multi-process build: a generated C
# project of N files built with make -j2, bare and under `warden run` in
# enforce mode with the policy learned from an audit run. Prints markdown.
#   bench/run_build.sh [RUNS] [FILES]      (root; default 5 runs, 40 files)
set -u
cd "$(dirname "$0")/.." || exit 1
WARDEN=${WARDEN:-$PWD/build/warden}
RUNS=${1:-5}
FILES=${2:-40}
work=$(mktemp -d /tmp/warden-bench-build.XXXX)
trap 'rm -rf "$work"' EXIT

gen_project() {
	local d=$1 i
	mkdir -p "$d"
	for i in $(seq 1 "$FILES"); do
		cat >"$d/f$i.c" <<C
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
int f$i(int x) { char b[64]; snprintf(b, sizeof(b), "%d", x * $i); return (int)strlen(b) + atoi(b); }
C
	done
	{
		echo '#include <stdio.h>'
		for i in $(seq 1 "$FILES"); do echo "int f$i(int);"; done
		echo 'int main(void) { int s = 0;'
		for i in $(seq 1 "$FILES"); do echo "s += f$i($i);"; done
		printf '%s\n' 'printf("%d\n", s); return 0; }'
	} >"$d/main.c"
	cat >"$d/Makefile" <<'M'
SRCS := $(wildcard *.c)
OBJS := $(SRCS:.c=.o)
app: $(OBJS)
	cc -o $@ $^
%.o: %.c
	cc -O1 -c $< -o $@
clean:
	rm -f *.o app
M
}

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

time_one() { # CMD...: wall seconds
	local t0 t1
	t0=$(date +%s.%N)
	"$@" >/dev/null 2>&1 || echo "FAILED: $*" >&2
	t1=$(date +%s.%N)
	echo "$t1 - $t0" | bc -l
}

gen_project "$work/p"
cd "$work/p" || exit 1
"$WARDEN" run --learn "$work/learned.yaml" -- make -s -j2 app >/dev/null 2>"$work/learn.err" ||
	{ echo "learn run failed"; cat "$work/learn.err"; exit 1; }
make -s clean
"$WARDEN" run -p "$work/learned.yaml" -- make -s -j2 app >/dev/null 2>"$work/check.err"
rc=$?
make -s clean
bare=() run=() audit=()
for _ in $(seq 1 "$RUNS"); do
	bare+=("$(time_one make -s -j2 app)"); make -s clean
	run+=("$(time_one "$WARDEN" run -p "$work/learned.yaml" -- make -s -j2 app)"); make -s clean
	audit+=("$(time_one "$WARDEN" run --audit -- make -s -j2 app)"); make -s clean
done
b=$(printf '%s\n' "${bare[@]}" | median)
r=$(printf '%s\n' "${run[@]}" | median)
a=$(printf '%s\n' "${audit[@]}" | median)
procs=$(grep -m1 -o 'processes ([0-9]*)' "$work/check.err")
echo "## warden run: make -j2 of $FILES C files ($procs), median of $RUNS"
echo
echo "| mode | wall s | vs bare |"
echo "|---|---|---|"
printf '| bare make | %.3f | 1.00x |\n' "$b"
printf '| warden run, enforce, learned policy | %.3f | %.2fx |\n' "$r" "$(echo "$r / $b" | bc -l)"
printf '| warden run --audit, built-in policy | %.3f | %.2fx |\n' "$a" "$(echo "$a / $b" | bc -l)"
echo
echo "Enforce run with the learned policy: exit status $rc ($(grep -m1 '^result:' "$work/check.err"))."
echo "Wall time includes warden's set-up (loading BPF programs, ~0.3-1 s)."
