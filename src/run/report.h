/* The data of a run's report, shared by run_report.c (collect),
 * run_summary.c (print, JSON) and run_learn.c (policy). */
#ifndef WARDEN_RUN_REPORT_H
#define WARDEN_RUN_REPORT_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "run/internal.h"

struct rproc {
	uint32_t pid, ppid;
	long parent;		/* index of the parent entry, -1: the root */
	char *binary, *args;
	bool fork_only;		/* forked, has not exec'd (yet) */
	bool replaced;		/* exec'd again: the next entry goes on */
	bool exited;
	int status;		/* wait status */
};

struct rviol {
	enum viol_kind kind;
	uint32_t pid;
	char *rule, *what;
	char *chain;		/* binaries, root first, '\n'-separated */
	bool blocked;
	unsigned count;
};

struct rfile {
	char *path, *op;
	bool allowed;
	unsigned count;
};

struct rconn {
	int family, proto;
	uint8_t addr[16];
	uint16_t port;
	bool allowed;
	unsigned count;
	uint32_t pid;
};

struct rdns {
	char *name;
	bool allowed;
	unsigned count;
};

struct rname {
	int family;
	uint8_t addr[16];
	char *name;
};

#define ARR(T) struct { T *v; size_t n, cap; }

struct report {
	const char *cgroup;
	bool enforce;
	ARR(struct rproc) procs;
	ARR(struct rviol) viols;
	ARR(struct rfile) files;
	ARR(struct rconn) conns;
	ARR(struct rdns) dns;
	ARR(struct rname) names;
	uint64_t lost;
};

extern struct report rep;

const char *rep_name_of(int family, const uint8_t *addr);
void rep_addr_text(int family, const uint8_t *addr, char *buf, size_t len);
const char *rep_kind_name(enum viol_kind k);
const char *rep_proto_name(int proto);	/* tcp, udp, udplite */
/* "raw (inet, type 3, protocol 17)": a refused socket (enum sock_kind). */
void rep_sock_text(char *buf, size_t len, unsigned kind, int family,
		   unsigned type, unsigned proto);
#endif
