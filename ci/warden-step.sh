#!/usr/bin/env bash
# Run one CI step under `warden run` and summarise it: the part the GitHub
# action (ci/github/warden-step.sh) and the GitLab template share.
#
# Environment (the command comes from the environment, never from text
# pasted into a script, so its quotes cannot break out):
#   WARDEN_RUN      the step, a bash script (required)
#   WARDEN_POLICY   policy file (default: warden run's built-in, audit)
#   WARDEN_MODE     enforce (default): the job fails on any violation;
#                   audit: violations are reported, never blocked or fatal
#   WARDEN_REPORT   JSON report path (default warden-report.json)
#   WARDEN_LEARN    if set, also write the learned policy there
#   WARDEN_SUMMARY  if set, append the Markdown summary to this file
#   WARDEN_JUNIT    if set, write the violations as JUnit XML there
#   WARDEN          the warden binary (default: warden on PATH)
# Exit status: warden run's (3 = violations in enforce mode).
set -u
here=$(cd "$(dirname "$0")" && pwd)
: "${WARDEN_RUN:?WARDEN_RUN: the command to run is missing}"
mode=${WARDEN_MODE:-enforce}
report=${WARDEN_REPORT:-warden-report.json}

args=(run --report "$report")
[ -n "${WARDEN_POLICY:-}" ] && args+=(--policy "$WARDEN_POLICY")
[ -n "${WARDEN_LEARN:-}" ] && args+=(--learn "$WARDEN_LEARN")
case $mode in
enforce) args+=(--fail-on-violation) ;;	# also when the policy says audit
audit) args+=(--audit) ;;
*) echo "warden-step: mode must be enforce or audit, not '$mode'" >&2; exit 2 ;;
esac

# warden run needs root; a runner user with password-less sudo keeps its
# environment (HOME, PATH: ~/ in the policy is the runner's home).
sudo=()
[ "$(id -u)" -ne 0 ] && sudo=(sudo --preserve-env env "PATH=$PATH")

rm -f "$report"	# a report left from an earlier step is not this one's
"${sudo[@]}" "${WARDEN:-warden}" "${args[@]}" -- bash -eo pipefail -c "$WARDEN_RUN"
status=$?
# the summary below and the artifact upload run as the runner's user
[ ${#sudo[@]} -gt 0 ] && [ -f "$report" ] && sudo chown "$(id -u):$(id -g)" "$report"

if [ -n "${WARDEN_SUMMARY:-}" ]; then
	python3 "$here/summary.py" --status "$status" "$report" >>"$WARDEN_SUMMARY" ||
		echo "warden-step: cannot write the summary" >&2
fi
if [ -n "${WARDEN_JUNIT:-}" ]; then
	python3 "$here/summary.py" --format junit --status "$status" "$report" >"$WARDEN_JUNIT" ||
		echo "warden-step: cannot write the JUnit report" >&2
fi
exit "$status"
