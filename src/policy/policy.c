/* Top level of the policy: which sections exist, and each one's parser. */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include "policy/policy.h"
#include "policy/section.h"
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

/* Opt-in: the syscall tracepoints of self-protection put every syscall of
 * every task on the slow path (docs/benchmarks.md has the cost). */
static int parse_guard_syscalls(struct policy *p, const struct ynode *n,
				struct diags *d)
{
	return ynode_bool(n, &p->guard_syscalls, d);
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

/* The keys the core parses itself, before any registered section. */
static const struct {
	const char *key;
	section_fn parse;
} core_keys[] = {
	{ "version", parse_version },
	{ "name", parse_name },
	{ "description", parse_ignored },
	{ "self_protection", parse_self_protection },
	{ "self_protection_syscalls", parse_guard_syscalls },
	{ "on_unsupported", parse_on_unsupported },
};
#define N_CORE_KEYS (sizeof(core_keys) / sizeof(core_keys[0]))

static struct policy_section *registry;

void policy_section_register(struct policy_section *s)
{
	struct policy_section **at = &registry;

	while (*at && (*at)->order <= s->order)
		at = &(*at)->next;
	s->next = *at;
	*at = s;
}

const struct policy_section *policy_sections(void)
{
	return registry;
}

/* "network.ingress" -> group "network" (length 7), sub "ingress". */
static size_t group_len(const char *key)
{
	const char *dot = strchr(key, '.');

	return dot ? (size_t)(dot - key) : 0;
}

static bool seen_before(const char **keys, size_t n, const char *k, size_t len)
{
	for (size_t i = 0; i < n; i++)
		if (strlen(keys[i]) == len && !strncmp(keys[i], k, len))
			return true;
	return false;
}

#define MAX_KEYS 32

/* The keys allowed at the top (group = NULL) or inside one group. */
static size_t allowed_keys(const char *group, const char **out, char *buf,
			   size_t bufsz)
{
	size_t n = 0, used = 0;

	if (!group)
		for (; n < N_CORE_KEYS; n++)
			out[n] = core_keys[n].key;
	for (const struct policy_section *s = registry; s && n < MAX_KEYS; s = s->next) {
		size_t g = group_len(s->key);
		const char *k = s->key;
		size_t len = strlen(k);

		if (group) {
			if (!g || strncmp(k, group, g) || group[g])
				continue;
			k += g + 1;
			len -= g + 1;
		} else if (g) {
			len = g;	/* the group's own name */
		}
		if (seen_before(out, n, k, len) || used + len + 1 > bufsz)
			continue;
		memcpy(buf + used, k, len);
		buf[used + len] = '\0';
		out[n++] = buf + used;
		used += len + 1;
	}
	out[n] = NULL;
	return n;
}

/* A group (network:) must be a mapping of its registered subsections. */
static int check_group(const struct ynode *root, const char *group,
		       struct diags *d)
{
	const char *keys[MAX_KEYS + 1];
	char buf[512], list[256] = "";
	const struct ynode *n = ymap_get(root, group);
	size_t nk = allowed_keys(group, keys, buf, sizeof(buf));

	if (!n)
		return 0;
	if (n->kind != YN_MAP) {
		for (size_t i = 0; i < nk; i++)
			snprintf(list + strlen(list), sizeof(list) - strlen(list),
				 "%s%s:", i ? ", " : "", keys[i]);
		diag_add(d, n->line, n->col, "%s: expected a mapping (%s)",
			 group, list);
		return -EINVAL;
	}
	return ymap_check_keys(n, keys, d);
}

static int check_top_keys(const struct ynode *root, struct diags *d)
{
	const char *keys[MAX_KEYS + 1];
	char buf[512];
	int err;

	allowed_keys(NULL, keys, buf, sizeof(buf));
	err = ymap_check_keys(root, keys, d);
	for (size_t i = N_CORE_KEYS; keys[i]; i++)
		for (const struct policy_section *s = registry; s; s = s->next)
			if (group_len(s->key) == strlen(keys[i]) &&
			    !strncmp(s->key, keys[i], strlen(keys[i]))) {
				err |= check_group(root, keys[i], d);
				break;
			}
	return err;
}

/* The node of a section key, looking inside its group; NULL if absent or
 * the group is not a mapping (already reported). */
static const struct ynode *section_node(const struct ynode *root,
					const char *key)
{
	size_t g = group_len(key);
	char group[64];
	const struct ynode *n;

	if (!g)
		return ymap_get(root, key);
	if (g >= sizeof(group))
		return NULL;
	memcpy(group, key, g);
	group[g] = '\0';
	n = ymap_get(root, group);
	return n && n->kind == YN_MAP ? ymap_get(n, key + g + 1) : NULL;
}

static int parse_sections(struct policy *p, const struct ynode *root,
			  struct diags *d)
{
	int bad = 0;

	for (size_t i = 0; i < N_CORE_KEYS; i++) {
		const struct ynode *n = ymap_get(root, core_keys[i].key);

		if (n && core_keys[i].parse(p, n, d))
			bad = 1;
	}
	for (const struct policy_section *s = registry; s; s = s->next) {
		const struct ynode *n = section_node(root, s->key);

		if (n && s->parse && s->parse(p, n, d))
			bad = 1;
	}
	return bad;
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
	bad |= parse_sections(p, root, d);
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
	for (const struct policy_section *s = registry; s; s = s->next)
		if (s->free)
			s->free(p);
	free(p->name);
	free(p->file);
	free(p);
}
