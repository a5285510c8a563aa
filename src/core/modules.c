/* Every module of the agent, in load order. Kept apart from the code the
 * modules call (rb_add in ringbuf.c) so the table and the modules do not
 * depend on each other. */
#include "core/module.h"

struct module *const modules[] = {
	&process_module,
	&egress_module,
	&ingress_module,
};
const int n_modules = sizeof(modules) / sizeof(modules[0]);
