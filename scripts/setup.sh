#!/usr/bin/env bash
# Install everything warden needs to build and test on Debian bookworm.
# Idempotent: running it twice changes nothing the second time.
#   scripts/setup.sh          build + test dependencies
#   scripts/setup.sh --bench  also the peers measured by `make bench`
#   scripts/setup.sh --vm     also qemu for `make vmtest` (the kernel matrix)
set -euo pipefail

want_bench=0 want_vm=0
for arg in "$@"; do
	case $arg in
	--bench) want_bench=1 ;;
	--vm) want_vm=1 ;;
	*) echo "setup.sh: unknown option $arg" >&2; exit 2 ;;
	esac
done

if [ "$(id -u)" -ne 0 ]; then
	echo "setup.sh: must run as root (it calls apt-get)" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive

. "$(dirname "$0")/apt-mirror.sh"

add_backports() {
	local list=/etc/apt/sources.list.d/warden-backports.list mirror
	if grep -rqsE 'bookworm-backports' /etc/apt/sources.list /etc/apt/sources.list.d/; then
		return 0
	fi
	mirror=$(bookworm_mirror) || {
		echo "setup.sh: no bookworm entry in apt sources to derive a mirror from" >&2
		exit 1
	}
	echo "deb $mirror bookworm-backports main" >"$list"
}

add_backports
apt-get update -qq

# go-md2man: man pages (make man); dpkg-dev: dpkg-shlibdeps for make deb;
# man-db, logrotate: test_install.sh checks `man warden` and the rotation config.
# libmicrohttpd-dev: the --metrics HTTP server; prometheus: test_metrics.sh
# scrapes it with the real thing (curl queries both); rsyslog: test_logs.sh
# receives syslog output. liburing-dev: the io_uring attacker helper
# (tests/helpers/uring_file.c).
base_pkgs=(make gcc clang llvm pkg-config libelf-dev zlib1g-dev libzstd-dev
	libyaml-dev libcmocka-dev iproute2 python3 util-linux procps
	dnsmasq-base netcat-openbsd strace libclang-rt-14-dev valgrind
	go-md2man man-db dpkg-dev logrotate libmicrohttpd-dev prometheus rsyslog curl
	liburing-dev)
# docker.io, busybox-static: tests/integration/test_containers.sh runs real
# containers (its own dockerd, an image imported from busybox, no registry)
ctr_pkgs=(docker.io busybox-static)
bpf_pkgs=(libbpf-dev bpftool)
bench_pkgs=(libbpf-tools bpftrace auditd xdp-tools nftables iptables hyperfine
	python3-matplotlib)
# vmtest downloads its kernels and busybox with apt-get download itself.
vm_pkgs=(qemu-system-x86 cpio xz-utils stress-ng)

apt-get install -y -qq --no-install-recommends "${base_pkgs[@]}"
apt-get install -y -qq --no-install-recommends -t bookworm-backports "${bpf_pkgs[@]}"
# Where installing docker.io starts the host's own dockerd, keep it off the
# host's network (no bridge, no iptables rules); an existing config stays.
if [ ! -e /etc/docker/daemon.json ]; then
	mkdir -p /etc/docker
	echo '{"bridge": "none", "iptables": false, "ip6tables": false}' \
		>/etc/docker/daemon.json
fi
apt-get install -y -qq --no-install-recommends "${ctr_pkgs[@]}"
if [ "$want_bench" = 1 ]; then
	apt-get install -y -qq --no-install-recommends "${bench_pkgs[@]}"
fi

if [ "$want_vm" = 1 ]; then
	apt-get install -y -qq --no-install-recommends "${vm_pkgs[@]}"
fi
# debootstrap: scripts/container-base.sh makes the Debian base image that
# packaging/container/Dockerfile builds on, from the same mirror (no
# registry is needed)
apt-get install -y -qq --no-install-recommends debootstrap

mountpoint -q /sys/fs/bpf || mount -t bpf bpf /sys/fs/bpf || true
# tracepoint ids (syscall rules, the peers in make bench) come from tracefs
[ -d /sys/kernel/tracing/events ] || mount -t tracefs tracefs /sys/kernel/tracing || true
echo "setup.sh: done (libbpf $(pkg-config --modversion libbpf))"
