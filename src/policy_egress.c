/* network.egress: placeholder until the egress filter lands. */
#include <errno.h>
#include <stdlib.h>
#include "policy.h"
#include "yaml_tree.h"

int policy_parse_egress(struct policy *p, const struct ynode *n, struct diags *d)
{
	diag_add(d, n->line, n->col, "network.egress is not supported by this build");
	return -EINVAL;
}

void policy_egress_free(struct egress_policy *x)
{
	free(x);
}
