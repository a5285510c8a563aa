#!/usr/bin/env bash
# Run a unit's ExecStart the way systemd would, without systemd (this host
# has none as PID 1): reads the unit and reproduces, with the kernel
# mechanisms systemd uses,
#   ProtectSystem=strict      every mount read-only (bind remounts in a
#                             private mount namespace; /dev, /proc stay)
#   ProtectKernelTunables     /sys and /proc/sys read-only, /proc/kallsyms
#                             and /proc/kcore inaccessible
#   ProtectControlGroups, ProtectHome=read-only: covered by the above
#   ProtectKernelModules      /usr/lib/modules inaccessible
#   ReadWritePaths, RuntimeDirectory, LogsDirectory: writable again
#   UMask, LimitMEMLOCK (prlimit), NoNewPrivileges and
#   CapabilityBoundingSet (setpriv)
# then execs the command, so the caller's $! is the daemon (MAINPID).
# The directories (RuntimeDirectory, LogsDirectory) must exist: systemd
# creates them; the caller does here.
#   unshare -m --propagation private unit_sandbox.sh UNIT
set -euo pipefail
unit=$1
key() { sed -n "s/^$1=//p" "$unit" | tail -n1; }
[ "$(key ProtectSystem)" = strict ] && [ "$(key ProtectKernelTunables)" = yes ] ||
	{ echo "unit_sandbox: $unit: expected ProtectSystem=strict, ProtectKernelTunables=yes" >&2; exit 2; }
# Never a remount without "bind": that would change the file system itself
# for the whole host rather than this namespace's view of it.
ro() { mount -o remount,bind,ro "$1"; }
rw() { mountpoint -q "$1" || mount --bind "$1" "$1"; mount -o remount,bind,rw "$1"; }
hide() { [ ! -e "$1" ] || mount --bind "$2" "$1"; }	# systemd skips what is missing

[ "$(findmnt -no PROPAGATION /)" = private ] || { echo "unit_sandbox: not in a private mount namespace" >&2; exit 2; }
awk '{print $5}' /proc/self/mountinfo | sort -u | while read -r m; do
	case $m in *\\*|/dev|/dev/*|/proc|/proc/*) continue ;; esac
	ro "$m"
done
mount --bind /proc/sys /proc/sys && ro /proc/sys
nothing=$(mktemp -d /dev/shm/unit_sandbox.XXXX)	# /dev stays writable
trap 'rm -rf "$nothing"' EXIT	# on failure; exec below runs no trap
touch "$nothing/file" && chmod 000 "$nothing/file" && mkdir -m 000 "$nothing/dir"
hide /proc/kallsyms "$nothing/file"
hide /proc/kcore "$nothing/file"
[ "$(key ProtectKernelModules)" != yes ] || [ ! -d /usr/lib/modules ] || hide /usr/lib/modules "$nothing/dir"
for p in $(key ReadWritePaths); do rw "$p"; done
for d in $(key RuntimeDirectory); do rw "/run/$d"; done
for d in $(key LogsDirectory); do rw "/var/log/$d"; done
# the bind mounts keep the inodes; the names can go
rm -rf "$nothing" 2>/dev/null || true

caps=$(key CapabilityBoundingSet | tr 'A-Z' 'a-z' | sed -e 's/cap_/+/g' -e 's/ /,/g')
nnp=()
[ "$(key NoNewPrivileges)" = yes ] && nnp=(--no-new-privs)
memlock=$(key LimitMEMLOCK)
[ "$memlock" = infinity ] && memlock=unlimited
umask "$(key UMask)"
# shellcheck disable=SC2046  # ExecStart is split into words as systemd does
# Limits first, as systemd does: raising one needs CAP_SYS_RESOURCE, which
# a container may not have (this CI host's does not); the kernel (>= 5.11)
# does not charge BPF maps to the limit, so the daemon runs with less.
limit=(prlimit --memlock="$memlock" --)
if ! "${limit[@]}" true 2>/dev/null; then
	echo "unit_sandbox: cannot raise RLIMIT_MEMLOCK here (no CAP_SYS_RESOURCE);" \
		"running with $(ulimit -l) KiB" >&2
	limit=()
fi
exec "${limit[@]}" setpriv --bounding-set "-all,$caps" "${nnp[@]}" $(key ExecStart)
