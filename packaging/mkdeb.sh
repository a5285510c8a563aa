#!/usr/bin/env bash
# Assemble the .deb from a staged `make install` (called by `make deb`):
#   packaging/mkdeb.sh ROOT VERSION OUT.deb
# dpkg-deb and dpkg-shlibdeps come with dpkg and dpkg-dev; no debhelper.
set -euo pipefail
root=$(cd "$1" && pwd) version=$2 out=$3
here=$(cd "$(dirname "$0")" && pwd)

# Debian ships stripped binaries and gzipped man pages.
strip --strip-unneeded --remove-section=.comment "$root/usr/sbin/warden"
find "$root/usr/share/man" -type f -name '*.[0-9]' -exec gzip -9nf {} +

# Depends from the libraries the binary links (libbpf1 from backports).
shlibs=$(mktemp -d)
trap 'rm -rf "$shlibs"' EXIT
mkdir "$shlibs/debian"
printf 'Source: warden\n\nPackage: warden\nArchitecture: any\n' >"$shlibs/debian/control"
depends=$(cd "$shlibs" && dpkg-shlibdeps -O -e"$root/usr/sbin/warden" 2>/dev/null |
	sed -n 's/^shlibs:Depends=//p')
[ -n "$depends" ] || { echo "mkdeb: dpkg-shlibdeps found no dependencies" >&2; exit 1; }

mkdir -p "$root/DEBIAN"
sed -e "s|@VERSION@|$version|" -e "s|@ARCH@|$(dpkg --print-architecture)|" \
	-e "s|@SIZE@|$(du -sk --exclude=DEBIAN "$root" | cut -f1)|" \
	-e "s|@DEPENDS@|$depends|" "$here/deb/control.in" >"$root/DEBIAN/control"
install -m 0644 "$here/deb/conffiles" "$root/DEBIAN/conffiles"
install -m 0755 "$here/deb/postinst" "$here/deb/prerm" "$here/deb/postrm" "$root/DEBIAN/"
(cd "$root" && find . -path ./DEBIAN -prune -o -type f -printf '%P\0' |
	sort -z | xargs -0 md5sum) >"$root/DEBIAN/md5sums"
dpkg-deb --root-owner-group -Zxz --build "$root" "$out"
