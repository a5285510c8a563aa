/* The `rules:` and `observe:` sections: which processes, which action. */
#include <errno.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include "policy/policy.h"
#include "policy/section.h"
#include "process/syscalls.h"
#include "policy/yaml_tree.h"

static const char *const rule_keys[] = {
	"name", "action", "match", "not", "syscalls", "files", "access",
	"description", NULL
};
static const char *const selector_keys[] = {
	"binary", "pid", "uid", "ancestor", "cgroup", "container", NULL
};

struct value_ctx {
	struct rule *r;
	struct selector *sel;
	struct diags *d;
	int dim;
};

static int bad(struct diags *d, const struct ynode *n, const char *fmt,
	       const char *v)
{
	diag_add(d, n->line, n->col, fmt, v);
	return -EINVAL;
}

/* No empty, "." or ".." component (a trailing '/' marks a directory):
 * the kernel's path has none. */
static bool path_is_plain(const char *v)
{
	for (const char *p = strchr(v, '/'); p; p = strchr(p + 1, '/')) {
		size_t n = strcspn(p + 1, "/");

		if ((n == 0 && p[1]) || (n == 1 && p[1] == '.') ||
		    (n == 2 && strncmp(p + 1, "..", 2) == 0))
			return false;
	}
	return true;
}

static int add_binary(const struct ynode *n, void *arg)
{
	struct value_ctx *c = arg;
	const char *v = n->scalar;

	if (!*v)
		return bad(c->d, n, "empty binary%s", "");
	if (strcmp(v, FILELESS_BINARY) == 0)
		return strv_push(&c->sel->binary, v, n->line, n->col);
	if (v[0] != '/' && strchr(v, '/'))
		return bad(c->d, n, "binary \"%s\" must be an absolute path "
			   "(or a bare basename, or a directory ending in /)", v);
	if (v[0] != '/' && strlen(v) >= NAME_KEY_LEN)
		return bad(c->d, n, "basename \"%s\" is longer than 63 bytes", v);
	if (strlen(v) >= PATH_MAX_LEN)
		return bad(c->d, n, "path too long%s", "");
	if (v[0] == '/' && !path_is_plain(v))
		return bad(c->d, n, "binary \"%s\": write the path without "
			   "\"//\", \".\" or \"..\" (it is also matched as the "
			   "text a container sees)", v);
	return strv_push(&c->sel->binary, v, n->line, n->col);
}

static int add_abs_path(const struct ynode *n, void *arg, struct strv *dst,
			const char *what)
{
	struct value_ctx *c = arg;

	if (n->scalar[0] != '/')
		return bad(c->d, n, what, n->scalar);
	return strv_push(dst, n->scalar, n->line, n->col);
}

static int add_ancestor(const struct ynode *n, void *arg)
{
	struct value_ctx *c = arg;

	return add_abs_path(n, arg, &c->sel->ancestor,
			    "ancestor \"%s\" must be an absolute path of a binary");
}

static int add_cgroup(const struct ynode *n, void *arg)
{
	struct value_ctx *c = arg;

	return add_abs_path(n, arg, &c->sel->cgroup,
			    "cgroup \"%s\" must be a path from the cgroup2 root, starting with /");
}

static int add_container(const struct ynode *n, void *arg)
{
	struct value_ctx *c = arg;
	size_t len = strlen(n->scalar);

	if (strcmp(n->scalar, CONTAINER_ANY) == 0 || strcmp(n->scalar, "*") == 0)
		return strv_push(&c->sel->container, CONTAINER_ANY, n->line, n->col);
	if (len < 12 || len > 64 || strspn(n->scalar, "0123456789abcdef") != len)
		return bad(c->d, n, "container \"%s\" is not a container id "
			   "(12 to 64 lowercase hex digits) or \"any\"", n->scalar);
	return strv_push(&c->sel->container, n->scalar, n->line, n->col);
}

static int push_u64(struct u64v *v, uint64_t x)
{
	uint64_t *nv = realloc(v->v, (v->n + 1) * sizeof(*nv));

	if (!nv)
		return -ENOMEM;
	nv[v->n++] = x;
	v->v = nv;
	return 0;
}

static int add_pid(const struct ynode *n, void *arg)
{
	struct value_ctx *c = arg;
	unsigned long long v;

	if (ynode_u64(n, 1, 4194304, &v, c->d))
		return -EINVAL;
	return push_u64(&c->sel->pid, v);
}

static int add_uid(const struct ynode *n, void *arg)
{
	struct value_ctx *c = arg;
	unsigned long long v;
	struct passwd *pw;

	if (!n->quoted && n->scalar[0] >= '0' && n->scalar[0] <= '9') {
		if (ynode_u64(n, 0, 0xfffffffe, &v, c->d))
			return -EINVAL;
		return push_u64(&c->sel->uid, v);
	}
	pw = getpwnam(n->scalar);
	if (!pw)
		return bad(c->d, n, "uid: no user named \"%s\" on this system",
			   n->scalar);
	return push_u64(&c->sel->uid, pw->pw_uid);
}

static const struct {
	const char *key;
	int dim;
	int (*add)(const struct ynode *, void *);
} selector_kinds[] = {
	{ "binary", DIM_BINARY, add_binary },
	{ "pid", DIM_PID, add_pid },
	{ "uid", DIM_UID, add_uid },
	{ "ancestor", DIM_ANCESTOR, add_ancestor },
	{ "cgroup", DIM_CGROUP, add_cgroup },
	{ "container", DIM_CONTAINER, add_container },
};

static int parse_selector(struct rule *r, const struct ynode *n, bool negate,
			  struct diags *d)
{
	struct value_ctx c = { .r = r, .sel = &r->sel, .d = d };
	int err = 0;

	if (n->kind != YN_MAP)
		return bad(d, n, "%s: expected a mapping of selectors",
			   negate ? "not" : "match");
	if (ymap_check_keys(n, selector_keys, d))
		err = -EINVAL;
	for (size_t i = 0; i < sizeof(selector_kinds) / sizeof(selector_kinds[0]); i++) {
		const struct ynode *v = ymap_get(n, selector_kinds[i].key);
		unsigned bit = 1u << selector_kinds[i].dim;

		if (!v)
			continue;
		if ((r->sel.used & bit) && !!(r->sel.negated & bit) != negate) {
			diag_add(d, v->line, v->col, "%s: a selector of this kind "
				 "is already under %s", selector_kinds[i].key,
				 negate ? "match" : "not");
			err = -EINVAL;
			continue;
		}
		r->sel.used |= bit;
		if (negate)
			r->sel.negated |= bit;
		c.dim = selector_kinds[i].dim;
		if (ynode_each_scalar(v, d, selector_kinds[i].add, &c))
			err = -EINVAL;
	}
	return err;
}

static int parse_action(struct rule *r, const struct ynode *n, struct diags *d)
{
	static const char *const names[] = { "alert", "kill", "allow" };
	static const uint8_t acts[] = { ACT_ALERT, ACT_KILL, ACT_ALLOW };
	const char *s;

	if (ynode_str(n, &s, d))
		return -EINVAL;
	for (size_t i = 0; i < 3; i++) {
		if (strcmp(s, names[i]) == 0) {
			r->action = acts[i];
			return 0;
		}
	}
	if (strcmp(s, "deny") == 0) {
		/* EPERM via BPF LSM; SIGKILL on kernels without it */
		r->action = ACT_DENY;
		return 0;
	}
	return bad(d, n, "unknown action \"%s\" (expected alert, kill, deny or allow)", s);
}

static int add_syscall(const struct ynode *n, void *arg)
{
	struct value_ctx *c = arg;
	int nr = syscall_nr(n->scalar);
	int *v;

	if (nr < 0)
		return bad(c->d, n, "unknown syscall \"%s\" on this architecture",
			   n->scalar);
	if (nr >= SYSCALL_SLOTS)
		return bad(c->d, n, "syscall \"%s\" is outside the handled range",
			   n->scalar);
	v = realloc(c->r->syscalls, (c->r->nsyscalls + 1) * sizeof(*v));
	if (!v)
		return -ENOMEM;
	v[c->r->nsyscalls++] = nr;
	c->r->syscalls = v;
	return 0;
}

static int add_file(const struct ynode *n, void *arg)
{
	struct value_ctx *c = arg;
	size_t len = strlen(n->scalar);

	if (n->scalar[0] != '/')
		return bad(c->d, n, "files: \"%s\" must be an absolute path (a "
			   "directory ends in /)", n->scalar);
	if (len >= PATH_MAX_LEN)
		return bad(c->d, n, "files: path too long%s", "");
	return strv_push(&c->r->files, n->scalar, n->line, n->col);
}

static int parse_access(struct rule *r, const struct ynode *n, struct diags *d)
{
	const char *s;

	if (ynode_str(n, &s, d))
		return -EINVAL;
	if (!strcmp(s, "read"))
		r->access = FILE_ACCESS_READ;
	else if (!strcmp(s, "write"))
		r->access = FILE_ACCESS_WRITE;
	else if (!strcmp(s, "any"))
		r->access = FILE_ACCESS_READ | FILE_ACCESS_WRITE;
	else
		return bad(d, n, "access: expected read, write or any, not \"%s\"", s);
	return 0;
}

/* files: makes a file rule; it cannot also be a syscall rule. */
static int parse_file_part(struct rule *r, const struct ynode *n,
			   struct value_ctx *c, struct diags *d)
{
	const struct ynode *v = ymap_get(n, "files"), *acc = ymap_get(n, "access");
	int err = 0;

	if (acc && !v)
		return bad(d, acc, "access: only for a rule with files:%s", "");
	if (!v)
		return 0;
	r->access = FILE_ACCESS_READ | FILE_ACCESS_WRITE;
	if (ynode_each_scalar(v, d, add_file, c))
		err = -EINVAL;
	else if (!r->files.n)
		err = bad(d, v, "files: the list is empty%s", "");
	if (acc && parse_access(r, acc, d))
		err = -EINVAL;
	if (ymap_get(n, "syscalls"))
		err = bad(d, v, "a rule has files: or syscalls:, not both%s", "");
	return err;
}

static int parse_rule(struct policy *p, struct rule *r, const struct ynode *n,
		      struct diags *d)
{
	const struct ynode *v;
	struct value_ctx c = { .r = r, .d = d };
	int err = 0;
	const char *s;

	r->line = n->line;
	r->col = n->col;
	if (n->kind != YN_MAP)
		return bad(d, n, "a rule is a mapping (name:, action:, match:)%s", "");
	if (ymap_check_keys(n, rule_keys, d))
		err = -EINVAL;
	v = ymap_get(n, "name");
	if (!v)
		err = bad(d, n, "rule has no name:%s", "");
	else if (ynode_str(v, &s, d) == 0)
		r->name = strdup(s);
	else
		err = -EINVAL;
	v = ymap_get(n, "action");
	if (!v)
		err = bad(d, n, "rule has no action: (alert, kill, deny or allow)%s", "");
	else if (parse_action(r, v, d))
		err = -EINVAL;
	if ((v = ymap_get(n, "match")) && parse_selector(r, v, false, d))
		err = -EINVAL;
	if ((v = ymap_get(n, "not")) && parse_selector(r, v, true, d))
		err = -EINVAL;
	if ((v = ymap_get(n, "syscalls"))) {
		if (ynode_each_scalar(v, d, add_syscall, &c))
			err = -EINVAL;
		else if (!r->nsyscalls)
			err = bad(d, v, "syscalls: the list is empty%s", "");
	}
	if (parse_file_part(r, n, &c, d))
		err = -EINVAL;
	return err;
}

static bool duplicate_name(const struct policy *p, size_t upto)
{
	for (size_t i = 0; i < upto; i++)
		if (p->rules[i].name && p->rules[upto].name &&
		    strcmp(p->rules[i].name, p->rules[upto].name) == 0)
			return true;
	return false;
}

static int parse_rules(struct policy *p, const struct ynode *n, struct diags *d)
{
	int err = 0;

	if (n->kind != YN_SEQ)
		return bad(d, n, "rules: expected a list of rules%s", "");
	if (n->n > MAX_RULES)
		return bad(d, n, "rules: more than %s rules", "1024");
	p->rules = calloc(n->n ? n->n : 1, sizeof(*p->rules));
	if (!p->rules)
		return -ENOMEM;
	for (size_t i = 0; i < n->n; i++) {
		p->nrules++;
		if (parse_rule(p, &p->rules[i], n->items[i], d))
			err = -EINVAL;
		else if (duplicate_name(p, i))
			err = bad(d, n->items[i], "duplicate rule name \"%s\"",
				  p->rules[i].name);
	}
	return err;
}

static int parse_observe(struct policy *p, const struct ynode *n,
			 struct diags *d)
{
	static const char *const keys[] = { "exec", "exit", "fork", NULL };
	static const unsigned bits[] = { OBSERVE_EXEC, OBSERVE_EXIT, OBSERVE_FORK };
	int err = 0;

	if (n->kind != YN_MAP)
		return bad(d, n, "observe: expected a mapping (exec:, exit:, fork:)%s", "");
	if (ymap_check_keys(n, keys, d))
		err = -EINVAL;
	for (size_t i = 0; keys[i]; i++) {
		const struct ynode *v = ymap_get(n, keys[i]);
		bool on;

		if (!v)
			continue;
		if (ynode_bool(v, &on, d)) {
			err = -EINVAL;
			continue;
		}
		if (on)
			p->observe |= bits[i];
		else
			p->observe &= ~bits[i];
	}
	return err;
}

static struct policy_section observe_section = {
	.key = "observe", .order = 10, .parse = parse_observe,
};
POLICY_SECTION(observe_section)

static struct policy_section rules_section = {
	.key = "rules", .order = 20, .parse = parse_rules,
};
POLICY_SECTION(rules_section)
