/* The contract between bpf/run/run_net.bpf.c and src/run/net.c. */
#ifndef WARDEN_RUN_NET_ABI_H
#define WARDEN_RUN_NET_ABI_H
#ifndef __bpf__
#include <linux/types.h>
#endif

/* Allow-list keys. The value (__u64) is when the entry ends, in
 * CLOCK_MONOTONIC nanoseconds (bpf_ktime_get_ns); 0 = for the whole run
 * (the policy's own prefixes). DNS answers add /32 and /128 entries that
 * end with their (bounded) TTL. */
struct lpm4 {
	__u32 prefixlen;
	__u8 addr[4];
};

struct lpm6 {
	__u32 prefixlen;
	__u8 addr[16];
};

/* Where a redirected DNS query was going (per socket), so the reply can
 * look as if it came from there. */
struct dns_dest {
	__u32 family;		/* 4 or 6; 0 = none */
	__u16 port;		/* network order */
	__u16 pad;
	__u8 addr[16];		/* v4 in the first 4 bytes */
};

/* A resolver the step may ask (redirected to the proxy): run_resolv4/6. */
struct resolver_key {
	__u8 addr[16];		/* v4 in the first 4 bytes, rest zero */
};

enum net_verdict {
	NET_ALLOWED = 0,
	NET_BLOCKED = 1,	/* enforce: EPERM */
	NET_AUDITED = 2,	/* not allowed, let through (audit) */
	NET_DNS_PROXIED = 3,	/* a resolver's port 53 redirected to the proxy */
};

enum net_kind {
	NK_CONNECT = 0,		/* connect/sendmsg to addr:port */
	NK_DNS_BYPASS = 1,	/* DNS (53, 853) to anything but the proxy */
	NK_SOCKET = 2,		/* socket(): family, sock_type, proto */
};

/* Socket kinds cgroup/sock_create decides (bits of sock_allow). TCP and
 * UDP are always created (the connect/sendmsg hooks decide them). */
enum sock_kind {
	SK_PLAIN = 0,		/* TCP or UDP */
	SK_RAW = 1,		/* SOCK_RAW */
	SK_ICMP = 2,		/* ping sockets (SOCK_DGRAM, ICMP/ICMPv6) */
	SK_UDPLITE = 3,
	SK_SCTP = 4,
	SK_MPTCP = 5,
	SK_OTHER = 6,		/* any other inet protocol */
	SK_PACKET = 7,		/* AF_PACKET: seccomp, not this hook */
	SK__COUNT
};

struct net_event {
	__u32 pid;
	__u32 family;		/* 4 or 6 (v4-mapped v6 reported as 4) */
	__u8 addr[16];
	__u16 port;		/* host order */
	__u8 proto;		/* IPPROTO_* (NK_SOCKET: the socket's) */
	__u8 verdict;		/* enum net_verdict */
	__u8 kind;		/* enum net_kind */
	__u8 sock_type;		/* SOCK_* (NK_SOCKET) */
	__u8 sock_kind;		/* enum sock_kind (NK_SOCKET) */
	__u8 pad;
};
/* LPM keys: the address right after prefixlen, no holes. */
_Static_assert(__builtin_offsetof(struct lpm4, addr) == 4, "lpm4 layout");
_Static_assert(sizeof(struct lpm4) == 4 + 4, "lpm4: no holes");
_Static_assert(__builtin_offsetof(struct lpm6, addr) == 4, "lpm6 layout");
_Static_assert(sizeof(struct lpm6) == 4 + 16, "lpm6: no holes");
_Static_assert(sizeof(struct dns_dest) == 4 + 2 + 2 + 16, "dns_dest: no holes");
_Static_assert(sizeof(struct net_event) == 4 + 4 + 16 + 2 + 1 + 1 + 4,
	       "net_event: no holes");
#endif
