/* The `network:` section: ingress (XDP/TC) and egress (cgroup hooks). */
#include <errno.h>
#include "policy/policy.h"
#include "policy/yaml_tree.h"

int policy_parse_network(struct policy *p, const struct ynode *n,
			 struct diags *d)
{
	static const char *const keys[] = { "ingress", "egress", NULL };
	const struct ynode *v;
	int err = 0;

	if (n->kind != YN_MAP) {
		diag_add(d, n->line, n->col,
			 "network: expected a mapping (ingress:, egress:)");
		return -EINVAL;
	}
	if (ymap_check_keys(n, keys, d))
		err = -EINVAL;
	if ((v = ymap_get(n, "ingress")) && policy_parse_ingress(p, v, d))
		err = -EINVAL;
	if ((v = ymap_get(n, "egress")) && policy_parse_egress(p, v, d))
		err = -EINVAL;
	return err;
}
