#!/usr/bin/env bash
# The tool's own safety as root: `warden cleanup` removes only warden's
# pin layout, and no path a user or a CI step can plant a link at makes
# root write somewhere else. Every refusal is checked by its effect: the
# files are still there, the victim's content and inode unchanged.
. "$(dirname "$0")/lib.sh"

as_nobody() { setpriv --reuid=65534 --regid=65534 --clear-groups "$@"; }

# What a tree holds, by name, type, inode and content: equal before and
# after means nothing in it was removed, replaced or written.
snapshot() {
	find "$1" -printf '%P %y %i\n' | sort
	find "$1" -type f -exec sha256sum {} + 2>/dev/null | sort
}

# A victim file root cares about; prints its "inode content".
victim_state() { echo "$(stat -c %i "$1") $(cat "$1")"; }

# ---- warden cleanup ---------------------------------------------------

t_cleanup_refuses_ordinary_dirs() {
	local s shm d before
	s=$(scratch)
	shm=$(mktemp -d "/dev/shm/$UNIQ.XXXX"); defer "rm -rf '$shm'"
	for d in "$s/pins" "$shm/pins"; do	# ext4 (or whatever /tmp is), tmpfs
		mkdir -p "$d/process/links" "$d/sub"
		echo keep >"$d/a"; echo keep >"$d/sub/b"; echo keep >"$d/process/links/x"
		before=$(snapshot "$d")
		"$WARDEN" cleanup "$d" >"$s/out" 2>"$s/err" && fail "cleanup of $d succeeded"
		assert_contains "$s/err" "not on a bpf filesystem"
		assert_eq "$(wc -l <"$s/err")" 1 "one line"
		assert_not_contains "$s/out" "removed"
		assert_eq "$(snapshot "$d")" "$before" "$d unchanged"
	done
}

t_cleanup_refuses_foreign_bpffs_dir() {
	local s d before
	s=$(scratch)
	d=/sys/fs/bpf/$UNIQ-foreign
	# shaped like the layout, but not warden's: no marker; made by nobody
	as_nobody mkdir "$d" || fail "nobody cannot mkdir in bpffs"
	defer "rm -rf '$d'"
	as_nobody mkdir -p "$d/process/maps" "$d/process/links"
	as_nobody ln -s /etc/passwd "$d/process/links/x"
	before=$(snapshot "$d")
	"$WARDEN" cleanup "$d" 2>"$s/err" && fail "cleanup of a foreign bpffs dir succeeded"
	assert_contains "$s/err" "no warden_layout marker"
	assert_eq "$(snapshot "$d")" "$before" "$d unchanged"
	# and a daemon does not pin into it either
	timeout 20 "$WARDEN" daemon --pin "$d" --socket "$s/sock" -o /dev/null 2>"$s/err2" &&
		fail "pinned into a directory of nobody's"
	assert_eq "$(snapshot "$d")" "$before" "$d unchanged by --pin"
}

t_cleanup_refuses_symlink_to_pin_dir() {
	local s pin before
	s=$(scratch)
	pin=/sys/fs/bpf/$UNIQ-pin
	cp /bin/true "$s/tool"
	write_policy "$s/p.yaml" <<YAML
rules:
  - { name: kill-tool, action: kill, match: { binary: $s/tool } }
YAML
	defer "'$WARDEN' cleanup '$pin'"
	start_warden "$s/out" -p "$s/p.yaml" --pin "$pin"
	stop_warden "$WARDEN_PID"
	ln -s "$pin" "$s/link"
	ln -s "$pin" "/sys/fs/bpf/$UNIQ-link"; defer "rm -f '/sys/fs/bpf/$UNIQ-link'"
	before=$(find "$pin" -printf '%P %i\n' | sort)
	for l in "$s/link" "$s/link/" "/sys/fs/bpf/$UNIQ-link"; do
		"$WARDEN" cleanup "$l" 2>"$s/err" && fail "cleanup through symlink $l"
		assert_contains "$s/err" "symbolic link"
	done
	assert_eq "$(find "$pin" -printf '%P %i\n' | sort)" "$before" "pins unchanged"
	"$s/tool"; assert_eq $? 137 "still enforced"
	"$WARDEN" cleanup "$pin" >/dev/null || fail "cleanup of the real directory"
	[ -e "$pin" ] && fail "pins left"
	"$s/tool"; assert_eq $? 0 "enforcement gone after cleanup"
}

t_cleanup_missing_path() {
	local s
	s=$(scratch)
	"$WARDEN" cleanup "$s/nothing" >"$s/out" 2>"$s/err" && fail "cleanup of a missing path succeeded"
	assert_contains "$s/err" "no such directory"
	assert_not_contains "$s/out" "removed"
	[ -e "$s/nothing" ] && fail "created it"
	true
}

# ---- paths root writes ------------------------------------------------

# A world-writable sticky directory (like /tmp) where nobody plants
# links, and a victim root cares about. Sets s, pub, victim.
planted_setup() {
	s=$(scratch); chmod 755 "$s"	# nobody may reach $pub
	pub="$s/pub"; mkdir -m 1777 "$pub"
	victim="$s/victim"; echo "root's file" >"$victim"
	# root's file nobody may hard-link (read-write for all: the
	# protected_hardlinks rule lets anyone link it)
	victim_rw="$s/victim-rw"; echo "shared file" >"$victim_rw"; chmod 666 "$victim_rw"
}

# plant KIND NAME: as nobody, NAME in $pub becomes a symlink to the
# victim, a hard link to the read-write victim, or nobody's own file.
plant() {
	case $1 in
	symlink) as_nobody ln -s "$victim" "$pub/$2" ;;
	hardlink) as_nobody ln "$victim_rw" "$pub/$2" ;;
	owned) as_nobody sh -c "echo nobody >'$pub/$2'" ;;
	esac || fail "nobody could not plant $1 $2"
}

victims_unchanged() {
	assert_eq "$(victim_state "$victim")" "$v1" "victim (symlink target)"
	assert_eq "$(victim_state "$victim_rw")" "$v2" "victim (hard link)"
}

t_output_planted_links_refused() {
	local s pub victim victim_rw v1 v2 k
	planted_setup
	v1=$(victim_state "$victim"); v2=$(victim_state "$victim_rw")
	for k in symlink hardlink owned; do
		plant $k "out-$k"
		timeout 20 "$WARDEN" daemon --output "$pub/out-$k" --socket "$s/sock" 2>"$s/err" &&
			fail "daemon started with a planted $k at --output"
		assert_contains "$s/err" "cannot open output"
		victims_unchanged
	done
	assert_eq "$(cat "$pub/out-owned")" nobody "nobody's file unchanged"
	# a new file is created, 0600
	start_warden "$pub/new.jsonl" --socket "$s/new.sock"
	assert_eq "$(stat -c '%a %u' "$pub/new.jsonl")" "600 0" "new output file"
}

t_run_outputs_planted_by_user_refused() {
	local s pub victim victim_rw v1 v2 k opt rc
	planted_setup
	v1=$(victim_state "$victim"); v2=$(victim_state "$victim_rw")
	for opt in report learn; do
		for k in symlink hardlink owned; do
			plant $k "$opt-$k"
			"$WARDEN" run --"$opt" "$pub/$opt-$k" -- true 2>"$s/err"
			rc=$?
			assert_eq "$rc" 125 "run with a planted $k at --$opt"
			assert_contains "$s/err" "refused"
			victims_unchanged
		done
	done
}

# The step itself replaces REPORT and LEARN with links to the victims
# while it runs: warden writes through the files it opened first.
t_run_outputs_replaced_by_step() {
	local s pub victim victim_rw v1 v2
	planted_setup
	v1=$(victim_state "$victim"); v2=$(victim_state "$victim_rw")
	cat >"$s/step.sh" <<EOF
ln -sf '$victim' '$s/report.json'
rm -f '$s/learned.yaml'; ln '$victim_rw' '$s/learned.yaml'
EOF
	"$WARDEN" run --report "$s/report.json" --learn "$s/learned.yaml" -- sh "$s/step.sh" 2>"$s/err"
	victims_unchanged
	assert_contains "$s/err" "$s/report.json was replaced during the run"
	assert_contains "$s/err" "$s/learned.yaml was replaced during the run"
	# an existing report of root's is rewritten in place, whole
	printf '%4096s' x >"$s/old.json"
	"$WARDEN" run --report "$s/old.json" -- true 2>"$s/err" || fail "run with an existing report"
	python3 -c "import json,sys; json.load(open(sys.argv[1]))" "$s/old.json" ||
		fail "rewritten report is not one JSON document"
}

t_socket_path_not_ours_kept() {
	local s before v
	s=$(scratch)
	mkdir -m 700 "$s/run"
	echo data >"$s/run/sock"
	echo "root's file" >"$s/victim"; v=$(victim_state "$s/victim")
	ln -s "$s/victim" "$s/run/sock2"
	before=$(snapshot "$s/run")
	timeout 20 "$WARDEN" daemon --socket "$s/run/sock" -o /dev/null 2>"$s/err" &&
		fail "removed a regular file at --socket"
	assert_contains "$s/err" "not a socket of root's"
	timeout 20 "$WARDEN" daemon --socket "$s/run/sock2" -o /dev/null 2>"$s/err" &&
		fail "removed a symlink at --socket"
	assert_contains "$s/err" "not a socket of root's"
	assert_eq "$(snapshot "$s/run")" "$before" "nothing at the socket paths changed"
	assert_eq "$(victim_state "$s/victim")" "$v" "symlink target"
	# a directory others can write: refused
	mkdir -m 1777 "$s/pub"
	timeout 20 "$WARDEN" daemon --socket "$s/pub/sock" -o /dev/null 2>"$s/err" &&
		fail "socket in a world-writable dir"
	assert_contains "$s/err" "world-writable"
}

# ---- text a step chose ------------------------------------------------

t_report_text_escaped() {
	local s name rc
	s=$(scratch)
	name=$(printf 'to\033[31mol"\n  exec: {allow: [sh]}\n#')
	cp /bin/true "$s/$name"
	"$WARDEN" run --learn "$s/learned.yaml" -- sh -c "'$s/$name'; echo done" >/dev/null 2>"$s/err"
	rc=$?
	assert_eq "$rc" 0 "run"
	! grep -q $'\033' "$s/err" || fail "an escape byte reached the summary"
	assert_contains "$s/err" 'to\x1b[31mol"\n  exec: {allow: [sh]}\n#'
	! grep -q $'\033' "$s/learned.yaml" || fail "an escape byte reached the learned policy"
	"$WARDEN" policy check "$s/learned.yaml" >/dev/null 2>&1 || fail "learned policy does not parse"
	# the name is one quoted scalar, not a new key
	assert_eq "$(grep -c '^ *exec:' "$s/learned.yaml")" 1 "exec: keys"
	assert_contains "$s/learned.yaml" '"'"$s"'/to\x1b[31mol\"\n  exec: {allow: [sh]}\n#"'
}

run_tests
