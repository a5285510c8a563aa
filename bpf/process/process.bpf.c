// SPDX-License-Identifier: GPL-2.0
/* Process tracking and the exec/syscall/file policy: the programs.
 *
 * sched_process_fork/exec/exit keep a table of every process with its
 * binary and ancestry; at exec, at chosen syscalls and at file operations
 * the policy's rules are matched as bitmaps (one bit per rule, one bitmap
 * per selector value) and the first matching rule decides. Policies are
 * double-buffered by generation so a reload never exposes a half-written
 * policy.
 *
 * One header per concern: maps.h (globals and maps), paths.h (naming
 * files and cgroups), track.h (the process table), match.h (rules),
 * emit.h (events), guard.h (self-protection), files.h (file rules),
 * uring.h (file rules for io_uring). */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "process/maps.h"
#include "process/track.h"
#include "process/match.h"
#include "process/emit.h"
#include "process/guard.h"
#include "process/files.h"
#include "process/uring.h"

char LICENSE[] SEC("license") = "GPL";

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
	proc_exec(pi, f);
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
	struct policy_hdr *ph;
	struct proc_info *ci;

	if (BPF_CORE_READ(child, tgid) != BPF_CORE_READ(child, pid))
		return 0;	/* a new thread, not a new process */
	ci = proc_fork(parent, child);
	if (!ci)
		return 0;
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
	proc_exit(t);
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
	cand = bpf_map_lookup_elem(&proc_syscall, &key);
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

/* Attached to the syscalls in proc_guard_nr: signals or ptrace aimed at
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
	__u8 act = guard_action;

	if (act == ACT_NONE || BPF_CORE_READ(t, tgid) == agent_tgid ||
	    !guarded_call_touches_agent(ctx, nr))
		return 0;
	if (act == ACT_KILL) {
		bpf_send_signal(SIGKILL);
		a.mechanism = MECH_SIGKILL_TP;
	}
	a.pi = proc_get(t);
	if (a.pi && guard_reported(a.pi, t, nr))
		return 0;
	current_policy(&a.gen);
	a.task = t;
	a.file = task_exe(t);
	a.action = act;
	a.syscall_nr = nr;
	emit(&a);
	return 0;
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

/* Without LSM: ring operations that reach a file by path (uring.h). */
SEC("tp_btf/io_uring_submit_req")
int BPF_PROG(on_uring_submit, struct io_kiocb *req)
{
	uring_decide(req);
	return 0;
}
