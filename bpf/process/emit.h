/* Events: one record per decision (or process-table change) on the ring
 * buffer, a fixed header then the variable strings in the order
 * process_abi.h gives. */
#ifndef WARDEN_PROCESS_EMIT_H
#define WARDEN_PROCESS_EMIT_H
#include "process/maps.h"
#include "process/paths.h"

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
	bool compat;		/* came through the ia32 entry */
	__u8 mechanism;
	const struct path *tpath;	/* EV_FILE: the file, or its directory */
	struct dentry *tname;		/* ... and then this name in it */
	const char *tstr;		/* EV_FILE: a path as given (io_uring) */
	bool uring;			/* EV_FILE from io_uring: nr = opcode */
};

/* With wake_bytes set, the reader is woken only once a batch waits; a
 * record written unannounced is found by the reader's poll timeout. */
static __always_inline __u64 wake_flags(void)
{
	__u32 n = wake_bytes;

	if (!n)
		return 0;
	return bpf_ringbuf_query(&proc_events, BPF_RB_AVAIL_DATA) >= n ?
	       BPF_RB_FORCE_WAKEUP : BPF_RB_NO_WAKEUP;
}

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

/* A kernel string (a path as the caller gave it). */
static __always_inline __u32 copy_kstr(struct process_event *ev, __u32 pos,
				       const char *str, __u16 *len)
{
	long n = bpf_probe_read_kernel_str(&ev->data[pos & DATA_MASK],
					   PATH_MAX_LEN, str);

	if (n <= 1)
		return pos;
	*len = (n - 1) & PATH_MASK;
	return pos + *len;
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

/* The number the innermost pid namespace of pid gives it:
 * pid->numbers[pid->level].nr (the host's is numbers[0]). */
static __always_inline __u32 ns_nr(struct pid *pid)
{
	unsigned int level;
	int nr = 0;

	if (!pid)
		return 0;
	level = BPF_CORE_READ(pid, level);
	/* MAX_PID_NS_LEVEL is 32: the mask keeps the verifier's bound */
	bpf_probe_read_kernel(&nr, sizeof(nr), &pid->numbers[level & 31].nr);
	return (__u32)nr;
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
	ev->ns_pid = ns_nr(BPF_CORE_READ(t, group_leader, thread_pid));
	ev->ns_tid = ns_nr(BPF_CORE_READ(t, thread_pid));
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
	struct process_event *ev = bpf_map_lookup_elem(&proc_evbuf, &zero);
	struct scratch *s = get_scratch();
	struct path p;

	if (!ev || !s)
		return;
	fill_header(ev, a);
	if (a->guard)
		ev->flags |= EVF_GUARD;
	if (a->compat)
		ev->flags |= EVF_COMPAT;
	if (a->track_only)
		ev->flags |= EVF_TRACK_ONLY;
	if (a->uring)
		ev->flags |= EVF_URING;
	if (a->file) {
		struct file *f = a->file;

		bpf_core_read(&p, sizeof(p), &f->f_path);
		pos = copy_path(ev, pos, &p, s, &ev->path_len, EVF_PATH_TRUNC);
	}
	if (a->tpath) {
		pos = copy_path(ev, pos, a->tpath, s, &ev->path_len, EVF_PATH_TRUNC);
		pos = append_name(ev, pos, a->tname);
	}
	if (a->tstr)
		pos = copy_kstr(ev, pos, a->tstr, &ev->path_len);
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
	if (bpf_ringbuf_output(&proc_events, ev, ev->size & (EVBUF_LEN - 1),
			       wake_flags()))
		count_loss(a->track_only ? LOSS_TRACK_FULL : LOSS_RINGBUF_FULL);
}
#endif
