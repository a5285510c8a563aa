/* The egress module's state, one struct: egress.c owns the one instance
 * and hands it to events.c as the ring-buffer context, so no decoder
 * reaches back into the module's globals. */
#ifndef WARDEN_EGRESS_INTERNAL_H
#define WARDEN_EGRESS_INTERNAL_H
#include <limits.h>
#include <stdint.h>
#include <bpf/libbpf.h>
#include "core/generation.h"
#include "egress/compile.h"
#include "egress/maps.h"
#include "egress/watch.h"

#define EGRESS_MAX_ATTACH	16
#define EGRESS_CG_PROGS		5	/* connect4/6, sendmsg4/6, sock_create */
#define EGRESS_CG_CACHE		1024	/* cgroup id -> path, direct-mapped */

struct egress_bpf;
struct policy;

/* A cgroup the hooks are attached to. */
struct egress_attach {
	char path[PATH_MAX];	/* from the cgroup2 root */
	int cg_fd;
	uint64_t cg_id;		/* names its pinned links */
	struct bpf_link *links[EGRESS_CG_PROGS];
	bool wanted;		/* by the staged (or active) policy */
	bool adopted;		/* its pins replaced an earlier daemon's */
};

struct egress_counts {
	uint64_t attempts;	/* sum of the counts printed */
	uint64_t events;	/* per-attempt events printed */
	uint64_t summaries;	/* summary events printed */
	uint64_t bad_records;	/* malformed ring buffer records */
};

struct egress_state {
	struct egress_bpf *skel;
	struct egress_maps maps;
	struct generation gens;		/* the policy-switch protocol */
	struct egress_image image[EGRESS_GENS];	/* what each generation holds */
	const struct policy *gen_policy[EGRESS_GENS];
	struct vec rescanned;		/* scratch of egress_rescan */
	struct egress_attach att[EGRESS_MAX_ATTACH];
	struct egress_watch watch;
	struct egress_counts counts;
	uint64_t list_reloads;
	/* written by an earlier daemon (adopted pinned maps): what the
	 * generation holds is not in image[], so it is cleared by a scan */
	bool foreign[EGRESS_GENS];
	/* cgroup ids are never reused while the system runs, so a cached
	 * path stays right */
	struct { uint64_t id; char *path; } cg_cache[EGRESS_CG_CACHE];
};

/* attach.c. Attach where ep wants (new points only; NULL: nowhere); the
 * points it no longer names stay until egress_detach_unwanted. */
int egress_attach_wanted(struct egress_state *st,
			 const struct egress_policy *ep, struct diags *d);
/* Detach the points not wanted: after a switch (switched) with their
 * pins and those an earlier daemon left at points no longer named; after
 * an abort keeping the pins that replaced an earlier daemon's. */
void egress_detach_unwanted(struct egress_state *st, bool switched);
/* Close the daemon's links; pinned hooks stay attached. */
void egress_detach_all(struct egress_state *st);
/* Once a second: attach again (and report) every hook another process
 * detached with BPF_LINK_DETACH. Returns how many were. */
int egress_verify_links(struct egress_state *st);
/* Has an earlier daemon left cgroup hooks pinned under --pin? */
bool egress_pinned_hooks(void);

/* events.c. Ring buffer callback; ctx is the struct egress_state. */
int egress_event_cb(void *ctx, void *data, size_t size);
/* Report and delete every aggregation entry of epoch (no program writes
 * to it any more). */
void egress_drain(struct egress_state *st, int agg_fd, int outcomes_fd,
		  __u8 epoch);
void egress_events_free(struct egress_state *st);
#endif
