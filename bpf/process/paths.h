/* Naming files and cgroups: the walks up the dentry tree (across mounts)
 * and the kernfs tree, building the string from the end of a scratch
 * buffer. A path walk can OR in directory rules on the way, so one walk
 * serves both the event and prefix matching. */
#ifndef WARDEN_PROCESS_PATHS_H
#define WARDEN_PROCESS_PATHS_H
#include "warden/process_abi.h"
#include "lib/walk.h"

static __always_inline void file_id_of(struct file *f, struct file_id *id)
{
	id->ino = BPF_CORE_READ(f, f_inode, i_ino);
	id->dev = kernel_dev(BPF_CORE_READ(f, f_inode, i_sb));
	id->gen = 0;
}

static __always_inline void or_dir_rules(void *map, struct dentry *d,
					 __u32 gen, struct rule_bits *acc)
{
	struct file_id id = { .gen = gen };
	struct rule_bits *bits;

	dentry_id(d, &id);
	bits = bpf_map_lookup_elem(map, &id);
	if (bits)
		or_bits(acc, bits);
}

/* One step up the dentry tree, for bpf_loop: the verifier checks the body
 * once instead of once per level. */
struct path_step_ctx {
	struct dentry *d;
	struct vfsmount *vm;
	struct mount *m;
	struct path_walk *w;
	__u32 off;
	bool done;
	bool name_full;		/* the path no longer fits: keep walking dirs */
};

static long path_step(__u64 i, void *arg)
{
	struct path_step_ctx *c = arg;
	struct path_walk *w = c->w;
	struct dentry *d = c->d;
	struct vfsmount *vm = c->vm;
	struct mount *m = c->m;
	struct dentry *root = BPF_CORE_READ(vm, mnt_root);
	struct dentry *parent = BPF_CORE_READ(d, d_parent);

	if (d == w->root_d && vm == w->root_mnt && !w->root_ok) {
		w->root_off = c->off;
		w->root_ok = !c->name_full;
	}
	if ((i > 0 || w->dir_leaf) && w->dir_bits)
		or_dir_rules(w->dir_map, d, w->gen, w->dir_bits);
	if (d == root || d == parent) {
		struct mount *mp = BPF_CORE_READ(m, mnt_parent);

		if (mp == m || d == parent) {
			/* its own parent but not a mount root: a pseudo file
			 * (memfd_create); name it rather than print "/" */
			if (d == parent && d != root && !c->name_full)
				prepend_name(w->buf, &c->off, PATH_MASK,
					     BPF_CORE_READ(d, d_name.name),
					     BPF_CORE_READ(d, d_name.len));
			c->done = true;
			return 1;
		}
		c->d = BPF_CORE_READ(m, mnt_mountpoint);
		c->m = mp;
		c->vm = (void *)mp + bpf_core_field_offset(struct mount, mnt);
		return 0;
	}
	if (!c->name_full &&
	    !prepend_name(w->buf, &c->off, PATH_MASK,
			  BPF_CORE_READ(d, d_name.name),
			  BPF_CORE_READ(d, d_name.len))) {
		c->name_full = true;
		if (!w->dir_bits)
			return 1;
	}
	c->d = parent;
	return 0;
}

/* Name the file at p into w->buf, and when w->dir_bits is set, OR in the
 * directory rules (w->dir_map) of every directory above it (crossing
 * mounts), so a bind mount or a hard link elsewhere cannot step around a
 * prefix rule. */
static __always_inline void walk_path(const struct path *p, struct path_walk *w)
{
	struct path_step_ctx c = { .w = w, .off = PATH_MAX_LEN };

	c.vm = BPF_CORE_READ(p, mnt);
	c.d = BPF_CORE_READ(p, dentry);
	c.m = real_mount(c.vm);
	/* Matching directory rules must reach the root however deep the
	 * file is, or nesting it deeper would step around a prefix rule. */
	bpf_loop(w->dir_bits ? DIR_WALK_MAX : WALK_DEPTH, path_step, &c, 0);
	w->truncated = !c.done || c.name_full;
	if (c.off == PATH_MAX_LEN) {
		c.off--;
		w->buf[c.off & PATH_MASK] = '/';
	}
	w->off = c.off;
}

static __always_inline struct kernfs_node *task_cgroup_kn(struct task_struct *t)
{
	return BPF_CORE_READ(t, cgroups, dfl_cgrp, kn);
}

struct cg_step_ctx {
	struct kernfs_node *kn;
	struct rule_bits *acc;	/* cgroup_bits */
	char *buf;		/* cgroup_path */
	__u32 gen, off;
	bool truncated;
};

static long cg_path_step(__u64 i, void *arg)
{
	struct cg_step_ctx *c = arg;
	struct kernfs_node *kn = c->kn;
	struct kernfs_node *parent = kn_parent(kn);
	const char *name;
	long len;

	if (!parent)
		return 1;
	name = BPF_CORE_READ(kn, name);
	/* measure into the spare half of the buffer, then place it */
	len = bpf_probe_read_kernel_str(&c->buf[CGPATH_MAX_LEN], 256, name);
	if (len <= 1 || len > c->off) {
		c->truncated = true;
		return 1;
	}
	len -= 1;
	c->off -= len + 1;
	bpf_probe_read_kernel(&c->buf[(c->off + 1) & CGPATH_MASK], len & 255, name);
	c->buf[c->off & CGPATH_MASK] = '/';
	c->kn = parent;
	return 0;
}

/* cg_path_step measures a name (up to 256 bytes) past the path's end. */
_Static_assert(CGPATH_MAX_LEN + 256 <= 2 * PATH_MAX_LEN,
	       "the spare half of the scratch path holds a name");

/* The cgroup path ("/a/b"), written to the end of buf. */
static __always_inline __u32 cgroup_path(struct task_struct *t, char *buf,
					 bool *truncated)
{
	struct cg_step_ctx c = { .kn = task_cgroup_kn(t), .buf = buf,
				 .off = CGPATH_MAX_LEN };

	if (c.kn)
		bpf_loop(MAX_CG_DEPTH, cg_path_step, &c, 0);
	*truncated = c.truncated;
	if (c.off == CGPATH_MAX_LEN) {
		c.off--;
		buf[c.off & CGPATH_MASK] = '/';
	}
	return c.off;
}
#endif
