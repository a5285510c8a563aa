/* The registry the policy sections plug into. The policy core parses the
 * keys it owns (version, name, description, self_protection,
 * on_unsupported) and hands every other section to the module that
 * registered it, so it never names a module and no module is linked back
 * into it.
 *
 * A key is a top-level section ("rules") or a subsection of a group
 * ("network.ingress"): the group itself must be a mapping whose keys are
 * the registered subsections. */
#ifndef WARDEN_POLICY_SECTION_H
#define WARDEN_POLICY_SECTION_H
#include "policy/diag.h"

struct policy;
struct ynode;

struct policy_section {
	const char *key;
	/* Sections are parsed in ascending order, so messages come in a
	 * stable order whatever the link order. */
	int order;
	/* Validate n into p; add diagnostics and return -EINVAL on errors.
	 * NULL: the key is allowed but read elsewhere (`run:`). */
	int (*parse)(struct policy *p, const struct ynode *n, struct diags *d);
	/* Free what parse stored in p (NULL: nothing). */
	void (*free)(struct policy *p);
	struct policy_section *next;	/* the registry's own */
};

void policy_section_register(struct policy_section *s);
/* Every registered section, in order; NULL after the last. */
const struct policy_section *policy_sections(void);

/* Register section VAR (a static struct policy_section) before main(). */
#define POLICY_SECTION(var)						\
	__attribute__((constructor)) static void var##_register(void)	\
	{								\
		policy_section_register(&var);				\
	}
#endif
