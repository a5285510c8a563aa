# Sourced by scripts/setup.sh and scripts/container-base.sh.
# The mirror URI of the system's bookworm entry, from either sources format.
bookworm_mirror() {
	local f
	for f in /etc/apt/sources.list.d/*.sources; do
		[ -f "$f" ] || continue
		awk '/^URIs:/ {u=$2} /^Suites:/ && / bookworm( |$)/ {print u; exit}' \
			"$f" | grep . && return 0
	done
	grep -hE '^deb\s+(\[[^]]*\]\s+)?\S+\s+bookworm\s' /etc/apt/sources.list \
		/etc/apt/sources.list.d/*.list 2>/dev/null |
		sed -E 's/^deb\s+(\[[^]]*\]\s+)?(\S+).*/\2/' | head -n1 | grep .
}
