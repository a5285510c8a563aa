/* The contract between bpf/ingress.bpf.c and user space: map keys and
 * values, the drop event, and the one decision function both sides run, so
 * `warden policy check --explain` and the kernel cannot disagree. */
#ifndef WARDEN_INGRESS_ABI_H
#define WARDEN_INGRESS_ABI_H
#ifndef __bpf__
#include <linux/types.h>
#endif

/* Policies are double-buffered by generation: every key carries the
 * generation, user space fills !active, then flips active_gen in one
 * store. Packets see the old set or the new one, never neither. */
#define INGRESS_GENS		2
#define INGRESS_MAX_RULES	4096	/* rule ids per generation */
#define INGRESS_MAX_SETS	4096	/* distinct rule sets per generation */
#define INGRESS_SET_LEN		8	/* rules that can cover one prefix */
#define INGRESS_MAX_V4		(4u << 20)	/* both generations together */
#define INGRESS_MAX_V6		(1u << 20)
#define INGRESS_MAX_VLANS	2	/* 802.1ad outer + 802.1Q inner */
#define INGRESS_MAX_EXTHDRS	6	/* IPv6 extension headers walked */

enum ingress_action {
	INGRESS_PASS = 0,
	INGRESS_DROP = 1,
};

/* What the rule walk of one prefix concluded. */
enum ingress_verdict {
	VERDICT_DEFAULT = 0,	/* no rule matched: the interface default */
	VERDICT_RULE = 1,	/* a rule matched: its action */
	VERDICT_UNPARSEABLE = 2,/* a rule needs ports the packet lacks */
};

/* Protocol of a rule. ICMP covers ICMP and ICMPv6. */
#define INGRESS_PROTO_ANY	0
#define INGRESS_PROTO_ICMP	1
#define INGRESS_PROTO_TCP	6
#define INGRESS_PROTO_UDP	17
#define INGRESS_PROTO_ICMPV6	58

/* key scope: generation in the top bit, ifindex below */
#define INGRESS_SCOPE(gen, ifindex) (((__u32)(gen) << 31) | (__u32)(ifindex))
#define INGRESS_SCOPE_BITS	32

/* LPM keys: prefixlen counts the 32 scope bits plus the address prefix. */
struct ingress_key4 {
	__u32 prefixlen;
	__u32 scope;
	__u8 addr[4];
};

struct ingress_key6 {
	__u32 prefixlen;
	__u32 scope;
	__u8 addr[16];
};

/* One rule as seen from one prefix. */
struct ingress_entry {
	__u16 rule;		/* rule id (counter index within the gen) */
	__u8 action;		/* enum ingress_action */
	__u8 proto;		/* INGRESS_PROTO_* */
	__u16 port_lo, port_hi;	/* destination ports; 0, 0: any */
};

/* Every rule covering a prefix, in precedence order: longest prefix
 * first, drop before pass at equal length, then policy order. The first
 * entry that matches the packet decides. */
struct ingress_set {
	__u32 n;
	struct ingress_entry e[INGRESS_SET_LEN];
};

struct ingress_iface_key {
	__u32 gen;
	__u32 ifindex;
};

struct ingress_iface_cfg {
	__u8 default_action;
	__u8 unparseable_action;	/* truncated, too deep, ports unknown */
	__u8 non_ip_action;		/* ARP and anything not IPv4/IPv6 */
	__u8 pad;
	__u16 default_rule;		/* counter ids of the three above */
	__u16 unparseable_rule;
	__u16 non_ip_rule;
	__u16 pad2;
	__u32 events_per_sec;		/* drop events per CPU; 0: none */
};

struct ingress_counter {
	__u64 packets;
	__u64 bytes;
};

/* Drop event; addresses in network byte order, v4 in the first 4 bytes. */
struct ingress_event {
	__u64 ktime;
	__u64 suppressed;		/* events rate-limited since the last */
	__u32 ifindex;
	__u32 gen;
	__u16 rule;
	__u8 family;			/* 4 or 6; 0: not IP */
	__u8 proto;
	__u16 sport, dport;		/* host order; 0 when unknown */
	__u32 len;
	__u8 src[16];
	__u8 dst[16];
};

/* Per-CPU token bucket for drop events. */
struct ingress_budget {
	__u64 last_ns;
	__u64 tokens;			/* scaled by 1e9 */
	__u64 suppressed;
};

enum ingress_loss {
	INGRESS_LOSS_RINGBUF = 0,	/* ring buffer full */
	INGRESS_LOSS_RATE = 1,		/* suppressed by the rate limit */
	INGRESS_LOSS__COUNT,
};

/* The packet facts the decision needs. */
struct ingress_pkt {
	__u8 proto;
	__u8 ports_known;	/* 0 for non-first fragments, short L4 */
	__u16 dport;
};

static inline int ingress_proto_matches(__u8 want, __u8 got)
{
	if (want == INGRESS_PROTO_ANY || want == got)
		return 1;
	return want == INGRESS_PROTO_ICMP && got == INGRESS_PROTO_ICMPV6;
}

/* The decision for a packet whose source matched a prefix with rule set s.
 * *entry is the index of the deciding entry (VERDICT_RULE, or the entry
 * that needed ports for VERDICT_UNPARSEABLE). */
static inline int ingress_decide(const struct ingress_set *s,
				 const struct ingress_pkt *p, __u32 *entry)
{
	for (__u32 i = 0; i < INGRESS_SET_LEN; i++) {
		const struct ingress_entry *e = &s->e[i];

		if (i >= s->n)
			break;
		if (!ingress_proto_matches(e->proto, p->proto))
			continue;
		*entry = i;
		if (e->port_hi == 0)
			return VERDICT_RULE;
		if (!p->ports_known)
			return VERDICT_UNPARSEABLE;
		if (p->dport >= e->port_lo && p->dport <= e->port_hi)
			return VERDICT_RULE;
	}
	return VERDICT_DEFAULT;
}
/* The invariants above, checked on both sides of the boundary. */
_Static_assert(INGRESS_GENS == 2, "the generation is one bit of the scope");
_Static_assert(INGRESS_SCOPE_BITS == 8 * sizeof(__u32), "scope is a __u32");
_Static_assert(INGRESS_MAX_RULES <= 0x10000, "rule ids are __u16");
/* LPM keys: prefixlen, then scope and address contiguous, no holes */
_Static_assert(__builtin_offsetof(struct ingress_key4, addr) ==
	       4 + INGRESS_SCOPE_BITS / 8, "key4: scope then address");
_Static_assert(sizeof(struct ingress_key4) == 4 + 4 + 4, "key4: no holes");
_Static_assert(__builtin_offsetof(struct ingress_key6, addr) ==
	       4 + INGRESS_SCOPE_BITS / 8, "key6: scope then address");
_Static_assert(sizeof(struct ingress_key6) == 4 + 4 + 16, "key6: no holes");
_Static_assert(sizeof(struct ingress_iface_key) == 4 + 4, "iface_key: no holes");
_Static_assert(sizeof(struct ingress_entry) == 8, "ingress_entry: no holes");
_Static_assert(sizeof(struct ingress_set) ==
	       4 + INGRESS_SET_LEN * sizeof(struct ingress_entry),
	       "ingress_set: no holes (sets are compared with memcmp)");
_Static_assert(sizeof(struct ingress_iface_cfg) == 16, "iface_cfg: no holes");
#endif
