/* The process event decoder: check a ring-buffer record, enrich it
 * (ancestry, container) and print it, or hand it to a sink. Its state is
 * the ring buffer's ctx, so it never reaches back into the module. */
#ifndef WARDEN_PROCESS_EVENTS_H
#define WARDEN_PROCESS_EVENTS_H
#include <stddef.h>
#include "lib/json.h"
#include "process/process.h"
#include "warden/process_abi.h"

struct policy;

struct process_events {
	/* whose rule indices events of each generation carry */
	const struct policy *gen_policy[POLICY_GENS];
	process_sink_fn sink;		/* NULL: print */
	struct jbuf j;			/* the line being written */
	char path[PATH_MAX_LEN + 1];
};

/* Ring buffer callback; ctx is a struct process_events. */
int process_event_cb(void *ctx, void *data, size_t size);
#endif
