/* Top level of the policy: which sections exist, and each one's parser. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "policy/policy.h"
#include "policy/yaml_tree.h"

typedef int (*section_fn)(struct policy *, const struct ynode *,
			  struct diags *);

static int parse_name(struct policy *p, const struct ynode *n,
		      struct diags *d)
{
	const char *s;

	if (ynode_str(n, &s, d))
		return -EINVAL;
	free(p->name);
	p->name = strdup(s);
	return 0;
}

static int parse_version(struct policy *p, const struct ynode *n,
			 struct diags *d)
{
	unsigned long long v;

	return ynode_u64(n, 1, 1, &v, d);
}

static int parse_self_protection(struct policy *p, const struct ynode *n,
				 struct diags *d)
{
	const char *s;

	if (ynode_str(n, &s, d))
		return -EINVAL;
	if (!strcmp(s, "off"))
		p->self_protection = ACT_NONE;
	else if (!strcmp(s, "alert"))
		p->self_protection = ACT_ALERT;
	else if (!strcmp(s, "kill"))
		p->self_protection = ACT_KILL;
	else {
		diag_add(d, n->line, n->col, "self_protection: expected off, "
			 "alert or kill");
		return -EINVAL;
	}
	return 0;
}

static int parse_on_unsupported(struct policy *p, const struct ynode *n,
				struct diags *d)
{
	const char *s;

	if (ynode_str(n, &s, d))
		return -EINVAL;
	if (strcmp(s, "fail") && strcmp(s, "fallback")) {
		diag_add(d, n->line, n->col, "on_unsupported: expected fallback "
			 "(deny becomes kill where the kernel has no BPF LSM) or "
			 "fail (refuse the policy there)");
		return -EINVAL;
	}
	p->fail_unsupported = strcmp(s, "fail") == 0;
	return 0;
}

static int parse_ignored(struct policy *p, const struct ynode *n,
			 struct diags *d)
{
	return 0;
}

static const struct {
	const char *key;
	section_fn parse;
} sections[] = {
	{ "version", parse_version },
	{ "name", parse_name },
	{ "description", parse_ignored },
	{ "observe", policy_parse_observe },
	{ "self_protection", parse_self_protection },
	{ "on_unsupported", parse_on_unsupported },
	{ "rules", policy_parse_rules },
	{ "network", policy_parse_network },
};
#define N_SECTIONS (sizeof(sections) / sizeof(sections[0]))

static int check_top_keys(const struct ynode *root, struct diags *d)
{
	const char *allowed[N_SECTIONS + 2];
	size_t i;

	for (i = 0; i < N_SECTIONS; i++)
		allowed[i] = sections[i].key;
	allowed[i++] = "run";	/* read by `warden run` only */
	allowed[i] = NULL;
	return ymap_check_keys(root, allowed, d);
}

static struct policy *policy_from_tree(const struct ynode *root,
				       const char *name, struct diags *d)
{
	struct policy *p = calloc(1, sizeof(*p));
	int bad = 0;

	if (!p)
		return NULL;
	p->file = strdup(name);
	p->self_protection = ACT_ALERT;
	if (root->kind != YN_MAP) {
		diag_add(d, root->line, root->col,
			 "a policy is a mapping of sections (rules:, observe:, network:)");
		policy_free(p);
		return NULL;
	}
	bad |= check_top_keys(root, d) != 0;
	for (size_t i = 0; i < N_SECTIONS; i++) {
		const struct ynode *n = ymap_get(root, sections[i].key);

		if (n && sections[i].parse(p, n, d))
			bad = 1;
	}
	if (bad || d->n) {
		policy_free(p);
		return NULL;
	}
	return p;
}

struct policy *policy_parse(const char *text, size_t len, const char *name,
			    struct diags *d)
{
	struct ynode *root = ytree_parse(text, len, d);
	struct policy *p;

	if (!root)
		return NULL;
	p = policy_from_tree(root, name, d);
	ytree_free(root);
	return p;
}

struct policy *policy_load_file(const char *path, struct diags *d)
{
	struct ynode *root = ytree_load_file(path, d);
	struct policy *p;

	if (!root)
		return NULL;
	p = policy_from_tree(root, path, d);
	ytree_free(root);
	return p;
}

const char *action_name(uint8_t action)
{
	switch (action) {
	case ACT_ALERT: return "alert";
	case ACT_KILL: return "kill";
	case ACT_ALLOW: return "allow";
	case ACT_DENY: return "deny";
	default: return "none";
	}
}

void strv_free(struct strv *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->v[i]);
	free(s->v);
	free(s->line);
	free(s->col);
	memset(s, 0, sizeof(*s));
}

int strv_push(struct strv *s, const char *v, int line, int col)
{
	char **nv = realloc(s->v, (s->n + 1) * sizeof(*nv));
	int *nl, *nc;

	if (!nv)
		return -ENOMEM;
	s->v = nv;
	nl = realloc(s->line, (s->n + 1) * sizeof(*nl));
	if (!nl)
		return -ENOMEM;
	s->line = nl;
	nc = realloc(s->col, (s->n + 1) * sizeof(*nc));
	if (!nc)
		return -ENOMEM;
	s->col = nc;
	s->v[s->n] = strdup(v);
	if (!s->v[s->n])
		return -ENOMEM;
	s->line[s->n] = line;
	s->col[s->n] = col;
	s->n++;
	return 0;
}

static void selector_free(struct selector *s)
{
	strv_free(&s->binary);
	strv_free(&s->ancestor);
	strv_free(&s->cgroup);
	strv_free(&s->container);
	free(s->pid.v);
	free(s->uid.v);
}

void policy_ingress_free(struct ingress_policy *ip);
void policy_egress_free(struct egress_policy *ep);

void policy_free(struct policy *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->nrules; i++) {
		selector_free(&p->rules[i].sel);
		free(p->rules[i].name);
		free(p->rules[i].syscalls);
		strv_free(&p->rules[i].files);
	}
	free(p->rules);
	policy_ingress_free(p->ingress);
	policy_egress_free(p->egress);
	free(p->name);
	free(p->file);
	free(p);
}
