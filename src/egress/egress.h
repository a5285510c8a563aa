/* Container egress: the parsed `network.egress` policy.
 *
 * Model. Every outbound connect()/sendmsg() is decided in the kernel:
 *   1. the caller's scopes (policy `allow:` entries) are found from its
 *      cgroup (and ancestors) and its binary;
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
#endif
