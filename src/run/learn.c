/* --learn: the policy a clean run needs, from what this run did: the
 * binaries it ran, where it wrote (the workspace as $PWD/, a directory the
 * run created as a whole, a file in a shared directory such as /tmp or
 * $HOME exactly, a temporary one made and removed in /tmp as a pattern of
 * its random name, elsewhere the file's directory; paths under $HOME
 * written as ~/ so the policy works for another runner's home), the
 * destinations it reached (by DNS name when it resolved one), and the
 * secret paths and denied syscalls of the policy it ran under. */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include "lib/safefile.h"
#include "run/report.h"
#include "process/syscalls.h"

struct list {
	char **v;
	size_t n;
};

static bool has(const struct list *l, const char *s)
{
	for (size_t i = 0; i < l->n; i++)
		if (!strcmp(l->v[i], s))
			return true;
	return false;
}

static void add(struct list *l, const char *s)
{
	char **nv;

	if (has(l, s))
		return;
	nv = realloc(l->v, (l->n + 1) * sizeof(*nv));
	if (!nv)
		return;
	l->v = nv;
	l->v[l->n++] = strdup(s);
}

static void free_list(struct list *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
}

static bool under(const char *path, const char *dir)
{
	size_t n = strlen(dir);

	return strncmp(path, dir, n) == 0 && (path[n] == '/' || !path[n]);
}

/* $HOME, normalised, when it names a real home (not "/"), else NULL. */
static const char *home_dir(void)
{
	static char buf[PATH_MAX];
	const char *h = getenv("HOME");
	size_t n;

	if (!h || h[0] != '/' || strlen(h) >= sizeof(buf))
		return NULL;
	snprintf(buf, sizeof(buf), "%s", h);
	for (n = strlen(buf); n > 1 && buf[n - 1] == '/'; n--)
		buf[n - 1] = '\0';
	return n > 1 ? buf : NULL;
}

/* path as the policy should say it: ~/x for $HOME/x. */
static void policy_path(const char *path, char *out, size_t len)
{
	const char *home = home_dir();

	if (home && under(path, home))
		snprintf(out, len, "~%s%s", path[strlen(home)] ? "" : "/",
			 path + strlen(home));
	else
		snprintf(out, len, "%s", path);
}

static void add_path(struct list *l, const char *path)
{
	char p[PATH_MAX + 2];

	policy_path(path, p, sizeof(p));
	add(l, p);
}

static bool temp_root(const char *dir)
{
	static const char *const roots[] = { "/tmp", "/var/tmp", "/dev/shm" };

	for (size_t i = 0; i < sizeof(roots) / sizeof(*roots); i++)
		if (!strcmp(dir, roots[i]))
			return true;
	return false;
}

/* Directories that many unrelated programs write to: learning one whole
 * would allow far more than the run did, so only exact files there. */
static bool shared_dir(const char *dir)
{
	const char *home = home_dir();

	/* "/" and the top-level directories (/etc, /var, /home, ...) */
	return temp_root(dir) || !strchr(dir + 1, '/') ||
	       (home && !strcmp(dir, home));
}

/* path's directory in out ("/" for a top-level name). */
static void parent_of(const char *path, char *out, size_t len)
{
	char *slash;

	snprintf(out, len, "%s", path);
	slash = strrchr(out, '/');
	if (slash)
		*(slash == out ? slash + 1 : slash) = '\0';
}

/* Did the run itself remove path (unlink, rmdir)? */
static bool removed_by_run(const char *path)
{
	for (size_t i = 0; i < rep.files.n; i++) {
		const struct rfile *f = &rep.files.v[i];

		if (!strcmp(f->path, path) &&
		    (!strcmp(f->op, "unlink") || !strcmp(f->op, "rmdir")))
			return true;
	}
	return false;
}

static bool name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '_';
}

/* Where a temporary name's extensions start: up to two trailing
 * ".letters" of 1-5 lowercase letters each (".s", ".res", collect2's
 * ".cdtor.c"); the end of base when there are none. Never 6: mkstemp's
 * six random letters may all be lowercase. */
static char *extensions(char *base)
{
	char *end = base + strlen(base);

	for (int n = 0; n < 2; n++) {
		char *p = end;
		size_t elen;

		while (p > base && p[-1] != '.')
			p--;
		elen = end - p;
		if (p - 1 <= base || elen < 1 || elen > 5 ||
		    strspn(p, "abcdefghijklmnopqrstuvwxyz") < elen)
			break;
		end = p - 1;
	}
	return end;
}

/* A temporary file's name as a pattern (in place): mkstemp and its kin
 * (gcc's /tmp/ccXXXXXX.s, mktemp's tmp.XXXXXXXXXX, Python's tmpXXXXXXXX)
 * fill the last run of name characters before the extensions with
 * random ones, so each becomes '?': "ccAbC123.s" -> "????????.s". The
 * run keeps its length; a run shorter than 6 (mkstemp's least) is left
 * as it is. */
static void temp_pattern(char *base)
{
	char *end = extensions(base), *start = end;

	while (start > base && name_char(start[-1]))
		start--;
	if (end - start < 6)
		return;
	memset(start, '?', end - start);
}

/* A file or directory the run made in a temp root and removed again is
 * a temporary one: its random name is learned as a pattern (out), so
 * the next run's new name is allowed and nothing else in the root. */
static bool temp_name(const char *path, char *out, size_t len)
{
	char parent[PATH_MAX];
	char *base;

	parent_of(path, parent, sizeof(parent));
	if (!temp_root(parent) || !removed_by_run(path))
		return false;
	snprintf(out, len, "%s", path);
	base = strrchr(out, '/') + 1;
	temp_pattern(base);
	return true;
}

/* Did this run create directory dir? A mkdir of an existing directory
 * is not recorded (seccomp.c), but one racing with the step's own set-up
 * might be: the workspace's parents and shared directories never count. */
static bool created_by_run(const char *dir, const struct rep_meta *m)
{
	return !shared_dir(dir) && !under(m->cwd, dir);
}

/* The outermost directory on path's way that the run made, or NULL. */
static const char *made_dir(const char *path, const struct list *made)
{
	const char *best = NULL;

	for (size_t i = 0; i < made->n; i++)
		if (under(path, made->v[i]) &&
		    (!best || strlen(made->v[i]) < strlen(best)))
			best = made->v[i];
	return best;
}

/* The prefix that covers a written path. */
static void write_prefix(const char *path, const char *cwd,
			 const struct list *made, char *out, size_t len)
{
	const char *dir = made_dir(path, made);
	char parent[PATH_MAX], name[PATH_MAX];

	parent_of(path, parent, sizeof(parent));
	if (under(path, cwd))
		snprintf(out, len, "$PWD/");
	else if (dir && temp_name(dir, name, sizeof(name)))
		snprintf(out, len, "%s/", name);
	else if (dir)
		snprintf(out, len, "%s/", dir);
	else if (temp_name(path, name, sizeof(name)))
		snprintf(out, len, "%s", name);
	else if (shared_dir(parent))
		snprintf(out, len, "%s", path);
	else
		snprintf(out, len, "%s/", parent);
}

/* The directories this run created (see created_by_run). */
static void learn_made_dirs(const struct rep_meta *m, struct list *made)
{
	for (size_t i = 0; i < rep.files.n; i++) {
		const struct rfile *f = &rep.files.v[i];

		if (!strcmp(f->op, "mkdir") && f->path[0] == '/' &&
		    created_by_run(f->path, m))
			add(made, f->path);
	}
}

/* An escape the run tried is never learned: the file at the command's
 * path that was not the command, a write into the command. */
static bool escape(const char *path)
{
	for (size_t i = 0; i < rep.viols.n; i++)
		if (!strcmp(rep.viols.v[i].rule, "exec.command") &&
		    !strcmp(rep.viols.v[i].what, path))
			return true;
	return false;
}

static void learn_writes(const struct rep_meta *m, struct list *w)
{
	struct list made = { 0 };
	char pre[PATH_MAX + 2];

	learn_made_dirs(m, &made);
	for (size_t i = 0; i < rep.files.n; i++) {
		const struct rfile *f = &rep.files.v[i];

		if (!strcmp(f->op, "read-secret") || f->path[0] != '/' ||
		    run_path_always_writable(f->path) || escape(f->path))
			continue;
		if (!strcmp(f->op, "mkdir") && !made_dir(f->path, &made) &&
		    !under(f->path, m->cwd))
			continue;	/* asked for an existing directory */
		write_prefix(f->path, m->cwd, &made, pre, sizeof(pre));
		if (!strcmp(pre, "$PWD/"))
			add(w, pre);
		else
			add_path(w, pre);
	}
	free_list(&made);
}

static bool is_loopback(const struct rconn *c)
{
	static const uint8_t lo6[16] = { [15] = 1 };

	return c->family == 4 ? c->addr[0] == 127 : !memcmp(c->addr, lo6, 16);
}

static void learn_net(struct list *n)
{
	char addr[64];

	for (size_t i = 0; i < rep.dns.n; i++)
		add(n, rep.dns.v[i].name);
	for (size_t i = 0; i < rep.conns.n; i++) {
		const struct rconn *c = &rep.conns.v[i];

		if (is_loopback(c) || rep_name_of(c->family, c->addr))
			continue;
		rep_addr_text(c->family, c->addr, addr, sizeof(addr));
		add(n, addr);
	}
}

static void yaml_list(FILE *f, const char *indent, const char *key,
		      const struct list *l)
{
	fprintf(f, "%s%s:%s\n", indent, key, l->n ? "" : " []");
	for (size_t i = 0; i < l->n; i++) {
		fprintf(f, "%s  - ", indent);
		safe_put_yaml(f, l->v[i]);	/* a path may hold " or a newline */
		fputc('\n', f);
	}
}

/* What the policy it ran under allowed beyond destinations is kept as it
 * was: resolvers, socket kinds. Never widened from what the run tried (a
 * refused socket or resolver is a violation, not a need). */
static void learn_kept(FILE *f, const struct run_policy *rp)
{
	char addr[64];

	if (rp->nresolvers) {
		fputs("    resolvers: [", f);
		for (size_t i = 0; i < rp->nresolvers; i++) {
			rep_addr_text(rp->resolvers[i].family, rp->resolvers[i].addr,
				      addr, sizeof(addr));
			fprintf(f, "%s\"%s\"", i ? ", " : "", addr);
		}
		fputs("]\n", f);
	}
	if (rp->sock_allow) {
		const char *sep = "";

		fputs("    sockets: [", f);
		for (unsigned k = 1; run_sock_kind_name(k); k++) {
			if (rp->sock_allow & (1u << k)) {
				fprintf(f, "%s%s", sep, run_sock_kind_name(k));
				sep = ", ";
			}
		}
		fputs("]\n", f);
	}
}

int rep_write_learned(int fd, const struct rep_meta *m)
{
	struct list bins = { 0 }, writes = { 0 }, net = { 0 }, secrets = { 0 };
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	int err;

	if (!f)
		return -errno;
	for (size_t i = 0; i < rep.procs.n; i++)
		if (rep.procs.v[i].binary[0] == '/' && !escape(rep.procs.v[i].binary))
			add_path(&bins, rep.procs.v[i].binary);
	learn_writes(m, &writes);
	learn_net(&net);
	for (size_t i = 0; i < m->rp->secrets.n; i++)
		add_path(&secrets, m->rp->secrets.v[i]);
	fprintf(f, "# Learned by `warden run --learn` from:");
	for (int i = 0; m->argv[i]; i++) {
		fputc(' ', f);
		safe_put_shell(f, m->argv[i]);	/* escaped: one line, whatever it holds */
	}
	fprintf(f, "\nrun:\n  mode: enforce\n  exec:\n");
	yaml_list(f, "    ", "allow", &bins);
	fprintf(f, "  files:\n");
	yaml_list(f, "    ", "write", &writes);
	yaml_list(f, "    ", "secrets", &secrets);
	fprintf(f, "  network:\n    allow_loopback: %s\n",
		m->rp->allow_loopback ? "true" : "false");
	yaml_list(f, "    ", "allow", &net);
	learn_kept(f, m->rp);
	fprintf(f, "  syscalls:\n    deny: [");
	for (size_t i = 0; i < m->rp->nsyscalls; i++)
		fprintf(f, "%s%s", i ? ", " : "", syscall_name(m->rp->syscalls[i]));
	fprintf(f, "]\n");
	if (m->rp->sys_allow)
		fprintf(f, "    allow: [%s%s%s]\n",
			m->rp->sys_allow & RS_IO_URING ? "io_uring_setup" : "",
			m->rp->sys_allow == (RS_IO_URING | RS_BY_HANDLE) ? ", " : "",
			m->rp->sys_allow & RS_BY_HANDLE ? "open_by_handle_at" : "");
	err = fclose(f) ? -errno : safe_rewrite(fd, text, len);
	free(text);
	free_list(&bins);
	free_list(&writes);
	free_list(&net);
	free_list(&secrets);
	return err;
}
