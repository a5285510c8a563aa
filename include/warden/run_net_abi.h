/* The contract between bpf/run_net.bpf.c and src/run_net.c. */
#ifndef WARDEN_RUN_NET_ABI_H
#define WARDEN_RUN_NET_ABI_H
#ifndef __bpf__
#include <linux/types.h>
#endif

struct lpm4 {
	__u32 prefixlen;
	__u8 addr[4];
};

struct lpm6 {
	__u32 prefixlen;
	__u8 addr[16];
};

/* Where a redirected DNS query was going (per socket, and the latest). */
struct dns_dest {
	__u32 family;		/* 4 or 6; 0 = none */
	__u16 port;		/* network order */
	__u16 pad;
	__u8 addr[16];		/* v4 in the first 4 bytes */
};

enum net_verdict {
	NET_ALLOWED = 0,
	NET_BLOCKED = 1,	/* enforce: EPERM */
	NET_AUDITED = 2,	/* not allowed, let through (audit) */
	NET_DNS_PROXIED = 3,	/* port 53 redirected to warden's proxy */
};

struct net_event {
	__u32 pid;
	__u32 family;		/* 4 or 6 (v4-mapped v6 reported as 4) */
	__u8 addr[16];
	__u16 port;		/* host order */
	__u8 proto;		/* IPPROTO_TCP / IPPROTO_UDP */
	__u8 verdict;		/* enum net_verdict */
};
/* LPM keys: the address right after prefixlen, no holes. */
_Static_assert(__builtin_offsetof(struct lpm4, addr) == 4, "lpm4 layout");
_Static_assert(sizeof(struct lpm4) == 4 + 4, "lpm4: no holes");
_Static_assert(__builtin_offsetof(struct lpm6, addr) == 4, "lpm6 layout");
_Static_assert(sizeof(struct lpm6) == 4 + 16, "lpm6: no holes");
_Static_assert(sizeof(struct dns_dest) == 4 + 2 + 2 + 16, "dns_dest: no holes");
_Static_assert(sizeof(struct net_event) == 4 + 4 + 16 + 2 + 1 + 1,
	       "net_event: no holes");
#endif
