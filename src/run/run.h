/* `warden run`: one command (a CI step) in its own cgroup under a pipeline
 * policy. Shared declarations of the run_*.c files. */
#ifndef WARDEN_RUN_H
#define WARDEN_RUN_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include "lib/cidr.h"
#include "policy/diag.h"
#include "policy/policy.h"

/* Exit statuses of `warden run` itself (the command's own otherwise). */
#define RUN_EXIT_VIOLATION	3	/* violations (enforce / --fail-on-violation) */
#define RUN_EXIT_USAGE		2	/* bad arguments or policy */
#define RUN_EXIT_SETUP		125	/* could not set the run up */

#define RUN_MAX_RESOLVERS 4

enum run_mode { RUN_MODE_UNSET = 0, RUN_ENFORCE, RUN_AUDIT };

/* The `run:` section. A check whose section is absent is off. */
struct run_policy {
	char *file;
	enum run_mode mode;
	bool exec_on;
	struct strv exec_allow;		/* files, dirs ending in /, basenames */
	bool write_on;
	struct strv write_allow;	/* path prefixes (dirs end in /), patterns */
	struct strv secrets;		/* path prefixes never read */
	bool net_on;
	bool any_destination;		/* no network: section: observe only */
	bool allow_loopback;
	struct cidr *nets;
	size_t nnets;
	struct strv names;		/* exact or "*.suffix" */
	struct cidr resolvers[RUN_MAX_RESOLVERS];	/* network.resolvers */
	size_t nresolvers;
	uint32_t sock_allow;		/* network.sockets: bits of enum sock_kind */
	int *syscalls;			/* denied: EPERM */
	size_t nsyscalls;
	uint32_t sys_allow;		/* syscalls.allow: bits of enum run_sys_allow */
};

/* Syscalls a step is refused unless syscalls.allow names them: each
 * reaches files without the paths the supervisor checks. */
enum run_sys_allow {
	RS_IO_URING = 1u << 0,		/* io_uring_setup: ops skip seccomp */
	RS_BY_HANDLE = 1u << 1,		/* open_by_handle_at: no path */
};

/* The names of enum sock_kind (network.sockets), NULL past the end. */
const char *run_sock_kind_name(unsigned kind);

struct run_policy *run_policy_load(const char *path, struct diags *d);
struct run_policy *run_policy_builtin(void);
void run_policy_free(struct run_policy *rp);
extern const char run_builtin_policy_text[];
/* Does name match an allowed DNS pattern? */
bool run_name_allowed(const struct run_policy *rp, const char *name);
/* Is path (absolute, normalised) under one of the prefixes? A prefix
 * without a trailing / matches the file itself and anything below it.
 * A prefix with '*' or '?' is a pattern, matched component by component
 * ('*' never crosses a '/', nor matches a leading '.'). */
bool run_path_under(const struct strv *prefixes, const char *path);
#endif
