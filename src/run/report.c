/* What a `warden run` saw, kept until the end: processes (as a tree),
 * files written, secret reads, connections, DNS names and violations.
 * Printed as a summary on stderr and as JSON with --report. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include "lib/json.h"
#include "run/internal.h"
#include "run/report.h"

struct report rep;

static void *grow(void *v, size_t *cap, size_t n, size_t size)
{
	void *nv;

	if (n < *cap)
		return v;
	*cap = *cap ? *cap * 2 : 64;
	nv = realloc(v, *cap * size);
	if (!nv)
		abort();	/* a report with holes would mislead */
	return nv;
}
#define PUSH(arr) (arr.v = grow(arr.v, &arr.cap, arr.n, sizeof(*arr.v)), \
		   memset(&arr.v[arr.n], 0, sizeof(*arr.v)), &arr.v[arr.n++])

void rep_init(const char *cgroup_rel)
{
	memset(&rep, 0, sizeof(rep));
	rep.cgroup = cgroup_rel;
}

/* The latest process entry of pid, or -1. */
static long proc_of(uint32_t pid)
{
	for (long i = (long)rep.procs.n - 1; i >= 0; i--)
		if (rep.procs.v[i].pid == pid)
			return i;
	return -1;
}

static char *join_args(const char *a, size_t n)
{
	char *s = malloc(n + 1);

	if (!s)
		return NULL;
	for (size_t i = 0; i < n; i++)
		s[i] = a[i] ? a[i] : ' ';
	s[n] = '\0';
	return s;
}

void rep_fork(uint32_t pid, uint32_t ppid)
{
	long parent = proc_of(ppid);
	struct rproc *p;

	if (parent < 0)
		return;		/* not in the run */
	p = PUSH(rep.procs);
	p->pid = pid;
	p->ppid = ppid;
	p->parent = parent;
	p->binary = strdup(rep.procs.v[parent].binary ?: "?");
	p->fork_only = true;
}

void rep_exec(uint32_t pid, uint32_t ppid, const char *binary,
	      const char *args, size_t args_len)
{
	long self = proc_of(pid);
	struct rproc *p;

	if (self >= 0 && rep.procs.v[self].fork_only) {
		p = &rep.procs.v[self];	/* the fork now runs its own image */
		free(p->binary);
		p->fork_only = false;
	} else {
		long parent = self >= 0 ? self : proc_of(ppid);

		p = PUSH(rep.procs);
		p->pid = pid;
		p->ppid = ppid;
		p->parent = parent;
		if (self >= 0)
			rep.procs.v[self].replaced = true;
	}
	p->binary = strdup(binary ?: "?");
	p->args = join_args(args, args_len);
}

void rep_exit(uint32_t pid, int wait_status)
{
	long i = proc_of(pid);

	if (i < 0)
		return;
	rep.procs.v[i].exited = true;
	rep.procs.v[i].status = wait_status;
}

/* "make -> sh -> curl": the binaries from the run's root to pid. */
static char *chain_of(uint32_t pid)
{
	long idx[64];
	int n = 0;
	size_t len = 1;
	char *s;

	for (long i = proc_of(pid); i >= 0 && n < 64; i = rep.procs.v[i].parent) {
		if (n && rep.procs.v[idx[n - 1]].pid == rep.procs.v[i].pid &&
		    !strcmp(rep.procs.v[idx[n - 1]].binary, rep.procs.v[i].binary))
			continue;
		idx[n++] = i;
		len += strlen(rep.procs.v[i].binary) + 1;
	}
	s = calloc(1, len);
	for (int k = n - 1; s && k >= 0; k--) {
		strcat(s, rep.procs.v[idx[k]].binary);
		if (k)
			strcat(s, "\n");
	}
	return s;
}

void rep_violation(enum viol_kind k, uint32_t pid, const char *rule,
		   const char *what, bool blocked)
{
	struct rviol *v;

	/* the same thing by the same process once is enough */
	for (size_t i = 0; i < rep.viols.n; i++) {
		v = &rep.viols.v[i];
		if (v->kind == k && v->pid == pid && !strcmp(v->what, what)) {
			v->count++;
			return;
		}
	}
	v = PUSH(rep.viols);
	v->kind = k;
	v->pid = pid;
	v->rule = strdup(rule);
	v->what = strdup(what);
	v->blocked = blocked;
	v->count = 1;
	v->chain = chain_of(pid);
}

void rep_file(uint32_t pid, const char *op, const char *path, bool allowed)
{
	struct rfile *f;

	for (size_t i = 0; i < rep.files.n; i++) {
		f = &rep.files.v[i];
		if (!strcmp(f->path, path) && !strcmp(f->op, op)) {
			f->count++;
			return;
		}
	}
	f = PUSH(rep.files);
	f->path = strdup(path);
	f->op = strdup(op);
	f->allowed = allowed;
	f->count = 1;
}

void rep_secret_read(uint32_t pid, const char *path)
{
	rep_file(pid, "read-secret", path, false);
}

void rep_conn(uint32_t pid, int family, const uint8_t *addr, uint16_t port,
	      int proto, bool allowed)
{
	struct rconn *c;

	for (size_t i = 0; i < rep.conns.n; i++) {
		c = &rep.conns.v[i];
		if (c->family == family && c->port == port && c->proto == proto &&
		    !memcmp(c->addr, addr, family == 4 ? 4 : 16) &&
		    c->allowed == allowed) {
			c->count++;
			return;
		}
	}
	c = PUSH(rep.conns);
	c->family = family;
	memcpy(c->addr, addr, family == 4 ? 4 : 16);
	c->port = port;
	c->proto = proto;
	c->allowed = allowed;
	c->count = 1;
	c->pid = pid;
	if (!allowed) {
		char what[96];

		rep_addr_text(family, addr, what, sizeof(what));
		snprintf(what + strlen(what), sizeof(what) - strlen(what),
			 " port %u/%s", port, rep_proto_name(proto));
		rep_violation(V_CONNECT, pid, "network.allow", what,
			      rep.enforce);
	}
}

void rep_dns(const char *name, int qtype, bool allowed, const char *answers)
{
	struct rdns *d;

	for (size_t i = 0; i < rep.dns.n; i++) {
		if (!strcmp(rep.dns.v[i].name, name)) {
			rep.dns.v[i].count++;
			return;
		}
	}
	d = PUSH(rep.dns);
	d->name = strdup(name);
	d->allowed = allowed;
	d->count = 1;
}

void rep_dns_answer(const char *name, int family, const uint8_t *addr)
{
	struct rname *a;

	for (size_t i = 0; i < rep.names.n; i++) {
		a = &rep.names.v[i];
		if (a->family == family && !memcmp(a->addr, addr, family == 4 ? 4 : 16) &&
		    !strcmp(a->name, name))
			return;
	}
	a = PUSH(rep.names);
	a->family = family;
	memcpy(a->addr, addr, family == 4 ? 4 : 16);
	a->name = strdup(name);
}

const char *rep_name_of(int family, const uint8_t *addr)
{
	for (size_t i = 0; i < rep.names.n; i++)
		if (rep.names.v[i].family == family &&
		    !memcmp(rep.names.v[i].addr, addr, family == 4 ? 4 : 16))
			return rep.names.v[i].name;
	return NULL;
}

void rep_addr_text(int family, const uint8_t *addr, char *buf, size_t len)
{
	inet_ntop(family == 4 ? AF_INET : AF_INET6, addr, buf, len);
}

size_t rep_violation_count(void)
{
	return rep.viols.n;
}

void rep_sock_text(char *buf, size_t len, unsigned kind, int family,
		   unsigned type, unsigned proto)
{
	const char *fam = family == AF_INET ? "inet" : family == AF_INET6 ?
			  "inet6" : family == AF_PACKET ? "packet" : "?";

	snprintf(buf, len, "%s (%s, type %u, protocol %u)",
		 run_sock_kind_name(kind) ?: "?", fam, type, proto);
}

const char *rep_proto_name(int proto)
{
	return proto == 6 ? "tcp" : proto == 136 ? "udplite" : "udp";
}

const char *rep_kind_name(enum viol_kind k)
{
	static const char *const names[] = {
		[V_EXEC] = "exec", [V_WRITE] = "file-write",
		[V_SECRET] = "secret-read", [V_SYSCALL] = "syscall",
		[V_CONNECT] = "connect", [V_DNS] = "dns",
		[V_DNS_BYPASS] = "dns-bypass", [V_SOCKET] = "socket",
		[V_CONFINE] = "confine",
	};

	return k < V__COUNT ? names[k] : "?";
}

void rep_free(void)
{
	for (size_t i = 0; i < rep.procs.n; i++) {
		free(rep.procs.v[i].binary);
		free(rep.procs.v[i].args);
	}
	for (size_t i = 0; i < rep.viols.n; i++) {
		free(rep.viols.v[i].rule);
		free(rep.viols.v[i].what);
		free(rep.viols.v[i].chain);
	}
	for (size_t i = 0; i < rep.files.n; i++) {
		free(rep.files.v[i].path);
		free(rep.files.v[i].op);
	}
	for (size_t i = 0; i < rep.dns.n; i++)
		free(rep.dns.v[i].name);
	for (size_t i = 0; i < rep.names.n; i++)
		free(rep.names.v[i].name);
	free(rep.procs.v);
	free(rep.viols.v);
	free(rep.files.v);
	free(rep.conns.v);
	free(rep.dns.v);
	free(rep.names.v);
	memset(&rep, 0, sizeof(rep));
}
