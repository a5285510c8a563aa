// SPDX-License-Identifier: GPL-2.0
/* The network of one `warden run`: attached to the run's cgroup only.
 *
 * - connect4/6, sendmsg4/6: destinations in run_allow4/run_allow6 (and
 *   not expired) pass; others fail with EPERM (enforce) or pass and are
 *   reported (audit).
 * - DNS: UDP and TCP port 53 to one of the resolvers warden uses
 *   (run_resolv) is rewritten to warden's proxy on loopback, which
 *   resolves the name itself and opens the answer's addresses for their
 *   TTL; recvmsg4/6 rewrite a UDP reply's source back so resolvers
 *   accept it, getpeername4/6 a TCP connection's peer. Any other DNS
 *   traffic (port 53 elsewhere, port 853 = DoT/DoQ) is a bypass:
 *   refused (enforce) or reported (audit), before the allow-list.
 * - sock_create: raw, ICMP, UDP-Lite, SCTP, MPTCP and other non-TCP/UDP
 *   inet sockets are refused unless the policy allows their kind (the
 *   address hooks do not see all of them: UDP-Lite connect + send passed). */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include "warden/run_net_abi.h"

char LICENSE[] SEC("license") = "GPL";

#define AF_INET_T 2
#define AF_INET6_T 10
#define SOCK_STREAM_T 1
#define SOCK_DGRAM_T 2
#define SOCK_RAW_T 3
#define IPPROTO_ICMP_T 1
#define IPPROTO_TCP_T 6
#define IPPROTO_UDP_T 17
#define IPPROTO_ICMPV6_T 58
#define IPPROTO_SCTP_T 132
#define IPPROTO_UDPLITE_T 136
#define IPPROTO_MPTCP_T 262

const volatile __u8 enforce = 1;
const volatile __u8 redirect_dns = 0;
const volatile __u16 proxy_port4 = 0;	/* network order; 0 = none */
const volatile __u16 proxy_port6 = 0;
const volatile __u16 proxy_tcp4 = 0;	/* the proxy's TCP listeners, likewise */
const volatile __u16 proxy_tcp6 = 0;
const volatile __u32 sock_allow = 0;	/* bits of enum sock_kind */

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, 65536);
	__type(key, struct lpm4);
	__type(value, __u64);
	__uint(map_flags, BPF_F_NO_PREALLOC);
} run_allow4 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, 65536);
	__type(key, struct lpm6);
	__type(value, __u64);
	__uint(map_flags, BPF_F_NO_PREALLOC);
} run_allow6 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16);
	__type(key, struct resolver_key);
	__type(value, __u8);
} run_resolv SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_SK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct dns_dest);
} run_dns_orig SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 256 * 1024);
} run_events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} run_lost SEC(".maps");

static __always_inline struct net_event *reserve(void)
{
	struct net_event *e = bpf_ringbuf_reserve(&run_events, sizeof(*e), 0);
	__u32 zero = 0;

	if (!e) {
		__u64 *lost = bpf_map_lookup_elem(&run_lost, &zero);

		if (lost)
			__sync_fetch_and_add(lost, 1);
		return NULL;
	}
	__builtin_memset(e, 0, sizeof(*e));
	e->pid = bpf_get_current_pid_tgid() >> 32;
	return e;
}

static __always_inline void report(__u8 kind, __u32 family, const void *addr, __u16 port_be,
		   __u32 protocol, __u8 verdict)
{
	struct net_event *e = reserve();

	if (!e)
		return;
	e->kind = kind;
	e->family = family;
	if (family == 4)
		__builtin_memcpy(e->addr, addr, 4);
	else
		__builtin_memcpy(e->addr, addr, 16);
	e->port = bpf_ntohs(port_be);
	e->proto = protocol;
	e->verdict = verdict;
	bpf_ringbuf_submit(e, 0);
}

static __u8 verdict_of(bool allowed)
{
	return allowed ? NET_ALLOWED : enforce ? NET_BLOCKED : NET_AUDITED;
}

/* An allow-list entry exists and has not ended. */
static bool live(const __u64 *until)
{
	return until && (*until == 0 || *until > bpf_ktime_get_ns());
}

static bool allowed4(__u32 ip)
{
	struct lpm4 k = { .prefixlen = 32 };

	__builtin_memcpy(k.addr, &ip, 4);
	return live(bpf_map_lookup_elem(&run_allow4, &k));
}

static bool allowed6(const __u32 *w)
{
	struct lpm6 k = { .prefixlen = 128 };

	__builtin_memcpy(k.addr, w, 16);
	return live(bpf_map_lookup_elem(&run_allow6, &k));
}

static __u32 protocol_of(struct bpf_sock_addr *ctx)
{
	return ctx->protocol ?: ctx->type == SOCK_DGRAM_T ? IPPROTO_UDP_T :
							     IPPROTO_TCP_T;
}

/* Ports of DNS: 53 (UDP, TCP) and 853 (DNS over TLS / QUIC). */
static bool dns_port(struct bpf_sock_addr *ctx)
{
	return ctx->user_port == bpf_htons(53) || ctx->user_port == bpf_htons(853);
}

/* The proxy's port for this socket's protocol (network order), 0: none. */
static __u16 proxy_port(struct bpf_sock_addr *ctx, bool v6)
{
	__u32 proto = protocol_of(ctx);

	if (proto == IPPROTO_UDP_T)
		return v6 ? proxy_port6 : proxy_port4;
	if (proto == IPPROTO_TCP_T)
		return v6 ? proxy_tcp6 : proxy_tcp4;
	return 0;
}

/* UDP or TCP 53 to a resolver warden itself uses: the proxy answers it. */
static __always_inline bool to_resolver(struct bpf_sock_addr *ctx, const void *addr, int len)
{
	struct resolver_key k = {};

	if (!redirect_dns || ctx->user_port != bpf_htons(53) ||
	    !proxy_port(ctx, len == 16))
		return false;
	if (len == 4)
		__builtin_memcpy(k.addr, addr, 4);
	else
		__builtin_memcpy(k.addr, addr, 16);
	return bpf_map_lookup_elem(&run_resolv, &k) != NULL;
}

static void remember_dns(struct bpf_sock_addr *ctx, struct dns_dest *d)
{
	struct dns_dest *st = bpf_sk_storage_get(&run_dns_orig, ctx->sk, 0,
						 BPF_SK_STORAGE_GET_F_CREATE);

	if (st)
		*st = *d;
}

/* 1 lets the call go on, 0 fails it with EPERM. */
static __always_inline int decide(struct bpf_sock_addr *ctx, __u32 family, const void *addr,
		  bool allowed)
{
	__u8 kind = NK_CONNECT, v;

	if (dns_port(ctx)) {
		kind = NK_DNS_BYPASS;	/* not the proxy: never the allow-list */
		allowed = false;
	}
	v = verdict_of(allowed);
	report(kind, family, addr, ctx->user_port, protocol_of(ctx), v);
	return v == NET_BLOCKED ? 0 : 1;
}

static __always_inline int proxy4(struct bpf_sock_addr *ctx, __u32 ip, bool mapped)
{
	struct dns_dest d = { .family = 4, .port = ctx->user_port };

	__builtin_memcpy(d.addr, &ip, 4);
	remember_dns(ctx, &d);
	report(NK_CONNECT, 4, &ip, ctx->user_port, protocol_of(ctx), NET_DNS_PROXIED);
	if (mapped)
		ctx->user_ip6[3] = bpf_htonl(0x7f000001);
	else
		ctx->user_ip4 = bpf_htonl(0x7f000001);
	ctx->user_port = proxy_port(ctx, false);
	return 1;
}

static int egress4(struct bpf_sock_addr *ctx)
{
	__u32 ip = ctx->user_ip4;

	if (to_resolver(ctx, &ip, 4))
		return proxy4(ctx, ip, false);
	return decide(ctx, 4, &ip, allowed4(ip));
}

SEC("cgroup/connect4")
int run_connect4(struct bpf_sock_addr *ctx)
{
	return egress4(ctx);
}

SEC("cgroup/sendmsg4")
int run_sendmsg4(struct bpf_sock_addr *ctx)
{
	return egress4(ctx);
}

static int egress6(struct bpf_sock_addr *ctx)
{
	__u32 w[4], ip;

	w[0] = ctx->user_ip6[0];
	w[1] = ctx->user_ip6[1];
	w[2] = ctx->user_ip6[2];
	w[3] = ctx->user_ip6[3];
	/* v4-mapped: the IPv4 rules decide */
	if (w[0] == 0 && w[1] == 0 && w[2] == bpf_htonl(0xffff)) {
		ip = w[3];
		if (to_resolver(ctx, &ip, 4))
			return proxy4(ctx, ip, true);
		return decide(ctx, 4, &ip, allowed4(ip));
	}
	if (to_resolver(ctx, w, 16)) {
		struct dns_dest d = { .family = 6, .port = ctx->user_port };

		__builtin_memcpy(d.addr, w, 16);
		remember_dns(ctx, &d);
		report(NK_CONNECT, 6, w, ctx->user_port, protocol_of(ctx),
		       NET_DNS_PROXIED);
		ctx->user_ip6[0] = 0;
		ctx->user_ip6[1] = 0;
		ctx->user_ip6[2] = 0;
		ctx->user_ip6[3] = bpf_htonl(1);
		ctx->user_port = proxy_port(ctx, true);
		return 1;
	}
	return decide(ctx, 6, w, allowed6(w));
}

SEC("cgroup/connect6")
int run_connect6(struct bpf_sock_addr *ctx)
{
	return egress6(ctx);
}

SEC("cgroup/sendmsg6")
int run_sendmsg6(struct bpf_sock_addr *ctx)
{
	return egress6(ctx);
}

/* What the proxy sends looks as if it came from the resolver asked:
 * UDP replies (recvmsg) and the peer of a TCP connection (getpeername).
 * port: the proxy's port for that protocol. */
static __always_inline int restore_resolver4(struct bpf_sock_addr *ctx,
					     __u16 port)
{
	struct dns_dest *d;

	if (!port || ctx->user_port != port ||
	    ctx->user_ip4 != bpf_htonl(0x7f000001))
		return 1;
	d = bpf_sk_storage_get(&run_dns_orig, ctx->sk, 0, 0);
	if (d && d->family == 4) {
		__u32 ip;

		__builtin_memcpy(&ip, d->addr, 4);
		ctx->user_ip4 = ip;
		ctx->user_port = d->port;
	}
	return 1;
}

static __always_inline int restore_resolver6(struct bpf_sock_addr *ctx,
					     __u16 port4, __u16 port6)
{
	struct dns_dest *d;
	__u32 w3 = ctx->user_ip6[3];
	bool mapped = ctx->user_ip6[2] == bpf_htonl(0xffff);

	if (ctx->user_ip6[0] || ctx->user_ip6[1])
		return 1;
	if (!(mapped && port4 && ctx->user_port == port4 &&
	      w3 == bpf_htonl(0x7f000001)) &&
	    !(!mapped && !ctx->user_ip6[2] && port6 &&
	      ctx->user_port == port6 && w3 == bpf_htonl(1)))
		return 1;
	d = bpf_sk_storage_get(&run_dns_orig, ctx->sk, 0, 0);
	if (!d)
		return 1;
	if (d->family == 4 && mapped) {
		__u32 ip;

		__builtin_memcpy(&ip, d->addr, 4);
		ctx->user_ip6[3] = ip;
	} else if (d->family == 6) {
		__u32 w[4];

		__builtin_memcpy(w, d->addr, 16);
		ctx->user_ip6[0] = w[0];
		ctx->user_ip6[1] = w[1];
		ctx->user_ip6[2] = w[2];
		ctx->user_ip6[3] = w[3];
	}
	ctx->user_port = d->port;
	return 1;
}

SEC("cgroup/recvmsg4")
int run_recvmsg4(struct bpf_sock_addr *ctx)
{
	return restore_resolver4(ctx, proxy_port4);
}

SEC("cgroup/recvmsg6")
int run_recvmsg6(struct bpf_sock_addr *ctx)
{
	return restore_resolver6(ctx, proxy_port4, proxy_port6);
}

SEC("cgroup/getpeername4")
int run_getpeername4(struct bpf_sock_addr *ctx)
{
	return restore_resolver4(ctx, proxy_tcp4);
}

SEC("cgroup/getpeername6")
int run_getpeername6(struct bpf_sock_addr *ctx)
{
	return restore_resolver6(ctx, proxy_tcp4, proxy_tcp6);
}

static __u8 sock_kind_of(__u32 type, __u32 proto)
{
	if (type == SOCK_RAW_T)
		return SK_RAW;
	if (proto == IPPROTO_TCP_T && type == SOCK_STREAM_T)
		return SK_PLAIN;
	if (proto == IPPROTO_UDP_T && type == SOCK_DGRAM_T)
		return SK_PLAIN;
	if (proto == IPPROTO_ICMP_T || proto == IPPROTO_ICMPV6_T)
		return SK_ICMP;
	if (proto == IPPROTO_UDPLITE_T)
		return SK_UDPLITE;
	if (proto == IPPROTO_SCTP_T)
		return SK_SCTP;
	if (proto == IPPROTO_MPTCP_T)
		return SK_MPTCP;
	return SK_OTHER;
}

/* Called for inet and inet6 sockets only (inet_create, inet6_create);
 * AF_PACKET and other families are seccomp's (src/run/seccomp.c). */
SEC("cgroup/sock_create")
int run_sock_create(struct bpf_sock *sk)
{
	__u32 family = sk->family, type = sk->type, proto = sk->protocol;
	struct net_event *e;
	__u8 kind, v;

	if (family != AF_INET_T && family != AF_INET6_T)
		return 1;
	kind = sock_kind_of(type, proto);
	if (kind == SK_PLAIN || (sock_allow & (1u << kind)))
		return 1;
	v = verdict_of(false);
	e = reserve();
	if (e) {
		e->kind = NK_SOCKET;
		e->family = family == AF_INET_T ? 4 : 6;
		e->proto = proto;
		e->sock_type = type;
		e->sock_kind = kind;
		e->verdict = v;
		bpf_ringbuf_submit(e, 0);
	}
	return v == NET_BLOCKED ? 0 : 1;
}
