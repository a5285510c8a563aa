/* Containers in the kernel, so container scopes need no reload and have
 * no window: the cgroups a runtime names with a container id are marked
 * when they are created (and by a scan of the existing ones at start),
 * and a process is a container's workload once it (or an ancestor) exec'd
 * inside the container's mount namespace. The runtime's own setup (runc
 * init, which execs in the host's mount namespace before it enters the
 * container's) is in the container's cgroup but not its workload, so a
 * rule meant for the workload never hits it. */
#ifndef WARDEN_PROCESS_CONTAINER_H
#define WARDEN_PROCESS_CONTAINER_H
#include "process/maps.h"
#include "process/paths.h"

/* Set at load: the mount namespace of pid 1 (the host's). */
const volatile __u32 host_mntns = 0;

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, __u64);			/* cgroup id */
	__type(value, struct ctr_cg);
} proc_ctr_cg SEC(".maps");

RULE_MAP(proc_ctr_id, struct ctr_key, 16384);	/* container: ID */

#define CG_NAME_MAX	128
#define CTR_ID_HEX	64

struct ctr_scratch {
	char name[2 * CG_NAME_MAX];
};
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct ctr_scratch);
} proc_ctr_scr SEC(".maps");

static __always_inline bool same_prefix(const char *a, const char *b, int n)
{
	for (int i = 0; i < n; i++)
		if (a[i] != b[i])
			return false;
	return true;
}

/* The runtimes' cgroup names: "<prefix><64 hex>[.scope]", with the
 * prefixes src/lib/cgroup.c knows (docker-, cri-containerd-, crio-,
 * libpod-, or none). */
static __always_inline bool ctr_prefix(const char *n, long plen)
{
	switch (plen) {
	case 0:
		return true;
	case 5:
		return same_prefix(n, "crio-", 5);
	case 7:
		return same_prefix(n, "docker-", 7) || same_prefix(n, "libpod-", 7);
	case 15:
		return same_prefix(n, "cri-containerd-", 15);
	}
	return false;
}

static __always_inline bool is_lower_hex(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
}

/* The container id in cgroup name kname, its first CTR_KEY_LEN digits in
 * out; false when the name is not a container's. */
static __always_inline bool ctr_name_id(const char *kname, struct ctr_cg *out)
{
	__u32 zero = 0;
	struct ctr_scratch *s = bpf_map_lookup_elem(&proc_ctr_scr, &zero);
	long len, plen;
	char *n;

	if (!s)
		return false;
	n = s->name;
	len = bpf_probe_read_kernel_str(n, CG_NAME_MAX, kname) - 1;
	if (len < CTR_ID_HEX || len >= CG_NAME_MAX)
		return false;
	if (len >= CTR_ID_HEX + 6 && same_prefix(&n[(len - 6) & (CG_NAME_MAX - 1)],
						  ".scope", 6))
		len -= 6;
	plen = len - CTR_ID_HEX;
	if (plen < 0 || plen > CG_NAME_MAX - CTR_ID_HEX || !ctr_prefix(n, plen))
		return false;
	for (int i = 0; i < CTR_ID_HEX; i++)
		if (!is_lower_hex(n[(plen + i) & (2 * CG_NAME_MAX - 1)]))
			return false;
	for (int i = 0; i < CTR_KEY_LEN; i++)
		out->id[i] = n[(plen + i) & (2 * CG_NAME_MAX - 1)];
	return true;
}

/* cgroup v2 only: its ids are the ones tasks' dfl_cgrp carry. */
static __always_inline bool on_dfl_hierarchy(struct cgroup *cg)
{
	return BPF_CORE_READ(cg, root, hierarchy_id) == 0;
}

static __always_inline void ctr_cgroup_created(struct cgroup *cg)
{
	struct ctr_cg v = {};
	__u64 id;

	if (!on_dfl_hierarchy(cg) || !ctr_name_id(BPF_CORE_READ(cg, kn, name), &v))
		return;
	id = BPF_CORE_READ(cg, kn, id);
	if (bpf_map_update_elem(&proc_ctr_cg, &id, &v, BPF_ANY))
		count_loss(LOSS_CTR_MAP_FULL);
}

static __always_inline void ctr_cgroup_removed(struct cgroup *cg)
{
	__u64 id;

	if (!on_dfl_hierarchy(cg))
		return;
	id = BPF_CORE_READ(cg, kn, id);
	bpf_map_delete_elem(&proc_ctr_cg, &id);
}

struct ctr_step_ctx {
	struct kernfs_node *kn;
	struct ctr_cg id;
	bool found;
};

static long ctr_step(__u64 i, void *arg)
{
	struct ctr_step_ctx *c = arg;
	struct kernfs_node *kn = c->kn;
	struct ctr_cg *v;
	__u64 id;

	if (!kn)
		return 1;
	id = BPF_CORE_READ(kn, id);
	v = bpf_map_lookup_elem(&proc_ctr_cg, &id);
	if (v) {
		c->id = *v;
		c->found = true;
		return 1;
	}
	c->kn = kn_parent(kn);
	return 0;
}

/* The container t's cgroup (or the nearest ancestor) belongs to. */
static __always_inline bool task_container(struct task_struct *t,
					   struct ctr_cg *out)
{
	struct ctr_step_ctx c = { .kn = task_cgroup_kn(t) };

	bpf_loop(MAX_CG_DEPTH, ctr_step, &c, 0);
	if (c.found)
		*out = c.id;
	return c.found;
}

static __always_inline bool in_host_mntns(struct task_struct *t)
{
	return BPF_CORE_READ(t, nsproxy, mnt_ns, ns.inum) == host_mntns;
}

/* At exec (and for a process first seen alive): a process in a container
 * becomes its workload when it runs a program in another mount namespace
 * than the host's; it stays one while it stays in the container, so
 * entering the host's mount namespace (setns) does not shed the rules. */
static __always_inline void ctr_track(struct proc_info *pi, struct task_struct *t)
{
	struct ctr_cg id;

	if (!task_container(t, &id))
		pi->flags &= ~PROC_WORKLOAD;
	else if (!in_host_mntns(t))
		pi->flags |= PROC_WORKLOAD;
}

/* DIM_CONTAINER: the rules a container's workload satisfies: "any", and
 * its id. before_exec (LSM): the exec under way counts as done. */
static __always_inline void container_bits(struct task_struct *t,
					   struct proc_info *pi,
					   struct policy_hdr *ph, __u32 gen,
					   struct rule_bits *acc, bool before_exec)
{
	struct ctr_key k = { .gen = gen };
	struct ctr_cg id;

	if (!(pi->flags & PROC_WORKLOAD) && !(before_exec && !in_host_mntns(t)))
		return;
	if (!task_container(t, &id))
		return;
	or_bits(acc, &ph->any_container);
	__builtin_memcpy(k.id, id.id, CTR_KEY_LEN);
	lookup_or(&proc_ctr_id, &k, acc);
}
#endif
