#!/usr/bin/env bash
# A Debian bookworm base image for packaging/container/Dockerfile where no
# registry can be reached: debootstrap (minbase) from the system's Debian
# mirror, imported into docker as IMAGE.
#   scripts/container-base.sh [IMAGE]   default debian:bookworm; the client
#                                       is $DOCKER (default docker), its
#                                       daemon $DOCKER_HOST as usual
set -euo pipefail
image=${1:-debian:bookworm}
docker=${DOCKER:-docker}
. "$(dirname "$0")/apt-mirror.sh"
mirror=$(bookworm_mirror) || { echo "container-base: no bookworm mirror in apt sources" >&2; exit 1; }
root=$(mktemp -d /tmp/warden-base.XXXX)
cleanup() {
	local m
	# debootstrap mounts /proc and /sys inside while it works (and may
	# leave them after a failure)
	for m in $(awk -v r="$root/" 'index($2, r) == 1 {print $2}' /proc/self/mounts | sort -r); do
		umount -l "$m" || true
	done
	rm -rf "$root"
}
trap cleanup EXIT
debootstrap --variant=minbase bookworm "$root" "$mirror"
rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/*
tar -C "$root" -c . | "$docker" import - "$image"
