/* The contract between bpf/process/ and user space: map keys and
 * values, and the event records on the ring buffer. Nothing else crosses
 * the boundary. Types are the __u* family so both sides compile it. */
#ifndef WARDEN_PROCESS_ABI_H
#define WARDEN_PROCESS_ABI_H
#ifndef __bpf__
#include <linux/types.h>
#endif

#define COMM_LEN	16
#define MAX_RULES	1024		/* exec + syscall rules per policy */
#define RULE_WORDS	(MAX_RULES / 64)
#define PATH_MAX_LEN	4096		/* must stay a power of two */
#define ARGS_MAX_LEN	4096		/* bytes of argv kept (power of two) */
#define CGPATH_MAX_LEN	1024		/* (power of two) */
#define MAX_ANCESTORS	16		/* binaries remembered per process */
/* Binaries named by ancestor rules get a watch index, stable for the
 * agent's life (never reused: processes keep the bits); each process has a
 * bit per watched binary it descends from, at any depth. */
#define ANC_WATCH_MAX	256
#define ANC_WATCH_WORDS	(ANC_WATCH_MAX / 64)
#define ANC_WALK_MAX	4096		/* parent chain walked for a process
					 * that started before the agent */
#define MAX_DIR_DEPTH	32		/* directory levels walked for prefixes */
#define MAX_CG_DEPTH	16		/* cgroup levels walked */
#define NAME_KEY_LEN	64		/* basename selector key */
#define SYSCALL_SLOTS	512		/* syscall numbers handled (x86_64: <512) */
/* A pseudo syscall slot no real number uses: the rules on unshare, which
 * also hold for clone/clone3 asking for a new namespace (CLONE_NEW*). */
#define SYSCALL_CLONE_NS (SYSCALL_SLOTS - 1)
#define CLONE_NS_FLAGS	0x7e020000ULL	/* NEWNS|NEWCGROUP|NEWUTS|NEWIPC|NEWUSER|NEWPID|NEWNET */
#define CLONE_NEWTIME_	0x80ULL		/* clone3 only (exit signal bits in clone) */
#define USER_HZ_NS	10000000ULL	/* /proc's clock tick, for exec ids */

/* Policies are double-buffered: user space fills generation !active, then
 * flips active_gen in one write, so no exec sees a half-loaded policy. */
#define POLICY_GENS	2

/* The selector dimensions a rule can constrain. Within one dimension the
 * listed values are alternatives (OR); across dimensions all must hold. */
enum sel_dim {
	DIM_BINARY,	/* exact file, directory prefix, or basename */
	DIM_PID,
	DIM_UID,
	DIM_ANCESTOR,	/* any ancestor's binary is one of these files */
	DIM_CGROUP,	/* cgroup subtree */
	DIM_CONTAINER,	/* a container's workload: any, or by id */
	DIM__COUNT,
};

enum rule_action {
	ACT_NONE = 0,
	ACT_ALERT = 1,	/* event only */
	ACT_KILL = 2,	/* SIGKILL */
	ACT_ALLOW = 3,	/* exception: stop evaluating, do nothing */
	ACT_DENY = 4,	/* EPERM via BPF LSM; SIGKILL where there is none */
};

/* How an action was carried out, reported in events. */
enum mechanism {
	MECH_NONE = 0,
	MECH_SIGKILL_TP = 1,	/* bpf_send_signal from a tracepoint */
	MECH_LSM = 2,		/* BPF LSM, syscall failed with EPERM */
};

struct rule_bits {
	__u64 w[RULE_WORDS];
};

/* A file or directory as the kernel knows it: superblock dev + inode. */
struct file_id {
	__u64 ino;
	__u32 dev;		/* kernel encoding: major << 20 | minor */
	__u32 gen;		/* policy generation (map key part) */
};

struct name_key {
	__u32 gen;
	char name[NAME_KEY_LEN];
};

/* A name in a directory: an exact-path rule matches a file later put at
 * that path (replaced after the policy loaded) as well as its inode. */
struct dirent_key {
	struct file_id dir;	/* dir.gen is the policy generation */
	char name[NAME_KEY_LEN];
};

/* A path as the process sees it from its root (inside a container: the
 * container's path), zero-padded; directories end with '/'. */
#define PATH_KEY_LEN	256
struct path_key {
	__u32 gen;
	char path[PATH_KEY_LEN - 4];
};

/* Containers: the cgroups whose name holds a container id (kept by the
 * cgroup_mkdir/rmdir programs and a scan at start) map to the id's first
 * CTR_KEY_LEN hex digits, the key of container-id rules. */
#define CTR_KEY_LEN	12
struct ctr_key {
	__u32 gen;
	char id[CTR_KEY_LEN];
};
struct ctr_cg {
	char id[CTR_KEY_LEN];
};

struct num_key {		/* pid, uid, cgroup id */
	__u64 value;
	__u32 gen;
	__u32 pad;
};

/* Per-generation policy header: what each dimension's rules look like. */
struct policy_hdr {
	struct rule_bits wild[DIM__COUNT];	/* rule does not use the dim */
	struct rule_bits neg[DIM__COUNT];	/* rule negates the dim */
	struct rule_bits exec_rules;		/* rules that apply at exec */
	struct rule_bits fileless;		/* binary: @fileless */
	struct rule_bits file_read;		/* file rules on reads */
	struct rule_bits file_write;		/* file rules on writes/creates */
	struct rule_bits any_container;		/* container: any */
	__u8 action[MAX_RULES];
	__u32 used_dims;			/* bit per dim some rule uses */
	__u32 observe;				/* OBSERVE_* */
	__u32 dir_depth;			/* deepest prefix dir, levels */
	__u32 path_rules;			/* proc_bin_path/pdir hold keys */
};

#define OBSERVE_EXEC	(1u << 0)
#define OBSERVE_EXIT	(1u << 1)
#define OBSERVE_FORK	(1u << 2)

/* proc_info.flags */
#define PROC_WORKLOAD	(1u << 0)	/* a container's workload: it (or an
					 * ancestor) exec'd inside the container's
					 * mount namespace; runc init is not */

/* What the kernel remembers of each process (thread group). */
struct proc_info {
	__u64 exec_ktime;		/* with pid: the exec_id */
	__u64 parent_exec_ktime;
	__u32 parent_pid;
	__u32 flags;
	__u64 anc_watch[ANC_WATCH_WORDS]; /* watched binaries it descends from */
	struct file_id self;		/* binary now running */
	struct file_id anc[MAX_ANCESTORS]; /* anc[0] = nearest ancestor */
};

/* The ia32 compat entry (`int 0x80`): for each ia32 syscall number, the
 * native number it is (+1; 0: none) and what else it is. */
struct sys32_info {
	__u16 native1;		/* native nr + 1 */
	__u16 flags;		/* SYS32_* */
};
#define SYS32_OPEN	(1u << 0)	/* open, openat, openat2, creat */

/* proc_table keys above any pid (PID_MAX_LIMIT is 4M): one entry per CPU,
 * put there at load, that holds a decision's process entry when the table
 * is full (key PROC_OVERFLOW_KEY + cpu). */
#define PROC_OVERFLOW_KEY	0x80000000u

/* Self-protection: what to check in each guarded syscall's arguments. */
enum guard_kind {
	GUARD_NONE = 0,
	GUARD_ALWAYS = 1,	/* bpf, perf_event_open, init_module, ... */
	GUARD_PID_ARG0 = 2,	/* kill, tgkill, process_vm_*: arg0 is the target */
	GUARD_PID_ARG1 = 3,	/* ptrace: arg1 is the target */
	GUARD_PATH_ARG0 = 4,	/* unlink, rmdir, rename: arg0 is a path */
	GUARD_PATH_ARG1 = 5,	/* unlinkat, renameat*: arg1 is a path */
};
#define GUARD_PATH_LEN 128	/* prefix compared: the pin directory */

enum event_type {
	EV_EXEC = 1,
	EV_FORK = 2,
	EV_EXIT = 3,
	EV_SYSCALL = 4,
	EV_FILE = 5,		/* a file rule matched an open or a create */
	EV_SIGNAL = 6,		/* a signal aimed at the agent (exit_code: signo) */
};

#define EVF_ARGS_TRUNC	(1u << 0)
#define EVF_PATH_TRUNC	(1u << 1)
#define EVF_CWD_TRUNC	(1u << 2)
#define EVF_CG_TRUNC	(1u << 3)
#define EVF_NO_PARENT	(1u << 4)	/* parent unknown to the kernel map */
#define EVF_TRACK_ONLY	(1u << 5)	/* for the process table, not printed */
#define EVF_GUARD	(1u << 6)	/* self-protection, not a policy rule */
#define EVF_COMPAT	(1u << 7)	/* a syscall through the ia32 entry */
#define EVF_URING	(1u << 8)	/* EV_FILE submitted through io_uring:
					 * syscall_nr is the opcode, the path
					 * is the string the submitter gave */

/* One process event. The variable part holds, in order: the binary's path
 * (for EV_FILE: the file opened or created), argv (NUL-separated), cwd, the
 * cgroup path; each *_len counts its bytes without a terminating NUL. */
struct process_event {
	__u32 type;
	__u32 size;			/* header + variable part */
	__u64 ktime;			/* CLOCK_BOOTTIME ns */
	__u64 exec_ktime;
	__u64 parent_exec_ktime;
	__u64 cgroup_id;
	__u64 ino;
	__u32 dev;
	__u32 pid, tid, ppid, uid, gid;
	__u32 parent_pid;		/* with parent_exec_ktime: parent exec_id */
	__u32 rule;			/* rule index + 1; 0 = no rule */
	__u32 gen;			/* policy generation of rule */
	__s32 syscall_nr;		/* EV_SYSCALL */
	__s32 exit_code;		/* EV_EXIT: wait status */
	__u16 flags;			/* EVF_* */
	__u8 action;			/* enum rule_action */
	__u8 mechanism;			/* enum mechanism */
	__u16 path_len, args_len, cwd_len, cg_len;
	char comm[COMM_LEN];
	/* pid and tid as the task's own pid namespace numbers them (inside a
	 * container: the container's; on the host: pid and tid again) */
	__u32 ns_pid, ns_tid;
	char data[];
};

#define PROC_EVENT_MAX (sizeof(struct process_event) + PATH_MAX_LEN + \
			ARGS_MAX_LEN + PATH_MAX_LEN + CGPATH_MAX_LEN)

/* Where events can be lost in the kernel; per-CPU counters, summed. */
enum loss_site {
	LOSS_RINGBUF_FULL = 0,	/* bpf_ringbuf_output failed */
	LOSS_PROC_MAP_FULL = 1,	/* process table full: ancestry degraded */
	LOSS_TRACK_FULL = 2,	/* a process-table record (not an event) could
				 * not be sent: user-space ancestry degraded */
	LOSS_CTR_MAP_FULL = 3,	/* a container cgroup could not be marked:
				 * container rules miss its workload */
	LOSS__COUNT,
};
/* The invariants above, checked on both sides of the boundary. */
#define PROC_POW2(x)	((x) > 0 && ((x) & ((x) - 1)) == 0)
/* the BPF side indexes with `& (N - 1)` to keep the verifier's bounds */
_Static_assert(PROC_POW2(MAX_RULES), "action[r & (MAX_RULES - 1)]");
_Static_assert(PROC_POW2(PATH_MAX_LEN), "PATH_MAX_LEN: a power of two");
_Static_assert(PROC_POW2(ARGS_MAX_LEN), "ARGS_MAX_LEN: a power of two");
_Static_assert(PROC_POW2(CGPATH_MAX_LEN), "CGPATH_MAX_LEN: a power of two");
_Static_assert(PROC_POW2(NAME_KEY_LEN), "NAME_KEY_LEN: a power of two");
_Static_assert(PROC_POW2(ANC_WATCH_WORDS) && ANC_WATCH_MAX % 64 == 0,
	       "anc_watch[w & (ANC_WATCH_WORDS - 1)], whole words");
_Static_assert(POLICY_GENS == 2, "active_gen & 1 picks the generation");
/* one bit per rule, whole 64-bit words */
_Static_assert(MAX_RULES % 64 == 0, "RULE_WORDS covers every rule exactly");
_Static_assert(sizeof(struct rule_bits) * 8 == MAX_RULES, "a bit per rule");
_Static_assert(DIM__COUNT <= 32, "used_dims has a bit per dimension");
_Static_assert(MAX_DIR_DEPTH > 0 && MAX_CG_DEPTH > 0, "walks go up");
/* Hash-map keys: the kernel hashes every byte, so no padding holes (a
 * hole's garbage would make equal keys differ). */
_Static_assert(sizeof(struct file_id) == 8 + 4 + 4, "file_id: no holes");
_Static_assert(sizeof(struct name_key) == 4 + NAME_KEY_LEN, "name_key: no holes");
_Static_assert(sizeof(struct dirent_key) == sizeof(struct file_id) + NAME_KEY_LEN,
	       "dirent_key: no holes");
_Static_assert(sizeof(struct num_key) == 8 + 4 + 4, "num_key: no holes");
_Static_assert(sizeof(struct path_key) == PATH_KEY_LEN, "path_key: no holes");
_Static_assert(sizeof(struct ctr_key) == 4 + CTR_KEY_LEN, "ctr_key: no holes");
_Static_assert(SYSCALL_SLOTS <= 0xffff, "sys32_info.native1 is __u16");
/* The event header: no holes (memset and filled field by field), the
 * variable part right after it, lengths that fit their __u16. */
_Static_assert(sizeof(struct process_event) == 128, "process_event: no holes");
_Static_assert(__builtin_offsetof(struct process_event, ns_pid) ==
	       __builtin_offsetof(struct process_event, comm) + COMM_LEN,
	       "ns_pid right after comm");
_Static_assert(__builtin_offsetof(struct process_event, data) ==
	       sizeof(struct process_event), "data[] follows the header");
_Static_assert(PATH_MAX_LEN <= 0xffff && ARGS_MAX_LEN <= 0xffff &&
	       CGPATH_MAX_LEN <= 0xffff, "*_len fields are __u16");
_Static_assert(EVF_URING <= 0xffff, "flags is __u16");
_Static_assert(ACT_DENY <= 0xff && MECH_LSM <= 0xff, "action, mechanism: __u8");
_Static_assert(sizeof(struct proc_info) ==
	       8 + 8 + 4 + 4 + ANC_WATCH_WORDS * 8 +
	       (1 + MAX_ANCESTORS) * sizeof(struct file_id),
	       "proc_info: no holes");
#endif
