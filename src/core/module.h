/* A part of the agent that owns BPF programs (process, ingress, egress).
 * Policy changes are two-phase across all modules: every module prepares
 * the new policy without effect, and only if all succeed does each commit
 * (an atomic switch); otherwise each aborts and the old policy stays. */
#ifndef WARDEN_MODULE_H
#define WARDEN_MODULE_H
#include <stdbool.h>
#include <stdint.h>
#include <bpf/libbpf.h>
#include "policy/diag.h"
#include "lib/json.h"

struct policy;
struct prom;

struct module {
	const char *name;
	/* Does this policy need the module? (process: always) */
	bool (*wanted)(const struct policy *p);
	/* Load and attach the programs; events go to rb. */
	int (*load)(struct ring_buffer **rb);
	/* Stage p (inactive); errors go to d. */
	int (*prepare)(const struct policy *p, struct diags *d);
	void (*commit)(void);
	void (*abort)(void);
	/* Counters, as keys of the open object j (for stats and status). */
	void (*stats)(struct jbuf *j);
	/* Events the kernel side could not deliver, all causes (stats). */
	uint64_t (*lost)(void);
	/* Samples (no headers) of warden_losses_total and
	 * warden_rule_matches_total for the metrics endpoint (optional). */
	void (*prom_losses)(struct prom *p);
	void (*prom_matches)(struct prom *p);
	/* Periodic work (refresh lists, resync), once a second. */
	void (*tick)(void);
	void (*unload)(void);
	bool loaded;
};

extern struct module process_module;
extern struct module egress_module;
extern struct module ingress_module;
extern struct module *const modules[];
extern const int n_modules;

/* Add a ring buffer map to the shared poller (created on first use); fn
 * gets ctx, the module's state, with every record. */
int rb_add(struct ring_buffer **rb, int map_fd, ring_buffer_sample_fn fn,
	   void *ctx);
#endif
