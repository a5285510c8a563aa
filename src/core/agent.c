#include <errno.h>
#include <time.h>
#include "core/agent.h"
#include "lib/log.h"
#include "lib/json.h"
#include "core/module.h"
#include "policy/policy.h"

static int load_wanted(struct agent *a, const struct policy *p)
{
	for (int i = 0; i < n_modules; i++) {
		struct module *m = modules[i];
		struct timespec t0;
		int err;

		if (m->loaded || !m->wanted(p))
			continue;
		clock_gettime(CLOCK_MONOTONIC, &t0);
		err = m->load(&a->rb);
		if (err)
			return err;
		m->loaded = true;
		log_debug("%s: programs loaded and attached in %.1f ms", m->name,
			  log_phase_ms(&t0));
	}
	return 0;
}

/* Every loaded module compiles p into its inactive generation, then all
 * switch, or none does. */
static int switch_to(struct agent *a, const struct policy *p, struct diags *d)
{
	struct timespec t0;
	int err = load_wanted(a, p), i;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (err) {
		diag_add(d, 0, 0, "cannot load the programs this policy needs");
		return err;
	}
	for (i = 0; i < n_modules; i++) {
		if (!modules[i]->loaded)
			continue;
		err = modules[i]->prepare(p, d);
		if (err)
			break;
	}
	if (err) {
		while (i-- > 0)
			if (modules[i]->loaded)
				modules[i]->abort();
		return err;
	}
	for (i = 0; i < n_modules; i++)
		if (modules[i]->loaded)
			modules[i]->commit();
	log_debug("policy compiled, written and switched in %.1f ms",
		  log_phase_ms(&t0));
	return 0;
}

int agent_apply(struct agent *a, struct policy *p, struct diags *d)
{
	int err = switch_to(a, p, d);

	if (err)
		return err;
	policy_free(a->previous);
	a->previous = a->active;
	a->active = p;
	return 0;
}

int agent_recompile(struct agent *a, struct diags *d)
{
	return a->active ? switch_to(a, a->active, d) : 0;
}

void agent_stats_json(struct agent *a, struct jbuf *j)
{
	for (int i = 0; i < n_modules; i++)
		if (modules[i]->loaded && modules[i]->stats)
			modules[i]->stats(j);
}

uint64_t agent_lost(struct agent *a)
{
	uint64_t lost = 0;

	for (int i = 0; i < n_modules; i++)
		if (modules[i]->loaded && modules[i]->lost)
			lost += modules[i]->lost();
	return lost;
}

void agent_tick(struct agent *a)
{
	for (int i = 0; i < n_modules; i++)
		if (modules[i]->loaded && modules[i]->tick)
			modules[i]->tick();
}

void agent_unload(struct agent *a)
{
	for (int i = n_modules - 1; i >= 0; i--) {
		if (!modules[i]->loaded)
			continue;
		modules[i]->unload();
		modules[i]->loaded = false;
	}
	ring_buffer__free(a->rb);
	a->rb = NULL;
	policy_free(a->previous);
	policy_free(a->active);
	a->previous = a->active = NULL;
}
