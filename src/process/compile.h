#ifndef WARDEN_PROCESS_COMPILE_H
#define WARDEN_PROCESS_COMPILE_H
#include <linux/types.h>
#include "policy/diag.h"
#include "warden/process_abi.h"

struct policy;

/* The fds of the process object's policy maps. */
struct process_maps {
	int policy, file_rules, dir_rules, name_rules, dirent_rules, ancestor_rules;
	int pid_rules, uid_rules, cgroup_rules, syscall_rules;
	int target_file_rules, target_dir_rules, target_dirent_rules;
};

/* Write policy p into generation gen (cleared first). Warnings (paths that
 * do not exist yet) go to d as "warning:" diagnostics. 0 or -errno. */
int process_compile(const struct process_maps *m, const struct policy *p,
		    __u32 gen, struct diags *d);
#endif
