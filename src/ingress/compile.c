/* network.ingress -> LPM prefixes and ordered rule sets.
 *
 * Precedence: among the rules whose protocol and port match a packet, the
 * one with the longest source prefix wins; at equal length drop beats
 * allow; then the order written. An LPM trie returns only the longest
 * prefix, so each prefix's set also carries the rules of every prefix that
 * covers it, already in that order: the kernel takes the first match. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "ingress/ingress.h"

#define MAX_MERGE	(2 * INGRESS_SET_LEN + 2)
#define SET_HASH_SLOTS	(2 * INGRESS_MAX_SETS)	/* power of two */

/* One prefix written in one rule. */
struct item {
	struct cidr c;
	__u16 rule;		/* index in the interface */
};

/* An entry with what orders it. */
struct ranked {
	struct ingress_entry e;
	__u8 plen;
	__u16 order;		/* rule index in the interface */
};

/* A distinct prefix on the walk, with its merged rules. */
struct node {
	struct cidr c;
	struct ranked r[INGRESS_SET_LEN];
	int n;
};

struct builder {
	struct ingress_compiled *out;
	__s32 slots[SET_HASH_SLOTS];	/* set index + 1; 0 empty */
	struct diags *d;
};

static int cmp_item(const void *a, const void *b)
{
	const struct item *x = a, *y = b;
	int r;

	if (x->c.family != y->c.family)
		return x->c.family - y->c.family;
	r = memcmp(x->c.addr, y->c.addr, sizeof(x->c.addr));
	if (r)
		return r;
	if (x->c.prefix_len != y->c.prefix_len)
		return x->c.prefix_len - y->c.prefix_len;
	return x->rule - y->rule;
}

static int cmp_ranked(const void *a, const void *b)
{
	const struct ranked *x = a, *y = b;

	if (x->plen != y->plen)
		return y->plen - x->plen;		/* longer first */
	if (x->e.action != y->e.action)
		return x->e.action == INGRESS_DROP ? -1 : 1;
	return x->order - y->order;
}

/* Does a match every packet b matches? Then b can never decide after a. */
static bool shadows(const struct ingress_entry *a, const struct ingress_entry *b)
{
	if (a->proto != INGRESS_PROTO_ANY && a->proto != b->proto)
		return false;
	if (a->port_hi == 0)
		return true;
	return b->port_hi && b->port_lo >= a->port_lo && b->port_hi <= a->port_hi;
}

/* Sort, drop duplicates and shadowed entries; returns the count kept. */
static int normalise(struct ranked *r, int n)
{
	int kept = 0;

	qsort(r, (size_t)n, sizeof(*r), cmp_ranked);
	for (int i = 0; i < n; i++) {
		bool dead = false;

		for (int j = 0; j < kept && !dead; j++)
			dead = shadows(&r[j].e, &r[i].e);
		if (!dead)
			r[kept++] = r[i];
	}
	return kept;
}

static __u32 hash_set(const struct ingress_set *s)
{
	const __u8 *p = (const void *)s;
	__u32 h = 2166136261u;

	for (size_t i = 0; i < sizeof(*s); i++)
		h = (h ^ p[i]) * 16777619u;
	return h;
}

/* Index of s in the shared table, added if new; -ENOSPC when full. */
static int intern_set(struct builder *b, const struct ingress_set *s)
{
	struct ingress_compiled *o = b->out;
	__u32 slot = hash_set(s) & (SET_HASH_SLOTS - 1);

	for (;; slot = (slot + 1) & (SET_HASH_SLOTS - 1)) {
		__s32 v = b->slots[slot];

		if (!v)
			break;
		if (!memcmp(&o->sets[v - 1], s, sizeof(*s)))
			return v - 1;
	}
	if (o->nsets == INGRESS_MAX_SETS)
		return -ENOSPC;
	o->sets[o->nsets] = *s;
	b->slots[slot] = (__s32)++o->nsets;
	return (int)o->nsets - 1;
}

static void ranked_of_rule(const struct ingress_rule *r, __u16 idx,
			   __u16 first_id, __u8 plen, struct ranked *out)
{
	memset(out, 0, sizeof(*out));
	out->e.rule = first_id + idx;
	out->e.action = r->action;
	out->e.proto = r->proto;
	out->e.port_lo = r->port_lo;
	out->e.port_hi = r->port_hi;
	out->plen = plen;
	out->order = idx;
}

/* Build node for the items [i, j) (all the same prefix) on top of the
 * covering node up (or NULL). */
static int build_node(const struct ingress_iface *f, __u16 first_id,
		      const struct item *it, size_t n, const struct node *up,
		      struct node *out, struct diags *d)
{
	struct ranked all[MAX_MERGE + INGRESS_SET_LEN];
	int k = 0;

	for (size_t i = 0; i < n && k < MAX_MERGE; i++)
		ranked_of_rule(&f->rules[it[i].rule], it[i].rule, first_id,
			       it[0].c.prefix_len, &all[k++]);
	for (int i = 0; up && i < up->n; i++)
		all[k++] = up->r[i];
	k = normalise(all, k);
	out->c = it[0].c;
	if (k > INGRESS_SET_LEN) {
		const struct ingress_rule *r = &f->rules[it[0].rule];
		char buf[50];

		cidr_format(&it[0].c, buf, sizeof(buf));
		diag_add(d, r->line, r->col, "%s: more than %d rules with "
			 "different protocols or ports cover %s", f->name,
			 INGRESS_SET_LEN, buf);
		return -E2BIG;
	}
	memcpy(out->r, all, (size_t)k * sizeof(all[0]));
	out->n = k;
	return 0;
}

static int emit_node(struct builder *b, struct ingress_compiled_iface *ci,
		     const struct node *nd)
{
	struct ingress_set s;
	int id;

	memset(&s, 0, sizeof(s));
	s.n = (__u32)nd->n;
	for (int i = 0; i < nd->n; i++)
		s.e[i] = nd->r[i].e;
	id = intern_set(b, &s);
	if (id < 0) {
		diag_add(b->d, 0, 0, "network.ingress: more than %d distinct "
			 "rule combinations", INGRESS_MAX_SETS);
		return id;
	}
	ci->prefixes[ci->nprefixes].c = nd->c;
	ci->prefixes[ci->nprefixes++].set = (__u32)id;
	return 0;
}

/* The walk: items sorted so a prefix comes after every prefix covering it;
 * the stack holds the chain of covering prefixes. */
static int walk_items(struct builder *b, const struct ingress_iface *f,
		      struct ingress_compiled_iface *ci, struct item *it,
		      size_t n)
{
	struct node stack[130];
	int depth = 0, err;

	for (size_t i = 0, j; i < n; i = j) {
		for (j = i + 1; j < n && it[j].c.family == it[i].c.family &&
		     it[j].c.prefix_len == it[i].c.prefix_len &&
		     !memcmp(it[j].c.addr, it[i].c.addr, 16); j++)
			;
		while (depth && !cidr_contains(&stack[depth - 1].c, &it[i].c))
			depth--;
		err = build_node(f, ci->cfg.default_rule + 3, &it[i], j - i,
				 depth ? &stack[depth - 1] : NULL,
				 &stack[depth], b->d);
		if (err)
			return err;
		err = emit_node(b, ci, &stack[depth]);
		if (err)
			return err;
		depth++;
	}
	return 0;
}

static int compile_iface(struct builder *b, const struct ingress_iface *f,
			 struct ingress_compiled_iface *ci)
{
	struct item *it;
	size_t n = 0, k = 0;
	int err;

	for (size_t r = 0; r < f->nrules; r++)
		n += f->rules[r].n;
	it = malloc((n ? n : 1) * sizeof(*it));
	ci->prefixes = malloc((n ? n : 1) * sizeof(*ci->prefixes));
	if (!it || !ci->prefixes) {
		free(it);
		return -ENOMEM;
	}
	for (size_t r = 0; r < f->nrules; r++)
		for (size_t i = 0; i < f->rules[r].n; i++) {
			it[k].c = f->rules[r].cidrs[i];
			it[k++].rule = (__u16)r;
		}
	qsort(it, n, sizeof(*it), cmp_item);
	err = walk_items(b, f, ci, it, n);
	free(it);
	return err;
}

static int assign_rule_ids(const struct ingress_policy *p,
			   struct ingress_compiled *c, struct diags *d)
{
	size_t total = 0, id = 0;

	for (size_t i = 0; i < p->n; i++)
		total += 3 + p->ifaces[i].nrules;
	if (total > INGRESS_MAX_RULES) {
		diag_add(d, 0, 0, "network.ingress: %zu rules, at most %d "
			 "(3 built-in per interface)", total, INGRESS_MAX_RULES);
		return -E2BIG;
	}
	c->rules = calloc(total, sizeof(*c->rules));
	if (!c->rules)
		return -ENOMEM;
	c->nrules = total;
	for (size_t i = 0; i < p->n; i++) {
		const struct ingress_iface *f = &p->ifaces[i];
		struct ingress_iface_cfg *cfg = &c->ifaces[i].cfg;

		cfg->default_action = f->default_action;
		cfg->unparseable_action = f->unparseable_action;
		cfg->non_ip_action = f->non_ip_action;
		cfg->events_per_sec = p->events_per_sec;
		cfg->default_rule = (__u16)id;
		cfg->unparseable_rule = (__u16)(id + 1);
		cfg->non_ip_rule = (__u16)(id + 2);
		c->ifaces[i].first_rule = (__u16)(id + 3);
		for (int k = 0; k < 3; k++)
			c->rules[id++] = (struct ingress_rule_ref){ (int)i, -1 - k };
		for (size_t r = 0; r < f->nrules; r++)
			c->rules[id++] = (struct ingress_rule_ref){ (int)i, (int)r };
	}
	return 0;
}

int ingress_compile(const struct ingress_policy *p,
		    struct ingress_compiled *out, struct diags *d)
{
	struct builder *b;
	int err;

	memset(out, 0, sizeof(*out));
	b = calloc(1, sizeof(*b));
	out->ifaces = calloc(p->n ? p->n : 1, sizeof(*out->ifaces));
	out->sets = calloc(INGRESS_MAX_SETS, sizeof(*out->sets));
	if (!b || !out->ifaces || !out->sets) {
		free(b);
		ingress_compiled_free(out);
		return -ENOMEM;
	}
	b->out = out;
	b->d = d;
	out->nifaces = p->n;
	err = assign_rule_ids(p, out, d);
	for (size_t i = 0; !err && i < p->n; i++)
		err = compile_iface(b, &p->ifaces[i], &out->ifaces[i]);
	free(b);
	if (err)
		ingress_compiled_free(out);
	return err;
}

void ingress_compiled_free(struct ingress_compiled *c)
{
	for (size_t i = 0; c->ifaces && i < c->nifaces; i++)
		free(c->ifaces[i].prefixes);
	free(c->ifaces);
	free(c->sets);
	free(c->rules);
	memset(c, 0, sizeof(*c));
}
