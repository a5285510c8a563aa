/* network.ingress: interfaces, their defaults and allow/deny rules, with
 * prefixes written inline or read from list files. */
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "ingress/ingress.h"
#include "policy/policy.h"
#include "policy/section.h"
#include "policy/yaml_tree.h"

#define LIST_ERRORS_SHOWN	5	/* per list file; the rest are counted */

static const char *const top_keys[] = {
	"interfaces", "drop_events_per_second", NULL
};
static const char *const iface_keys[] = {
	"mode", "default", "unparseable", "non_ip", "allow", "deny", NULL
};
static const char *const rule_keys[] = {
	"name", "cidr", "file", "proto", "ports", "description", NULL
};

struct parse_ctx {
	struct policy *p;
	struct diags *d;
	struct ingress_rule *r;
	const struct ynode *at;		/* node the current list came from */
	const char *list;		/* list file being read, or NULL */
	int list_errors;
};

static int bad(struct diags *d, const struct ynode *n, const char *fmt,
	       const char *v)
{
	char q[80];

	diag_add(d, n->line, n->col, fmt, ytext_quote(v, q, sizeof(q)));
	return -EINVAL;
}

static int parse_action(const struct ynode *n, __u8 *out, struct diags *d)
{
	const char *s;

	if (ynode_str(n, &s, d))
		return -EINVAL;
	if (!strcmp(s, "allow") || !strcmp(s, "pass"))
		*out = INGRESS_PASS;
	else if (!strcmp(s, "drop") || !strcmp(s, "deny"))
		*out = INGRESS_DROP;
	else
		return bad(d, n, "expected allow or drop, got %s", s);
	return 0;
}

static int parse_mode(const struct ynode *n, enum ingress_mode *out,
		      struct diags *d)
{
	const char *s;

	if (ynode_str(n, &s, d))
		return -EINVAL;
	for (int m = MODE_XDP; m <= MODE_TC; m++) {
		if (!strcmp(s, ingress_mode_name(m))) {
			*out = m;
			return 0;
		}
	}
	return bad(d, n, "unknown mode %s (expected xdp, xdp-native, "
		   "xdp-generic or tc)", s);
}

static int push_cidr(struct ingress_rule *r, const struct cidr *c)
{
	if (r->n == r->cap) {
		size_t cap = r->cap ? r->cap * 2 : 8;
		struct cidr *v = realloc(r->cidrs, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		r->cidrs = v;
		r->cap = cap;
	}
	r->cidrs[r->n++] = *c;
	return 0;
}

static int add_inline_cidr(const struct ynode *n, void *arg)
{
	struct parse_ctx *x = arg;
	char err[96];
	struct cidr c;

	if (cidr_parse(n->scalar, false, &c, err, sizeof(err))) {
		diag_add(x->d, n->line, n->col, "%s", err);
		return -EINVAL;
	}
	return push_cidr(x->r, &c);
}

static int add_file_cidr(const struct cidr *c, int line, void *arg)
{
	struct parse_ctx *x = arg;

	return push_cidr(x->r, c);
}

/* List-file errors are reported at the `file:` node, naming the line. */
static void list_error(int line, int col, const char *msg, void *arg)
{
	struct parse_ctx *x = arg;

	if (x->list_errors++ < LIST_ERRORS_SHOWN)
		diag_add(x->d, x->at->line, x->at->col, "%s:%d:%d: %s",
			 x->list, line, col, msg);
}

/* A relative list path is relative to the policy file's directory. */
static void resolve_path(const struct policy *p, const char *path,
			 char *out, size_t len)
{
	char dir[PATH_MAX];

	if (path[0] == '/' || !strchr(p->file, '/')) {
		snprintf(out, len, "%s", path);
		return;
	}
	snprintf(dir, sizeof(dir), "%s", p->file);
	snprintf(out, len, "%s/%s", dirname(dir), path);
}

static int add_list_file(const struct ynode *n, void *arg)
{
	struct parse_ctx *x = arg;
	char path[PATH_MAX];
	long rc;

	resolve_path(x->p, n->scalar, path, sizeof(path));
	x->at = n;
	x->list = path;
	x->list_errors = 0;
	rc = cidr_read_file(path, add_file_cidr, list_error, x);
	if (rc < 0) {
		diag_add(x->d, n->line, n->col, "cannot read list file %s: %s",
			 path, strerror((int)-rc));
		return -EINVAL;
	}
	if (x->list_errors > LIST_ERRORS_SHOWN)
		diag_add(x->d, n->line, n->col, "%s: %d more bad lines",
			 path, x->list_errors - LIST_ERRORS_SHOWN);
	return x->list_errors ? -EINVAL : 0;
}

static int parse_proto(const struct ynode *n, __u8 *out, struct diags *d)
{
	const char *s;

	if (ynode_str(n, &s, d))
		return -EINVAL;
	if (!strcmp(s, "any"))
		*out = INGRESS_PROTO_ANY;
	else if (!strcmp(s, "tcp"))
		*out = INGRESS_PROTO_TCP;
	else if (!strcmp(s, "udp"))
		*out = INGRESS_PROTO_UDP;
	else if (!strcmp(s, "icmp"))
		*out = INGRESS_PROTO_ICMP;
	else
		return bad(d, n, "unknown proto %s (expected tcp, udp, icmp "
			   "or any)", s);
	return 0;
}

/* 80, or "8000-8080". */
static int parse_ports(const struct ynode *n, struct ingress_rule *r,
		       struct diags *d)
{
	unsigned long lo, hi;
	char *end;

	if (n->kind != YN_SCALAR || !n->scalar[0])
		return bad(d, n, "ports: expected a port or a range LO-HI%s", "");
	errno = 0;
	lo = strtoul(n->scalar, &end, 10);
	hi = lo;
	if (*end == '-')
		hi = strtoul(end + 1, &end, 10);
	if (*end || errno || lo < 1 || hi > 65535 || lo > hi ||
	    n->scalar[0] == '-' || n->scalar[0] == '+')
		return bad(d, n, "ports: %s is not a port (1-65535) or a "
			   "range LO-HI", n->scalar);
	r->port_lo = (__u16)lo;
	r->port_hi = (__u16)hi;
	return 0;
}

static int parse_rule_map(struct parse_ctx *x, const struct ynode *n)
{
	struct ingress_rule *r = x->r;
	const struct ynode *v, *cidr = ymap_get(n, "cidr"),
			   *file = ymap_get(n, "file");
	const char *s;
	int err = 0;

	if (ymap_check_keys(n, rule_keys, x->d))
		err = -EINVAL;
	if ((v = ymap_get(n, "name"))) {
		if (ynode_str(v, &s, x->d))
			err = -EINVAL;
		else
			free(r->name), r->name = strdup(s);
	}
	if ((v = ymap_get(n, "proto")) && parse_proto(v, &r->proto, x->d))
		err = -EINVAL;
	if ((v = ymap_get(n, "ports")) && parse_ports(v, r, x->d))
		err = -EINVAL;
	if (v && r->proto != INGRESS_PROTO_TCP && r->proto != INGRESS_PROTO_UDP)
		err = bad(x->d, v, "ports need proto: tcp or proto: udp%s", "");
	if (!cidr && !file)
		err = bad(x->d, n, "a rule needs cidr: or file:%s", "");
	if (cidr && ynode_each_scalar(cidr, x->d, add_inline_cidr, x))
		err = -EINVAL;
	if (file && ynode_each_scalar(file, x->d, add_list_file, x))
		err = -EINVAL;
	return err;
}

static struct ingress_rule *new_rule(struct ingress_iface *f)
{
	struct ingress_rule *v = realloc(f->rules, (f->nrules + 1) * sizeof(*v));

	if (!v)
		return NULL;
	f->rules = v;
	memset(&v[f->nrules], 0, sizeof(*v));
	return &v[f->nrules++];
}

/* Each item of allow:/deny: is one rule: a prefix, or a map. */
static int parse_rule(struct parse_ctx *x, struct ingress_iface *f,
		      const struct ynode *n, __u8 action, const char *list,
		      size_t idx)
{
	struct ingress_rule *r = new_rule(f);
	char name[64];

	if (!r)
		return -ENOMEM;
	r->line = n->line;
	r->col = n->col;
	r->action = action;
	x->r = r;
	snprintf(name, sizeof(name), "%s[%zu]", list, idx);
	r->name = strdup(name);
	if (n->kind == YN_SCALAR)
		return add_inline_cidr(n, x);
	if (n->kind == YN_MAP)
		return parse_rule_map(x, n);
	return bad(x->d, n, "expected a prefix or a rule map (cidr:, "
		   "file:, proto:, ports:)%s", "");
}

static int parse_rule_list(struct parse_ctx *x, struct ingress_iface *f,
			   const struct ynode *n, __u8 action, const char *list)
{
	int err = 0;

	if (n->kind != YN_SEQ) {
		diag_add(x->d, n->line, n->col, "%s: expected a list of rules", list);
		return -EINVAL;
	}
	for (size_t i = 0; i < n->n; i++)
		if (parse_rule(x, f, n->items[i], action, list, i))
			err = -EINVAL;
	return err;
}

static int parse_iface(struct parse_ctx *x, struct ingress_iface *f,
		       const struct ynode *k, const struct ynode *n)
{
	const struct ynode *v;
	int err = 0;

	f->name = strdup(k->scalar);
	f->line = k->line;
	f->col = k->col;
	f->default_action = INGRESS_PASS;
	f->unparseable_action = INGRESS_DROP;
	f->non_ip_action = INGRESS_PASS;
	if (strlen(k->scalar) >= 16 || !k->scalar[0])
		err = bad(x->d, k, "interface name %s is not 1-15 bytes", k->scalar);
	if (n->kind != YN_MAP)
		return bad(x->d, n, "interface %s: expected a map (default:, "
			   "allow:, deny:, ...)", k->scalar);
	if (ymap_check_keys(n, iface_keys, x->d))
		err = -EINVAL;
	if ((v = ymap_get(n, "mode")) && parse_mode(v, &f->mode, x->d))
		err = -EINVAL;
	if ((v = ymap_get(n, "default")) && parse_action(v, &f->default_action, x->d))
		err = -EINVAL;
	if ((v = ymap_get(n, "unparseable")) &&
	    parse_action(v, &f->unparseable_action, x->d))
		err = -EINVAL;
	if ((v = ymap_get(n, "non_ip")) && parse_action(v, &f->non_ip_action, x->d))
		err = -EINVAL;
	if ((v = ymap_get(n, "allow")) &&
	    parse_rule_list(x, f, v, INGRESS_PASS, "allow"))
		err = -EINVAL;
	if ((v = ymap_get(n, "deny")) &&
	    parse_rule_list(x, f, v, INGRESS_DROP, "deny"))
		err = -EINVAL;
	return err;
}

static int parse_interfaces(struct parse_ctx *x, struct ingress_policy *ip,
			    const struct ynode *n)
{
	int err = 0;

	if (n->kind != YN_MAP || n->n == 0)
		return bad(x->d, n, "interfaces: expected a map of interface "
			   "names%s", "");
	ip->ifaces = calloc(n->n, sizeof(*ip->ifaces));
	if (!ip->ifaces)
		return -ENOMEM;
	for (size_t i = 0; i < n->n; i++, ip->n++)
		if (parse_iface(x, &ip->ifaces[i], n->pairs[i].key,
				n->pairs[i].value))
			err = -EINVAL;
	return err;
}

static int parse_ingress(struct policy *p, const struct ynode *n,
			 struct diags *d)
{
	struct parse_ctx x = { .p = p, .d = d };
	struct ingress_policy *ip;
	const struct ynode *v;
	unsigned long long rate;
	int err = 0;

	if (n->kind != YN_MAP)
		return bad(d, n, "network.ingress: expected a map (interfaces:)%s", "");
	ip = calloc(1, sizeof(*ip));
	if (!ip)
		return -ENOMEM;
	ip->events_per_sec = 100;
	policy_ingress_free(p->ingress);
	p->ingress = ip;
	if (ymap_check_keys(n, top_keys, d))
		err = -EINVAL;
	if ((v = ymap_get(n, "drop_events_per_second"))) {
		if (ynode_u64(v, 0, 1000000, &rate, d))
			err = -EINVAL;
		else
			ip->events_per_sec = (__u32)rate;
	}
	v = ymap_get(n, "interfaces");
	if (!v)
		return bad(d, n, "network.ingress needs interfaces:%s", "");
	return parse_interfaces(&x, ip, v) ?: err;
}

void policy_ingress_free(struct ingress_policy *ip)
{
	if (!ip)
		return;
	for (size_t i = 0; i < ip->n; i++) {
		struct ingress_iface *f = &ip->ifaces[i];

		for (size_t j = 0; j < f->nrules; j++) {
			free(f->rules[j].name);
			free(f->rules[j].cidrs);
		}
		free(f->rules);
		free(f->name);
	}
	free(ip->ifaces);
	free(ip);
}

static void free_ingress(struct policy *p)
{
	policy_ingress_free(p->ingress);
	p->ingress = NULL;
}

static struct policy_section ingress_section = {
	.key = "network.ingress", .order = 30, .parse = parse_ingress,
	.free = free_ingress,
};
POLICY_SECTION(ingress_section)
