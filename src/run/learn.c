/* --learn: the policy a clean run needs, from what this run did: the
 * binaries it ran, the directories it wrote to (the workspace and /tmp as
 * a whole, elsewhere the file's directory), the destinations it reached
 * (by DNS name when it resolved one), and the secret paths and denied
 * syscalls of the policy it ran under. */
#include <errno.h>
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

/* The prefix that covers a written path. */
static void write_prefix(const char *path, const char *op, const char *cwd,
			 char *out, size_t len)
{
	char *slash;

	if (under(path, cwd)) {
		snprintf(out, len, "$PWD/");
	} else if (under(path, "/tmp")) {
		snprintf(out, len, "/tmp/");
	} else if (!strcmp(op, "mkdir")) {
		snprintf(out, len, "%s/", path);
	} else {
		snprintf(out, len, "%s", path);
		slash = strrchr(out, '/');
		if (slash)
			slash[1] = '\0';
	}
}

static void learn_writes(const struct rep_meta *m, struct list *w)
{
	char pre[4096];

	for (size_t i = 0; i < rep.files.n; i++) {
		const struct rfile *f = &rep.files.v[i];

		if (!strcmp(f->op, "read-secret") || f->path[0] != '/' ||
		    run_path_always_writable(f->path))
			continue;
		write_prefix(f->path, f->op, m->cwd, pre, sizeof(pre));
		add(w, pre);
	}
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
		if (rep.procs.v[i].binary[0] == '/')
			add(&bins, rep.procs.v[i].binary);
	learn_writes(m, &writes);
	learn_net(&net);
	for (size_t i = 0; i < m->rp->secrets.n; i++)
		add(&secrets, m->rp->secrets.v[i]);
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
	fprintf(f, "  syscalls:\n    deny: [");
	for (size_t i = 0; i < m->rp->nsyscalls; i++)
		fprintf(f, "%s%s", i ? ", " : "", syscall_name(m->rp->syscalls[i]));
	fprintf(f, "]\n");
	err = fclose(f) ? -errno : safe_rewrite(fd, text, len);
	free(text);
	free_list(&bins);
	free_list(&writes);
	free_list(&net);
	free_list(&secrets);
	return err;
}
