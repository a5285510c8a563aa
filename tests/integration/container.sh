# A real container runtime for the tests, kept off the host: its own
# dockerd (Debian's docker.io) with its own data, exec and socket
# directories under one temporary directory, no bridge, no iptables, no
# registry (the test image is a busybox rootfs imported locally). Source it
# after lib.sh, call ctr_start once per file (it sets an EXIT trap that
# removes every container, stops that dockerd by its pid and deletes its
# directories, pass or fail), then run_tests.
#
#   DOCKER   the client, /usr/bin/docker (Debian's; /usr/local/bin may hold
#            a newer one that this 20.10 daemon would refuse)
#   dk ARGS  the client against this harness's daemon
#   CTR_IMAGE  the busybox test image
DOCKERD=${DOCKERD:-/usr/sbin/dockerd}
DOCKER=${DOCKER:-/usr/bin/docker}
CTR_IMAGE="$UNIQ-bb:1"
CTR_DIR=
CTR_SOCK=
# cgroupfs driver: containers at $CTR_CGPARENT/<id>. A parent of its own
# keeps them apart from a host dockerd's /docker.
CTR_CGPARENT="/$UNIQ-docker"

dk() { "$DOCKER" -H "unix://$CTR_SOCK" "$@"; }

ctr_skip_reason() {
	[ -x "$DOCKERD" ] || { echo "no $DOCKERD (scripts/setup.sh installs docker.io)"; return; }
	[ -x "$DOCKER" ] || { echo "no $DOCKER"; return; }
	[ -x /bin/busybox ] || { echo "no /bin/busybox (busybox-static)"; return; }
}

# The image: a static busybox with every applet as a symlink to it (the
# Alpine layout), and a few plain copies in chosen directories.
_ctr_build_image() {
	local r="$CTR_DIR/rootfs" a
	mkdir -p "$r"/bin "$r"/usr/bin "$r"/usr/local/bin "$r"/opt "$r"/tmp \
		"$r"/proc "$r"/sys "$r"/dev "$r"/etc
	cp /bin/busybox "$r/bin/busybox"
	for a in $("$r/bin/busybox" --list); do
		[ "$a" = busybox ] || ln -s busybox "$r/bin/$a"
	done
	# real files (not applet links) at paths the tests name, unique to
	# this run so a host path of the same name is one the test made
	for a in /usr/bin/$UNIQ-exact /usr/bin/$UNIQ-other \
		/usr/local/bin/$UNIQ-prefix /opt/$UNIQ-outside /usr/bin/$UNIQ-named; do
		cp /bin/busybox "$r$a"
	done
	tar -C "$r" -c . | dk import --change 'ENV PATH=/usr/local/bin:/usr/bin:/bin' \
		- "$CTR_IMAGE" >/dev/null
}

_ctr_stop() {
	local ids pid
	if [ -S "$CTR_SOCK" ]; then
		ids=$(dk ps -aq 2>/dev/null)
		[ -n "$ids" ] && dk rm -f $ids >/dev/null 2>&1
	fi
	pid=$(cat "$CTR_DIR/dockerd.pid" 2>/dev/null)
	if [ -n "$pid" ]; then
		kill -TERM "$pid" 2>/dev/null
		for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
		kill -KILL "$pid" 2>/dev/null
	fi
	# overlay mounts left by a killed daemon, then the directory
	grep -F " $CTR_DIR/" /proc/self/mounts | awk '{print $2}' | sort -r |
		while read -r m; do umount -l "$m" 2>/dev/null; done
	rm -rf "$CTR_DIR"
	rm_cgroup "$CGROOT$CTR_CGPARENT" 2>/dev/null
	for m in /sys/fs/cgroup/*/; do
		[ -d "$m$CTR_CGPARENT" ] && find "$m$CTR_CGPARENT" -depth -type d \
			-exec rmdir {} \; 2>/dev/null
	done
	true
}

# ctr_start: start the daemon and build the image; on failure the file's
# tests are reported failed (a runtime that should be there is not).
ctr_start() {
	local why i
	why=$(ctr_skip_reason)
	if [ -n "$why" ]; then
		echo "FAIL $(basename "$0") container runtime: $why" | tee -a "${TALLY:-/dev/null}"
		exit 1
	fi
	CTR_DIR=$(mktemp -d "/tmp/$UNIQ.ctr.XXXX")
	CTR_SOCK="$CTR_DIR/docker.sock"
	trap _ctr_stop EXIT
	echo '{}' >"$CTR_DIR/daemon.json"	# not the host's /etc/docker/daemon.json
	"$DOCKERD" --config-file "$CTR_DIR/daemon.json" \
		--data-root "$CTR_DIR/data" --exec-root "$CTR_DIR/exec" \
		--pidfile "$CTR_DIR/dockerd.pid" -H "unix://$CTR_SOCK" \
		--bridge=none --iptables=false --ip6tables=false --ip-masq=false \
		--exec-opt native.cgroupdriver=cgroupfs --cgroup-parent "$CTR_CGPARENT" \
		--storage-driver overlay2 >"$CTR_DIR/dockerd.log" 2>&1 </dev/null &
	for i in $(seq 1 300); do
		dk version >/dev/null 2>&1 && break
		kill -0 $! 2>/dev/null || break
		sleep 0.1
	done
	if ! dk version >/dev/null 2>&1 || ! _ctr_build_image; then
		tail -n 20 "$CTR_DIR/dockerd.log" >&2
		echo "FAIL $(basename "$0") container runtime did not start" | tee -a "${TALLY:-/dev/null}"
		exit 1
	fi
}

# ctr_run NAME ARGS...: docker run --network none, removed at the end of
# the test. Prints nothing; the exit status is the container's.
ctr_run() {
	local name=$1; shift
	defer "dk rm -f '$name'"
	dk run --name "$name" --network none "$@"
}

# ctr_id NAME: the full container id
ctr_id() { dk inspect --format '{{.Id}}' "$1"; }
