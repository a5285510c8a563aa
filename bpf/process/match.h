/* Rule matching: each selector value the process has looks up the bitmap
 * of rules it satisfies; a rule holds when every dimension is satisfied,
 * wildcarded or negated as the policy header says, and the lowest set bit
 * is the first matching rule. */
#ifndef WARDEN_PROCESS_MATCH_H
#define WARDEN_PROCESS_MATCH_H
#include "process/maps.h"
#include "process/paths.h"
#include "process/nspath.h"
#include "process/container.h"
#include "lib/bits.h"

static long cg_bits_step(__u64 i, void *arg)
{
	struct cg_step_ctx *c = arg;
	struct num_key key = { .gen = c->gen };
	struct kernfs_node *kn = c->kn;

	if (!kn)
		return 1;
	key.value = BPF_CORE_READ(kn, id);
	lookup_or(&proc_cgroup, &key, c->acc);
	c->kn = kn_parent(kn);
	return 0;
}

/* OR the proc_cgroup rules of the task's cgroup and every ancestor. */
static __always_inline void cgroup_bits(struct task_struct *t, __u32 gen,
					struct rule_bits *acc)
{
	struct cg_step_ctx c = { .kn = task_cgroup_kn(t), .acc = acc, .gen = gen };

	bpf_loop(MAX_CG_DEPTH, cg_bits_step, &c, 0);
}

static __always_inline void binary_bits(struct task_struct *t, struct file *f,
					struct proc_info *pi,
					struct policy_hdr *ph, __u32 gen,
					struct scratch *s, bool before_exec)
{
	struct rule_bits *acc = &s->m[DIM_BINARY];
	struct file_id id;
	struct dentry *d = BPF_CORE_READ(f, f_path.dentry);
	__u32 len = BPF_CORE_READ(d, d_name.len);
	struct path_walk w = { .buf = s->path, .dir_bits = acc, .gen = gen,
			       .dir_map = &proc_bin_dir };
	struct path fp;

	file_id_of(f, &id);
	id.gen = gen;
	lookup_or(&proc_bin_file, &id, acc);
	/* no name in any directory: memfd_create, or deleted after open */
	if (!BPF_CORE_READ(f, f_inode, __i_nlink))
		or_bits(acc, &ph->fileless);
	if (len < NAME_KEY_LEN) {
		const unsigned char *name = BPF_CORE_READ(d, d_name.name);

		__builtin_memset(&s->name, 0, sizeof(s->name));
		s->name.gen = gen;
		/* masked in the register the helper gets: 6.1 lost the
		 * bound of a mask made before the read of name (spilled) */
		asm volatile("%0 &= %1" : "+r"(len) : "i"(NAME_KEY_LEN - 1));
		bpf_probe_read_kernel(s->name.name, len, name);
		lookup_or(&proc_bin_name, &s->name, acc);
		__builtin_memcpy(s->dirent.name, s->name.name, NAME_KEY_LEN);
		dentry_id(BPF_CORE_READ(d, d_parent), &s->dirent.dir);
		s->dirent.dir.gen = gen;
		lookup_or(&proc_bin_dirent, &s->dirent, acc);
	}
	exec_name_bits(t, gen, acc);
	if (!before_exec)	/* the new argv is not in t's memory yet */
		argv0_name_bits(t, gen, acc);
	if (ph->dir_depth || ph->path_rules) {
		if (!ph->dir_depth)
			w.dir_bits = NULL;	/* naming only */
		walk_from_root(&w, t);
		bpf_core_read(&fp, sizeof(fp), &f->f_path);
		walk_path(&fp, &w);
		nspath_bits(&w, ph, gen, acc);
	}
}

struct anc_step_ctx {
	struct proc_info *pi;
	struct rule_bits *acc;
	__u32 gen;
};

static long anc_step(__u64 i, void *arg)
{
	struct anc_step_ctx *c = arg;
	struct file_id id;

	if (i >= MAX_ANCESTORS)
		return 1;
	id = c->pi->anc[i];
	if (!id.ino)
		return 1;
	id.gen = c->gen;
	lookup_or(&proc_ancestor, &id, c->acc);
	return 0;
}

/* The rules of each watched binary the process descends from: bit n of
 * anc_watch per step, in one loop with a trivial body (the verifier walks
 * a loop's body at each call site, and an inner loop over set bits at
 * every one of its iterations), up to the last word with a bit set. */
static long watch_bit_step(__u64 n, void *arg)
{
	struct anc_step_ctx *c = arg;
	__u64 w = c->pi->anc_watch[(n / 64) & (ANC_WATCH_WORDS - 1)];
	__u32 key = c->gen * ANC_WATCH_MAX + (n & (ANC_WATCH_MAX - 1));

	if ((w >> (n % 64)) & 1)
		lookup_or(&proc_anc_rules, &key, c->acc);
	return 0;
}

static __always_inline __u32 watch_span(const struct proc_info *pi)
{
	__u32 n = 0;

	for (int i = 0; i < ANC_WATCH_WORDS; i++)
		if (pi->anc_watch[i])
			n = (i + 1) * 64;
	return n;
}

/* before_exec: the process is about to replace its image (LSM hook), so
 * its current image counts as the nearest ancestor of the new one. */
static __always_inline void ancestor_bits(struct proc_info *pi, __u32 gen,
					  struct rule_bits *acc, bool before_exec)
{
	struct anc_step_ctx c = { .pi = pi, .acc = acc, .gen = gen };
	struct file_id id = pi->self;

	if (before_exec && id.ino) {
		id.gen = gen;
		lookup_or(&proc_ancestor, &id, acc);
	}
	bpf_loop(MAX_ANCESTORS, anc_step, &c, 0);
	bpf_loop(watch_span(pi), watch_bit_step, &c, 0);
}

/* The dimensions after the binary's, and the decision, are global
 * functions: the verifier checks each once, on its own, and not again for
 * every state binary_bits can end in (that product was 80 % of on_exec's
 * verification). They are called one after another, not nested, so the
 * deepest chain (the ia32 entry, syscall_decide, one of these) stays
 * within the 512-byte stack of kernels before 6.13. The process is the
 * current task, as for every caller of match_rules; the bits go to the
 * per-CPU scratch the caller cleared. */
__noinline int ancestor_bits_g(struct proc_info *pi, __u32 gen,
			       __u32 before_exec)
{
	struct scratch *s = get_scratch();

	if (!pi || !s)
		return 0;
	ancestor_bits(pi, gen, &s->m[DIM_ANCESTOR], before_exec);
	return 0;
}

__noinline int cgroup_bits_g(__u32 gen)
{
	struct scratch *s = get_scratch();

	if (!s)
		return 0;
	cgroup_bits(bpf_get_current_task_btf(), gen, &s->m[DIM_CGROUP]);
	return 0;
}

__noinline int container_bits_g(struct proc_info *pi, struct policy_hdr *ph,
				__u32 gen, __u32 before_exec)
{
	struct scratch *s = get_scratch();

	if (!pi || !ph || !s)
		return 0;
	container_bits(bpf_get_current_task_btf(), pi, ph, gen,
		       &s->m[DIM_CONTAINER], before_exec);
	return 0;
}

/* The first rule in cand whose every dimension holds, or -1. */
__noinline int first_rule_g(struct policy_hdr *ph, const struct rule_bits *cand)
{
	struct scratch *s = get_scratch();

	if (!ph || !cand || !s)
		return -1;
	for (int i = 0; i < RULE_WORDS; i++) {
		__u64 sat = cand->w[i];

		for (int d = 0; d < DIM__COUNT; d++)
			sat &= (s->m[d].w[i] ^ ph->neg[d].w[i]) | ph->wild[d].w[i];
		if (sat)
			return i * 64 + lowest_bit(sat);
	}
	return -1;
}

/* Index of the first rule in cand that the process (the current task)
 * satisfies, or -1. f: the file it runs (or is about to). */
static __always_inline int match_rules(struct task_struct *t, struct file *f,
				       struct proc_info *pi, __u32 gen,
				       struct policy_hdr *ph,
				       const struct rule_bits *cand,
				       bool before_exec)
{
	struct scratch *s = get_scratch();
	struct num_key nk = { .gen = gen };

	if (!s)
		return -1;
	__builtin_memset(s->m, 0, sizeof(s->m));
	if (ph->used_dims & (1u << DIM_BINARY))
		binary_bits(t, f, pi, ph, gen, s, before_exec);
	if (ph->used_dims & (1u << DIM_PID)) {
		nk.value = BPF_CORE_READ(t, tgid);
		lookup_or(&proc_pid, &nk, &s->m[DIM_PID]);
	}
	if (ph->used_dims & (1u << DIM_UID)) {
		nk.value = (__u32)bpf_get_current_uid_gid();
		lookup_or(&proc_uid, &nk, &s->m[DIM_UID]);
	}
	if (ph->used_dims & (1u << DIM_ANCESTOR))
		ancestor_bits_g(pi, gen, before_exec);
	if (ph->used_dims & (1u << DIM_CGROUP))
		cgroup_bits_g(gen);
	if (ph->used_dims & (1u << DIM_CONTAINER))
		container_bits_g(pi, ph, gen, before_exec);
	return first_rule_g(ph, cand);
}

/* Apply the decision of rule r from a tracepoint, where nothing can fail
 * the operation: deny falls back to kill. Returns the action. */
static __always_inline __u8 enforce(struct policy_hdr *ph, int r, __u32 tgid)
{
	__u8 act = ph->action[r & (MAX_RULES - 1)];

	if ((act == ACT_KILL || act == ACT_DENY) && tgid != agent_tgid)
		bpf_send_signal(SIGKILL);
	return act;
}

static __always_inline bool acted(__u8 act)
{
	return act == ACT_ALERT || act == ACT_KILL || act == ACT_DENY;
}
#endif
