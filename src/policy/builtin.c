#include "policy/policy.h"

/* The policy `warden daemon` runs with no --policy: watch, never act. */
const char builtin_policy_text[] =
	"# warden built-in default policy: observe only.\n"
	"name: builtin-observe\n"
	"observe:\n"
	"  exec: true\n"
	"  exit: true\n"
	"  fork: false\n"
	"rules: []\n";

struct policy *policy_builtin(void)
{
	struct diags d;
	struct policy *p;

	diags_init(&d, "<builtin>");
	p = policy_parse(builtin_policy_text, sizeof(builtin_policy_text) - 1,
			 "<builtin>", &d);
	diags_print(&d, stderr);
	diags_free(&d);
	return p;
}
