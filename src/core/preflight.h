/* What must hold before warden loads: the machine (root, BTF), and the
 * policy on this kernel. The daemon and `warden policy check` both ask
 * preflight_policy(), so a rule that cannot hold is reported by both, in
 * the same words. */
#ifndef WARDEN_PREFLIGHT_H
#define WARDEN_PREFLIGHT_H
#include <stdbool.h>
#include <stddef.h>
#include "core/probe.h"

struct policy;
struct diags;

/* One line naming what is missing when the agent cannot start at all:
 * not root, no BTF. Also mounts tracefs if nobody has (tracepoint ids are
 * read there). Returns 0 or -errno after printing. */
int check_can_load_bpf(void);

/* What the policy checks know of a kernel: the probe's answers and its
 * tracepoints (core/probe.h). this_kernel asks the running one. */
struct kernel_view {
	bool (*has)(enum probe_feature f);
	const char *(*why)(enum probe_feature f);
	int (*tracepoint)(const char *category, const char *name);
	int (*syscall_tp)(const char *syscall, char *tp, size_t len);
};
extern const struct kernel_view this_kernel;

/* Every place p cannot hold as written on kernel k, at the rule's
 * FILE:LINE:COL: a "warning: " where warden falls back (deny becomes a
 * kill) or a rule cannot trigger, a "note: " for what a rule catches
 * beyond its files, an error where nothing can enforce it or the policy
 * says on_unsupported: fail. Returns -EOPNOTSUPP if it added an error,
 * else 0. Probes only what p needs (core/probe.h). */
int preflight_policy(const struct policy *p, const struct kernel_view *k,
		     struct diags *d);
#endif
