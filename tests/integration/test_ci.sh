#!/usr/bin/env bash
# CI integration: the GitHub action's entry script and the GitLab template,
# run locally as the CI would, against the real kernel; the Markdown summary
# shows the violations and shows hostile names as text, never as markup;
# learned policies keep ~/ paths and do not widen writes to all of /tmp.
. "$(dirname "$0")/lib.sh"
CI="$(cd "$(dirname "$0")/../../ci" && pwd)"

# The summary with every code span taken out: what Markdown would parse.
outside_code() {
	python3 - "$1" <<'PY'
import re, sys
text = open(sys.argv[1], encoding="utf-8").read()
print(re.sub(r"(`+)(?!`).*?(?<!`)\1(?!`)", "", text, flags=re.S))
PY
}

exec_policy() { # FILE: the step may run bash and true, nothing else
	write_policy "$1" <<'YAML'
run:
  mode: enforce
  exec:
    allow: [/usr/bin/true]
YAML
}

# gh_step DIR MODE SCRIPT: the action's step as GitHub runs it; prints its status.
gh_step() {
	(cd "$1" && GITHUB_STEP_SUMMARY="$1/summary.md" GITHUB_OUTPUT="$1/outputs" \
		WARDEN="$WARDEN" WARDEN_POLICY="$1/p.yaml" WARDEN_MODE="$2" WARDEN_RUN="$3" \
		"$CI/github/warden-step.sh" >"$1/step.out" 2>"$1/step.err")
	echo $?
}

t_github_enforce_fails_the_job_and_summarises() {
	local s rc tool
	s=$(scratch)
	exec_policy "$s/p.yaml"
	tool="$s/t\`<b>x"
	cp /bin/true "$tool"
	rc=$(gh_step "$s" enforce "'$tool' '<img src=x>' '](http://evil)' \$'a\n# injected' || echo denied=\$?")
	assert_eq "$rc" 3 "enforce, one exec violation: $(cat "$s/step.err")"
	assert_contains "$s/step.out" "denied=137"
	assert_contains "$s/outputs" "exit-status=3"
	assert_contains "$s/outputs" "violations=1"
	assert_contains "$s/summary.md" "violations blocked, exit status 3"
	assert_contains "$s/summary.md" "#### Violations (1)"
	assert_contains "$s/summary.md" "- **BLOCKED** exec \`\` $tool \`\` (rule \` exec.allow \`"
	assert_contains "$s/summary.md" "#### Processes (2)"
	assert_contains "$s/summary.md" "  - \`\` $tool \`\`"
	assert_contains "$s/summary.md" '<img src=x>'	# shown, as text
	assert_contains "$s/summary.md" 'a\x0a# injected'
	outside_code "$s/summary.md" >"$s/markup"
	assert_not_contains "$s/markup" "<img"
	assert_not_contains "$s/markup" "<b>"
	assert_not_contains "$s/markup" "](http"
	grep -q '^# injected' "$s/summary.md" && fail "an argument started a heading"
	[ -s "$s/warden-report.json" ] || fail "no report"
}

t_github_audit_reports_and_passes() {
	local s rc
	s=$(scratch)
	exec_policy "$s/p.yaml"
	cp /bin/true "$s/tool"
	rc=$(gh_step "$s" audit "'$s/tool'; echo ran=\$?")
	assert_eq "$rc" 0 "audit: the step's own status"
	assert_contains "$s/step.out" "ran=0"
	assert_contains "$s/summary.md" "violations reported (audit), exit status 0"
	assert_contains "$s/summary.md" "- **REPORTED** exec"
	assert_contains "$s/outputs" "violations=1"
}

t_github_clean_step() {
	local s rc
	s=$(scratch)
	exec_policy "$s/p.yaml"
	rc=$(gh_step "$s" enforce "true; exit 4")
	assert_eq "$rc" 4 "the step's own status passes through"
	assert_contains "$s/summary.md" "no violations, exit status 4"
	assert_contains "$s/summary.md" "#### Violations (0)"
}

t_github_policy_error() {
	local s rc
	s=$(scratch)
	printf 'run:\n  mode: enforce\n  exec: {allow: [relative/path]}\n' >"$s/p.yaml"
	rc=$(gh_step "$s" enforce "true")
	assert_eq "$rc" 2 "a policy error"
	assert_contains "$s/step.err" "p.yaml:3:"
	assert_contains "$s/summary.md" "usage or policy error, exit status 2"
	rc=$(gh_step "$s" strict "true")
	assert_eq "$rc" 2 "a bad mode"
}

# The GitLab template's script, with its variables, the way a runner runs it.
gitlab_job() { # DIR: prints the job's status
	python3 - "$1" "$CI/gitlab/warden.gitlab-ci.yml" >"$1/job.sh" <<'PY'
import shlex, sys, yaml
job = yaml.safe_load(open(sys.argv[2]))[".warden-run"]
for k, v in job["variables"].items():
    print("export %s=${%s-%s}" % (k, k, shlex.quote(str(v))))
print("\n".join(job["script"]))
PY
	(cd "$1" && WARDEN_CI="$CI" WARDEN="$WARDEN" bash -e "$1/job.sh" >"$1/job.out" 2>"$1/job.err")
	echo $?
}

t_gitlab_template_blocks_loopback() {
	local s rc
	s=$(scratch)
	write_policy "$s/p.yaml" <<'YAML'
run:
  mode: enforce
  network:
    allow_loopback: false
    allow: []
YAML
	rc=$(WARDEN_POLICY="$s/p.yaml" WARDEN_RUN="python3 -c 'import socket; socket.create_connection((\"127.0.0.1\", 9))' || echo refused" gitlab_job "$s")
	assert_eq "$rc" 3 "a blocked connection: $(cat "$s/job.err")"
	assert_contains "$s/job.out" "refused"
	assert_contains "$s/warden-summary.md" "- **BLOCKED** \` 127.0.0.1 \` port 9/tcp"
	assert_contains "$s/warden-summary.md" "connect \` 127.0.0.1 port 9/tcp \`"
	python3 - "$s/warden-junit.xml" <<'PY' || fail "JUnit report"
import sys, xml.etree.ElementTree as ET
suite = ET.parse(sys.argv[1]).getroot()
cases = suite.findall("testcase")
assert suite.get("failures") == "1", suite.attrib
assert cases[0].get("classname") == "warden.connect", cases[0].attrib
assert cases[0].find("failure") is not None
PY
	[ -s "$s/warden-report.json" ] || fail "no report"
}

t_learned_policy_paths() {
	local s rc tmpd
	s=$(scratch)
	mkdir -p "$s/home" "$s/ws"
	defer "rm -rf /tmp/$UNIQ.exact /tmp/$UNIQ.other /tmp/$UNIQ.run.*"
	cat >"$s/step.sh" <<SH
echo a >out.o
mkdir -p ~/.cache/tool/x && echo c >~/.cache/tool/x/c
echo h >~/.toolrc
echo t >/tmp/$UNIQ.exact
d=\$(mktemp -d /tmp/$UNIQ.run.XXXX) && mkdir -p "\$d/sub" && echo f >"\$d/sub/f"
SH
	(cd "$s/ws" && HOME="$s/home" "$WARDEN" run --learn "$s/l.yaml" -- sh "$s/step.sh") \
		>"$s/l.out" 2>"$s/l.err"
	assert_eq $? 0 "the learning run: $(cat "$s/l.err")"
	cat "$s/l.yaml"
	assert_contains "$s/l.yaml" '"$PWD/"'
	assert_contains "$s/l.yaml" '"~/.cache/"'
	assert_contains "$s/l.yaml" '"~/.toolrc"'
	assert_contains "$s/l.yaml" '"~/.ssh/"'	# the built-in secrets, as ~/
	assert_contains "$s/l.yaml" "\"/tmp/$UNIQ.exact\""
	tmpd=$(grep -o "/tmp/$UNIQ\.run\.[^/\"]*/\"" "$s/l.yaml") || fail "the run's own temp dir"
	assert_not_contains "$s/l.yaml" '"/tmp/"'
	assert_not_contains "$s/l.yaml" "\"$s/home/"
	# the same step passes under the learned policy, in another home ...
	mkdir -p "$s/home2"
	sed -i "s|mktemp -d /tmp/$UNIQ.run.XXXX|echo ${tmpd%/\"}|" "$s/step.sh"
	(cd "$s/ws" && HOME="$s/home2" "$WARDEN" run -p "$s/l.yaml" -- sh "$s/step.sh") \
		>"$s/e.out" 2>"$s/e.err"
	assert_eq $? 0 "enforce run under the learned policy: $(cat "$s/e.err")"
	# ... and other files in the shared temp dir stay forbidden
	(cd "$s/ws" && HOME="$s/home2" "$WARDEN" run -p "$s/l.yaml" -- sh -c "echo x >/tmp/$UNIQ.other") \
		>"$s/x.out" 2>"$s/x.err"
	assert_eq $? 3 "a new file beside the learned one"
	assert_contains "$s/x.err" "BLOCKED  file-write /tmp/$UNIQ.other"
	[ -e "/tmp/$UNIQ.other" ] && fail "the blocked file was created"
	true
}

# Temporary files a step makes and removes in /tmp have new random names
# each run (mktemp, gcc's /tmp/ccXXXXXX.s): learned as patterns of their
# names, so the learned policy passes its own step again, and still
# refuses other names in /tmp.
t_learned_temp_files_as_patterns() {
	local s
	s=$(scratch)
	mkdir -p "$s/ws"
	cat >"$s/step.sh" <<SH
f=\$(mktemp /tmp/$UNIQ.XXXXXX) && echo x >"\$f" && rm "\$f"
d=\$(mktemp -d /tmp/$UNIQ-d.XXXXXXXXXX) && echo y >"\$d/f" && rm -r "\$d"
printf 'int main(void) { return 0; }\n' >a.c && gcc -c a.c -o a.o && gcc a.o -o a
SH
	(cd "$s/ws" && env -u TMPDIR "$WARDEN" run --learn "$s/l.yaml" -- sh "$s/step.sh") \
		>"$s/l.out" 2>"$s/l.err"
	assert_eq $? 0 "the learning run: $(cat "$s/l.err")"
	cat "$s/l.yaml"
	assert_contains "$s/l.yaml" "\"/tmp/$UNIQ.??????\""
	assert_contains "$s/l.yaml" "\"/tmp/$UNIQ-d.??????????/\""
	# gcc's and collect2's (/tmp/ccXXXXXX.cdtor.c), as patterns
	assert_not_contains "$s/l.yaml" '"/tmp/cc'
	assert_not_contains "$s/l.yaml" '"/tmp/"'
	(cd "$s/ws" && env -u TMPDIR "$WARDEN" run -p "$s/l.yaml" -- sh "$s/step.sh") \
		>"$s/e.out" 2>"$s/e.err"
	assert_eq $? 0 "the same step, new temp names, learned policy: $(cat "$s/e.err")"
	assert_contains "$s/e.err" "result: no violations"
	defer "rm -f /tmp/$UNIQ.other"
	(cd "$s/ws" && "$WARDEN" run -p "$s/l.yaml" -- sh -c "echo x >/tmp/$UNIQ.other") \
		>"$s/x.out" 2>"$s/x.err"
	assert_eq $? 3 "another name in /tmp"
	assert_contains "$s/x.err" "BLOCKED  file-write /tmp/$UNIQ.other"
	[ -e "/tmp/$UNIQ.other" ] && fail "the blocked file was created"
	true
}

run_tests
