/* Loading, switching and unloading a policy across every module. Used by
 * the daemon and by `warden run`. */
#ifndef WARDEN_AGENT_H
#define WARDEN_AGENT_H
#include <stdint.h>
#include <bpf/libbpf.h>
#include "policy/diag.h"

struct policy;
struct jbuf;

struct agent {
	struct ring_buffer *rb;
	struct policy *active;		/* the policy enforced now */
	struct policy *previous;	/* kept for events still in flight */
};

/* Load the modules p needs, then switch to p atomically. On failure the
 * running policy (if any) stays and the reasons are in d. Takes ownership
 * of p on success. */
int agent_apply(struct agent *a, struct policy *p, struct diags *d);
/* Compile the active policy again, as it is (what its selectors name
 * changed: a cgroup recreated), whichever way it came: --policy, the
 * built-in one, or `policy apply`. 0 or -errno; it stays active. */
int agent_recompile(struct agent *a, struct diags *d);
void agent_stats_json(struct agent *a, struct jbuf *j);
void agent_tick(struct agent *a);
/* Events lost by every loaded module's kernel side. */
uint64_t agent_lost(struct agent *a);
void agent_unload(struct agent *a);
#endif
