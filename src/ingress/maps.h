/* The ingress maps, by fd, and how one generation is written and cleared. */
#ifndef WARDEN_INGRESS_MAPS_H
#define WARDEN_INGRESS_MAPS_H
#include "ingress/ingress.h"

struct ingress_maps {
	int cfg, v4, v6, sets, counters, losses;
};

/* Write generation gen of c (ifindex[i] for c->ifaces[i]); the
 * interface configs go last so a half-written gen is never consulted. */
int ingress_maps_write(const struct ingress_maps *m,
		       const struct ingress_compiled *c, const __u32 *ifindex,
		       __u32 gen);
/* Remove what ingress_maps_write wrote for gen; 0 or the last -errno
 * (what could be removed is, and a repeat is harmless). */
int ingress_maps_clear(const struct ingress_maps *m,
		       const struct ingress_compiled *c, const __u32 *ifindex,
		       __u32 gen);
/* Remove every entry of gen, whoever wrote it (maps an earlier daemon
 * pinned, whose images this one never had). */
int ingress_maps_sweep(const struct ingress_maps *m, __u32 gen);
/* Sum of rule id's per-CPU counters in gen. */
int ingress_counter_read(const struct ingress_maps *m, __u32 gen, __u32 id,
			 struct ingress_counter *sum);
#endif
