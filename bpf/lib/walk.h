/* Walking kernel trees backwards: a path's dentries up to the root (across
 * mounts), and a cgroup's kernfs nodes up to the hierarchy root. Both build
 * a string from the end of a scratch buffer and may look up each directory
 * on the way, so one walk serves both naming and rule matching. */
#ifndef WARDEN_WALK_H
#define WARDEN_WALK_H

#define PATH_MASK	(PATH_MAX_LEN - 1)
#define CGPATH_MASK	(CGPATH_MAX_LEN - 1)
#define WALK_DEPTH	64	/* components named before a path is truncated */
#define DIR_WALK_MAX	65536	/* levels walked for directory rules */

/* kernfs_node::parent became __parent (RCU) in 6.15. */
struct kernfs_node___old {
	struct kernfs_node *parent;
} __attribute__((preserve_access_index));

static __always_inline struct kernfs_node *kn_parent(struct kernfs_node *kn)
{
	if (bpf_core_field_exists(struct kernfs_node, __parent))
		return BPF_CORE_READ(kn, __parent);
	return BPF_CORE_READ((struct kernfs_node___old *)kn, parent);
}

static __always_inline struct mount *real_mount(struct vfsmount *vm)
{
	return (void *)vm - bpf_core_field_offset(struct mount, mnt);
}

static __always_inline __u32 kernel_dev(struct super_block *sb)
{
	return BPF_CORE_READ(sb, s_dev);
}

static __always_inline void dentry_id(struct dentry *d, struct file_id *id)
{
	id->ino = BPF_CORE_READ(d, d_inode, i_ino);
	id->dev = kernel_dev(BPF_CORE_READ(d, d_sb));
}

/* Prepend "/name" ending at *off in buf; false when it does not fit. */
static __always_inline bool prepend_name(char *buf, __u32 *off, __u32 mask,
					 const unsigned char *name, __u32 len)
{
	len &= 255;
	if (len + 1 > *off)
		return false;
	*off -= len + 1;
	bpf_probe_read_kernel(&buf[(*off + 1) & mask], len, name);
	buf[*off & mask] = '/';
	return true;
}

struct path_walk {
	char *buf;		/* 2 * PATH_MAX_LEN bytes; string ends at PATH_MAX_LEN */
	__u32 off;		/* out: string starts here */
	bool truncated;
	struct rule_bits *dir_bits; /* if set: OR of dir_map over ancestors */
	void *dir_map;		/* directory rules: binaries' or opened files' */
	bool dir_leaf;		/* the path is itself a directory to check */
	__u32 gen;
	/* if root_d is set: where the walk crossed the process's root (its
	 * fs root: a container's, a chroot), so buf[root_off..] is the path
	 * as the process sees it; root_ok when it was whole there */
	struct dentry *root_d;
	struct vfsmount *root_mnt;
	__u32 root_off;
	bool root_ok;
};

static __always_inline void or_bits(struct rule_bits *dst,
				    const struct rule_bits *src)
{
	for (int i = 0; i < RULE_WORDS; i++)
		dst->w[i] |= src->w[i];
}

/* The rules the entry at key in map satisfies, added to acc. */
static __always_inline void lookup_or(void *map, void *key,
				      struct rule_bits *acc)
{
	struct rule_bits *bits = bpf_map_lookup_elem(map, key);

	if (bits)
		or_bits(acc, bits);
}
#endif
