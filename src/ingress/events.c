/* Drop events from the ingress filter, as JSON lines or text. */
#include <arpa/inet.h>
#include <net/if.h>
#include <stdio.h>
#include "warden/ingress_abi.h"
#include "ingress/internal.h"
#include "lib/output.h"
#include "policy/policy.h"

/* The name the policy gave ifindex, else the kernel's (buf: IF_NAMESIZE). */
static const char *iface_name(const struct ingress_state *s, __u32 ifindex,
			      char *buf)
{
	for (int i = 0; i < s->natt; i++)
		if (s->att[i].ifindex == ifindex)
			return s->att[i].name;
	if (!if_indextoname(ifindex, buf))
		snprintf(buf, IF_NAMESIZE, "if%u", ifindex);
	return buf;
}

const char *ingress_gen_rule_name(const struct ingress_state *s, __u32 gen,
				  __u32 id, char *buf, size_t len)
{
	const struct ingress_gen *g = &s->gens[gen & 1];

	return ingress_rule_name(g->p ? g->p->ingress : NULL,
				 g->c.rules ? &g->c : NULL, id, buf, len);
}

static void addr_text(const struct ingress_event *e, const __u8 *a,
		      char *buf, size_t len)
{
	if (!inet_ntop(e->family == 4 ? AF_INET : AF_INET6, a, buf,
		       (socklen_t)len))
		snprintf(buf, len, "?");
}

int ingress_event_cb(void *ctx, void *data, size_t size)
{
	struct ingress_state *s = ctx;
	struct jbuf *j = &s->event;
	const struct ingress_event *e = data;
	char ifname[IF_NAMESIZE], rule[80], src[INET6_ADDRSTRLEN],
	     dst[INET6_ADDRSTRLEN], pbuf[8];
	const char *proto, *iface, *rule_name;

	if (size < sizeof(*e))
		return 0;
	/* both return their own string or the buffer they filled */
	iface = iface_name(s, e->ifindex, ifname);
	rule_name = ingress_gen_rule_name(s, e->gen, e->rule, rule, sizeof(rule));
	proto = ingress_proto_name(e->proto, pbuf, sizeof(pbuf));
	output_begin(j, "ingress_drop", e->ktime);
	jb_kstr(j, "interface", iface);
	jb_kstr(j, "rule", rule_name);
	jb_ku64(j, "len", e->len);
	if (e->family) {
		addr_text(e, e->src, src, sizeof(src));
		addr_text(e, e->dst, dst, sizeof(dst));
		jb_ku64(j, "family", e->family);
		jb_kstr(j, "proto", proto);
		jb_kstr(j, "src", src);
		jb_kstr(j, "dst", dst);
		jb_ku64(j, "sport", e->sport);
		jb_ku64(j, "dport", e->dport);
	}
	if (e->suppressed)
		jb_ku64(j, "suppressed_before", e->suppressed);
	output_emit(j);
	return 0;
}
