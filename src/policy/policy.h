/* The policy as parsed from YAML: validated, positions kept for messages,
 * nothing resolved against the running system yet (that is compile's job). */
#ifndef WARDEN_POLICY_H
#define WARDEN_POLICY_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/types.h>
#include "policy/diag.h"
#include "warden/process_abi.h"

struct ynode;

struct strv {
	char **v;
	int *line, *col;	/* where each value was written */
	size_t n;
};

struct u64v {
	uint64_t *v;
	size_t n;
};

/* The selectors of one rule. used has a bit per DIM_* that is constrained;
 * negated a bit per DIM_* written under `not:`. */
struct selector {
	unsigned used, negated;
	struct strv binary;	/* /exact/file, /dir/ (prefix), or basename */
	struct u64v pid, uid;
	struct strv ancestor;	/* exact files */
	struct strv cgroup;	/* paths below the cgroup2 root */
	struct strv container;	/* container ids (full or >= 12 hex), "any" */
};

/* binary value for executables with no name in any directory */
#define FILELESS_BINARY "@fileless"
#define CONTAINER_ANY "any"	/* container: any (or "*") */

#define FILE_ACCESS_READ	1u
#define FILE_ACCESS_WRITE	2u	/* open for writing, create, truncate, unlink */

struct rule {
	char *name;
	int line, col;
	uint8_t action;		/* enum rule_action */
	struct selector sel;
	int *syscalls;		/* numbers; none: an exec rule */
	size_t nsyscalls;
	struct strv files;	/* a file rule: files opened/created/removed */
	uint8_t access;		/* FILE_ACCESS_* bits, for file rules */
};

struct ingress_policy;
struct egress_policy;

struct policy {
	char *file;		/* as named in messages */
	char *name;
	unsigned observe;	/* OBSERVE_* */
	uint8_t self_protection;	/* ACT_NONE, ACT_ALERT (default), ACT_KILL */
	bool guard_syscalls;	/* self_protection_syscalls: on */
	bool fail_unsupported;	/* on_unsupported: fail (deny needs LSM) */
	struct rule *rules;
	size_t nrules;
	struct ingress_policy *ingress;	/* network.ingress, or NULL */
	struct egress_policy *egress;	/* network.egress, or NULL */
};

/* Parse a policy file / text. On any error returns NULL with diagnostics
 * in d (every error found, not only the first). */
struct policy *policy_load_file(const char *path, struct diags *d);
struct policy *policy_parse(const char *text, size_t len, const char *name,
			    struct diags *d);
void policy_free(struct policy *p);

/* The built-in default: observe every exec and exit, block nothing. */
extern const char builtin_policy_text[];
struct policy *policy_builtin(void);

const char *action_name(uint8_t action);

void strv_free(struct strv *s);
int strv_push(struct strv *s, const char *v, int line, int col);
#endif
