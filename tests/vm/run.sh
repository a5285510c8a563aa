#!/usr/bin/env bash
# The kernel matrix (`make vmtest`): boot Debian's cloud kernels under qemu
# (software emulation), run `warden probe --json` and tests/vm/guest-tests.sh
# inside each, and print one table of what every kernel offers.
#
#   tests/vm/run.sh [KERNEL...]     KERNEL: 6.1 6.12 (default: both)
#
# Environment:
#   VMTEST_TIMEOUT=S   bound on one boot, seconds (default 300: under emulation each daemon start spends 40-50 s in the verifier)
#   VMTEST_PARALLEL=1  boot all kernels at once (default: one at a time;
#                      the machine has two cores)
#   VMTEST_CPU=MODEL   qemu -cpu argument (default: EPYC, and EPYC,-cx16 on
#                      qemu before 8.0: see cpu_model below)
#   WARDEN_BIN=PATH    put this static binary in the guest instead of
#                      building `make STATIC=1 BUILD=build-static`
#   VMTEST_OUT=DIR     initramfs images and console logs (build-static/vmtest)
#   VMTEST_LSM=ARG     the lsm= boot argument; empty for the distro default
#
# Downloads (apt-get download, Debian's own mirrors) are cached, extracted,
# in tests/vm/cache/; with no network the cached kernels are used as they are.
set -euo pipefail
cd "$(dirname "$0")/../.."

VM_DIR=tests/vm
CACHE=$VM_DIR/cache
OUT=${VMTEST_OUT:-build-static/vmtest}
TIMEOUT=${VMTEST_TIMEOUT:-300}
# The BPF LSM must be named on the command line: Debian's 6.1 does not
# enable it by default (CONFIG_LSM lists it, the distro's lsm= default does
# not reach it), and naming it on 6.12 costs nothing.
# VMTEST_LSM= (empty) boots with the distro default, to see the probe
# notice an inactive BPF LSM.
LSM_ARG=${VMTEST_LSM-lsm=landlock,lockdown,yama,integrity,apparmor,bpf}
FEATURES=(lsm fentry kprobe tracepoint raw_tp tp_btf cgroup_sock_addr xdp tcx
	ringbuf send_signal lpm_trie)

die() { echo "vmtest: $*" >&2; exit 1; }
log() { echo "vmtest: $*" >&2; }

# apt spec of the meta package that names the current kernel of a series.
kernel_spec() {
	case $1 in
	6.1) echo linux-image-cloud-amd64 ;;
	6.12) echo linux-image-cloud-amd64/bookworm-backports ;;
	*) return 1 ;;
	esac
}

check_tools() {
	local t missing=()
	for t in qemu-system-x86_64 cpio gzip xz apt-get dpkg-deb timeout; do
		command -v "$t" >/dev/null || missing+=("$t")
	done
	[ ${#missing[@]} -eq 0 ] ||
		die "missing ${missing[*]}: run scripts/setup.sh --vm (qemu-system-x86, cpio)"
}

# apt_download DIR SPEC: fetch one .deb into DIR; prints its path.
apt_download() {
	local dir=$1 spec=$2 out
	# apt's _apt user cannot write into a private temp dir; it falls back
	# to downloading as root and warns: harmless, so keep its output for
	# failures only.
	if ! out=$(cd "$dir" && apt-get download -q "$spec" 2>&1); then
		log "apt-get download $spec failed: $out"
		return 1
	fi
	# a fresh directory each time: apt keeps the archive's own mtime, so
	# "newer than" would not find it
	find "$dir" -maxdepth 1 -name '*.deb' | head -n1
}

# resolve_image SPEC: the versioned image package the meta package depends
# on, as "name=version".
resolve_image() {
	local tmp deb dep name ver
	tmp=$(mktemp -d)
	deb=$(apt_download "$tmp" "$1") || { rm -rf "$tmp"; return 1; }
	dep=$(dpkg-deb -f "$deb" Depends)
	rm -rf "$tmp"
	name=${dep%% *}
	ver=$(sed -n 's/.*(= \([^)]*\)).*/\1/p' <<<"$dep")
	if [ -z "$name" ] || [ -z "$ver" ]; then
		log "cannot parse Depends: $dep"
		return 1
	fi
	echo "$name=$ver"
}

# extract_kernel IMAGE_DEB DIR: vmlinuz, config and the few modules the
# guest loads (decompressed: busybox insmod reads plain ELF only).
extract_kernel() {
	local deb=$1 dir=$2 x ko
	x=$(mktemp -d)
	dpkg-deb -x "$deb" "$x"
	mkdir -p "$dir/modules"
	cp "$x"/boot/vmlinuz-* "$dir/vmlinuz"
	cp "$x"/boot/config-* "$dir/config"
	find "$x/lib/modules" -name 'veth.ko*' | while read -r ko; do
		case $ko in
		*.xz) xz -dc "$ko" >"$dir/modules/veth.ko" ;;
		*.zst) zstd -qdc "$ko" >"$dir/modules/veth.ko" ;;
		*) cp "$ko" "$dir/modules/veth.ko" ;;
		esac
	done
	rm -rf "$x"
}

# fetch_kernel LABEL: make $CACHE/LABEL hold the series' current kernel.
fetch_kernel() {
	local label=$1 dir=$CACHE/$1 spec image tmp deb
	spec=$(kernel_spec "$label") || die "unknown kernel '$label' (try 6.1, 6.12)"
	if ! image=$(resolve_image "$spec"); then
		[ -r "$dir/vmlinuz" ] || die "no $label kernel cached and apt cannot fetch one"
		log "$label: offline, using cached $(cat "$dir/package")"
		return 0
	fi
	if [ -r "$dir/vmlinuz" ] && [ "$(cat "$dir/package" 2>/dev/null)" = "$image" ]; then
		return 0
	fi
	log "$label: fetching $image"
	tmp=$(mktemp -d)
	deb=$(apt_download "$tmp" "$image") || { rm -rf "$tmp"; die "cannot fetch $image"; }
	rm -rf "$dir.new"
	extract_kernel "$deb" "$dir.new"
	echo "$image" >"$dir.new/package"
	rm -rf "$tmp" "$dir"
	mv "$dir.new" "$dir"
}

fetch_busybox() {
	local dir=$CACHE/busybox tmp deb
	[ -x "$dir/busybox" ] && return 0
	tmp=$(mktemp -d)
	deb=$(apt_download "$tmp" busybox-static) || { rm -rf "$tmp"; die "cannot fetch busybox-static"; }
	mkdir -p "$tmp/x" "$dir"
	dpkg-deb -x "$deb" "$tmp/x"
	cp "$tmp/x/bin/busybox" "$dir/busybox"
	rm -rf "$tmp"
}

# The static warden the guest runs; its path on stdout.
build_warden() {
	if [ -n "${WARDEN_BIN:-}" ]; then
		[ -x "$WARDEN_BIN" ] || die "WARDEN_BIN=$WARDEN_BIN is not executable"
		echo "$WARDEN_BIN"
		return 0
	fi
	make -s STATIC=1 BUILD=build-static build-static/warden >&2 ||
		die "static build failed (needs libbpf.a libelf.a libz.a libzstd.a libyaml.a)"
	echo build-static/warden
}

# make_initrd LABEL WARDEN: a gzip'd newc cpio with busybox, warden, the
# init and the guest tests. No device nodes: init mounts devtmpfs first, so
# building it needs no root.
make_initrd() {
	local label=$1 bin=$2 stage img
	stage=$(mktemp -d)
	mkdir -p "$stage"/{bin,dev,proc,sys,tmp,run,lib/modules}
	cp "$CACHE/busybox/busybox" "$stage/bin/busybox"
	cp "$bin" "$stage/bin/warden"
	cp "$VM_DIR/init" "$stage/init"
	cp "$VM_DIR/guest-tests.sh" "$stage/guest-tests.sh"
	cp "$CACHE/$label"/modules/*.ko "$stage/lib/modules/" 2>/dev/null || true
	chmod 755 "$stage/init" "$stage/bin/busybox" "$stage/bin/warden"
	img=$OUT/initrd-$label.gz
	(cd "$stage" && find . | cpio -o -H newc -R 0:0 --quiet) | gzip -1 >"$img"
	rm -rf "$stage"
	echo "$img"
}

# The guest CPU. qemu before 8.0 emulates CMPXCHG16B with a helper that
# computes the flags from a stale lazy-flags state (env->cc_op is not
# synced before the call): when the translation block was entered with
# CC_OP_EFLAGS (right after an iret or popf) it takes CC_SRC, which the
# preceding `add` left holding a pointer, as the whole EFLAGS. 6.12's SLUB
# fast path (`add %rdi,%rax; ... cmpxchg16b %gs:(%rsi); jne`) hits it; an
# interrupt taken in the few instructions after it saves and restores the
# garbage (TF, DF, NT, AC, reserved bits): double faults in
# kmem_cache_alloc_noprof, NULL dereferences, an iret #GP in do_sync_core.
# The busier the host, the more interrupts land there (9 of 10 boots
# crashed with a CPU-heavy job beside qemu 7.2). qemu 8.0 inlined the
# instruction ("target/i386: Inline cmpxchg16b") and is fine; on older
# qemu the guest gets no cx16, so the kernel never executes it (SLUB
# falls back to its slab lock). docs/kernel-matrix.md has the evidence.
cpu_model() {
	local v
	if [ -n "${VMTEST_CPU:-}" ]; then
		echo "$VMTEST_CPU"
		return
	fi
	v=$(qemu-system-x86_64 --version | sed -n '1s/.*version \([0-9]*\)\..*/\1/p')
	if [ -n "$v" ] && [ "$v" -ge 8 ]; then
		echo EPYC
	else
		echo EPYC,-cx16
	fi
}

# boot_once LABEL INITRD: run the guest, console to $OUT/LABEL.log.
boot_once() {
	local label=$1 initrd=$2 rc=0 pid
	# oops=panic + panic=-1: a guest oops ends qemu at once (and fails
	# the run) instead of leaving a half-dead guest until the timeout.
	timeout -k 10 "$TIMEOUT" qemu-system-x86_64 -cpu "$CPU" -smp 1 -m 1024 \
		-nographic -no-reboot -net none \
		-kernel "$CACHE/$label/vmlinuz" -initrd "$initrd" \
		-append "console=ttyS0 acpi=off panic=-1 oops=panic quiet $LSM_ARG" \
		</dev/null >"$OUT/$label.log" 2>&1 &
	pid=$!
	# timeout(1) runs in its own process group, out of reach of ^C:
	# stop it (and so qemu) ourselves if we are interrupted.
	trap 'kill $pid 2>/dev/null; exit 130' INT TERM
	wait $pid || rc=$?
	trap - INT TERM
	[ $rc -eq 124 ] && echo "VMTEST boot FAIL timed out after ${TIMEOUT}s" >>"$OUT/$label.log"
	echo $rc >"$OUT/$label.rc"
	return 0
}

# guest_oops LABEL: the console shows a kernel oops or panic. Never
# retried: a crash of the guest kernel is a failure to explain, not noise.
guest_oops() {
	tr -d '\r' <"$OUT/$1.log" |
		grep -m1 -E 'Kernel panic|Oops:|BUG:|general protection fault|double fault'
}

# boot LABEL INITRD: one boot; the wall time of boot + probe + tests to
# $OUT/LABEL.time. The only retry is for qemu itself failing before the
# guest kernel printed anything (a host-side failure, e.g. no memory for
# it), and it is logged.
boot() {
	local label=$1 initrd=$2 start end
	start=$(date +%s%N)
	boot_once "$label" "$initrd"
	end=$(date +%s%N)
	if [ "$(cat "$OUT/$label.rc")" != 0 ] && [ "$(cat "$OUT/$label.rc")" != 124 ] &&
		! tr -d '\r' <"$OUT/$label.log" | grep -qE '\[ *[0-9]+\.[0-9]{6}\]|VMTEST'; then
		cp "$OUT/$label.log" "$OUT/$label.qemu-failed.log"
		log "$label: qemu exited $(cat "$OUT/$label.rc") before the guest started; once more ($OUT/$label.qemu-failed.log)"
		start=$(date +%s%N)
		boot_once "$label" "$initrd"
		end=$(date +%s%N)
	fi
	echo $(((end - start) / 1000000)) >"$OUT/$label.time"
}

# The guest's VMTEST lines, without the serial console's carriage returns
# or the terminal reset sequences the firmware leaves before the first.
vm_lines() { tr -d '\r' <"$OUT/$1.log" | sed -n 's/^.*VMTEST //p'; }
vm_field() { vm_lines "$1" | sed -n "s/^$2 //p" | head -n1; }

# feature_cell JSON NAME: yes / no / ? for the table.
feature_cell() {
	case $1 in
	*"\"$2\":true"*) echo yes ;;
	*"\"$2\":false"*) echo no ;;
	*) echo "?" ;;
	esac
}

# Collect one kernel's verdict into the globals the table prints.
declare -A COL_KERNEL COL_JSON COL_PASS COL_FAIL COL_TIME COL_RESULT COL_OOPS
collect() {
	local label=$1 lines
	lines=$(vm_lines "$label")
	COL_KERNEL[$label]=$(vm_field "$label" kernel)
	COL_JSON[$label]=$(vm_field "$label" probe-json)
	COL_PASS[$label]=$(grep -cE '^[a-z0-9_]+ ok$' <<<"$lines" || true)
	COL_FAIL[$label]=$(grep -cE '^[a-z0-9_]+ FAIL' <<<"$lines" || true)
	COL_TIME[$label]=$(cat "$OUT/$label.time")
	COL_OOPS[$label]=$(guest_oops "$label" || true)
	if ! grep -q '^done$' <<<"$lines" || [ -n "${COL_OOPS[$label]}" ]; then
		COL_RESULT[$label]=FAIL
		COL_FAIL[$label]=$((COL_FAIL[$label] + 1))
		[ -n "${COL_KERNEL[$label]}" ] || COL_KERNEL[$label]="$label (no boot)"
	elif [ "${COL_FAIL[$label]}" -gt 0 ] || [ "${COL_PASS[$label]}" -eq 0 ]; then
		COL_RESULT[$label]=FAIL
	else
		COL_RESULT[$label]=PASS
	fi
}

print_matrix() {
	local f l host_json=""
	# The host as the first column, for comparison, when we may probe it.
	[ "$(id -u)" -eq 0 ] && host_json=$("$WARDEN" probe --json 2>/dev/null || true)
	printf '\n%-18s' "feature"
	[ -n "$host_json" ] && printf ' %-28s' "host $(uname -r)"
	for l in "${LABELS[@]}"; do printf ' %-28s' "${COL_KERNEL[$l]}"; done
	echo
	for f in "${FEATURES[@]}"; do
		printf '%-18s' "$f"
		[ -n "$host_json" ] && printf ' %-28s' "$(feature_cell "$host_json" "$f")"
		for l in "${LABELS[@]}"; do
			printf ' %-28s' "$(feature_cell "${COL_JSON[$l]}" "$f")"
		done
		echo
	done
	printf '%-18s' "guest tests"
	[ -n "$host_json" ] && printf ' %-28s' "-"
	for l in "${LABELS[@]}"; do
		printf ' %-28s' "${COL_PASS[$l]} ok, ${COL_FAIL[$l]} failed"
	done
	printf '\n%-18s' "boot+tests time"
	[ -n "$host_json" ] && printf ' %-28s' "-"
	for l in "${LABELS[@]}"; do
		printf ' %-28s' "$((COL_TIME[$l] / 1000)).$((COL_TIME[$l] % 1000 / 100)) s"
	done
	printf '\n%-18s' "qemu -cpu"
	[ -n "$host_json" ] && printf ' %-28s' "-"
	for l in "${LABELS[@]}"; do printf ' %-28s' "$CPU"; done
	printf '\n%-18s' "result"
	[ -n "$host_json" ] && printf ' %-28s' "-"
	for l in "${LABELS[@]}"; do printf ' %-28s' "${COL_RESULT[$l]}"; done
	echo
}

print_failures() {
	local l
	for l in "${LABELS[@]}"; do
		[ "${COL_RESULT[$l]}" = PASS ] && continue
		echo
		echo "${COL_KERNEL[$l]}: console log $OUT/$l.log"
		vm_lines "$l" | grep -E '^[a-z0-9_]+ FAIL' | sed 's/^/  /' || true
		[ -z "${COL_OOPS[$l]}" ] || echo "  guest kernel crashed: ${COL_OOPS[$l]}"
		grep -q '^done$' <<<"$(vm_lines "$l")" ||
			{ echo "  guest did not finish; last console lines:"; tr -d '\r' <"$OUT/$l.log" | tail -n 15 | sed 's/^/  | /'; }
	done
}

main() {
	local l pass=0 fail=0 rc=0
	LABELS=("$@")
	[ ${#LABELS[@]} -gt 0 ] || LABELS=(6.1 6.12)
	check_tools
	mkdir -p "$CACHE" "$OUT"
	for l in "${LABELS[@]}"; do fetch_kernel "$l"; done
	fetch_busybox
	WARDEN=$(build_warden)
	for l in "${LABELS[@]}"; do
		make_initrd "$l" "$WARDEN" >/dev/null
	done
	rm -f "$OUT"/*.log "$OUT"/*.time "$OUT"/*.rc "$OUT"/*.boots
	CPU=$(cpu_model)
	log "booting ${LABELS[*]} with -cpu $CPU (timeout ${TIMEOUT}s each)"
	for l in "${LABELS[@]}"; do
		if [ -n "${VMTEST_PARALLEL:-}" ]; then
			boot "$l" "$OUT/initrd-$l.gz" &
		else
			boot "$l" "$OUT/initrd-$l.gz"
		fi
	done
	wait
	for l in "${LABELS[@]}"; do
		collect "$l"
		pass=$((pass + COL_PASS[$l]))
		fail=$((fail + COL_FAIL[$l]))
		[ "${COL_RESULT[$l]}" = PASS ] || rc=1
	done
	print_matrix
	print_failures
	echo
	echo "vmtest: $pass passed, $fail failed"
	return $rc
}

main "$@"
