/* The `run:` section of a policy file, read by `warden run` only (the
 * daemon's parser accepts the key and ignores it). Paths may start with
 * `~/` (the invoking user's $HOME) or `$PWD` (the directory warden run was
 * started in), expanded here so the rest only sees absolute paths. */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "run/run.h"
#include "warden/run_net_abi.h"
#include "process/syscalls.h"
#include "policy/section.h"
#include "policy/yaml_tree.h"

const char run_builtin_policy_text[] =
	"# warden run built-in pipeline policy: audit only. Reports reads of\n"
	"# well-known credential files and syscalls a build has no use for.\n"
	"run:\n"
	"  mode: audit\n"
	"  files:\n"
	"    secrets:\n"
	"      - ~/.ssh/\n"
	"      - ~/.aws/\n"
	"      - ~/.azure/\n"
	"      - ~/.config/gcloud/\n"
	"      - ~/.kube/config\n"
	"      - ~/.docker/config.json\n"
	"      - ~/.netrc\n"
	"      - ~/.git-credentials\n"
	"      - ~/.gnupg/\n"
	"      - /etc/shadow\n"
	"      - /etc/gshadow\n"
	"  syscalls:\n"
	"    deny: [ptrace, process_vm_readv, process_vm_writev, bpf, mount,\n"
	"           umount2, pivot_root, init_module, finit_module,\n"
	"           delete_module, kexec_load, kexec_file_load, reboot, swapon,\n"
	"           swapoff, settimeofday, clock_settime]\n";

struct rp_ctx {
	struct run_policy *rp;
	struct diags *d;
	struct strv *dst;
};

static int bad(struct diags *d, const struct ynode *n, const char *fmt,
	       const char *v)
{
	diag_add(d, n->line, n->col, fmt, v);
	return -EINVAL;
}

/* Remove "//", "/./" and "/x/.." lexically; keeps a trailing '/'. */
static void normalise(char *p)
{
	bool dir = strlen(p) > 1 && p[strlen(p) - 1] == '/';
	char *out = p, *seg = p;

	while (*seg) {
		char *end;
		size_t len;

		while (*seg == '/')
			seg++;
		end = strchrnul(seg, '/');
		len = end - seg;
		if (len == 0)
			break;
		if (len == 1 && seg[0] == '.') {
			/* skip */
		} else if (len == 2 && seg[0] == '.' && seg[1] == '.') {
			while (out > p && *--out != '/')
				;
		} else {
			*out++ = '/';
			memmove(out, seg, len);
			out += len;
		}
		seg = end;
	}
	if (out == p || dir)
		*out++ = '/';
	*out = '\0';
}

/* ~/x, $PWD/x, /x into an absolute normalised path in buf. */
static int expand_path(const char *v, char *buf, size_t len)
{
	const char *home = getenv("HOME");
	char cwd[PATH_MAX];
	int n;

	if (strncmp(v, "~/", 2) == 0 && home)
		n = snprintf(buf, len, "%s/%s", home, v + 2);
	else if (strncmp(v, "$PWD", 4) == 0 && (v[4] == '/' || !v[4]) &&
		 getcwd(cwd, sizeof(cwd)))
		n = snprintf(buf, len, "%s/%s", cwd, v + 4);
	else if (v[0] == '/')
		n = snprintf(buf, len, "%s", v);
	else
		return -EINVAL;
	if (n < 0 || (size_t)n >= len)
		return -ENAMETOOLONG;
	normalise(buf);
	return 0;
}

static int add_path(const struct ynode *n, void *arg)
{
	struct rp_ctx *c = arg;
	char path[PATH_MAX];

	if (expand_path(n->scalar, path, sizeof(path)))
		return bad(c->d, n, "\"%s\": expected an absolute path, ~/path "
			   "or $PWD/path", n->scalar);
	return strv_push(c->dst, path, n->line, n->col);
}

static bool has_wildcard(const char *s)
{
	return strpbrk(s, "*?") != NULL;
}

/* files.secrets: paths only. A secret is judged by the file itself
 * (its inode, once marked), which a pattern does not name. */
static int add_secret_path(const struct ynode *n, void *arg)
{
	struct rp_ctx *c = arg;

	if (has_wildcard(n->scalar))
		return bad(c->d, n, "\"%s\": '*' and '?' are for files.write; "
			   "a secret is a path (a directory ending in / covers "
			   "all below)", n->scalar);
	return add_path(n, arg);
}

static int add_binary(const struct ynode *n, void *arg)
{
	struct rp_ctx *c = arg;
	char path[PATH_MAX];

	if (!strchr(n->scalar, '/') && n->scalar[0] && strlen(n->scalar) < NAME_KEY_LEN)
		return strv_push(c->dst, n->scalar, n->line, n->col);
	if (expand_path(n->scalar, path, sizeof(path)))
		return bad(c->d, n, "\"%s\": expected an absolute path, a "
			   "directory ending in / or a basename", n->scalar);
	return strv_push(c->dst, path, n->line, n->col);
}

static bool valid_name(const char *s)
{
	if (strncmp(s, "*.", 2) == 0)
		s += 2;
	if (!*s || strlen(s) > 253)
		return false;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && *s != '-' && *s != '.' && *s != '_')
			return false;
	return true;
}

static int add_destination(const struct ynode *n, void *arg)
{
	struct rp_ctx *c = arg;
	struct run_policy *rp = c->rp;
	char err[96], name[256];
	struct cidr net, *v;
	size_t len;

	if (cidr_parse(n->scalar, false, &net, err, sizeof(err)) == 0) {
		v = realloc(rp->nets, (rp->nnets + 1) * sizeof(*v));
		if (!v)
			return -ENOMEM;
		v[rp->nnets++] = net;
		rp->nets = v;
		return 0;
	}
	if (strchr(n->scalar, ':') || strchr(n->scalar, '/') ||
	    strspn(n->scalar, "0123456789.") == strlen(n->scalar))
		return bad(c->d, n, "network.allow: \"%s\" is not a valid "
			   "address or CIDR", n->scalar);
	if (!valid_name(n->scalar))
		return bad(c->d, n, "network.allow: \"%s\" is neither an address, "
			   "a CIDR nor a DNS name (name or *.name)", n->scalar);
	snprintf(name, sizeof(name), "%s", n->scalar);
	len = strlen(name);
	if (len && name[len - 1] == '.')
		name[len - 1] = '\0';	/* "example.org." is example.org */
	for (char *p = name; *p; p++)
		*p = tolower((unsigned char)*p);
	return strv_push(&rp->names, name, n->line, n->col);
}

static int add_resolver(const struct ynode *n, void *arg)
{
	struct rp_ctx *c = arg;
	struct run_policy *rp = c->rp;
	char err[96];
	struct cidr a;

	if (cidr_parse(n->scalar, false, &a, err, sizeof(err)) ||
	    a.prefix_len != (a.family == 4 ? 32 : 128))
		return bad(c->d, n, "network.resolvers: \"%s\" is not an "
			   "address", n->scalar);
	if (rp->nresolvers == RUN_MAX_RESOLVERS)
		return bad(c->d, n, "network.resolvers: more than %s", "4");
	rp->resolvers[rp->nresolvers++] = a;
	return 0;
}

const char *run_sock_kind_name(unsigned kind)
{
	static const char *const names[] = {
		[SK_PLAIN] = "tcp-udp", [SK_RAW] = "raw", [SK_ICMP] = "icmp",
		[SK_UDPLITE] = "udplite", [SK_SCTP] = "sctp",
		[SK_MPTCP] = "mptcp", [SK_OTHER] = "other",
		[SK_PACKET] = "packet",
	};

	return kind < SK__COUNT ? names[kind] : NULL;
}

static int add_sock_kind(const struct ynode *n, void *arg)
{
	struct rp_ctx *c = arg;

	for (unsigned k = SK_RAW; k < SK__COUNT; k++) {
		if (!strcmp(n->scalar, run_sock_kind_name(k))) {
			c->rp->sock_allow |= 1u << k;
			return 0;
		}
	}
	return bad(c->d, n, "network.sockets: \"%s\": expected raw, icmp, "
		   "udplite, sctp, mptcp, other or packet", n->scalar);
}

static int add_sys_allow(const struct ynode *n, void *arg)
{
	struct rp_ctx *c = arg;

	if (!strcmp(n->scalar, "io_uring_setup"))
		c->rp->sys_allow |= RS_IO_URING;
	else if (!strcmp(n->scalar, "open_by_handle_at"))
		c->rp->sys_allow |= RS_BY_HANDLE;
	else
		return bad(c->d, n, "syscalls.allow: \"%s\": expected "
			   "io_uring_setup or open_by_handle_at", n->scalar);
	return 0;
}

static int add_syscall(const struct ynode *n, void *arg)
{
	struct rp_ctx *c = arg;
	int nr = syscall_nr(n->scalar), *v;

	if (nr < 0)
		return bad(c->d, n, "unknown syscall \"%s\" on this architecture",
			   n->scalar);
	v = realloc(c->rp->syscalls, (c->rp->nsyscalls + 1) * sizeof(*v));
	if (!v)
		return -ENOMEM;
	v[c->rp->nsyscalls++] = nr;
	c->rp->syscalls = v;
	return 0;
}

static int each(const struct ynode *map, const char *key, struct rp_ctx *c,
		struct strv *dst, int (*fn)(const struct ynode *, void *),
		bool *present)
{
	const struct ynode *v = ymap_get(map, key);

	if (!v)
		return 0;
	if (present)
		*present = true;
	c->dst = dst;
	if (v->kind == YN_SEQ && v->n == 0)
		return 0;	/* [] : present, nothing allowed */
	return ynode_each_scalar(v, c->d, fn, c) ? -EINVAL : 0;
}

static int parse_mode(struct run_policy *rp, const struct ynode *n,
		      struct diags *d)
{
	const char *s;

	if (ynode_str(n, &s, d))
		return -EINVAL;
	if (!strcmp(s, "enforce"))
		rp->mode = RUN_ENFORCE;
	else if (!strcmp(s, "audit"))
		rp->mode = RUN_AUDIT;
	else
		return bad(d, n, "mode: \"%s\": expected enforce or audit", s);
	return 0;
}

/* The section's node when it is present and well-formed, else NULL
 * (with *err set when it is malformed). */
static const struct ynode *section(const struct ynode *run, const char *name,
				   const char *const keys[], struct diags *d,
				   int *err)
{
	const struct ynode *n = ymap_get(run, name);

	if (!n)
		return NULL;
	if (n->kind != YN_MAP) {
		*err = bad(d, n, "%s: expected a mapping", name);
		return NULL;
	}
	if (ymap_check_keys(n, keys, d))
		*err = -EINVAL;
	return n;
}

static int parse_run(struct run_policy *rp, const struct ynode *run,
		     struct diags *d)
{
	static const char *const top[] = { "mode", "exec", "files", "network",
					   "syscalls", NULL };
	static const char *const exec_keys[] = { "allow", NULL };
	static const char *const file_keys[] = { "write", "secrets", NULL };
	static const char *const net_keys[] = { "allow", "allow_loopback",
						"resolvers", "sockets", NULL };
	static const char *const sys_keys[] = { "deny", "allow", NULL };
	struct rp_ctx c = { .rp = rp, .d = d };
	const struct ynode *n;
	int err = 0;

	if (run->kind != YN_MAP)
		return bad(d, run, "run: expected a mapping%s", "");
	if (ymap_check_keys(run, top, d))
		err = -EINVAL;
	if ((n = ymap_get(run, "mode")))
		err |= parse_mode(rp, n, d);
	if ((n = section(run, "exec", exec_keys, d, &err))) {
		rp->exec_on = ymap_get(n, "allow") != NULL;
		err |= each(n, "allow", &c, &rp->exec_allow, add_binary, NULL);
	}
	if ((n = section(run, "files", file_keys, d, &err))) {
		err |= each(n, "write", &c, &rp->write_allow, add_path, &rp->write_on);
		err |= each(n, "secrets", &c, &rp->secrets, add_secret_path, NULL);
	}
	if ((n = section(run, "network", net_keys, d, &err))) {
		const struct ynode *lb = ymap_get(n, "allow_loopback");

		rp->net_on = true;
		err |= each(n, "allow", &c, NULL, add_destination, NULL);
		err |= each(n, "resolvers", &c, NULL, add_resolver, NULL);
		err |= each(n, "sockets", &c, NULL, add_sock_kind, NULL);
		if (lb && ynode_bool(lb, &rp->allow_loopback, d))
			err = -EINVAL;
	}
	if ((n = section(run, "syscalls", sys_keys, d, &err))) {
		err |= each(n, "deny", &c, NULL, add_syscall, NULL);
		err |= each(n, "allow", &c, NULL, add_sys_allow, NULL);
	}
	return err ? -EINVAL : 0;
}

static struct run_policy *from_tree(const struct ynode *root, const char *name,
				    struct diags *d)
{
	struct run_policy *rp = calloc(1, sizeof(*rp));
	const struct ynode *run = ymap_get(root, "run");

	if (!rp)
		return NULL;
	rp->file = strdup(name);
	rp->allow_loopback = true;
	if (!run) {
		diag_add(d, root->line, root->col, "no run: section (see docs/run.md)");
	} else if (parse_run(rp, run, d) == 0 && d->n == 0) {
		return rp;
	}
	run_policy_free(rp);
	return NULL;
}

struct run_policy *run_policy_load(const char *path, struct diags *d)
{
	struct ynode *root = ytree_load_file(path, d);
	struct run_policy *rp;

	if (!root)
		return NULL;
	rp = from_tree(root, path, d);
	ytree_free(root);
	return rp;
}

struct run_policy *run_policy_builtin(void)
{
	struct diags d;
	struct ynode *root;
	struct run_policy *rp = NULL;

	diags_init(&d, "<builtin run policy>");
	root = ytree_parse(run_builtin_policy_text,
			   sizeof(run_builtin_policy_text) - 1, &d);
	if (root)
		rp = from_tree(root, "<builtin>", &d);
	diags_print(&d, stderr);
	diags_free(&d);
	ytree_free(root);
	return rp;
}

void run_policy_free(struct run_policy *rp)
{
	if (!rp)
		return;
	strv_free(&rp->exec_allow);
	strv_free(&rp->write_allow);
	strv_free(&rp->secrets);
	strv_free(&rp->names);
	free(rp->nets);
	free(rp->syscalls);
	free(rp->file);
	free(rp);
}

bool run_name_allowed(const struct run_policy *rp, const char *name)
{
	size_t len = strlen(name);

	if (rp->any_destination)
		return true;
	for (size_t i = 0; i < rp->names.n; i++) {
		const char *pat = rp->names.v[i];

		if (strncmp(pat, "*.", 2) == 0) {
			size_t plen = strlen(pat + 1);	/* ".suffix" */

			if (len > plen && strcasecmp(name + len - plen, pat + 1) == 0)
				return true;
		} else if (strcasecmp(name, pat) == 0) {
			return true;
		}
	}
	return false;
}

/* One path component against a pattern's: '?' is any one character,
 * '*' any run of them (none too). A leading '.' is matched only by a '.'
 * (as in the shell: "*" is not ".ssh"). */
static bool component_match(const char *p, size_t pn, const char *s, size_t sn)
{
	size_t pi = 0, si = 0, star = SIZE_MAX, resume = 0;

	if (sn && s[0] == '.' && (!pn || p[0] != '.'))
		return false;
	while (si < sn) {
		if (pi < pn && p[pi] == '*') {
			star = pi++;
			resume = si;
		} else if (pi < pn && (p[pi] == '?' || p[pi] == s[si])) {
			pi++;
			si++;
		} else if (star != SIZE_MAX) {
			pi = star + 1;	/* the last '*' takes one more */
			si = ++resume;
		} else {
			return false;
		}
	}
	while (pi < pn && p[pi] == '*')
		pi++;
	return pi == pn;
}

/* Pattern pat covers path: each of its components matches path's, and
 * path may go on below (as a prefix does, with or without its '/'). */
static bool pattern_under(const char *pat, const char *path)
{
	for (;;) {
		size_t pn, sn;

		while (*pat == '/')
			pat++;
		while (*path == '/')
			path++;
		if (!*pat)
			return true;
		if (!*path)
			return false;
		pn = strcspn(pat, "/");
		sn = strcspn(path, "/");
		if (!component_match(pat, pn, path, sn))
			return false;
		pat += pn;
		path += sn;
	}
}

bool run_path_under(const struct strv *prefixes, const char *path)
{
	size_t len = strlen(path);

	for (size_t i = 0; i < prefixes->n; i++) {
		const char *pre = prefixes->v[i];
		size_t plen = strlen(pre);

		if (has_wildcard(pre)) {
			if (pattern_under(pre, path))
				return true;
		} else if (pre[plen - 1] == '/') {
			/* "/dir/" covers "/dir" itself and all below */
			if (strncmp(path, pre, plen) == 0 ||
			    (len == plen - 1 && strncmp(path, pre, len) == 0))
				return true;
		} else if (strncmp(path, pre, plen) == 0 &&
			   (path[plen] == '/' || path[plen] == '\0')) {
			return true;
		}
	}
	return false;
}

/* `run:` is read by `warden run` alone (run_policy_load); a daemon policy
 * may carry it, as a pipeline shares one file for both. */
static struct policy_section run_section = { .key = "run", .order = 50 };
POLICY_SECTION(run_section)
