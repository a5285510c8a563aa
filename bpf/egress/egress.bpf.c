// SPDX-License-Identifier: GPL-2.0
/* Container egress: every outbound connect() and unconnected sendmsg()
 * of every cgroup below the attach point is decided here and reported,
 * aggregated per (cgroup, destination, decision).
 *
 * cgroup/connect4/6 see TCP, UDP and ping-socket connects (TCP fast open
 * too: it goes through the same pre_connect); cgroup/sendmsg4/6 see UDP
 * datagrams sent with an address. Raw, packet and UDP-Lite sockets have
 * no (or no connected) address hook, so cgroup/sock_create reports (or
 * refuses) their creation. The
 * sock:inet_sock_set_state tracepoint gives each TCP connect its outcome.
 *
 * Returning 0 from a sock_addr program makes the syscall fail with EPERM. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "lib/bits.h"
#include <bpf/bpf_endian.h>
#include "warden/egress_abi.h"

char LICENSE[] SEC("license") = "GPL";

#define AF_INET		2
#define AF_INET6	10
#define AF_PACKET	17
#define SOCK_STREAM	1
#define SOCK_RAW	3
#define IPPROTO_ICMP	1
#define IPPROTO_ICMPV6	58
#define IPPROTO_UDPLITE	136
#define TCP_ESTABLISHED	1
#define TCP_SYN_SENT	2
#define TCP_CLOSE	7
#define ETIMEDOUT	110
#define ECONNREFUSED	111
#define ENETUNREACH	101
#define EHOSTUNREACH	113

#define ALLOW	1	/* sock_addr / sock_create return values */
#define REFUSE	0

/* Written by user space through the mmap'ed .bss, one aligned store each:
 * the policy generation in force and the aggregation epoch being filled. */
volatile __u32 active_gen;
volatile __u32 agg_epoch;

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1 << 20);
} egr_events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, ELOSS__COUNT);
	__type(key, __u32);
	__type(value, __u64);
} egr_losses SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, EGRESS_GENS);
	__type(key, __u32);
	__type(value, struct egress_config);
} egr_config SEC(".maps");

/* Suspicious destinations; key class = VERDICT_ALERT or VERDICT_BLOCK. */
struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, EGRESS_NET_ENTRIES);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct egress_net_key);
	__type(value, struct egress_net_val);
} egr_suspect SEC(".maps");

/* Per-scope allow-lists; key class = scope id. */
struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, EGRESS_NET_ENTRIES);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct egress_net_key);
	__type(value, struct egress_net_val);
} egr_allow SEC(".maps");

/* Scope membership: cgroup (and its subtree) -> scope bits. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct egress_cg_key);
	__type(value, __u64);
} egr_scope_cg SEC(".maps");

/* Scope membership: binary (dev, inode) -> scope bits. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct egress_bin_key);
	__type(value, __u64);
} egr_scope_bin SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, EGRESS_AGG_ENTRIES);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct egress_agg_key);
	__type(value, struct egress_agg_val);
} egr_agg SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, EGRESS_AGG_ENTRIES);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct egress_agg_key);
	__type(value, struct egress_outcomes);
} egr_outcomes SEC(".maps");

/* A TCP socket's pending connect, until SYN_SENT ends. */
struct {
	__uint(type, BPF_MAP_TYPE_SK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct egress_sk_info);
} egr_connecting SEC(".maps");

static __always_inline void count_loss(__u32 site)
{
	__u64 *n = bpf_map_lookup_elem(&egr_losses, &site);

	if (n)
		*n += 1;
}

/* One outbound attempt, as the hooks see it. */
struct attempt {
	struct egress_agg_key key;
	__u8 family;
	__u16 sock_type;
};

/* ---- scopes ---------------------------------------------------------- */

static __always_inline __u64 cgroup_scopes(__u32 gen)
{
	struct egress_cg_key k = { .gen = gen };
	__u64 bits = 0, *v;

	/* level 0 is the root; the walk ends past the current cgroup */
	for (int level = 0; level < EGRESS_CG_LEVELS; level++) {
		k.cgroup_id = bpf_get_current_ancestor_cgroup_id(level);
		if (!k.cgroup_id)
			break;
		v = bpf_map_lookup_elem(&egr_scope_cg, &k);
		if (v)
			bits |= *v;
	}
	return bits;
}

static __always_inline __u64 binary_scopes(__u32 gen)
{
	struct task_struct *t = bpf_get_current_task_btf();
	struct egress_bin_key k = { .gen = gen };
	struct file *exe = BPF_CORE_READ(t, mm, exe_file);
	__u64 *v;

	if (!exe)
		return 0;
	k.ino = BPF_CORE_READ(exe, f_inode, i_ino);
	k.dev = BPF_CORE_READ(exe, f_inode, i_sb, s_dev);
	v = bpf_map_lookup_elem(&egr_scope_bin, &k);
	return v ? *v : 0;
}

/* The scopes the calling process is in: every constrained dimension of a
 * scope must match (cgroup AND binary); within one, any value does. */
static __always_inline __u64 current_scopes(const struct egress_config *cf,
					    __u32 gen)
{
	__u64 cg = cf->cg_wild, bin = cf->bin_wild;

	if (cf->uses_cgroup)
		cg |= cgroup_scopes(gen);
	if (cf->uses_binary)
		bin |= binary_scopes(gen);
	return cf->scopes & cg & bin;
}

/* The first of scopes whose allow-list holds the address, or -1. */
static __always_inline int allowing_scope(__u64 scopes,
					  struct egress_net_key *k)
{
	for (int i = 0; i < EGRESS_MAX_SCOPES && scopes; i++) {
		int s = lowest_bit(scopes);

		scopes &= scopes - 1;
		k->class = s;
		if (bpf_map_lookup_elem(&egr_allow, k))
			return s;
	}
	return -1;
}

/* ---- decision -------------------------------------------------------- */

static __always_inline void set_verdict(struct attempt *a, __u8 verdict,
					__u8 reason, __u32 id)
{
	a->key.verdict = verdict;
	a->key.reason = reason;
	a->key.list = id + 1;
}

static __always_inline bool listed(struct egress_net_key *k, __u8 class,
				   struct attempt *a)
{
	struct egress_net_val *v;

	k->class = class;
	v = bpf_map_lookup_elem(&egr_suspect, k);
	if (!v)
		return false;
	set_verdict(a, class, REASON_LIST, v->list);
	return true;
}

/* A scope's allow-list wins over the lists; then block lists, alert
 * lists, and last the defaults of the caller's scopes. */
static __always_inline void decide(struct attempt *a,
				   const struct egress_config *cf, __u32 gen)
{
	struct egress_net_key k = {
		.prefixlen = EGRESS_NET_KEY_BITS + 128, .gen = gen,
	};
	__u64 scopes = cf->scopes ? current_scopes(cf, gen) : 0;
	int s;

	__builtin_memcpy(k.addr, a->key.addr, 16);
	if (scopes && (s = allowing_scope(scopes, &k)) >= 0) {
		set_verdict(a, VERDICT_ALLOW, REASON_ALLOW, s);
		return;
	}
	if (listed(&k, VERDICT_BLOCK, a) || listed(&k, VERDICT_ALERT, a))
		return;
	if (scopes & cf->default_block)
		set_verdict(a, VERDICT_BLOCK, REASON_DEFAULT,
			    lowest_bit(scopes & cf->default_block));
	else if (scopes & cf->default_alert)
		set_verdict(a, VERDICT_ALERT, REASON_DEFAULT,
			    lowest_bit(scopes & cf->default_alert));
}

/* ---- reporting ------------------------------------------------------- */

static __always_inline int send_event(const struct attempt *a, __u32 type,
				      __u32 flags)
{
	struct egress_event *ev;
	__u64 pt = bpf_get_current_pid_tgid();

	ev = bpf_ringbuf_reserve(&egr_events, sizeof(*ev), 0);
	if (!ev)
		return -1;
	__builtin_memset(ev, 0, sizeof(*ev));
	ev->type = type;
	ev->pid = pt >> 32;
	ev->tid = (__u32)pt;
	ev->uid = (__u32)bpf_get_current_uid_gid();
	ev->ktime = bpf_ktime_get_boot_ns();
	ev->cgroup_id = a->key.cgroup_id;
	__builtin_memcpy(ev->addr, a->key.addr, 16);
	ev->port = a->key.port;
	ev->proto = a->key.proto;
	ev->family = a->family;
	ev->verdict = a->key.verdict;
	ev->reason = a->key.reason;
	ev->sock_type = a->sock_type;
	ev->list = a->key.list;
	ev->flags = flags;
	ev->gen = a->key.gen;
	bpf_get_current_comm(ev->comm, sizeof(ev->comm));
	bpf_ringbuf_submit(ev, 0);
	return 0;
}

static __always_inline void first_of_entry(struct egress_agg_val *v,
					   const struct attempt *a)
{
	__u64 pt = bpf_get_current_pid_tgid();

	__builtin_memset(v, 0, sizeof(*v));
	v->count = 1;
	v->reported = 1;
	v->first_ktime = v->last_ktime = bpf_ktime_get_boot_ns();
	v->pid = pt >> 32;
	v->uid = (__u32)bpf_get_current_uid_gid();
	v->family = a->family;
	bpf_get_current_comm(v->comm, sizeof(v->comm));
}

/* The first attempt of an (entry, epoch) is sent at once; the others are
 * counted for user space's summary. Every attempt ends up in exactly one
 * count: the event's, the entry's, or a loss counter. */
static __always_inline void report(struct attempt *a)
{
	struct egress_agg_val nv, *v;

	a->key.epoch = agg_epoch & 1;
	v = bpf_map_lookup_elem(&egr_agg, &a->key);
	if (!v) {
		first_of_entry(&nv, a);
		if (!bpf_map_update_elem(&egr_agg, &a->key, &nv, BPF_NOEXIST)) {
			if (send_event(a, EGRESS_EV_CONNECT, 0) &&
			    (v = bpf_map_lookup_elem(&egr_agg, &a->key)))
				/* not sent: leave it to the summary */
				__sync_fetch_and_add(&v->reported, -1);
			return;
		}
		v = bpf_map_lookup_elem(&egr_agg, &a->key);	/* raced */
	}
	if (!v) {
		count_loss(ELOSS_AGG_FULL);
		if (send_event(a, EGRESS_EV_CONNECT, EGRESS_EVF_UNAGGREGATED))
			count_loss(ELOSS_RINGBUF_FULL);
		return;
	}
	__sync_fetch_and_add(&v->count, 1);
	v->last_ktime = bpf_ktime_get_boot_ns();
}

/* Remember a TCP connect so its outcome can be counted. */
static __always_inline void track_tcp(struct bpf_sock_addr *ctx,
				      const struct attempt *a)
{
	struct bpf_sock *sk = ctx->sk;
	struct egress_sk_info *info;

	if (!sk || a->sock_type != SOCK_STREAM)
		return;
	info = bpf_sk_storage_get(&egr_connecting, sk, 0,
				  BPF_SK_STORAGE_GET_F_CREATE);
	if (info)
		info->key = a->key;
	else
		count_loss(ELOSS_OUTCOME_FULL);
}

static __always_inline int handle(struct bpf_sock_addr *ctx, struct attempt *a)
{
	__u32 gen = active_gen & (EGRESS_GENS - 1);
	struct egress_config *cf = bpf_map_lookup_elem(&egr_config, &gen);

	if (!cf)
		return ALLOW;
	a->key.gen = gen;
	a->key.cgroup_id = bpf_get_current_cgroup_id();
	a->key.port = bpf_ntohs((__u16)ctx->user_port);
	a->key.proto = ctx->protocol;
	a->sock_type = ctx->type;
	decide(a, cf, gen);
	if (cf->report == REPORT_ALL || a->key.verdict != VERDICT_NONE) {
		report(a);
		if (a->key.verdict != VERDICT_BLOCK)
			track_tcp(ctx, a);
	}
	return a->key.verdict == VERDICT_BLOCK ? REFUSE : ALLOW;
}

static __always_inline int handle4(struct bpf_sock_addr *ctx)
{
	struct attempt a = { .family = 4 };
	__u32 ip = ctx->user_ip4;

	a.key.addr[10] = 0xff;
	a.key.addr[11] = 0xff;
	__builtin_memcpy(&a.key.addr[12], &ip, 4);
	return handle(ctx, &a);
}

/* A v4-mapped destination (::ffff:a.b.c.d) is already in the form the
 * IPv4 entries are stored in, so it matches them: no AF_INET6 bypass. */
static __always_inline int handle6(struct bpf_sock_addr *ctx)
{
	struct attempt a = { .family = 6 };
	__u32 w[4];

	w[0] = ctx->user_ip6[0];
	w[1] = ctx->user_ip6[1];
	w[2] = ctx->user_ip6[2];
	w[3] = ctx->user_ip6[3];
	__builtin_memcpy(a.key.addr, w, 16);
	return handle(ctx, &a);
}

SEC("cgroup/connect4")
int egress_connect4(struct bpf_sock_addr *ctx)
{
	return handle4(ctx);
}

SEC("cgroup/connect6")
int egress_connect6(struct bpf_sock_addr *ctx)
{
	return handle6(ctx);
}

SEC("cgroup/sendmsg4")
int egress_sendmsg4(struct bpf_sock_addr *ctx)
{
	return handle4(ctx);
}

SEC("cgroup/sendmsg6")
int egress_sendmsg6(struct bpf_sock_addr *ctx)
{
	return handle6(ctx);
}

/* Raw, packet and ping sockets can send without any address hook seeing
 * it (ping's sendto, raw's sendto, packet's sendto), so their creation is
 * what the policy decides on. So can UDP-Lite: its proto has no
 * pre_connect (connect4/6 never run) and udp_sendmsg runs the sendmsg
 * hooks only for unconnected sends, so connect() + send() goes unseen. */
SEC("cgroup/sock_create")
int egress_sock_create(struct bpf_sock *sk)
{
	__u32 gen = active_gen & (EGRESS_GENS - 1);
	struct egress_config *cf = bpf_map_lookup_elem(&egr_config, &gen);
	struct attempt a = {};
	bool raw = sk->type == SOCK_RAW || sk->family == AF_PACKET ||
		   sk->protocol == IPPROTO_ICMP || sk->protocol == IPPROTO_ICMPV6 ||
		   sk->protocol == IPPROTO_UDPLITE;

	if (!cf || !raw || cf->raw_action == VERDICT_NONE)
		return ALLOW;
	a.family = sk->family == AF_INET ? 4 : sk->family == AF_INET6 ? 6 :
		   sk->family;
	a.sock_type = sk->type;
	a.key.proto = sk->protocol;
	a.key.gen = gen;
	a.key.cgroup_id = bpf_get_current_cgroup_id();
	a.key.verdict = cf->raw_action;
	a.key.reason = REASON_SOCKET;
	if (send_event(&a, EGRESS_EV_SOCKET, 0))
		count_loss(ELOSS_RINGBUF_FULL);
	return cf->raw_action == VERDICT_BLOCK ? REFUSE : ALLOW;
}

/* ---- TCP outcomes ---------------------------------------------------- */

static __always_inline int outcome_of(const struct sock *sk, int newstate)
{
	int err;

	if (newstate == TCP_ESTABLISHED)
		return OUT_ESTABLISHED;
	err = BPF_CORE_READ(sk, sk_err);
	switch (err) {
	case ECONNREFUSED: return OUT_REFUSED;
	case ETIMEDOUT: return OUT_TIMED_OUT;
	case EHOSTUNREACH:
	case ENETUNREACH: return OUT_UNREACHABLE;
	default: return OUT_OTHER;
	}
}

/* SYN_SENT ends in ESTABLISHED or CLOSE; on CLOSE the kernel has set
 * sk_err first (tcp_done_with_error), which tells refused from timed out. */
SEC("tp_btf/inet_sock_set_state")
int BPF_PROG(egress_tcp_state, const struct sock *sk, const int oldstate,
	     const int newstate)
{
	struct egress_sk_info *info;
	struct egress_agg_key key;
	struct egress_outcomes zero = {}, *o;
	int out;

	if (oldstate != TCP_SYN_SENT ||
	    (newstate != TCP_ESTABLISHED && newstate != TCP_CLOSE))
		return 0;
	info = bpf_sk_storage_get(&egr_connecting, (struct sock *)sk, 0, 0);
	if (!info)
		return 0;
	key = info->key;
	bpf_sk_storage_delete(&egr_connecting, (struct sock *)sk);
	out = outcome_of(sk, newstate);
	key.epoch = agg_epoch & 1;
	o = bpf_map_lookup_elem(&egr_outcomes, &key);
	if (!o) {
		bpf_map_update_elem(&egr_outcomes, &key, &zero, BPF_NOEXIST);
		o = bpf_map_lookup_elem(&egr_outcomes, &key);
	}
	if (!o) {
		count_loss(ELOSS_OUTCOME_FULL);
		return 0;
	}
	if (out >= 0 && out < OUT__COUNT)
		__sync_fetch_and_add(&o->n[out], 1);
	return 0;
}
