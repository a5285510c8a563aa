#!/usr/bin/env bash
# The entry script of the GitHub Actions action (action.yml): run the step
# under warden run (ci/warden-step.sh), add the Markdown summary to the
# job's summary page and set the action's outputs. The inputs arrive as
# WARDEN_* variables (see ci/warden-step.sh), set by action.yml.
set -u
ci=$(cd "$(dirname "$0")/.." && pwd)
export WARDEN_REPORT=${WARDEN_REPORT:-warden-report.json}
export WARDEN_SUMMARY=${GITHUB_STEP_SUMMARY:-/dev/stdout}
"$ci/warden-step.sh"
status=$?
if [ -n "${GITHUB_OUTPUT:-}" ]; then
	violations=$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["violations"]))' \
		"$WARDEN_REPORT" 2>/dev/null || echo "")
	{
		echo "exit-status=$status"
		echo "violations=$violations"
		echo "report=$WARDEN_REPORT"
	} >>"$GITHUB_OUTPUT"
fi
[ "$status" -eq 3 ] && echo "::error title=warden run::violations (exit status 3), see the job summary and the report"
exit "$status"
