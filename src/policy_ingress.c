/* network.ingress: placeholder until the ingress filter lands. */
#include <errno.h>
#include <stdlib.h>
#include "policy.h"
#include "yaml_tree.h"

int policy_parse_ingress(struct policy *p, const struct ynode *n, struct diags *d)
{
	diag_add(d, n->line, n->col, "network.ingress is not supported by this build");
	return -EINVAL;
}

void policy_ingress_free(struct ingress_policy *x)
{
	free(x);
}
