// SPDX-License-Identifier: GPL-2.0
/* Egress allow-list of one `warden run`: attached to the run's cgroup only
 * (connect4/6, sendmsg4/6, recvmsg4/6). Destinations in run_allow4/run_allow6 pass;
 * others fail with EPERM (enforce) or pass and are reported (audit). DNS
 * (UDP port 53) is rewritten to warden's proxy on loopback, which adds the
 * answers for allowed names to run_allow4/run_allow6 before replying; recvmsg
 * rewrites the reply's source back so resolvers accept it. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include "warden/run_net_abi.h"

char LICENSE[] SEC("license") = "GPL";

#define SOCK_DGRAM_T 2
#define IPPROTO_TCP_T 6
#define IPPROTO_UDP_T 17

const volatile __u8 enforce = 1;
const volatile __u8 redirect_dns = 0;
const volatile __u16 proxy_port4 = 0;	/* network order; 0 = none */
const volatile __u16 proxy_port6 = 0;

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, 65536);
	__type(key, struct lpm4);
	__type(value, __u8);
	__uint(map_flags, BPF_F_NO_PREALLOC);
} run_allow4 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, 65536);
	__type(key, struct lpm6);
	__type(value, __u8);
	__uint(map_flags, BPF_F_NO_PREALLOC);
} run_allow6 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct dns_dest);
} run_dns_up SEC(".maps");

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

static void report(__u32 family, const void *addr, __u16 port_be,
		   __u32 type, __u8 verdict)
{
	struct net_event *e = bpf_ringbuf_reserve(&run_events, sizeof(*e), 0);
	__u32 zero = 0;

	if (!e) {
		__u64 *lost = bpf_map_lookup_elem(&run_lost, &zero);

		if (lost)
			__sync_fetch_and_add(lost, 1);
		return;
	}
	__builtin_memset(e, 0, sizeof(*e));
	e->pid = bpf_get_current_pid_tgid() >> 32;
	e->family = family;
	__builtin_memcpy(e->addr, addr, family == 4 ? 4 : 16);
	e->port = bpf_ntohs(port_be);
	e->proto = type == SOCK_DGRAM_T ? IPPROTO_UDP_T : IPPROTO_TCP_T;
	e->verdict = verdict;
	bpf_ringbuf_submit(e, 0);
}

static int decide(bool allowed, __u32 family, const void *addr,
		  __u16 port_be, __u32 type)
{
	__u8 v = allowed ? NET_ALLOWED : enforce ? NET_BLOCKED : NET_AUDITED;

	report(family, addr, port_be, type, v);
	return v == NET_BLOCKED ? 0 : 1;
}

static bool allowed4(__u32 ip)
{
	struct lpm4 k = { .prefixlen = 32 };

	__builtin_memcpy(k.addr, &ip, 4);
	return bpf_map_lookup_elem(&run_allow4, &k) != NULL;
}

static bool is_dns(struct bpf_sock_addr *ctx)
{
	return redirect_dns && ctx->type == SOCK_DGRAM_T &&
	       ctx->user_port == bpf_htons(53);
}

static void remember_dns(struct bpf_sock_addr *ctx, struct dns_dest *d)
{
	struct dns_dest *st;
	__u32 zero = 0;

	bpf_map_update_elem(&run_dns_up, &zero, d, BPF_ANY);
	st = bpf_sk_storage_get(&run_dns_orig, ctx->sk, 0,
				BPF_SK_STORAGE_GET_F_CREATE);
	if (st)
		*st = *d;
}

static int egress4(struct bpf_sock_addr *ctx)
{
	__u32 ip = ctx->user_ip4;

	if (is_dns(ctx) && proxy_port4) {
		struct dns_dest d = { .family = 4, .port = ctx->user_port };

		__builtin_memcpy(d.addr, &ip, 4);
		remember_dns(ctx, &d);
		report(4, &ip, ctx->user_port, ctx->type, NET_DNS_PROXIED);
		ctx->user_ip4 = bpf_htonl(0x7f000001);
		ctx->user_port = proxy_port4;
		return 1;
	}
	return decide(allowed4(ip), 4, &ip, ctx->user_port, ctx->type);
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
	struct lpm6 k = { .prefixlen = 128 };

	w[0] = ctx->user_ip6[0];
	w[1] = ctx->user_ip6[1];
	w[2] = ctx->user_ip6[2];
	w[3] = ctx->user_ip6[3];
	/* v4-mapped: the IPv4 rules decide */
	if (w[0] == 0 && w[1] == 0 && w[2] == bpf_htonl(0xffff)) {
		ip = w[3];
		if (is_dns(ctx) && proxy_port4) {
			struct dns_dest d = { .family = 4, .port = ctx->user_port };

			__builtin_memcpy(d.addr, &ip, 4);
			remember_dns(ctx, &d);
			report(4, &ip, ctx->user_port, ctx->type, NET_DNS_PROXIED);
			ctx->user_ip6[3] = bpf_htonl(0x7f000001);
			ctx->user_port = proxy_port4;
			return 1;
		}
		return decide(allowed4(ip), 4, &ip, ctx->user_port, ctx->type);
	}
	if (is_dns(ctx) && proxy_port6) {
		struct dns_dest d = { .family = 6, .port = ctx->user_port };

		__builtin_memcpy(d.addr, w, 16);
		remember_dns(ctx, &d);
		report(6, w, ctx->user_port, ctx->type, NET_DNS_PROXIED);
		ctx->user_ip6[0] = 0;
		ctx->user_ip6[1] = 0;
		ctx->user_ip6[2] = 0;
		ctx->user_ip6[3] = bpf_htonl(1);
		ctx->user_port = proxy_port6;
		return 1;
	}
	__builtin_memcpy(k.addr, w, 16);
	return decide(bpf_map_lookup_elem(&run_allow6, &k) != NULL, 6, w,
		      ctx->user_port, ctx->type);
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

/* Replies from the proxy look as if they came from the resolver asked. */
SEC("cgroup/recvmsg4")
int run_recvmsg4(struct bpf_sock_addr *ctx)
{
	struct dns_dest *d;

	if (!proxy_port4 || ctx->user_port != proxy_port4 ||
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

SEC("cgroup/recvmsg6")
int run_recvmsg6(struct bpf_sock_addr *ctx)
{
	struct dns_dest *d;
	__u32 w3 = ctx->user_ip6[3];
	bool mapped = ctx->user_ip6[2] == bpf_htonl(0xffff);

	if (ctx->user_ip6[0] || ctx->user_ip6[1])
		return 1;
	if (!(mapped && proxy_port4 && ctx->user_port == proxy_port4 &&
	      w3 == bpf_htonl(0x7f000001)) &&
	    !(!mapped && !ctx->user_ip6[2] && proxy_port6 &&
	      ctx->user_port == proxy_port6 && w3 == bpf_htonl(1)))
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
