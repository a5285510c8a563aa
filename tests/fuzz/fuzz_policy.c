/* Fuzz the policy parser (src/policy/policy.c and the section parsers over
 * src/policy/yaml_tree.c): any bytes must give either a policy or diagnostics,
 * never a crash, a leak or undefined behaviour; and never both. */
#include <stdint.h>
#include <stdlib.h>
#include "policy/diag.h"
#include "policy/policy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct diags d;
	struct policy *p;

	diags_init(&d, "fuzz.yaml");
	p = policy_parse((const char *)data, size, "fuzz.yaml", &d);
	/* the contract: NULL with at least one reason, or a policy and none */
	if (!p != (d.n > 0))
		abort();
	for (int i = 0; i < d.n; i++)
		if (!d.v[i].msg || d.v[i].line < 0 || d.v[i].col < 0)
			abort();
	if (p && (!p->file || (p->nrules && !p->rules)))
		abort();
	policy_free(p);
	diags_free(&d);
	return 0;
}
