/* Rule names and the compiled table as people read it: what
 * `warden policy check --explain` prints and drop events name. */
#include <stdio.h>
#include "ingress/ingress.h"

static const char *builtin_name(int rule)
{
	switch (rule) {
	case RULE_DEFAULT: return "default";
	case RULE_UNPARSEABLE: return "unparseable";
	case RULE_NON_IP: return "non_ip";
	}
	return "?";
}

const char *ingress_rule_name(const struct ingress_policy *p,
			      const struct ingress_compiled *c, __u32 id,
			      char *buf, size_t len)
{
	const struct ingress_rule_ref *ref;
	const struct ingress_iface *f;

	if (!p || !c || id >= c->nrules) {
		snprintf(buf, len, "rule#%u", id);
		return buf;
	}
	ref = &c->rules[id];
	f = &p->ifaces[ref->iface];
	snprintf(buf, len, "%s", ref->rule < 0 ? builtin_name(ref->rule) :
		 f->rules[ref->rule].name);
	return buf;
}

/* A rule's protocol; ICMP covers ICMPv6. */
static const char *rule_proto(__u8 proto, char *buf, size_t len)
{
	return proto == INGRESS_PROTO_ANY ? "any" :
	       ingress_proto_name(proto, buf, len);
}

static void explain_set(const struct ingress_policy *p,
			const struct ingress_compiled *c,
			const struct ingress_set *s, FILE *f)
{
	char name[80], pbuf[8];

	for (__u32 i = 0; i < s->n; i++) {
		const struct ingress_entry *e = &s->e[i];

		fprintf(f, "%s%s %s %s", i ? ", then " : "",
			ingress_action_name(e->action),
			ingress_rule_name(p, c, e->rule, name, sizeof(name)),
			rule_proto(e->proto, pbuf, sizeof(pbuf)));
		if (e->port_hi == e->port_lo && e->port_hi)
			fprintf(f, " port %u", e->port_lo);
		else if (e->port_hi)
			fprintf(f, " ports %u-%u", e->port_lo, e->port_hi);
	}
}

void ingress_explain(const struct ingress_policy *p,
		     const struct ingress_compiled *c, FILE *f, size_t limit)
{
	fprintf(f, "network.ingress: the first rule listed for the longest "
		"matching source prefix\nthat matches the protocol and port "
		"decides (longer prefix first, drop before\nallow at equal "
		"length); no match: the interface default.\n");
	for (size_t i = 0; i < c->nifaces; i++) {
		const struct ingress_iface *pf = &p->ifaces[i];
		const struct ingress_compiled_iface *ci = &c->ifaces[i];

		fprintf(f, "interface %s: mode %s, default %s, unparseable %s, "
			"non-IP %s, %zu prefixes\n", pf->name,
			ingress_mode_name(pf->mode),
			ingress_action_name(pf->default_action),
			ingress_action_name(pf->unparseable_action),
			ingress_action_name(pf->non_ip_action), ci->nprefixes);
		for (size_t k = 0; k < ci->nprefixes && k < limit; k++) {
			char buf[50];

			cidr_format(&ci->prefixes[k].c, buf, sizeof(buf));
			fprintf(f, "  %-24s ", buf);
			explain_set(p, c, &c->sets[ci->prefixes[k].set], f);
			fputc('\n', f);
		}
		if (ci->nprefixes > limit)
			fprintf(f, "  ... %zu more\n", ci->nprefixes - limit);
	}
}
