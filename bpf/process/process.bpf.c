// SPDX-License-Identifier: GPL-2.0
/* Process tracking and the exec/syscall policy.
 *
 * sched_process_fork/exec/exit keep a table of every process with its
 * binary and ancestry; at exec and at chosen syscalls the policy's rules are
 * matched as bitmaps (one bit per rule, one bitmap per selector value) and
 * the first matching rule decides. Policies are double-buffered by
 * generation so a reload never exposes a half-written policy. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "warden/process_abi.h"
#include "lib/walk.h"
#include "lib/bits.h"

char LICENSE[] SEC("license") = "GPL";

#define SIGKILL 9

/* Written by user space through the mmap'ed .bss: one aligned 32-bit store
 * switches every program to the new policy. */
volatile __u32 active_gen;
/* Self-protection: action for touching the agent, and its pin directory. */
volatile __u8 guard_action;
volatile __u32 guard_pin_len;
volatile char guard_pin[GUARD_PATH_LEN];
/* Set at load: the agent's own tgid, never killed by its own rules. */
const volatile __u32 agent_tgid = 0;

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4 << 20);
} events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, LOSS__COUNT);
	__type(key, __u32);
	__type(value, __u64);
} losses SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, __u32);			/* tgid */
	__type(value, struct proc_info);
} procs SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, POLICY_GENS);
	__type(key, __u32);
	__type(value, struct policy_hdr);
} policy SEC(".maps");

#define RULE_MAP(name, keytype, n)					\
	struct {							\
		__uint(type, BPF_MAP_TYPE_HASH);			\
		__uint(max_entries, n);					\
		__uint(map_flags, BPF_F_NO_PREALLOC);			\
		__type(key, keytype);					\
		__type(value, struct rule_bits);			\
	} name SEC(".maps")

RULE_MAP(file_rules, struct file_id, 16384);	/* exact binaries */
RULE_MAP(dir_rules, struct file_id, 16384);	/* directory prefixes */
RULE_MAP(name_rules, struct name_key, 16384);	/* basenames */
RULE_MAP(dirent_rules, struct dirent_key, 16384); /* exact paths by name */
/* file rules: the file opened or created, by inode, directory entry, and
 * directory prefix (the same three ways as binaries) */
RULE_MAP(target_file_rules, struct file_id, 16384);
RULE_MAP(target_dirent_rules, struct dirent_key, 16384);
RULE_MAP(target_dir_rules, struct file_id, 16384);
RULE_MAP(ancestor_rules, struct file_id, 16384);
RULE_MAP(pid_rules, struct num_key, 16384);
RULE_MAP(uid_rules, struct num_key, 16384);
RULE_MAP(cgroup_rules, struct num_key, 16384);

/* rules naming each syscall: key = gen * SYSCALL_SLOTS + nr */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, POLICY_GENS * SYSCALL_SLOTS);
	__type(key, __u32);
	__type(value, struct rule_bits);
} syscall_rules SEC(".maps");

/* enum guard_kind for each syscall number the self-protection watches */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, SYSCALL_SLOTS);
	__type(key, __u32);
	__type(value, __u8);
} guard_syscalls SEC(".maps");

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
} guard_seen SEC(".maps");

/* Scratch space too big for the 512-byte stack. */
struct scratch {
	struct rule_bits m[DIM__COUNT];
	char path[2 * PATH_MAX_LEN];
	struct name_key name;
	struct dirent_key dirent;
	struct rule_bits target;	/* file rules the opened file satisfies */
	char guard_path[GUARD_PATH_LEN];
};
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct scratch);
} scratch_map SEC(".maps");

#define EVBUF_LEN	32768
#define DATA_MASK	16383
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, char[EVBUF_LEN]);
} event_buf SEC(".maps");

static __always_inline void count_loss(__u32 site)
{
	__u64 *n = bpf_map_lookup_elem(&losses, &site);

	if (n)
		*n += 1;
}

static __always_inline struct scratch *get_scratch(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&scratch_map, &zero);
}

/* ---- walks ------------------------------------------------------------ */

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
 * dir_rules of every directory above it (crossing mounts), so a bind mount
 * or a hard link elsewhere cannot step around a prefix rule. */
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

static long cg_bits_step(__u64 i, void *arg)
{
	struct cg_step_ctx *c = arg;
	struct num_key key = { .gen = c->gen };
	struct kernfs_node *kn = c->kn;
	struct rule_bits *bits;

	if (!kn)
		return 1;
	key.value = BPF_CORE_READ(kn, id);
	bits = bpf_map_lookup_elem(&cgroup_rules, &key);
	if (bits)
		or_bits(c->acc, bits);
	c->kn = kn_parent(kn);
	return 0;
}

/* OR the cgroup_rules of the task's cgroup and every ancestor. */
static __always_inline void cgroup_bits(struct task_struct *t, __u32 gen,
					struct rule_bits *acc)
{
	struct cg_step_ctx c = { .kn = task_cgroup_kn(t), .acc = acc, .gen = gen };

	bpf_loop(MAX_CG_DEPTH, cg_bits_step, &c, 0);
}

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

/* ---- rule matching --------------------------------------------------- */

static __always_inline void lookup_or(void *map, void *key,
				      struct rule_bits *acc)
{
	struct rule_bits *bits = bpf_map_lookup_elem(map, key);

	if (bits)
		or_bits(acc, bits);
}

static __always_inline void binary_bits(struct file *f, struct proc_info *pi,
					struct policy_hdr *ph, __u32 gen,
					struct scratch *s)
{
	struct rule_bits *acc = &s->m[DIM_BINARY];
	struct file_id id;
	struct dentry *d = BPF_CORE_READ(f, f_path.dentry);
	__u32 len = BPF_CORE_READ(d, d_name.len);
	struct path_walk w = { .buf = s->path, .dir_bits = acc, .gen = gen,
			       .dir_map = &dir_rules };
	struct path fp;

	file_id_of(f, &id);
	id.gen = gen;
	lookup_or(&file_rules, &id, acc);
	/* no name in any directory: memfd_create, or deleted after open */
	if (!BPF_CORE_READ(f, f_inode, __i_nlink))
		or_bits(acc, &ph->fileless);
	if (len < NAME_KEY_LEN) {
		__builtin_memset(&s->name, 0, sizeof(s->name));
		s->name.gen = gen;
		bpf_probe_read_kernel(s->name.name, len & (NAME_KEY_LEN - 1),
				      BPF_CORE_READ(d, d_name.name));
		lookup_or(&name_rules, &s->name, acc);
		__builtin_memcpy(s->dirent.name, s->name.name, NAME_KEY_LEN);
		dentry_id(BPF_CORE_READ(d, d_parent), &s->dirent.dir);
		s->dirent.dir.gen = gen;
		lookup_or(&dirent_rules, &s->dirent, acc);
	}
	if (ph->dir_depth) {
		bpf_core_read(&fp, sizeof(fp), &f->f_path);
		walk_path(&fp, &w);
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
	lookup_or(&ancestor_rules, &id, c->acc);
	return 0;
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
		lookup_or(&ancestor_rules, &id, acc);
	}
	bpf_loop(MAX_ANCESTORS, anc_step, &c, 0);
}

/* Index of the first rule in cand that the process satisfies, or -1. */
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
		binary_bits(f, pi, ph, gen, s);
	if (ph->used_dims & (1u << DIM_PID)) {
		nk.value = BPF_CORE_READ(t, tgid);
		lookup_or(&pid_rules, &nk, &s->m[DIM_PID]);
	}
	if (ph->used_dims & (1u << DIM_UID)) {
		nk.value = (__u32)bpf_get_current_uid_gid();
		lookup_or(&uid_rules, &nk, &s->m[DIM_UID]);
	}
	if (ph->used_dims & (1u << DIM_ANCESTOR))
		ancestor_bits(pi, gen, &s->m[DIM_ANCESTOR], before_exec);
	if (ph->used_dims & (1u << DIM_CGROUP))
		cgroup_bits(t, gen, &s->m[DIM_CGROUP]);

	for (int i = 0; i < RULE_WORDS; i++) {
		__u64 sat = cand->w[i];

		for (int d = 0; d < DIM__COUNT; d++)
			sat &= (s->m[d].w[i] ^ ph->neg[d].w[i]) | ph->wild[d].w[i];
		if (sat)
			return i * 64 + lowest_bit(sat);
	}
	return -1;
}

/* ---- process table -------------------------------------------------- */

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

struct parent_step_ctx {
	struct task_struct *p;
	struct proc_info *pi;
};

static long parent_step(__u64 i, void *arg)
{
	struct parent_step_ctx *c = arg;
	struct task_struct *p = c->p;
	struct file *exe;

	if (!p || i >= MAX_ANCESTORS)
		return 1;
	exe = task_exe(p);
	if (exe)
		file_id_of(exe, &c->pi->anc[i]);
	if (BPF_CORE_READ(p, tgid) <= 1)
		return 1;
	c->p = BPF_CORE_READ(p, real_parent);
	return 0;
}

/* Build an entry for a process the table missed (it started before the
 * agent): identity from the task, ancestry from the live parent chain. */
static __always_inline struct proc_info *proc_from_task(struct task_struct *t)
{
	struct parent_step_ctx c;
	struct task_struct *parent;
	struct proc_info *pi;
	__u32 tgid = BPF_CORE_READ(t, tgid);
	struct scratch *s = get_scratch();

	if (!s)
		return NULL;
	pi = (struct proc_info *)s->path;	/* scratch, copied below */
	__builtin_memset(pi, 0, sizeof(*pi));
	pi->exec_ktime = start_id(t);
	parent = BPF_CORE_READ(t, real_parent);
	c.p = parent;
	c.pi = pi;
	pi->parent_pid = BPF_CORE_READ(parent, tgid);
	pi->parent_exec_ktime = start_id(parent);
	if (task_exe(t))
		file_id_of(task_exe(t), &pi->self);
	bpf_loop(MAX_ANCESTORS, parent_step, &c, 0);
	if (bpf_map_update_elem(&procs, &tgid, pi, BPF_NOEXIST) &&
	    !bpf_map_lookup_elem(&procs, &tgid))
		count_loss(LOSS_PROC_MAP_FULL);
	return bpf_map_lookup_elem(&procs, &tgid);
}

static __always_inline struct proc_info *proc_get(struct task_struct *t)
{
	__u32 tgid = BPF_CORE_READ(t, tgid);
	struct proc_info *pi = bpf_map_lookup_elem(&procs, &tgid);

	return pi ? pi : proc_from_task(t);
}

/* ---- events ----------------------------------------------------------- */

struct emit_args {
	__u32 type;
	struct task_struct *task;
	struct file *file;	/* binary to name; NULL: none */
	struct proc_info *pi;
	int rule;		/* -1: none */
	__u32 gen;
	__u8 action;
	__s32 syscall_nr;
	__s32 exit_code;
	bool with_args;
	bool track_only;	/* header only, not printed */
	bool guard;		/* self-protection */
	__u8 mechanism;
	const struct path *tpath;	/* EV_FILE: the file, or its directory */
	struct dentry *tname;		/* ... and then this name in it */
};

static __always_inline __u32 copy_path(struct process_event *ev, __u32 pos,
				       const struct path *p, struct scratch *s,
				       __u16 *len, __u16 trunc_flag)
{
	struct path_walk w = { .buf = s->path };
	__u32 n;

	walk_path(p, &w);
	n = (PATH_MAX_LEN - w.off) & PATH_MASK;
	bpf_probe_read_kernel(&ev->data[pos & DATA_MASK], n,
			      &s->path[w.off & PATH_MASK]);
	*len = n;
	if (w.truncated)
		ev->flags |= trunc_flag;
	return pos + n;
}

static __always_inline __u32 copy_args(struct process_event *ev, __u32 pos,
				       struct task_struct *t)
{
	__u64 start = BPF_CORE_READ(t, mm, arg_start);
	__u64 end = BPF_CORE_READ(t, mm, arg_end);
	__u64 n = end > start ? end - start : 0;

	if (n > ARGS_MAX_LEN - 1) {
		n = ARGS_MAX_LEN - 1;
		ev->flags |= EVF_ARGS_TRUNC;
	}
	if (n && bpf_probe_read_user(&ev->data[pos & DATA_MASK],
				     n & (ARGS_MAX_LEN - 1), (void *)start))
		n = 0;
	ev->args_len = n;
	return pos + n;
}

static __always_inline __u32 copy_cgroup(struct process_event *ev, __u32 pos,
					 struct task_struct *t, struct scratch *s)
{
	bool trunc;
	__u32 off = cgroup_path(t, s->path, &trunc);
	__u32 n = (CGPATH_MAX_LEN - off) & CGPATH_MASK;

	bpf_probe_read_kernel(&ev->data[pos & DATA_MASK], n,
			      &s->path[off & CGPATH_MASK]);
	ev->cg_len = n;
	if (trunc)
		ev->flags |= EVF_CG_TRUNC;
	return pos + n;
}

/* "/name" after the path just copied (a file about to be created). */
static __always_inline __u32 append_name(struct process_event *ev, __u32 pos,
					 struct dentry *d)
{
	__u32 len;

	if (!d)
		return pos;
	len = BPF_CORE_READ(d, d_name.len) & 255;
	if (!pos || ev->data[(pos - 1) & DATA_MASK] != '/') {	/* not "//x" */
		ev->data[pos & DATA_MASK] = '/';
		pos++;
		ev->path_len++;
	}
	bpf_probe_read_kernel(&ev->data[pos & DATA_MASK], len,
			      BPF_CORE_READ(d, d_name.name));
	ev->path_len += len;
	return pos + len;
}

static __always_inline void fill_header(struct process_event *ev,
					const struct emit_args *a)
{
	struct task_struct *t = a->task;
	__u64 ug = bpf_get_current_uid_gid();

	__builtin_memset(ev, 0, sizeof(*ev));
	ev->type = a->type;
	ev->ktime = bpf_ktime_get_boot_ns();
	ev->pid = BPF_CORE_READ(t, tgid);
	ev->tid = BPF_CORE_READ(t, pid);
	ev->ppid = BPF_CORE_READ(t, real_parent, tgid);
	ev->uid = (__u32)ug;
	ev->gid = ug >> 32;
	ev->cgroup_id = BPF_CORE_READ(t, cgroups, dfl_cgrp, kn, id);
	ev->rule = a->rule + 1;
	ev->gen = a->gen;
	ev->action = a->action;
	ev->mechanism = a->mechanism;
	ev->syscall_nr = a->syscall_nr;
	ev->exit_code = a->exit_code;
	BPF_CORE_READ_STR_INTO(&ev->comm, t, comm);
	if (a->pi) {
		ev->exec_ktime = a->pi->exec_ktime;
		ev->parent_exec_ktime = a->pi->parent_exec_ktime;
		ev->parent_pid = a->pi->parent_pid;
		ev->ino = a->pi->self.ino;
		ev->dev = a->pi->self.dev;
	} else {
		ev->flags |= EVF_NO_PARENT;
	}
}

static __always_inline void emit(const struct emit_args *a)
{
	__u32 zero = 0, pos = 0;
	struct process_event *ev = bpf_map_lookup_elem(&event_buf, &zero);
	struct scratch *s = get_scratch();
	struct path p;

	if (!ev || !s)
		return;
	fill_header(ev, a);
	if (a->guard)
		ev->flags |= EVF_GUARD;
	if (a->track_only)
		ev->flags |= EVF_TRACK_ONLY;
	if (a->file) {
		struct file *f = a->file;

		bpf_core_read(&p, sizeof(p), &f->f_path);
		pos = copy_path(ev, pos, &p, s, &ev->path_len, EVF_PATH_TRUNC);
	}
	if (a->tpath) {
		pos = copy_path(ev, pos, a->tpath, s, &ev->path_len, EVF_PATH_TRUNC);
		pos = append_name(ev, pos, a->tname);
	}
	if (a->track_only)
		goto out;	/* the binary is all the process table needs */
	if (a->with_args) {
		struct task_struct *t = a->task;
		struct fs_struct *fs = BPF_CORE_READ(t, fs);

		pos = copy_args(ev, pos, a->task);
		bpf_core_read(&p, sizeof(p), &fs->pwd);
		pos = copy_path(ev, pos, &p, s, &ev->cwd_len, EVF_CWD_TRUNC);
	}
	pos = copy_cgroup(ev, pos, a->task, s);
out:
	ev->size = sizeof(*ev) + (pos & DATA_MASK);
	/* No BPF_RB_NO_WAKEUP for process-table records: the kernel wakes
	 * the reader only for a record written into an empty buffer, so the
	 * event after an unannounced record would wait unseen. */
	if (bpf_ringbuf_output(&events, ev, ev->size & (EVBUF_LEN - 1), 0))
		count_loss(a->track_only ? LOSS_TRACK_FULL : LOSS_RINGBUF_FULL);
}

/* ---- programs ------------------------------------------------------- */

static __always_inline struct policy_hdr *current_policy(__u32 *gen)
{
	*gen = active_gen & (POLICY_GENS - 1);
	return bpf_map_lookup_elem(&policy, gen);
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

SEC("tp_btf/sched_process_exec")
int BPF_PROG(on_exec, struct task_struct *t, pid_t old_pid,
	     struct linux_binprm *bprm)
{
	struct emit_args a = { .type = EV_EXEC, .task = t, .rule = -1,
			       .with_args = true };
	struct file *f = BPF_CORE_READ(bprm, file);
	struct proc_info *pi = proc_get(t);
	struct policy_hdr *ph;

	if (!pi)
		return 0;
	/* The image this process ran until now becomes its nearest ancestor
	 * (a fork child's self equals its parent's, so it is pushed once). */
	if (pi->self.ino && (pi->self.ino != pi->anc[0].ino ||
			     pi->self.dev != pi->anc[0].dev)) {
		for (int i = MAX_ANCESTORS - 1; i > 0; i--)
			pi->anc[i] = pi->anc[i - 1];
		pi->anc[0] = pi->self;
	}
	file_id_of(f, &pi->self);
	pi->exec_ktime = bpf_ktime_get_boot_ns();

	ph = current_policy(&a.gen);
	if (!ph)
		return 0;
	a.rule = match_rules(t, f, pi, a.gen, ph, &ph->exec_rules, false);
	if (a.rule >= 0)
		a.action = enforce(ph, a.rule, BPF_CORE_READ(t, tgid));
	if (a.action == ACT_KILL || a.action == ACT_DENY)
		a.mechanism = MECH_SIGKILL_TP;
	/* Unobserved execs still reach user space, as a short record with
	 * the binary only, so every module's process table stays right. */
	a.track_only = !acted(a.action) && !(ph->observe & OBSERVE_EXEC);
	a.file = f;
	a.pi = pi;
	emit(&a);
	return 0;
}

SEC("tp_btf/sched_process_fork")
int BPF_PROG(on_fork, struct task_struct *parent, struct task_struct *child)
{
	struct emit_args a = { .type = EV_FORK, .task = child, .rule = -1 };
	__u32 tgid = BPF_CORE_READ(child, tgid);
	struct proc_info *pp, *ci;
	struct policy_hdr *ph;
	__u32 ptgid;

	if (tgid != BPF_CORE_READ(child, pid))
		return 0;	/* a new thread, not a new process */
	pp = proc_get(parent);
	if (!pp)
		return 0;
	if (bpf_map_update_elem(&procs, &tgid, pp, BPF_ANY)) {
		count_loss(LOSS_PROC_MAP_FULL);
		return 0;
	}
	ci = bpf_map_lookup_elem(&procs, &tgid);
	if (!ci)
		return 0;
	ptgid = BPF_CORE_READ(parent, tgid);
	ci->parent_pid = ptgid;
	ci->parent_exec_ktime = pp->exec_ktime;
	ci->exec_ktime = start_id(child);
	/* Always tell user space, so its process table (ancestry) stays
	 * whole; print it only when the policy observes forks. */
	ph = current_policy(&a.gen);
	a.pi = ci;
	a.track_only = !ph || !(ph->observe & OBSERVE_FORK);
	emit(&a);
	return 0;
}

SEC("tp_btf/sched_process_exit")
int BPF_PROG(on_exit, struct task_struct *t)
{
	struct emit_args a = { .type = EV_EXIT, .task = t, .rule = -1 };
	__u32 tgid = BPF_CORE_READ(t, tgid);
	struct policy_hdr *ph;

	/* Only when the last thread of the group is gone. */
	if (BPF_CORE_READ(t, signal, live.counter) != 0)
		return 0;
	ph = current_policy(&a.gen);
	if (ph && (ph->observe & OBSERVE_EXIT)) {
		a.pi = proc_get(t);
		a.exit_code = BPF_CORE_READ(t, exit_code);
		emit(&a);
	}
	bpf_map_delete_elem(&procs, &tgid);
	return 0;
}

/* Attached by user space only to the sys_enter_* tracepoints of syscalls
 * the policy names, so every other syscall costs nothing. */
SEC("tracepoint")
int on_syscall(struct syscall_trace_enter *ctx)
{
	struct emit_args a = { .type = EV_SYSCALL, .rule = -1 };
	struct task_struct *t = bpf_get_current_task_btf();
	__u32 nr = ctx->nr, key;
	struct rule_bits *cand;
	struct policy_hdr *ph;
	struct proc_info *pi;

	ph = current_policy(&a.gen);
	if (!ph || nr >= SYSCALL_SLOTS)
		return 0;
	key = a.gen * SYSCALL_SLOTS + nr;
	cand = bpf_map_lookup_elem(&syscall_rules, &key);
	pi = proc_get(t);
	if (!cand || !pi)
		return 0;
	a.task = t;
	a.file = task_exe(t);
	a.rule = match_rules(t, a.file, pi, a.gen, ph, cand, false);
	if (a.rule < 0)
		return 0;
	a.action = enforce(ph, a.rule, BPF_CORE_READ(t, tgid));
	if (a.action == ACT_KILL || a.action == ACT_DENY)
		a.mechanism = MECH_SIGKILL_TP;
	if (acted(a.action)) {
		a.pi = pi;
		a.syscall_nr = nr;
		a.with_args = true;
		emit(&a);
	}
	return 0;
}

/* Where BPF LSM exists, a deny rule makes execve fail with EPERM and the
 * caller goes on. Called for every binfmt step, so a script's own file is
 * checked as well as its interpreter. Loaded only when the probe says LSM
 * programs attach here. */
SEC("lsm/bprm_check_security")
int BPF_PROG(deny_exec, struct linux_binprm *bprm, int ret)
{
	struct emit_args a = { .type = EV_EXEC, .rule = -1, .action = ACT_DENY,
			       .mechanism = MECH_LSM };
	struct task_struct *t = bpf_get_current_task_btf();
	struct file *f = BPF_CORE_READ(bprm, file);
	struct policy_hdr *ph;
	struct proc_info *pi;

	if (ret)
		return ret;
	ph = current_policy(&a.gen);
	pi = proc_get(t);
	if (!ph || !pi || BPF_CORE_READ(t, tgid) == agent_tgid)
		return 0;
	a.rule = match_rules(t, f, pi, a.gen, ph, &ph->exec_rules, true);
	if (a.rule < 0 || ph->action[a.rule & (MAX_RULES - 1)] != ACT_DENY)
		return 0;
	a.task = t;
	a.file = f;
	a.pi = pi;
	emit(&a);
	return -1;	/* -EPERM */
}

/* Does the guarded syscall touch the agent? */
static __always_inline bool touches_agent(struct syscall_trace_enter *ctx,
					  __u8 kind)
{
	struct scratch *s;
	long target;

	switch (kind) {
	case GUARD_ALWAYS:
		return true;
	case GUARD_PID_ARG0:
	case GUARD_PID_ARG1:
		bpf_probe_read_kernel(&target, sizeof(target),
				      &ctx->args[kind == GUARD_PID_ARG0 ? 0 : 1]);
		return target == agent_tgid || target == -(long)agent_tgid;
	case GUARD_PATH_ARG0:
	case GUARD_PATH_ARG1:
		s = get_scratch();
		if (!s || !guard_pin_len)
			return false;
		bpf_probe_read_kernel(&target, sizeof(target),
				      &ctx->args[kind == GUARD_PATH_ARG0 ? 0 : 1]);
		if (bpf_probe_read_user_str(s->guard_path, sizeof(s->guard_path),
					    (void *)target) <= 0)
			return false;
		for (int i = 0; i < GUARD_PATH_LEN; i++) {
			if (i >= guard_pin_len)
				return true;
			if (s->guard_path[i] != guard_pin[i])
				return false;
		}
		return true;
	}
	return false;
}

/* Attached to the syscalls in guard_syscalls: signals or ptrace aimed at
 * the agent, loading BPF or kernel code, removing the agent's pins. A
 * watched process cannot stop root from doing these, but it cannot do
 * them unseen, and the policy may kill it first. */
SEC("tracepoint")
int on_guard(struct syscall_trace_enter *ctx)
{
	struct emit_args a = { .type = EV_SYSCALL, .rule = -1, .guard = true,
			       .with_args = true };
	struct task_struct *t = bpf_get_current_task_btf();
	__u32 nr = ctx->nr;
	__u8 *kind, act = guard_action;

	if (act == ACT_NONE || BPF_CORE_READ(t, tgid) == agent_tgid)
		return 0;
	kind = bpf_map_lookup_elem(&guard_syscalls, &nr);
	if (!kind || !touches_agent(ctx, *kind))
		return 0;
	if (act == ACT_KILL) {
		bpf_send_signal(SIGKILL);
		a.mechanism = MECH_SIGKILL_TP;
	}
	a.pi = proc_get(t);
	if (a.pi) {
		struct guard_key k = { .exec_ktime = a.pi->exec_ktime,
				       .tgid = BPF_CORE_READ(t, tgid), .nr = nr };
		__u8 one = 1;

		if (bpf_map_update_elem(&guard_seen, &k, &one, BPF_NOEXIST))
			return 0;	/* reported already */
	}
	current_policy(&a.gen);
	a.task = t;
	a.file = task_exe(t);
	a.action = act;
	a.syscall_nr = nr;
	emit(&a);
	return 0;
}

/* ---- file rules ------------------------------------------------------ */

#define FMODE_WRITE_BIT 0x2	/* fmode_t FMODE_WRITE: stable uapi-like value */

/* The file rules that name this target: the file itself (when it exists),
 * its directory entry, and every directory above it. dir is the path of
 * the file (dir_is_leaf false) or of the directory it is in. */
static __always_inline void target_bits(const struct path *dir, bool dir_is_leaf,
					struct dentry *d, __u32 gen,
					struct scratch *s)
{
	struct path_walk w = { .buf = s->path, .dir_bits = &s->target,
			       .gen = gen, .dir_map = &target_dir_rules,
			       .dir_leaf = dir_is_leaf };
	struct dentry *parent = BPF_CORE_READ(d, d_parent);
	__u32 len = BPF_CORE_READ(d, d_name.len);
	struct file_id id = { .gen = gen };

	__builtin_memset(&s->target, 0, sizeof(s->target));
	if (BPF_CORE_READ(d, d_inode)) {
		dentry_id(d, &id);
		id.gen = gen;
		lookup_or(&target_file_rules, &id, &s->target);
	}
	if (len < NAME_KEY_LEN) {
		__builtin_memset(&s->dirent, 0, sizeof(s->dirent));
		bpf_probe_read_kernel(s->dirent.name, len & (NAME_KEY_LEN - 1),
				      BPF_CORE_READ(d, d_name.name));
		dentry_id(parent, &s->dirent.dir);
		s->dirent.dir.gen = gen;
		lookup_or(&target_dirent_rules, &s->dirent, &s->target);
	}
	walk_path(dir, &w);
}

/* Decide an operation on a file: returns the rule's action (ACT_NONE if
 * no file rule applies) and emits the event. */
static __always_inline __u8 file_decide(const struct path *dir, bool dir_is_leaf,
					struct dentry *d, bool write,
					__u8 mechanism)
{
	struct emit_args a = { .type = EV_FILE, .rule = -1, .with_args = true };
	struct task_struct *t = bpf_get_current_task_btf();
	struct policy_hdr *ph = current_policy(&a.gen);
	struct scratch *s = get_scratch();
	struct rule_bits *want;
	struct proc_info *pi;
	bool any = false;

	if (!ph || !s || BPF_CORE_READ(t, tgid) == agent_tgid)
		return ACT_NONE;
	want = write ? &ph->file_write : &ph->file_read;
	for (int i = 0; i < RULE_WORDS; i++)
		any |= want->w[i] != 0;
	if (!any)
		return ACT_NONE;	/* no file rules: the common case, cheap */
	target_bits(dir, dir_is_leaf, d, a.gen, s);
	for (int i = 0; i < RULE_WORDS; i++)
		s->target.w[i] &= want->w[i];
	pi = proc_get(t);
	if (!pi)
		return ACT_NONE;
	a.rule = match_rules(t, task_exe(t), pi, a.gen, ph, &s->target, false);
	if (a.rule < 0)
		return ACT_NONE;
	a.action = ph->action[a.rule & (MAX_RULES - 1)];
	if (!acted(a.action))
		return a.action;
	if (a.action == ACT_KILL || (a.action == ACT_DENY && mechanism == MECH_SIGKILL_TP))
		bpf_send_signal(SIGKILL);
	a.mechanism = a.action == ACT_ALERT ? MECH_NONE :
		      a.action == ACT_KILL ? MECH_SIGKILL_TP : mechanism;
	a.task = t;
	a.pi = pi;
	a.tpath = dir;
	a.tname = dir_is_leaf ? d : NULL;
	emit(&a);
	return a.action;
}

/* Operations refused through LSM, counted. The count is also what keeps
 * the compiler from folding the verdict into arithmetic (-(act == deny))
 * that older verifiers cannot bound to [-4095, 0]. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} lsm_denials SEC(".maps");

static __always_inline int lsm_verdict(__u8 act)
{
	__u32 zero = 0;
	__u64 *n;

	/* with LSM, kill also stops the operation itself */
	if (act != ACT_DENY && act != ACT_KILL)
		return 0;
	n = bpf_map_lookup_elem(&lsm_denials, &zero);
	if (n)
		*n += 1;
	return -1;	/* -EPERM */
}

/* Opening: before O_TRUNC truncates and before any byte is read. */
SEC("lsm/file_open")
int BPF_PROG(deny_file_open, struct file *file, int ret)
{
	struct path p;
	bool write;

	if (ret)
		return ret;
	write = BPF_CORE_READ(file, f_mode) & FMODE_WRITE_BIT;
	bpf_core_read(&p, sizeof(p), &file->f_path);
	return lsm_verdict(file_decide(&p, false, p.dentry, write, MECH_LSM));
}

/* Creating (open O_CREAT, mknod): before the file exists. */
SEC("lsm/path_mknod")
int BPF_PROG(deny_file_create, const struct path *dir, struct dentry *dentry,
	     umode_t mode, unsigned int dev, int ret)
{
	struct path p;

	if (ret)
		return ret;
	bpf_core_read(&p, sizeof(p), dir);
	return lsm_verdict(file_decide(&p, true, dentry, true, MECH_LSM));
}

SEC("lsm/path_truncate")
int BPF_PROG(deny_file_truncate, const struct path *path, int ret)
{
	struct path p;

	if (ret)
		return ret;
	bpf_core_read(&p, sizeof(p), path);
	return lsm_verdict(file_decide(&p, false, p.dentry, true, MECH_LSM));
}

SEC("lsm/path_unlink")
int BPF_PROG(deny_file_unlink, const struct path *dir, struct dentry *dentry,
	     int ret)
{
	struct path p;

	if (ret)
		return ret;
	bpf_core_read(&p, sizeof(p), dir);
	return lsm_verdict(file_decide(&p, true, dentry, true, MECH_LSM));
}

/* Without LSM: after an open succeeded, look at the file it returned. The
 * process dies before it returns to user space, so it never reads or
 * writes through the descriptor; a create or truncate has happened. */
SEC("tracepoint")
int on_open_exit(struct syscall_trace_exit *ctx)
{
	struct task_struct *t = bpf_get_current_task_btf();
	long fd = ctx->ret;
	struct file **fds, *f;
	unsigned int max;
	struct path p;

	if (fd < 0)
		return 0;
	max = BPF_CORE_READ(t, files, fdt, max_fds);
	if (fd >= max)
		return 0;
	fds = BPF_CORE_READ(t, files, fdt, fd);
	if (bpf_probe_read_kernel(&f, sizeof(f), &fds[fd]) || !f)
		return 0;
	bpf_core_read(&p, sizeof(p), &f->f_path);
	file_decide(&p, false, p.dentry,
		    BPF_CORE_READ(f, f_mode) & FMODE_WRITE_BIT, MECH_SIGKILL_TP);
	return 0;
}
