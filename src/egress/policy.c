/* network.egress: suspicious-destination lists, allow-list scopes, what to
 * report and where to attach. List files are only checked for being
 * readable here; their entries are read when the policy is compiled (and
 * again whenever a file changes). */
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "egress/egress.h"
#include "policy/policy.h"
#include "policy/section.h"
#include "policy/yaml_tree.h"

static const char *const egress_keys[] = {
	"report", "attach", "raw_sockets", "lists", "allow", NULL
};
static const char *const list_keys[] = {
	"name", "action", "addresses", "file", "description", NULL
};
static const char *const scope_keys[] = {
	"name", "match", "addresses", "file", "default", "description", NULL
};
static const char *const match_keys[] = {
	"container", "cgroup", "binary", NULL
};

struct ectx {
	struct diags *d;
	const char *policy_file;
	struct egress_source *src;
	struct strv *strs;
};

static int bad(struct diags *d, const struct ynode *n, const char *fmt,
	       const char *v)
{
	diag_add(d, n->line, n->col, fmt, v);
	return -EINVAL;
}

/* One word of choices[] (NULL-terminated) into values[i]. */
static int parse_choice(const struct ynode *n, const char *const choices[],
			const uint8_t values[], uint8_t *out,
			const char *what, struct diags *d)
{
	const char *s;

	if (ynode_str(n, &s, d))
		return -EINVAL;
	for (int i = 0; choices[i]; i++) {
		if (strcmp(s, choices[i]) == 0) {
			*out = values[i];
			return 0;
		}
	}
	diag_add(d, n->line, n->col, "%s: unknown value \"%s\"", what, s);
	return -EINVAL;
}

static int add_net(const struct ynode *n, void *arg)
{
	struct ectx *c = arg;
	struct egress_source *src = c->src;
	char err[96];
	struct cidr net, *v;

	if (cidr_parse(n->scalar, false, &net, err, sizeof(err)))
		return bad(c->d, n, "%s", err);
	v = realloc(src->nets, (src->nnets + 1) * sizeof(*v));
	if (!v)
		return -ENOMEM;
	v[src->nnets++] = net;
	src->nets = v;
	return 0;
}

/* Relative list files are relative to the policy file's directory. */
static int add_file(const struct ynode *n, void *arg)
{
	struct ectx *c = arg;
	char path[PATH_MAX], dir[PATH_MAX];

	if (!n->scalar[0])
		return bad(c->d, n, "file: empty path%s", "");
	if (n->scalar[0] == '/' || !c->policy_file || c->policy_file[0] == '<') {
		snprintf(path, sizeof(path), "%s", n->scalar);
	} else {
		snprintf(dir, sizeof(dir), "%s", c->policy_file);
		snprintf(path, sizeof(path), "%s/%s", dirname(dir), n->scalar);
	}
	if (access(path, R_OK) != 0) {
		diag_add(c->d, n->line, n->col, "list file \"%s\": %s", path,
			 strerror(errno));
		return -EINVAL;
	}
	return strv_push(&c->src->files, path, n->line, n->col);
}

static int parse_source(struct ectx *c, const struct ynode *n,
			struct egress_source *src, bool required)
{
	const struct ynode *v;
	int err = 0;

	c->src = src;
	if ((v = ymap_get(n, "addresses")) && ynode_each_scalar(v, c->d, add_net, c))
		err = -EINVAL;
	if ((v = ymap_get(n, "file")) && ynode_each_scalar(v, c->d, add_file, c))
		err = -EINVAL;
	if (required && !err && !ymap_get(n, "addresses") && !ymap_get(n, "file"))
		err = bad(c->d, n, "a list needs addresses: or file:%s", "");
	return err;
}

static int parse_name(const struct ynode *n, char **out, struct diags *d)
{
	const struct ynode *v = ymap_get(n, "name");
	const char *s;

	if (!v)
		return bad(d, n, "missing name:%s", "");
	if (ynode_str(v, &s, d))
		return -EINVAL;
	*out = strdup(s);
	return *out ? 0 : -ENOMEM;
}

static int parse_list(struct ectx *c, struct egress_list *l,
		      const struct ynode *n)
{
	static const char *const acts[] = { "alert", "block", NULL };
	static const uint8_t vals[] = { VERDICT_ALERT, VERDICT_BLOCK };
	const struct ynode *v;
	int err = 0;

	l->line = n->line;
	l->col = n->col;
	if (n->kind != YN_MAP)
		return bad(c->d, n, "a list is a mapping (name:, action:, "
			   "addresses:, file:)%s", "");
	if (ymap_check_keys(n, list_keys, c->d))
		err = -EINVAL;
	if (parse_name(n, &l->name, c->d))
		err = -EINVAL;
	v = ymap_get(n, "action");
	if (!v)
		err = bad(c->d, n, "list has no action: (alert or block)%s", "");
	else if (parse_choice(v, acts, vals, &l->action, "action (alert or block)", c->d))
		err = -EINVAL;
	if (parse_source(c, n, &l->src, true))
		err = -EINVAL;
	return err;
}

static int add_container(const struct ynode *n, void *arg)
{
	struct ectx *c = arg;
	size_t len = strlen(n->scalar);

	if (len < 12 || len > 64 || strspn(n->scalar, "0123456789abcdef") != len)
		return bad(c->d, n, "container \"%s\" is not a container id "
			   "(12 to 64 lowercase hex digits)", n->scalar);
	return strv_push(c->strs, n->scalar, n->line, n->col);
}

static int add_abs(const struct ynode *n, void *arg)
{
	struct ectx *c = arg;

	if (n->scalar[0] != '/')
		return bad(c->d, n, "\"%s\" must be an absolute path", n->scalar);
	return strv_push(c->strs, n->scalar, n->line, n->col);
}

static int parse_match(struct ectx *c, struct egress_scope *s,
		       const struct ynode *n)
{
	const struct ynode *v;
	int err = 0;

	if (n->kind != YN_MAP)
		return bad(c->d, n, "match: expected a mapping (container:, "
			   "cgroup:, binary:)%s", "");
	if (ymap_check_keys(n, match_keys, c->d))
		err = -EINVAL;
	c->strs = &s->containers;
	if ((v = ymap_get(n, "container")) && ynode_each_scalar(v, c->d, add_container, c))
		err = -EINVAL;
	c->strs = &s->cgroups;
	if ((v = ymap_get(n, "cgroup")) && ynode_each_scalar(v, c->d, add_abs, c))
		err = -EINVAL;
	c->strs = &s->binaries;
	if ((v = ymap_get(n, "binary")) && ynode_each_scalar(v, c->d, add_abs, c))
		err = -EINVAL;
	if (!err && !s->containers.n && !s->cgroups.n && !s->binaries.n)
		err = bad(c->d, n, "match: name at least one container, cgroup "
			  "or binary%s", "");
	return err;
}

static int parse_scope(struct ectx *c, struct egress_scope *s,
		       const struct ynode *n)
{
	static const char *const defs[] = { "lists", "alert", "block", NULL };
	static const uint8_t vals[] = { VERDICT_NONE, VERDICT_ALERT, VERDICT_BLOCK };
	const struct ynode *v;
	int err = 0;

	s->line = n->line;
	s->col = n->col;
	if (n->kind != YN_MAP)
		return bad(c->d, n, "an allow entry is a mapping (name:, match:, "
			   "addresses:, file:, default:)%s", "");
	if (ymap_check_keys(n, scope_keys, c->d))
		err = -EINVAL;
	if (parse_name(n, &s->name, c->d))
		err = -EINVAL;
	v = ymap_get(n, "match");
	if (!v)
		err = bad(c->d, n, "allow entry has no match:%s", "");
	else if (parse_match(c, s, v))
		err = -EINVAL;
	if ((v = ymap_get(n, "default")) &&
	    parse_choice(v, defs, vals, &s->deflt, "default (lists, alert or block)", c->d))
		err = -EINVAL;
	if (parse_source(c, n, &s->src, false))
		err = -EINVAL;
	return err;
}

static bool name_taken(char *const *names, size_t n, const char *name)
{
	for (size_t i = 0; name && i < n; i++)
		if (names[i] && strcmp(names[i], name) == 0)
			return true;
	return false;
}

static int parse_lists(struct ectx *c, struct egress_policy *ep,
		       const struct ynode *n)
{
	int err = 0;

	if (n->kind != YN_SEQ)
		return bad(c->d, n, "lists: expected a list%s", "");
	if (n->n > EGRESS_MAX_LISTS)
		return bad(c->d, n, "lists: more than %s lists", "1024");
	ep->lists = calloc(n->n ? n->n : 1, sizeof(*ep->lists));
	if (!ep->lists)
		return -ENOMEM;
	for (size_t i = 0; i < n->n; i++) {
		struct egress_list *l = &ep->lists[ep->nlists++];

		if (parse_list(c, l, n->items[i]))
			err = -EINVAL;
		for (size_t j = 0; j < i && l->name; j++)
			if (ep->lists[j].name && !strcmp(ep->lists[j].name, l->name))
				err = bad(c->d, n->items[i], "duplicate list name \"%s\"",
					  l->name);
	}
	return err;
}

static int parse_scopes(struct ectx *c, struct egress_policy *ep,
			const struct ynode *n)
{
	char *names[EGRESS_MAX_SCOPES];
	int err = 0;

	if (n->kind != YN_SEQ)
		return bad(c->d, n, "allow: expected a list%s", "");
	/* 56, as before: the 8 ids once kept for run-time scopes (an API
	 * since removed) stay free so accepted policies do not change */
	if (n->n > EGRESS_MAX_SCOPES - 8)
		return bad(c->d, n, "allow: more than %s entries", "56");
	ep->scopes = calloc(n->n ? n->n : 1, sizeof(*ep->scopes));
	if (!ep->scopes)
		return -ENOMEM;
	for (size_t i = 0; i < n->n; i++) {
		struct egress_scope *s = &ep->scopes[ep->nscopes++];

		if (parse_scope(c, s, n->items[i]))
			err = -EINVAL;
		if (name_taken(names, i, s->name))
			err = bad(c->d, n->items[i], "duplicate allow entry name \"%s\"",
				  s->name);
		names[i] = s->name;
	}
	return err;
}

static int parse_options(struct ectx *c, struct egress_policy *ep,
			 const struct ynode *n)
{
	static const char *const reports[] = { "all", "matches", NULL };
	static const uint8_t rvals[] = { REPORT_ALL, REPORT_MATCHES };
	static const char *const raws[] = { "allow", "alert", "block", NULL };
	static const uint8_t wvals[] = { VERDICT_NONE, VERDICT_ALERT, VERDICT_BLOCK };
	const struct ynode *v;
	int err = 0;

	if ((v = ymap_get(n, "report")) &&
	    parse_choice(v, reports, rvals, &ep->report, "report (all or matches)", c->d))
		err = -EINVAL;
	if ((v = ymap_get(n, "raw_sockets")) &&
	    parse_choice(v, raws, wvals, &ep->raw_action,
			 "raw_sockets (allow, alert or block)", c->d))
		err = -EINVAL;
	c->strs = &ep->attach;
	if ((v = ymap_get(n, "attach")) && ynode_each_scalar(v, c->d, add_abs, c))
		err = -EINVAL;
	return err;
}

static int parse_egress(struct policy *p, const struct ynode *n, struct diags *d)
{
	struct ectx c = { .d = d, .policy_file = p->file };
	struct egress_policy *ep;
	const struct ynode *v;
	int err = 0;

	if (n->kind != YN_MAP)
		return bad(d, n, "egress: expected a mapping (lists:, allow:, "
			   "report:, attach:, raw_sockets:)%s", "");
	ep = calloc(1, sizeof(*ep));
	if (!ep)
		return -ENOMEM;
	policy_egress_free(p->egress);
	p->egress = ep;
	if (ymap_check_keys(n, egress_keys, d))
		err = -EINVAL;
	if (parse_options(&c, ep, n))
		err = -EINVAL;
	if ((v = ymap_get(n, "lists")) && parse_lists(&c, ep, v))
		err = -EINVAL;
	if ((v = ymap_get(n, "allow")) && parse_scopes(&c, ep, v))
		err = -EINVAL;
	return err;
}

static void source_free(struct egress_source *s)
{
	free(s->nets);
	strv_free(&s->files);
}

void policy_egress_free(struct egress_policy *ep)
{
	if (!ep)
		return;
	for (size_t i = 0; i < ep->nlists; i++) {
		free(ep->lists[i].name);
		source_free(&ep->lists[i].src);
	}
	for (size_t i = 0; i < ep->nscopes; i++) {
		struct egress_scope *s = &ep->scopes[i];

		free(s->name);
		strv_free(&s->containers);
		strv_free(&s->cgroups);
		strv_free(&s->binaries);
		source_free(&s->src);
	}
	free(ep->lists);
	free(ep->scopes);
	strv_free(&ep->attach);
	free(ep);
}

static void free_egress(struct policy *p)
{
	policy_egress_free(p->egress);
	p->egress = NULL;
}

static struct policy_section egress_section = {
	.key = "network.egress", .order = 40, .parse = parse_egress,
	.free = free_egress,
};
POLICY_SECTION(egress_section)
