/* The kernel's process table (proc_table: tgid -> proc_info), kept by the
 * fork/exec/exit programs, rebuilt from the live task for processes that
 * started before the agent. */
#ifndef WARDEN_PROCESS_TRACK_H
#define WARDEN_PROCESS_TRACK_H
#include "process/maps.h"
#include "process/paths.h"
#include "process/container.h"

static __always_inline __u64 start_id(struct task_struct *t)
{
	/* /proc/PID/stat's starttime, in ns: what the agent's start-up
	 * snapshot can compute for processes it did not see start. */
	__u64 boot = BPF_CORE_READ(t, group_leader, start_boottime);

	return boot / USER_HZ_NS * USER_HZ_NS;
}

static __always_inline struct file *task_exe(struct task_struct *t)
{
	return BPF_CORE_READ(t, mm, exe_file);
}

/* If the binary id is watched by an ancestor rule, pi descends from it. */
static __always_inline void watch_bit(struct proc_info *pi,
				      const struct file_id *id)
{
	struct file_id k = *id;
	__u32 *idx;

	k.gen = 0;
	idx = bpf_map_lookup_elem(&proc_anc_watch, &k);
	if (idx)
		pi->anc_watch[(*idx / 64) & (ANC_WATCH_WORDS - 1)] |=
			1ULL << (*idx % 64);
}

struct parent_step_ctx {
	struct task_struct *p;
	struct proc_info *pi;
};

static long parent_step(__u64 i, void *arg)
{
	struct parent_step_ctx *c = arg;
	struct task_struct *p = c->p;
	struct file_id id;
	struct file *exe;

	if (!p)
		return 1;
	exe = task_exe(p);
	if (exe) {
		file_id_of(exe, &id);
		watch_bit(c->pi, &id);
		if (i < MAX_ANCESTORS) {
			__u64 slot = i;

			/* an AND the compiler cannot drop after the check: 6.1's
			 * verifier loses i's bounds when i is reloaded from the
			 * stack ("unbounded min value") */
			asm volatile("%0 &= %1" : "+r"(slot) : "i"(MAX_ANCESTORS - 1));
			c->pi->anc[slot] = id;
		}
	}
	if (BPF_CORE_READ(p, tgid) <= 1)
		return 1;
	c->p = BPF_CORE_READ(p, real_parent);
	return 0;
}

/* Build an entry for a process the table missed (it started before the
 * agent, or the table was full): identity from the task, ancestry from
 * the live parent chain. When the table is full the entry stays in the
 * per-CPU scratch for this one decision: rules are still decided (fail
 * closed), from the live chain, and the miss is counted. */
static __always_inline struct proc_info *proc_from_task(struct task_struct *t)
{
	struct parent_step_ctx c;
	struct task_struct *parent;
	struct proc_info *pi;
	__u32 tgid = BPF_CORE_READ(t, tgid);
	struct scratch *s = get_scratch();

	if (!s)
		return NULL;
	pi = &s->tmp_pi;	/* copied into the table below */
	__builtin_memset(pi, 0, sizeof(*pi));
	pi->exec_ktime = start_id(t);
	parent = BPF_CORE_READ(t, real_parent);
	c.p = parent;
	c.pi = pi;
	pi->parent_pid = BPF_CORE_READ(parent, tgid);
	pi->parent_exec_ktime = start_id(parent);
	if (task_exe(t))
		file_id_of(task_exe(t), &pi->self);
	bpf_loop(ANC_WALK_MAX, parent_step, &c, 0);
	ctr_track(pi, t);
	if (bpf_map_update_elem(&proc_table, &tgid, pi, BPF_NOEXIST) &&
	    !bpf_map_lookup_elem(&proc_table, &tgid)) {
		/* full: this CPU's overflow entry, for this decision only (one
		 * map, so the verifier sees one kind of pointer) */
		count_loss(LOSS_PROC_MAP_FULL);
		tgid = PROC_OVERFLOW_KEY + bpf_get_smp_processor_id();
		bpf_map_update_elem(&proc_table, &tgid, pi, BPF_EXIST);
	}
	return bpf_map_lookup_elem(&proc_table, &tgid);
}

static __always_inline struct proc_info *proc_get(struct task_struct *t)
{
	__u32 tgid = BPF_CORE_READ(t, tgid);
	struct proc_info *pi = bpf_map_lookup_elem(&proc_table, &tgid);

	return pi ? pi : proc_from_task(t);
}

/* At exec: the image this process ran until now becomes its nearest
 * ancestor (a fork child's self equals its parent's, so it is pushed
 * once), and f the image it runs. Its watch bit is kept however many
 * execs follow; anc[] keeps the nearest 16 for binaries watched only by a
 * later policy. */
static __always_inline void proc_exec(struct proc_info *pi, struct file *f)
{
	if (pi->self.ino)
		watch_bit(pi, &pi->self);
	if (pi->self.ino && (pi->self.ino != pi->anc[0].ino ||
			     pi->self.dev != pi->anc[0].dev)) {
		/* one entry at a time: unrolled freely, the copies' loads are
		 * hoisted and spilled (144 bytes of on_exec's stack, which
		 * 6.1 limits to 512 with its deepest callback) */
		for (int i = MAX_ANCESTORS - 1; i > 0; i--) {
			pi->anc[i] = pi->anc[i - 1];
			barrier();
		}
		pi->anc[0] = pi->self;
	}
	file_id_of(f, &pi->self);
	pi->exec_ktime = bpf_ktime_get_boot_ns();
}

/* A new process: the parent's entry, with the parent as its parent. */
static __always_inline struct proc_info *proc_fork(struct task_struct *parent,
						   struct task_struct *child)
{
	__u32 tgid = BPF_CORE_READ(child, tgid);
	struct proc_info *pp = proc_get(parent), *ci;

	if (!pp)
		return NULL;
	if (bpf_map_update_elem(&proc_table, &tgid, pp, BPF_ANY)) {
		count_loss(LOSS_PROC_MAP_FULL);
		return NULL;
	}
	ci = bpf_map_lookup_elem(&proc_table, &tgid);
	if (!ci)
		return NULL;
	ci->parent_pid = BPF_CORE_READ(parent, tgid);
	ci->parent_exec_ktime = pp->exec_ktime;
	ci->exec_ktime = start_id(child);
	return ci;
}

static __always_inline void proc_exit(struct task_struct *t)
{
	__u32 tgid = BPF_CORE_READ(t, tgid);

	bpf_map_delete_elem(&proc_table, &tgid);
}
#endif
