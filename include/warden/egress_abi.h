/* The contract between bpf/egress.bpf.c and user space: map keys and
 * values and the event records on the ring buffer. Types are the __u*
 * family so both sides compile it. */
#ifndef WARDEN_EGRESS_ABI_H
#define WARDEN_EGRESS_ABI_H
#ifndef __bpf__
#include <linux/types.h>
#endif

#define EGRESS_GENS		2	/* policy generations (double buffer) */
#define EGRESS_MAX_SCOPES	64	/* allow-list scopes: one bit each */
#define EGRESS_MAX_LISTS	1024
#define EGRESS_NET_ENTRIES	(1 << 20)	/* LPM entries, both gens */
#define EGRESS_AGG_ENTRIES	65536	/* (container, destination) pairs */
#define EGRESS_CG_LEVELS	16	/* cgroup ancestors checked for scopes */
#define EGRESS_COMM_LEN		16

/* Every address is kept as 16 bytes: IPv4 as the v4-mapped IPv6 address
 * ::ffff:a.b.c.d, so a v4 entry matches both an AF_INET connect and an
 * AF_INET6 connect to the mapped form, with one lookup. */
#define EGRESS_V4_PREFIX	96	/* bits before the IPv4 part */

/* LPM key. The generation and the class (or scope) are part of the
 * prefix, so one trie holds both generations and every class; a lookup
 * always names them exactly. prefixlen = 64 + address bits. */
struct egress_net_key {
	__u32 prefixlen;
	__u32 gen;
	__u32 class;		/* egr_suspect: enum egress_verdict;
				 * egr_allow: scope id */
	__u8 addr[16];
};
#define EGRESS_NET_KEY_BITS	64	/* gen + class */

struct egress_net_val {
	__u32 list;		/* list id (suspect) or scope id (allow) */
};

/* What the kernel decided for one attempt, strongest last. */
enum egress_verdict {
	VERDICT_NONE = 0,	/* no list, no scope rule: observed only */
	VERDICT_ALLOW = 1,	/* in the allow-list of a matching scope */
	VERDICT_ALERT = 2,	/* listed with action alert; let through */
	VERDICT_BLOCK = 3,	/* refused: connect/sendmsg fails with EPERM */
};

/* Why: which kind of entry produced the verdict. */
enum egress_reason {
	REASON_NONE = 0,
	REASON_LIST = 1,	/* a suspicious-destination list */
	REASON_ALLOW = 2,	/* a scope's allow-list */
	REASON_DEFAULT = 3,	/* a scope's default for unlisted addresses */
	REASON_SOCKET = 4,	/* socket kind (raw/packet) */
};

/* What gets reported at all (the decision is enforced either way). */
enum egress_report_mode {
	REPORT_ALL = 0,		/* every attempt, aggregated */
	REPORT_MATCHES = 1,	/* alert, block, and scope decisions */
};

/* Per-generation header: how scopes combine, and what to report. */
struct egress_config {
	__u64 scopes;		/* defined scopes */
	__u64 cg_wild;		/* scopes not constrained by cgroup */
	__u64 bin_wild;		/* scopes not constrained by binary */
	__u64 default_block;	/* scopes: unlisted addresses are blocked */
	__u64 default_alert;	/* scopes: unlisted addresses alert */
	__u32 report;		/* enum egress_report_mode */
	__u32 raw_action;	/* verdict for raw / packet sockets */
	__u32 uses_cgroup;	/* some scope names cgroups: walk them */
	__u32 uses_binary;	/* some scope names binaries: read exe */
};

struct egress_cg_key {
	__u64 cgroup_id;
	__u32 gen;
	__u32 pad;
};

struct egress_bin_key {
	__u64 ino;
	__u32 dev;		/* kernel encoding: major << 20 | minor */
	__u32 gen;
};

/* Aggregation: one entry per (cgroup, destination, protocol, decision)
 * and epoch. The first attempt of an entry is sent at once; the rest are
 * counted and user space reports them when the epoch is drained. The
 * epoch flips once a second, so a drained epoch is never written to. */
struct egress_agg_key {
	__u64 cgroup_id;
	__u8 addr[16];
	__u16 port;		/* host order */
	__u8 proto;		/* IPPROTO_TCP, IPPROTO_UDP, ... */
	__u8 verdict;
	__u8 reason;
	__u8 epoch;
	__u8 gen;		/* policy generation list refers to */
	__u8 pad;
	__u32 list;		/* list or scope id + 1; 0 none */
	__u32 pad2;		/* named, so an initialiser zeroes it: hashed */
};

struct egress_agg_val {
	__u64 count;		/* attempts in this epoch */
	__u64 reported;		/* of which sent one by one */
	__u64 first_ktime, last_ktime;
	__u32 pid, uid;		/* the first attempt's */
	__u8 family;		/* socket family: 4 or 6 */
	__u8 pad[7];
	char comm[EGRESS_COMM_LEN];
};

/* TCP outcomes, from sock:inet_sock_set_state, same key as above. */
enum egress_outcome {
	OUT_ESTABLISHED = 0,
	OUT_REFUSED = 1,	/* RST to our SYN */
	OUT_TIMED_OUT = 2,
	OUT_UNREACHABLE = 3,	/* ICMP host/net unreachable */
	OUT_OTHER = 4,		/* closed in SYN_SENT for another reason */
	OUT__COUNT,
};

struct egress_outcomes {
	__u64 n[OUT__COUNT];
};

/* What a TCP socket remembers of its connect, for its outcome. */
struct egress_sk_info {
	struct egress_agg_key key;
};

enum egress_event_type {
	EGRESS_EV_CONNECT = 1,	/* connect() or an unconnected sendmsg() */
	EGRESS_EV_SOCKET = 2,	/* a raw or packet socket was created */
};

struct egress_event {
	__u32 type;
	__u32 pid, tid, uid;
	__u64 ktime;		/* CLOCK_BOOTTIME ns */
	__u64 cgroup_id;
	__u8 addr[16];
	__u16 port;
	__u8 proto;
	__u8 family;		/* socket family: 4, 6, or 17 (packet) */
	__u8 verdict;
	__u8 reason;
	__u16 sock_type;	/* SOCK_STREAM, SOCK_DGRAM, SOCK_RAW */
	__u32 list;		/* list or scope id + 1; 0 none */
	__u16 flags;		/* EGRESS_EVF_* */
	__u8 gen;		/* policy generation list refers to */
	__u8 pad;
	char comm[EGRESS_COMM_LEN];
};

#define EGRESS_EVF_UNAGGREGATED	(1u << 0)	/* aggregation table full */

/* Where attempts can go unreported in the kernel; per-CPU counters. */
enum egress_loss {
	ELOSS_RINGBUF_FULL = 0,	/* an attempt's event could not be sent */
	ELOSS_AGG_FULL = 1,	/* table full: sent one by one instead */
	ELOSS_OUTCOME_FULL = 2,	/* an outcome could not be counted */
	ELOSS__COUNT,
};
/* The invariants above, checked on both sides of the boundary. */
_Static_assert(EGRESS_GENS == 2, "gen is one of two");
_Static_assert(EGRESS_MAX_SCOPES <= 64, "scopes are bits of a __u64");
_Static_assert(EGRESS_V4_PREFIX == 96, "::ffff:a.b.c.d: 12 bytes before v4");
/* LPM key: prefixlen, then the prefix bits gen, class, addr contiguous */
_Static_assert(__builtin_offsetof(struct egress_net_key, addr) ==
	       4 + EGRESS_NET_KEY_BITS / 8, "gen + class are the first bits");
_Static_assert(sizeof(struct egress_net_key) == 4 + 4 + 4 + 16,
	       "egress_net_key: no holes");
/* hash keys: the kernel hashes every byte, so no padding holes */
_Static_assert(sizeof(struct egress_cg_key) == 8 + 4 + 4, "egress_cg_key: no holes");
_Static_assert(sizeof(struct egress_bin_key) == 8 + 4 + 4, "egress_bin_key: no holes");
/* (sizeof is 40: the 4 bytes after list are alignment padding, which
 * every key must zero) */
_Static_assert(__builtin_offsetof(struct egress_agg_key, list) == 32,
	       "egress_agg_key: no holes before list");
_Static_assert(sizeof(struct egress_agg_key) == 40,
	       "egress_agg_key: every byte of the hashed key is a named field");
_Static_assert(sizeof(struct egress_agg_val) == 64, "egress_agg_val: no holes");
_Static_assert(sizeof(struct egress_event) == 80, "egress_event: no holes");
#endif
