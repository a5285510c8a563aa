/* Container egress: the parsed `network.egress` policy, and the C API the
 * rest of warden (and `warden run`) uses to drive the egress module.
 *
 * Model. Every outbound connect()/sendmsg() is decided in the kernel:
 *   1. the caller's scopes (policy `allow:` entries or run-time scopes)
 *      are found from its cgroup (and ancestors) and its binary;
 *   2. if one of those scopes' allow-list holds the destination: allow;
 *   3. else if a `block` list holds it: EPERM; else an `alert` list: alert;
 *   4. else the strongest `default:` of the caller's scopes (block, alert),
 *      or nothing (the attempt is only observed).
 * Addresses are matched in one 16-byte form (IPv4 as ::ffff:a.b.c.d), so a
 * v4-mapped IPv6 destination is the IPv4 address it names. */
#ifndef WARDEN_EGRESS_H
#define WARDEN_EGRESS_H
#include <stddef.h>
#include <stdint.h>
#include "lib/cidr.h"
#include "warden/egress_abi.h"
#include "policy/policy.h"

/* Addresses written inline and list files (one entry per line). */
struct egress_source {
	struct cidr *nets;
	size_t nnets;
	struct strv files;	/* absolute paths, positions of the YAML */
};

/* A suspicious-destination list. */
struct egress_list {
	char *name;
	int line, col;
	uint8_t action;		/* VERDICT_ALERT or VERDICT_BLOCK */
	struct egress_source src;
};

/* An allow-list scope: who (all given kinds must match; within a kind,
 * any value) may reach what, and what happens to everything else. */
struct egress_scope {
	char *name;
	int line, col;
	struct strv containers;	/* 12..64 hex digits, prefix of the id */
	struct strv cgroups;	/* cgroup subtrees, from the cgroup2 root */
	struct strv binaries;	/* exact absolute paths */
	uint8_t deflt;		/* VERDICT_NONE (the lists decide), ALERT, BLOCK */
	struct egress_source src;
};

struct egress_policy {
	uint8_t report;		/* enum egress_report_mode */
	uint8_t raw_action;	/* raw/packet/ping sockets: NONE, ALERT, BLOCK */
	struct strv attach;	/* cgroups to attach at; none: the root */
	struct egress_list *lists;
	size_t nlists;
	struct egress_scope *scopes;
	size_t nscopes;
};

void policy_egress_free(struct egress_policy *ep);

const char *egress_verdict_name(uint8_t verdict);

/* ---- API for `warden run` (and anything else that owns a cgroup) ------
 *
 * A run-time scope is a cgroup subtree with its own allow-list and
 * default, independent of the policy file: it survives policy reloads and
 * list-file updates. Typical CI use, after the egress module is loaded:
 *
 *	int s = egress_scope_add(step_cgroup_id, VERDICT_BLOCK, "ci-step");
 *	egress_allow_add(s, &github_cidr);          // from the pipeline policy
 *	...                                         // for each DNS answer:
 *	egress_allow_add(s, &answer);               // in force at once
 *	egress_set_listener(on_conn, report);       // for the final report
 *
 * Scope ids count down from EGRESS_MAX_SCOPES - 1 so they never collide
 * with the policy's scopes (0, 1, ...). All functions return negative
 * errno on failure; the daemon is single-threaded, so call them from the
 * thread that runs the agent. */

/* Add a scope for the cgroup subtree cgroup_id; deflt is VERDICT_NONE,
 * VERDICT_ALERT or VERDICT_BLOCK (allow-list mode). Returns the scope id. */
int egress_scope_add(uint64_t cgroup_id, uint8_t deflt, const char *name);
/* Remove a run-time scope and its allow-list. */
int egress_scope_remove(int scope);
/* Allow destination c for scope; written into the kernel's active
 * generation immediately (no window: an insert is atomic) and kept for
 * later rebuilds. */
int egress_allow_add(int scope, const struct cidr *c);

/* One reported connection attempt (or several, aggregated). */
struct egress_report {
	const struct egress_event *ev;	/* the first attempt's details */
	uint64_t count;			/* attempts this report stands for */
	const uint64_t *outcomes;	/* OUT__COUNT counters, or NULL */
	bool summary;			/* from aggregation, not the attempt */
	const char *cgroup;		/* path below the cgroup2 root, or NULL */
	const char *binary;		/* or NULL */
	const char *decided_by;		/* list or scope name, or NULL */
};
typedef void (*egress_listener_fn)(const struct egress_report *r, void *arg);
/* Called for every report, after it is printed. NULL to stop. */
void egress_set_listener(egress_listener_fn fn, void *arg);
#endif
