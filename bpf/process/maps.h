/* The process object's state: .bss/.rodata globals, every map, and the
 * per-CPU scratch the programs share. The policy maps are the contract with
 * user space (src/process/maps.c writes them); include/warden/process_abi.h
 * defines their keys and values. */
#ifndef WARDEN_PROCESS_MAPS_H
#define WARDEN_PROCESS_MAPS_H
#include "warden/process_abi.h"

#define SIGKILL 9

/* Written by user space through the mmap'ed .bss: one aligned 32-bit store
 * switches every program to the new policy. */
volatile __u32 active_gen;
/* Self-protection: action for touching the agent, and its pin directory. */
volatile __u8 guard_action;
volatile __u32 guard_pin_len;
volatile char guard_pin[GUARD_PATH_LEN];
/* self_protection_syscalls: on (the ia32 entry checks guarded calls) */
volatile __u8 guard_syscalls;
/* Wake-up batching of proc_events (process_set_wake_batch): 0 wakes the
 * reader for each record written into an empty buffer (one wake-up, two
 * context switches, per event while the reader keeps up); N > 0 wakes it
 * only once N bytes wait, and the reader polls for the rest on a short
 * timeout of its own. */
volatile __u32 wake_bytes;
/* Set at load: the agent's own tgid, never killed by its own rules. */
const volatile __u32 agent_tgid = 0;
/* Set at load: the native numbers of clone and clone3 (unshare rules). */
const volatile __u32 nr_clone = -1, nr_clone3 = -1;

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4 << 20);
} proc_events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, LOSS__COUNT);
	__type(key, __u32);
	__type(value, __u64);
} proc_losses SEC(".maps");

/* Sized at load from pid_max and threads-max (src/process/process.c). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, __u32);			/* tgid */
	__type(value, struct proc_info);
} proc_table SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, POLICY_GENS);
	__type(key, __u32);
	__type(value, struct policy_hdr);
} proc_policy SEC(".maps");

#define RULE_MAP(name, keytype, n)					\
	struct {							\
		__uint(type, BPF_MAP_TYPE_HASH);			\
		__uint(max_entries, n);					\
		__uint(map_flags, BPF_F_NO_PREALLOC);			\
		__type(key, keytype);					\
		__type(value, struct rule_bits);			\
	} name SEC(".maps")

RULE_MAP(proc_bin_file, struct file_id, 16384);	/* exact binaries */
RULE_MAP(proc_bin_dir, struct file_id, 16384);	/* directory prefixes */
RULE_MAP(proc_bin_name, struct name_key, 16384);	/* basenames */
RULE_MAP(proc_bin_dirent, struct dirent_key, 16384); /* exact paths by name */
/* file rules: the file opened or created, by inode, directory entry, and
 * directory prefix (the same three ways as binaries) */
RULE_MAP(proc_tgt_file, struct file_id, 16384);
RULE_MAP(proc_tgt_dirent, struct dirent_key, 16384);
RULE_MAP(proc_tgt_dir, struct file_id, 16384);
RULE_MAP(proc_ancestor, struct file_id, 16384);
RULE_MAP(proc_pid, struct num_key, 16384);
RULE_MAP(proc_uid, struct num_key, 16384);
RULE_MAP(proc_cgroup, struct num_key, 16384);

/* Ancestor rules without a depth limit: each binary an ancestor rule
 * names (key gen 0) -> its watch index; the rules of each watched binary
 * per generation (key gen * ANC_WATCH_MAX + index). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, ANC_WATCH_MAX);
	__type(key, struct file_id);
	__type(value, __u32);
} proc_anc_watch SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, POLICY_GENS * ANC_WATCH_MAX);
	__type(key, __u32);
	__type(value, struct rule_bits);
} proc_anc_rules SEC(".maps");

/* rules naming each syscall: key = gen * SYSCALL_SLOTS + nr */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, POLICY_GENS * SYSCALL_SLOTS);
	__type(key, __u32);
	__type(value, struct rule_bits);
} proc_syscall SEC(".maps");

/* ia32 syscall number -> struct sys32_info, filled once at load */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, SYSCALL_SLOTS);
	__type(key, __u32);
	__type(value, struct sys32_info);
} proc_sys32 SEC(".maps");

/* enum guard_kind for each syscall number the self-protection watches */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, SYSCALL_SLOTS);
	__type(key, __u32);
	__type(value, __u8);
} proc_guard_nr SEC(".maps");

/* Self-protection reports each (process image, syscall) once: strace
 * makes thousands of ptrace calls, a loader thousands of bpf calls. */
struct guard_key {
	__u64 exec_ktime;
	__u32 tgid;
	__u32 nr;
};
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 4096);
	__type(key, struct guard_key);
	__type(value, __u8);
} proc_guard_seen SEC(".maps");
_Static_assert(sizeof(struct guard_key) == 8 + 4 + 4, "guard_key: no holes");

/* Scratch space too big for the 512-byte stack. */
struct scratch {
	struct rule_bits m[DIM__COUNT];
	char path[2 * PATH_MAX_LEN];
	struct name_key name;
	struct dirent_key dirent;
	struct rule_bits target;	/* file rules the opened file satisfies */
	char guard_path[GUARD_PATH_LEN];
	struct rule_bits cand;		/* syscall rules a call is a candidate for */
	struct proc_info tmp_pi;	/* built from the task (table full: kept here) */
};
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct scratch);
} proc_scratch SEC(".maps");

#define EVBUF_LEN	32768
#define DATA_MASK	16383
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, char[EVBUF_LEN]);
} proc_evbuf SEC(".maps");
/* A whole event fits under DATA_MASK, and a string copied at any masked
 * offset (at most PATH_MAX_LEN bytes) stays inside the buffer. */
_Static_assert(PROC_EVENT_MAX <= DATA_MASK + 1, "an event fits the mask");
_Static_assert(sizeof(struct process_event) + DATA_MASK + PATH_MAX_LEN <=
	       EVBUF_LEN, "masked copies stay in proc_evbuf");
_Static_assert(((DATA_MASK + 1) & DATA_MASK) == 0, "DATA_MASK: 2^n - 1");

/* Operations refused through LSM, counted. The count is also what keeps
 * the compiler from folding the verdict into arithmetic (-(act == deny))
 * that older verifiers cannot bound to [-4095, 0]. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} proc_lsm_denied SEC(".maps");

static __always_inline void count_loss(__u32 site)
{
	__u64 *n = bpf_map_lookup_elem(&proc_losses, &site);

	if (n)
		*n += 1;
}

static __always_inline struct scratch *get_scratch(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&proc_scratch, &zero);
}

static __always_inline struct policy_hdr *current_policy(__u32 *gen)
{
	*gen = active_gen & (POLICY_GENS - 1);
	return bpf_map_lookup_elem(&proc_policy, gen);
}
#endif
