/* network.ingress as parsed from the policy, and its compiled form: the
 * LPM entries and rule sets the kernel program reads. */
#ifndef WARDEN_INGRESS_H
#define WARDEN_INGRESS_H
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include "lib/cidr.h"
#include "policy/diag.h"
#include "warden/ingress_abi.h"

enum ingress_mode {
	MODE_XDP,		/* native, else generic */
	MODE_XDP_NATIVE,
	MODE_XDP_GENERIC,
	MODE_TC,		/* tcx, else a clsact qdisc filter */
};

struct ingress_rule {
	char *name;
	int line, col;
	__u8 action;		/* enum ingress_action */
	__u8 proto;		/* INGRESS_PROTO_* */
	__u16 port_lo, port_hi;	/* 0, 0: any port */
	struct cidr *cidrs;
	size_t n, cap;
};

struct ingress_iface {
	char *name;
	int line, col;
	enum ingress_mode mode;
	__u8 default_action, unparseable_action, non_ip_action;
	struct ingress_rule *rules;
	size_t nrules;
};

struct ingress_policy {
	struct ingress_iface *ifaces;
	size_t n;
	__u32 events_per_sec;
};

void policy_ingress_free(struct ingress_policy *ip);

/* names.c */
const char *ingress_mode_name(enum ingress_mode m);
const char *ingress_action_name(__u8 action);
/* "tcp", "udp", "icmp", "icmpv6", else the number in buf (len bytes). */
const char *ingress_proto_name(__u8 proto, char *buf, size_t len);

/* Rule ids within one generation: per interface the three built-in rules
 * (default, unparseable, non-IP), then its policy rules in order. */
struct ingress_rule_ref {
	int iface;		/* index in the policy */
	int rule;		/* index in the interface, or RULE_* below */
};
#define RULE_DEFAULT		(-1)
#define RULE_UNPARSEABLE	(-2)
#define RULE_NON_IP		(-3)

struct ingress_prefix {
	struct cidr c;
	__u32 set;
};

/* One interface compiled. */
struct ingress_compiled_iface {
	struct ingress_iface_cfg cfg;
	struct ingress_prefix *prefixes;	/* v4 and v6 */
	size_t nprefixes;
	__u16 first_rule;	/* id of rule 0 of the interface */
};

struct ingress_compiled {
	struct ingress_compiled_iface *ifaces;
	size_t nifaces;
	struct ingress_set *sets;	/* deduplicated, shared */
	size_t nsets;
	struct ingress_rule_ref *rules;	/* by rule id */
	size_t nrules;
};

/* Compile p into sets and prefixes; errors (too many rules covering one
 * prefix, too many sets) go to d. */
int ingress_compile(const struct ingress_policy *p,
		    struct ingress_compiled *out, struct diags *d);
void ingress_compiled_free(struct ingress_compiled *c);
/* "eth0: allow[2]" style name of a rule id; buf of len bytes. */
const char *ingress_rule_name(const struct ingress_policy *p,
			      const struct ingress_compiled *c, __u32 id,
			      char *buf, size_t len);
/* Print the compiled table (prefixes with their ordered rules). */
void ingress_explain(const struct ingress_policy *p,
		     const struct ingress_compiled *c, FILE *f, size_t limit);
#endif
