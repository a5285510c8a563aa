/* `warden run` internals: the pieces run.c wires together. */
#ifndef WARDEN_RUN_INTERNAL_H
#define WARDEN_RUN_INTERNAL_H
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>
#include "run/run.h"

/* ---- run_cgroup.c --------------------------------------------------- */
struct run_cgroup {
	char rel[64];		/* "/warden-run-PID-X", below the cgroup2 root */
	char path[PATH_MAX];
	int dirfd;
	bool created;
	pid_t guard;		/* kills the cgroup when warden dies */
	int guard_fd;		/* its pipe: closed = warden is gone */
};

int run_cgroup_create(struct run_cgroup *cg);
int run_cgroup_join(const struct run_cgroup *cg);	/* in the child */
int run_cgroup_enter_ns(void);				/* in the child */
int run_cgroup_guard_start(struct run_cgroup *cg);
void run_cgroup_guard_stop(struct run_cgroup *cg);
int run_cgroup_kill(struct run_cgroup *cg);
int run_cgroup_destroy(struct run_cgroup *cg);

/* ---- run_seccomp.c -------------------------------------------------- */
struct seccomp_plan {
	const int *deny;	/* syscalls that fail with EPERM */
	size_t ndeny;
	bool writes;		/* file-changing syscalls go to the supervisor */
	bool reads;		/* read-only opens too (secret paths exist) */
	bool io_uring_ok;	/* syscalls.allow: io_uring_setup */
	bool by_handle_ok;	/* syscalls.allow: open_by_handle_at */
	bool packet_ok;		/* network.sockets: packet */
	bool raw_ok;		/* network.sockets: raw */
};

/* In the child: install the filter; returns the listener fd or -errno. */
int run_seccomp_install(const struct seccomp_plan *p);
/* In warden: the run's cgroup (absolute); moves out of it are refused. */
void run_seccomp_confine(const char *cgroup_path);
/* In warden: the command's file; a write into it is refused. */
void run_seccomp_pin(dev_t dev, ino_t ino);
/* In warden: answer one pending notification on fd. */
int run_seccomp_serve(int fd, const struct run_policy *rp, bool enforce);

/* ---- run_secrets.c ------------------------------------------------- */
struct stat;
/* In warden, before the step starts: the inodes of the secret files and
 * of the files below secret directories. */
int run_secrets_load(const struct strv *paths);
/* st is one of those files (by any of its names). */
bool run_secret_file(const struct stat *st);
void run_secrets_free(void);

/* ---- run_openfor.c ------------------------------------------------- */
/* An open the supervisor judged and allowed. */
struct open_for {
	const char *path;	/* resolved: absolute, or a pseudo name */
	const char *via;	/* the magic link behind a pseudo name, or "" */
	const char *raw;	/* warden's copy of the caller's string */
	int dirfd;		/* the caller's (AT_FDCWD) */
	uint64_t flags, mode, resolve;	/* resolve: openat2's */
	bool legacy;		/* open, openat, creat: not openat2 */
	/* the file warden opened, before it is handed in: 0, or the error
	 * the caller gets instead (NULL: no check) */
	int (*vet)(int fd, void *arg);
	void *vet_arg;
};
struct seccomp_notif;
/* Open it as the caller and make the fd the result of its syscall
 * (SECCOMP_ADDFD_FLAG_SEND), or answer the error the open got: 0 then.
 * -ENOSYS: the kernel cannot, or there is no path; "continue" instead. */
int run_open_for(int notif_fd, const struct seccomp_notif *req,
		 const struct open_for *o);

/* ---- run_files.c ---------------------------------------------------- */
/* Resolve path as task pid sees it (dirfd, cwd, "..", symlinks; the last
 * component followed only if follow). Writes the absolute path, or a
 * pseudo name like "pipe:[123]" for a magic link to a non-file; via (if
 * not NULL) gets that magic link ("/proc/PID/fd/N"), "" otherwise. */
int run_path_resolve(pid_t pid, int dirfd, const char *path, bool follow,
		     char *out, size_t len, char *via, size_t via_len);
/* Devices and pseudo files every step may write. */
bool run_path_always_writable(const char *path);
/* raw re-opens an fd pid already holds open for writing. */
bool run_path_reopens_write_fd(pid_t pid, const char *raw);

/* ---- run_net.c / run_dns.c ------------------------------------------ */
struct ring_buffer;

/* DNS answers open their addresses for their TTL, within these bounds (s):
 * long enough for the connect that follows, short enough that an address
 * a name left does not stay open for the rest of the run. */
#define RUN_DNS_TTL_MIN 5
#define RUN_DNS_TTL_MAX 300

/* What the proxy tells the network programs. */
struct net_plan {
	uint16_t port4_be, port6_be;	/* the proxy (0: none for that family) */
	uint16_t tcp4_be, tcp6_be;	/* its TCP listeners (0: none) */
	const struct cidr *resolvers;	/* UDP/TCP 53 to these goes to the proxy */
	size_t nresolvers;
};

/* Load and attach the network programs to cgroup_fd. */
int run_net_start(const struct run_policy *rp, const struct net_plan *np,
		  int cgroup_fd, bool enforce, struct ring_buffer **rb);
/* Open address a (4 or 16 bytes) for the run for ttl seconds (bounded):
 * an allowed name resolved to it. */
int run_net_allow_addr(int family, const uint8_t *a, uint32_t ttl);
uint32_t run_net_last_dns_pid(void);
uint64_t run_net_lost(void);
void run_net_stop(void);

/* Bind the proxy on loopback and pick the upstream resolvers; fills np. */
int run_dns_start(const struct run_policy *rp, bool enforce, int epfd,
		  struct net_plan *np);

/* A parsed query: all the proxy keeps of what the step sent. */
struct dns_query {
	uint16_t id, flags, qtype, qclass;
	uint16_t edns_size;	/* 0: no OPT record */
	char name[256];		/* lower case, no trailing dot; "" = root */
};
/* 0, or -EINVAL for anything but a standard query with one question. */
int run_dns_parse_query(const uint8_t *m, size_t len, struct dns_query *q);
/* The query warden sends: built from q alone; its length, 0 if too long. */
size_t run_dns_encode_query(const struct dns_query *q, uint16_t id,
			    uint8_t *out, size_t max);
/* An fd from epoll that belongs to the proxy: handle it, return true. */
bool run_dns_handle(int fd);
void run_dns_tick(void);
void run_dns_stop(void);

/* ---- run_report.c --------------------------------------------------- */
enum viol_kind { V_EXEC, V_WRITE, V_SECRET, V_SYSCALL, V_CONNECT, V_DNS,
		 V_DNS_BYPASS, V_SOCKET, V_CONFINE, V__COUNT };

void rep_init(const char *cgroup_rel);
void rep_free(void);
void rep_exec(uint32_t pid, uint32_t ppid, const char *binary,
	      const char *args, size_t args_len);
void rep_fork(uint32_t pid, uint32_t ppid);
void rep_exit(uint32_t pid, int wait_status);
void rep_violation(enum viol_kind k, uint32_t pid, const char *rule,
		   const char *what, bool blocked);
void rep_file(uint32_t pid, const char *op, const char *path, bool allowed);
void rep_secret_read(uint32_t pid, const char *path);
void rep_conn(uint32_t pid, int family, const uint8_t *addr, uint16_t port,
	      int proto, bool allowed);
void rep_dns(const char *name, int qtype, bool allowed, const char *answers);
void rep_dns_answer(const char *name, int family, const uint8_t *addr);
size_t rep_violation_count(void);

struct rep_meta {
	char *const *argv;
	const char *policy;
	bool enforce;
	int exit_status;	/* warden's */
	int child_status;	/* wait status */
	double seconds;
	const char *cgroup;
	const char *cwd;		/* where the run started */
	const struct run_policy *rp;	/* the policy it ran under */
};
void rep_summary(FILE *f, const struct rep_meta *m);
/* Through an fd opened before the step started (safe_open_write). */
int rep_write_json(int fd, const struct rep_meta *m);
int rep_write_learned(int fd, const struct rep_meta *m);
#endif
