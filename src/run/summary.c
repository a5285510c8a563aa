/* The report of a run, for people (stderr) and for programs (JSON,
 * docs/run-report.schema.json). */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <limits.h>
#include <unistd.h>
#include "lib/json.h"
#include "lib/safefile.h"
#include "run/report.h"

#define TREE_DEPTH 12

/* Index list of the entries whose parent is in parents[] (or the roots). */
static size_t children(const long *parents, size_t np, long *out)
{
	size_t n = 0;

	for (size_t j = 0; j < rep.procs.n; j++) {
		long p = rep.procs.v[j].parent;

		for (size_t k = 0; k < np || (!np && k == 0); k++) {
			if ((!np && p < 0) || (np && p == parents[k])) {
				out[n++] = j;
				break;
			}
		}
	}
	return n;
}

/* Siblings grouped by binary, each group's children merged, recursively:
 * fn is called per group (binary, count, depth) on the way down. */
typedef void (*group_fn)(void *ctx, const char *binary, size_t count,
			 int depth, bool open);

static void walk_groups(const long *parents, size_t np, int depth,
			group_fn fn, void *ctx)
{
	long *kids = malloc((rep.procs.n + 1) * sizeof(long));
	long *group = malloc((rep.procs.n + 1) * sizeof(long));
	bool *done = calloc(rep.procs.n + 1, 1);
	size_t nk;

	if (!kids || !group || !done)
		goto out;
	nk = children(parents, np, kids);
	for (size_t i = 0; i < nk; i++) {
		const char *bin = rep.procs.v[kids[i]].binary;
		size_t ng = 0;

		if (done[i])
			continue;
		for (size_t k = i; k < nk; k++) {
			if (!done[k] && !strcmp(rep.procs.v[kids[k]].binary, bin)) {
				done[k] = true;
				group[ng++] = kids[k];
			}
		}
		fn(ctx, bin, ng, depth, true);
		if (depth < TREE_DEPTH)
			walk_groups(group, ng, depth + 1, fn, ctx);
		fn(ctx, bin, ng, depth, false);
	}
out:
	free(kids);
	free(group);
	free(done);
}

static void print_group(void *ctx, const char *binary, size_t count,
			int depth, bool open)
{
	if (!open)
		return;
	fprintf(ctx, "  %*s%s", depth * 2, "", depth ? "└ " : "");
	safe_put_text(ctx, binary);
	if (count > 1)
		fprintf(ctx, " ×%zu", count);
	fputc('\n', ctx);
}

static void status_text(int st, char *buf, size_t len)
{
	if (WIFSIGNALED(st))
		snprintf(buf, len, "killed by SIG%s", sigabbrev_np(WTERMSIG(st)) ?: "?");
	else
		snprintf(buf, len, "exit %d", WEXITSTATUS(st));
}

static void print_conns(FILE *f)
{
	char addr[64];

	fprintf(f, "connections (%zu destinations):\n", rep.conns.n);
	for (size_t i = 0; i < rep.conns.n; i++) {
		const struct rconn *c = &rep.conns.v[i];
		const char *name = rep_name_of(c->family, c->addr);

		rep_addr_text(c->family, c->addr, addr, sizeof(addr));
		fprintf(f, "  %-11s ",
			c->allowed ? "allowed" : rep.enforce ? "BLOCKED" : "NOT-ALLOWED");
		if (name) {
			safe_put_text(f, name);
			fputs(" (", f);
		}
		fprintf(f, "%s%s port %u/%s ×%u\n", addr, name ? ")" : "",
			c->port, rep_proto_name(c->proto), c->count);
	}
	for (size_t i = 0; i < rep.dns.n; i++) {
		fputs("  dns         ", f);
		safe_put_text(f, rep.dns.v[i].name);
		fprintf(f, " %s ×%u\n", rep.dns.v[i].allowed ? "allowed" :
			rep.enforce ? "REFUSED (NXDOMAIN)" : "NOT-ALLOWED", rep.dns.v[i].count);
	}
}

static void print_files(FILE *f)
{
	size_t shown = 0, total = 0;

	for (size_t i = 0; i < rep.files.n; i++)
		total += strcmp(rep.files.v[i].op, "read-secret") != 0;
	fprintf(f, "files written (%zu):\n", total);
	for (size_t i = 0; i < rep.files.n; i++) {
		const struct rfile *w = &rep.files.v[i];

		if (!strcmp(w->op, "read-secret") || ++shown > 40)
			continue;
		fprintf(f, "  %-11s %-8s ", w->allowed ? "ok" :
			rep.enforce ? "BLOCKED" : "NOT-ALLOWED", w->op);
		safe_put_text(f, w->path);
		if (w->count > 1)
			fprintf(f, " ×%u", w->count);
		fputc('\n', f);
	}
	if (shown > 40)
		fprintf(f, "  ... %zu more in the JSON report\n", shown - 40);
	for (size_t i = 0; i < rep.files.n; i++) {
		if (strcmp(rep.files.v[i].op, "read-secret"))
			continue;
		fprintf(f, "secret read: %s ", rep.enforce ? "BLOCKED" : "REPORTED");
		safe_put_text(f, rep.files.v[i].path);
		fputc('\n', f);
	}
}

static void print_violations(FILE *f)
{
	fprintf(f, "violations (%zu):\n", rep.viols.n);
	for (size_t i = 0; i < rep.viols.n; i++) {
		const struct rviol *v = &rep.viols.v[i];
		const char *p = v->chain ? v->chain : "";
		char bin[PATH_MAX];

		fprintf(f, "  %s %s ", v->blocked ? "BLOCKED " : "REPORTED",
			rep_kind_name(v->kind));
		safe_put_text(f, v->what);
		fputs(" (rule ", f);
		safe_put_text(f, v->rule);
		fprintf(f, ", pid %u%s)\n     by ", v->pid, v->count > 1 ? ", repeated" : "");
		if (!*p)
			fputs("(unknown process)", f);
		/* the chain's binaries, '\n'-separated: each escaped on its own */
		for (size_t n; *p; p += n + (p[n] == '\n')) {
			n = strcspn(p, "\n");
			snprintf(bin, sizeof(bin), "%.*s", (int)n, p);
			safe_put_text(f, bin);
			if (p[n] == '\n')
				fputs(" > ", f);
		}
		fputc('\n', f);
	}
}

void rep_summary(FILE *f, const struct rep_meta *m)
{
	char st[64];

	status_text(m->child_status, st, sizeof(st));
	fprintf(f, "\n── warden run: %s mode, policy ", m->enforce ? "enforce" : "audit");
	safe_put_text(f, m->policy);
	fprintf(f, ", %.2f s ──\n", m->seconds);
	fputs("command:", f);
	for (int i = 0; m->argv[i]; i++) {
		fputc(' ', f);
		safe_put_shell(f, m->argv[i]);
	}
	fprintf(f, " (%s)\n", st);
	fprintf(f, "processes (%zu):\n", rep.procs.n);
	walk_groups(NULL, 0, 0, print_group, f);
	print_conns(f);
	print_files(f);
	print_violations(f);
	if (rep.lost)
		fprintf(f, "WARNING: %llu events lost; the report is incomplete\n",
			(unsigned long long)rep.lost);
	fprintf(f, "result: %s, exit status %d\n",
		rep.viols.n ? (m->enforce ? "violations blocked" : "violations reported")
			    : "no violations", m->exit_status);
}

/* ---- JSON ----------------------------------------------------------- */

static void json_group(void *ctx, const char *binary, size_t count, int depth,
		       bool open)
{
	struct jbuf *j = ctx;

	if (open) {
		jb_obj_open(j);
		jb_kstr(j, "binary", binary);
		jb_ku64(j, "count", count);
		jb_key(j, "children");
		jb_arr_open(j);
	} else {
		jb_arr_close(j);
		jb_obj_close(j);
	}
}

static void json_status(struct jbuf *j, int st)
{
	jb_obj_open(j);
	if (WIFSIGNALED(st)) {
		jb_ki64(j, "signal", WTERMSIG(st));
		jb_kstr(j, "signal_name", sigabbrev_np(WTERMSIG(st)) ?: "?");
	} else {
		jb_ki64(j, "exit_code", WEXITSTATUS(st));
	}
	jb_obj_close(j);
}

static void json_procs(struct jbuf *j)
{
	jb_key(j, "processes");
	jb_arr_open(j);
	for (size_t i = 0; i < rep.procs.n; i++) {
		const struct rproc *p = &rep.procs.v[i];

		jb_obj_open(j);
		jb_ku64(j, "pid", p->pid);
		jb_ku64(j, "ppid", p->ppid);
		jb_key(j, "parent");
		if (p->parent >= 0)
			jb_i64(j, p->parent);
		else
			jb_null(j);
		jb_kstr(j, "binary", p->binary);
		jb_key(j, "args");
		if (p->args)
			jb_str(j, p->args);
		else
			jb_null(j);
		jb_key(j, "status");
		if (p->exited)
			json_status(j, p->status);
		else
			jb_null(j);
		jb_obj_close(j);
	}
	jb_arr_close(j);
	jb_key(j, "process_tree");
	jb_arr_open(j);
	walk_groups(NULL, 0, 0, json_group, j);
	jb_arr_close(j);
}

static void json_net(struct jbuf *j)
{
	char addr[64];

	jb_key(j, "connections");
	jb_arr_open(j);
	for (size_t i = 0; i < rep.conns.n; i++) {
		const struct rconn *c = &rep.conns.v[i];
		const char *name = rep_name_of(c->family, c->addr);

		rep_addr_text(c->family, c->addr, addr, sizeof(addr));
		jb_obj_open(j);
		jb_kstr(j, "address", addr);
		jb_ku64(j, "port", c->port);
		jb_kstr(j, "protocol", rep_proto_name(c->proto));
		jb_key(j, "name");
		if (name)
			jb_str(j, name);
		else
			jb_null(j);
		jb_kbool(j, "allowed", c->allowed);
		jb_ku64(j, "count", c->count);
		jb_obj_close(j);
	}
	jb_arr_close(j);
	jb_key(j, "dns");
	jb_arr_open(j);
	for (size_t i = 0; i < rep.dns.n; i++) {
		jb_obj_open(j);
		jb_kstr(j, "name", rep.dns.v[i].name);
		jb_kbool(j, "allowed", rep.dns.v[i].allowed);
		jb_ku64(j, "count", rep.dns.v[i].count);
		jb_key(j, "answers");
		jb_arr_open(j);
		for (size_t k = 0; k < rep.names.n; k++) {
			if (strcmp(rep.names.v[k].name, rep.dns.v[i].name))
				continue;
			rep_addr_text(rep.names.v[k].family, rep.names.v[k].addr,
				      addr, sizeof(addr));
			jb_str(j, addr);
		}
		jb_arr_close(j);
		jb_obj_close(j);
	}
	jb_arr_close(j);
}

static void json_files(struct jbuf *j)
{
	jb_key(j, "files");
	jb_arr_open(j);
	for (size_t i = 0; i < rep.files.n; i++) {
		jb_obj_open(j);
		jb_kstr(j, "path", rep.files.v[i].path);
		jb_kstr(j, "op", rep.files.v[i].op);
		jb_kbool(j, "allowed", rep.files.v[i].allowed);
		jb_ku64(j, "count", rep.files.v[i].count);
		jb_obj_close(j);
	}
	jb_arr_close(j);
}

static void json_violations(struct jbuf *j)
{
	jb_key(j, "violations");
	jb_arr_open(j);
	for (size_t i = 0; i < rep.viols.n; i++) {
		const struct rviol *v = &rep.viols.v[i];
		const char *p = v->chain ? v->chain : "";

		jb_obj_open(j);
		jb_kstr(j, "kind", rep_kind_name(v->kind));
		jb_kstr(j, "rule", v->rule);
		jb_kstr(j, "detail", v->what);
		jb_kstr(j, "action", v->blocked ? "blocked" : "reported");
		jb_ku64(j, "pid", v->pid);
		jb_ku64(j, "count", v->count);
		jb_key(j, "process_chain");
		jb_arr_open(j);
		while (*p) {
			size_t n = strcspn(p, "\n");

			jb_strn(j, p, n);
			p += n + (p[n] == '\n');
		}
		jb_arr_close(j);
		jb_obj_close(j);
	}
	jb_arr_close(j);
}

int rep_write_json(int fd, const struct rep_meta *m)
{
	struct jbuf j;
	int err;

	jb_init(&j);
	jb_obj_open(&j);
	jb_ku64(&j, "warden_run_report", 1);
	jb_key(&j, "command");
	jb_arr_open(&j);
	for (int i = 0; m->argv[i]; i++)
		jb_str(&j, m->argv[i]);
	jb_arr_close(&j);
	jb_kstr(&j, "policy", m->policy);
	jb_kstr(&j, "mode", m->enforce ? "enforce" : "audit");
	jb_kstr(&j, "cgroup", m->cgroup);
	jb_ku64(&j, "duration_ms", (uint64_t)(m->seconds * 1000));
	jb_key(&j, "command_status");
	json_status(&j, m->child_status);
	jb_ki64(&j, "exit_status", m->exit_status);
	jb_ku64(&j, "lost_events", rep.lost);
	json_procs(&j);
	json_files(&j);
	json_net(&j);
	json_violations(&j);
	jb_obj_close(&j);
	err = j.oom ? -ENOMEM : safe_rewrite(fd, j.buf, j.len);
	if (!err && write(fd, "\n", 1) != 1)
		err = -errno;
	jb_free(&j);
	return err;
}
