// SPDX-License-Identifier: GPL-2.0
/* Ingress filter: per interface, source prefixes (LPM tries) map to a
 * small ordered rule set; the first rule that matches the packet's protocol
 * and destination port decides, else the interface default. The same code
 * runs as XDP (native or generic) or as a TC/tcx classifier. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include "warden/ingress_abi.h"

char LICENSE[] SEC("license") = "GPL";

#define ETH_P_IP	0x0800
#define ETH_P_IPV6	0x86DD
#define ETH_P_8021Q	0x8100
#define ETH_P_8021AD	0x88A8
#define IP_MF		0x2000
#define IP_OFFSET	0x1FFF
#define TC_ACT_OK	0
#define TC_ACT_SHOT	2

/* Flipped by user space through the mmap'ed .bss (see ingress_abi.h). */
volatile __u32 active_gen;

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 2 * 256);
	__type(key, struct ingress_iface_key);
	__type(value, struct ingress_iface_cfg);
} ing_iface_cfg SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, INGRESS_MAX_V4);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct ingress_key4);
	__type(value, __u32);			/* rule set id */
} ing_prefix_v4 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, INGRESS_MAX_V6);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct ingress_key6);
	__type(value, __u32);
} ing_prefix_v6 SEC(".maps");

/* key: gen * INGRESS_MAX_SETS + set id */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, INGRESS_GENS * INGRESS_MAX_SETS);
	__type(key, __u32);
	__type(value, struct ingress_set);
} ing_rule_sets SEC(".maps");

/* key: gen * INGRESS_MAX_RULES + rule id */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, INGRESS_GENS * INGRESS_MAX_RULES);
	__type(key, __u32);
	__type(value, struct ingress_counter);
} ing_counters SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1 << 20);
} ing_events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct ingress_budget);
} ing_budget SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, INGRESS_LOSS__COUNT);
	__type(key, __u32);
	__type(value, __u64);
} ing_losses SEC(".maps");

/* What parsing found; addresses in network byte order. */
struct parsed {
	struct ingress_pkt pkt;
	__u8 family;		/* 4, 6; 0 not IP */
	__u8 unparseable;
	__u16 sport;
	__u8 src[16];
	__u8 dst[16];
};

struct verdict {
	__u16 rule;
	__u8 action;
};

static __always_inline void count_loss(__u32 site, __u64 n)
{
	__u64 *v = bpf_map_lookup_elem(&ing_losses, &site);

	if (v)
		*v += n;
}

static __always_inline void count_rule(__u32 gen, __u16 rule, __u32 len)
{
	__u32 key = gen * INGRESS_MAX_RULES + rule;
	struct ingress_counter *c = bpf_map_lookup_elem(&ing_counters, &key);

	if (c) {
		c->packets++;
		c->bytes += len;
	}
}

/* Token bucket: rate per second, burst of one second's worth. */
static __always_inline bool event_allowed(__u32 rate, __u64 *suppressed)
{
	__u32 zero = 0;
	struct ingress_budget *b = bpf_map_lookup_elem(&ing_budget, &zero);
	__u64 now = bpf_ktime_get_boot_ns(), cap = (__u64)rate * 1000000000ULL;

	if (!b || !rate)
		return false;
	b->tokens += (now - b->last_ns) * rate;
	if (b->tokens > cap || b->last_ns == 0)
		b->tokens = cap;
	b->last_ns = now;
	if (b->tokens < 1000000000ULL) {
		b->suppressed++;
		count_loss(INGRESS_LOSS_RATE, 1);
		return false;
	}
	b->tokens -= 1000000000ULL;
	*suppressed = b->suppressed;
	b->suppressed = 0;
	return true;
}

static __always_inline void emit_drop(const struct parsed *p, __u32 ifindex,
				      __u32 gen, __u16 rule, __u32 len,
				      __u32 rate)
{
	struct ingress_event *e;
	__u64 suppressed = 0;

	if (!event_allowed(rate, &suppressed))
		return;
	e = bpf_ringbuf_reserve(&ing_events, sizeof(*e), 0);
	if (!e) {
		count_loss(INGRESS_LOSS_RINGBUF, 1);
		return;
	}
	e->ktime = bpf_ktime_get_boot_ns();
	e->suppressed = suppressed;
	e->ifindex = ifindex;
	e->gen = gen;
	e->rule = rule;
	e->family = p->family;
	e->proto = p->pkt.proto;
	e->sport = p->sport;
	e->dport = p->pkt.dport;
	e->len = len;
	__builtin_memcpy(e->src, p->src, 16);
	__builtin_memcpy(e->dst, p->dst, 16);
	bpf_ringbuf_submit(e, 0);
}

/* ---- parsing ---------------------------------------------------------- */

struct cursor {
	void *pos;
	void *end;
};

#define PULL(c, type) ({						\
	type *_h = (c)->pos;						\
	if ((void *)(_h + 1) > (c)->end)				\
		_h = NULL;						\
	else								\
		(c)->pos = _h + 1;					\
	_h;								\
})

/* Destination port of a TCP or UDP header at c; sets ports_known. */
static __always_inline void parse_ports(struct cursor *c, struct parsed *p)
{
	struct udphdr *u;	/* the ports sit alike in TCP and UDP */

	if (p->pkt.proto != INGRESS_PROTO_TCP && p->pkt.proto != INGRESS_PROTO_UDP)
		return;
	u = PULL(c, struct udphdr);
	if (!u)
		return;
	p->sport = bpf_ntohs(u->source);
	p->pkt.dport = bpf_ntohs(u->dest);
	p->pkt.ports_known = 1;
}

static __always_inline int parse_ipv4(struct cursor *c, struct parsed *p)
{
	struct iphdr *ip = PULL(c, struct iphdr);
	__u32 hlen;

	if (!ip || ip->ihl < 5)
		return -1;
	hlen = ip->ihl * 4;
	if (c->pos - sizeof(*ip) + hlen > c->end)
		return -1;
	c->pos = (void *)ip + hlen;
	p->family = 4;
	p->pkt.proto = ip->protocol;
	__builtin_memcpy(p->src, &ip->saddr, 4);
	__builtin_memcpy(p->dst, &ip->daddr, 4);
	/* non-first fragments carry no L4 header: ports stay unknown */
	if (!(ip->frag_off & bpf_htons(IP_OFFSET)))
		parse_ports(c, p);
	return 0;
}

static __always_inline bool is_ipv6_ext(__u8 nh)
{
	return nh == 0 || nh == 43 || nh == 44 || nh == 51 || nh == 60;
}

static __always_inline int parse_ipv6(struct cursor *c, struct parsed *p)
{
	struct ipv6hdr *ip6 = PULL(c, struct ipv6hdr);
	bool first_frag = true;
	__u8 nh;

	if (!ip6)
		return -1;
	p->family = 6;
	__builtin_memcpy(p->src, &ip6->saddr, 16);
	__builtin_memcpy(p->dst, &ip6->daddr, 16);
	nh = ip6->nexthdr;
	for (int i = 0; i < INGRESS_MAX_EXTHDRS; i++) {
		struct ipv6_opt_hdr *o;

		if (!is_ipv6_ext(nh))
			break;
		o = PULL(c, struct ipv6_opt_hdr);
		if (!o)
			return -1;
		if (nh == 44) {		/* fragment header: 8 bytes */
			struct frag_hdr *f = (void *)o;

			if ((void *)(f + 1) > c->end)
				return -1;
			if (f->frag_off & bpf_htons(0xFFF8))
				first_frag = false;
			c->pos = f + 1;
		} else if (nh == 51) {	/* AH: length in 4-byte units */
			c->pos = (void *)o + (o->hdrlen + 2) * 4;
		} else {
			c->pos = (void *)o + (o->hdrlen + 1) * 8;
		}
		nh = o->nexthdr;
	}
	if (is_ipv6_ext(nh))
		return -1;	/* chain longer than we walk */
	p->pkt.proto = nh;
	if (first_frag)
		parse_ports(c, p);
	return 0;
}

/* Fills p; returns the L3 protocol (host order), 0 if truncated. */
static __always_inline int parse(struct cursor *c, struct parsed *p)
{
	struct ethhdr *eth = PULL(c, struct ethhdr);
	__u16 type;

	if (!eth)
		return -1;
	type = bpf_ntohs(eth->h_proto);
	for (int i = 0; i < INGRESS_MAX_VLANS; i++) {
		struct vlan_hdr *v;

		if (type != ETH_P_8021Q && type != ETH_P_8021AD)
			break;
		v = PULL(c, struct vlan_hdr);
		if (!v)
			return -1;
		type = bpf_ntohs(v->h_vlan_encapsulated_proto);
	}
	if (type == ETH_P_8021Q || type == ETH_P_8021AD)
		return -1;	/* more tags than we walk */
	if (type == ETH_P_IP)
		return parse_ipv4(c, p);
	if (type == ETH_P_IPV6)
		return parse_ipv6(c, p);
	return 0;		/* not IP */
}

/* ---- decision --------------------------------------------------------- */

static __always_inline const struct ingress_set *
lookup_set(const struct parsed *p, __u32 gen, __u32 ifindex)
{
	__u32 *set, key;

	if (p->family == 4) {
		struct ingress_key4 k4 = {
			.prefixlen = INGRESS_SCOPE_BITS + 32,
			.scope = INGRESS_SCOPE(gen, ifindex),
		};

		__builtin_memcpy(k4.addr, p->src, 4);
		set = bpf_map_lookup_elem(&ing_prefix_v4, &k4);
	} else {
		struct ingress_key6 k6 = {
			.prefixlen = INGRESS_SCOPE_BITS + 128,
			.scope = INGRESS_SCOPE(gen, ifindex),
		};

		__builtin_memcpy(k6.addr, p->src, 16);
		set = bpf_map_lookup_elem(&ing_prefix_v6, &k6);
	}
	if (!set)
		return NULL;
	key = gen * INGRESS_MAX_SETS + (*set & (INGRESS_MAX_SETS - 1));
	return bpf_map_lookup_elem(&ing_rule_sets, &key);
}

static __always_inline void decide_ip(const struct parsed *p, __u32 gen,
				      __u32 ifindex,
				      const struct ingress_iface_cfg *cfg,
				      struct verdict *v)
{
	const struct ingress_set *s = lookup_set(p, gen, ifindex);
	__u32 i = 0;
	int r;

	v->rule = cfg->default_rule;
	v->action = cfg->default_action;
	if (!s)
		return;
	r = ingress_decide(s, &p->pkt, &i);
	if (r == VERDICT_DEFAULT)
		return;
	if (r == VERDICT_UNPARSEABLE || i >= INGRESS_SET_LEN) {
		v->rule = cfg->unparseable_rule;
		v->action = cfg->unparseable_action;
		return;
	}
	v->rule = s->e[i].rule;
	v->action = s->e[i].action;
}

/* The whole filter: INGRESS_PASS or INGRESS_DROP. */
static __always_inline int filter(void *data, void *data_end, __u32 ifindex,
				  __u32 len)
{
	__u32 gen = active_gen & 1;
	struct ingress_iface_key k = { .gen = gen, .ifindex = ifindex };
	struct ingress_iface_cfg *cfg = bpf_map_lookup_elem(&ing_iface_cfg, &k);
	struct cursor c = { .pos = data, .end = data_end };
	struct parsed p = {};
	struct verdict v;
	int l3;

	if (!cfg)
		return INGRESS_PASS;	/* no policy for this interface (yet) */
	l3 = parse(&c, &p);
	if (l3 < 0) {
		v.rule = cfg->unparseable_rule;
		v.action = cfg->unparseable_action;
	} else if (!p.family) {
		v.rule = cfg->non_ip_rule;
		v.action = cfg->non_ip_action;
	} else {
		decide_ip(&p, gen, ifindex, cfg, &v);
	}
	count_rule(gen, v.rule, len);
	if (v.action == INGRESS_DROP)
		emit_drop(&p, ifindex, gen, v.rule, len, cfg->events_per_sec);
	return v.action;
}

SEC("xdp")
int ingress_xdp(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;

	return filter(data, end, ctx->ingress_ifindex, end - data) ==
	       INGRESS_DROP ? XDP_DROP : XDP_PASS;
}

/* At TC the kernel has already moved an outer VLAN tag into skb metadata;
 * what is left in the data is parsed the same way. */
SEC("tc")
int ingress_tc(struct __sk_buff *skb)
{
	__u32 want = skb->len < 128 ? skb->len : 128;

	/* headers may sit in paged data: make the first bytes linear */
	bpf_skb_pull_data(skb, want);
	return filter((void *)(long)skb->data, (void *)(long)skb->data_end,
		      skb->ifindex, skb->len) == INGRESS_DROP ?
	       TC_ACT_SHOT : TC_ACT_OK;
}
