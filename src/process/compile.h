/* Policy -> an in-memory image of the process object's policy maps for one
 * generation. Pure: no bpf() call, no privilege (only stat() of the paths
 * the policy names); src/process/maps.c writes the image into the kernel. */
#ifndef WARDEN_PROCESS_COMPILE_H
#define WARDEN_PROCESS_COMPILE_H
#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>
#include "policy/diag.h"
#include "warden/process_abi.h"

struct policy;

/* The selector maps: a key per selector value, its rule bitmap as value. */
enum proc_rule_map {
	PM_BIN_FILE,		/* binaries by inode */
	PM_BIN_DIR,		/* binary directory prefixes */
	PM_BIN_NAME,		/* binary basenames */
	PM_BIN_DIRENT,		/* binaries by directory entry */
	PM_ANCESTOR,
	PM_PID,
	PM_UID,
	PM_CGROUP,		/* cgroup ids, subtree rules */
	PM_TGT_FILE,		/* file rules: targets by inode */
	PM_TGT_DIR,		/* ... by directory prefix */
	PM_TGT_DIRENT,		/* ... by directory entry */
	PM_BIN_PATH,		/* binaries by the path a process sees */
	PM_BIN_PDIR,		/* ... and its directory prefixes */
	PM_CTR_ID,		/* container ids */
	PM__COUNT,
};

/* Each map's name in the object, key size, and where its key keeps the
 * generation. */
struct proc_map_desc {
	const char *name;
	size_t key_size, gen_off;
};
extern const struct proc_map_desc proc_map_desc[PM__COUNT];

/* One map's entries, in insertion order, with a hash index. */
struct proc_entries {
	size_t n, cap;
	unsigned char *keys;	/* n keys of proc_map_desc[].key_size bytes */
	struct rule_bits *bits;
	__u32 *slots;		/* 2 * cap: entry index + 1, 0 empty */
};

struct process_image {
	__u32 gen;
	struct policy_hdr hdr;
	struct proc_entries map[PM__COUNT];
	struct rule_bits syscall[SYSCALL_SLOTS];	/* rules naming each nr */
};

/* Compile p for generation gen into a new image (*out). Selector cgroups
 * and containers are found below cgroup_root (NULL: the cgroup2 mount).
 * Paths that do not exist yet are "warning:" diagnostics in d, with their
 * position. 0 or -errno. */
int process_compile(const struct policy *p, __u32 gen, const char *cgroup_root,
		    struct process_image **out, struct diags *d);
void process_image_free(struct process_image *img);
/* The syscalls whose tracepoints img needs: those some rule names or
 * covers (clone and clone3 for the SYSCALL_CLONE_NS slot). */
void process_image_syscalls(const struct process_image *img,
			    bool wanted[SYSCALL_SLOTS]);
/* What file rules cannot hold on a kernel without BPF LSM, one diagnostic
 * per rule at its position: io_uring operations by path are judged by the
 * submitter alone (bpf/process/uring.h). */
void process_file_rule_notes(const struct policy *p, struct diags *d);
/* The bitmap for key in map m, or NULL. */
const struct rule_bits *process_image_get(const struct process_image *img,
					  enum proc_rule_map m, const void *key);
#endif
