/* Egress events: the kernel's per-attempt records and user space's
 * aggregation summaries, enriched and printed. */
#ifndef WARDEN_EGRESS_EVENTS_H
#define WARDEN_EGRESS_EVENTS_H
#include <stddef.h>
#include <stdint.h>
#include "egress/egress.h"

struct egress_counts {
	uint64_t attempts;	/* sum of the counts printed */
	uint64_t events;	/* per-attempt events printed */
	uint64_t summaries;	/* summary events printed */
	uint64_t bad_records;	/* malformed ring buffer records */
};

extern struct egress_counts egress_counts;

/* Name of list/scope id + 1 in the policy of generation gen (egress.c). */
const char *egress_decider_name(__u8 gen, __u8 reason, __u32 id);

int egress_event_cb(void *ctx, void *data, size_t size);
/* Report and delete every aggregation entry of epoch (no program writes
 * to it any more). */
void egress_drain(int agg_fd, int outcomes_fd, __u8 epoch);
#endif
