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
 * uring.h (file rules for io_uring), nspath.h (paths as a container
 * sees them), container.h (which cgroups are containers, which processes
 * their workload). */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "process/maps.h"
#include "process/track.h"
#include "process/match.h"
#include "process/emit.h"
#include "process/guard.h"
#include "process/syscalls.h"
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
	ctr_track(pi, t);
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

/* Container cgroups are marked before any process can run in them. */
SEC("tp_btf/cgroup_mkdir")
int BPF_PROG(on_cgroup_mkdir, struct cgroup *cg, const char *path)
{
	ctr_cgroup_created(cg);
	return 0;
}

SEC("tp_btf/cgroup_rmdir")
int BPF_PROG(on_cgroup_rmdir, struct cgroup *cg, const char *path)
{
	ctr_cgroup_removed(cg);
	return 0;
}

/* A syscall some rule names: nr is the native (64-bit) number, whichever
 * entry the call came through; args are its arguments. A function of its
 * own (not inlined): the states it ends in are merged at its return, so
 * the ia32 entry's guard check after it is verified once, not once per
 * path through the rules (inlined, on_sys32_enter passed the verifier's
 * 1M-instruction limit once the container dimensions were added). */
static __noinline void syscall_decide(struct task_struct *t, __u32 nr,
					   const unsigned long *args,
					   bool compat)
{
	struct emit_args a = { .type = EV_SYSCALL, .rule = -1 };
	struct rule_bits *cand;
	struct policy_hdr *ph;
	struct proc_info *pi;

	ph = current_policy(&a.gen);
	if (!ph || nr >= SYSCALL_SLOTS)
		return;
	cand = syscall_cands(a.gen, nr, args);
	if (!cand)
		return;
	pi = proc_get(t);
	if (!pi)
		return;
	a.task = t;
	a.file = task_exe(t);
	a.rule = match_rules(t, a.file, pi, a.gen, ph, cand, false);
	if (a.rule < 0)
		return;
	a.action = enforce(ph, a.rule, BPF_CORE_READ(t, tgid));
	if (a.action == ACT_KILL || a.action == ACT_DENY)
		a.mechanism = MECH_SIGKILL_TP;
	if (acted(a.action)) {
		a.pi = pi;
		a.syscall_nr = nr;
		a.with_args = true;
		a.compat = compat;
		emit(&a);
	}
}

/* Attached by user space only to the sys_enter_* tracepoints of syscalls
 * the policy names, so every other syscall costs nothing. */
SEC("tracepoint")
int on_syscall(struct syscall_trace_enter *ctx)
{
	unsigned long args[6];

	tp_args(ctx, args);
	syscall_decide(bpf_get_current_task_btf(), ctx->nr, args, false);
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

/* Self-protection through syscalls (self_protection_syscalls: on): ptrace
 * or process_vm_* on the agent, loading BPF or kernel code, removing the
 * agent's pins. A watched process cannot stop root from doing these, but
 * it cannot do them unseen, and the policy may kill it first.
 * Not inlined either: on_sys32_enter calls this and syscall_decide, and
 * kernels before 6.13 (no private stacks) add a caller's whole stack to
 * its callee's against the 512-byte limit; inlined, this made the ia32
 * entry 320 bytes, and 320 + syscall_decide's 352 was refused on 6.1. */
static __noinline void guard_decide(struct task_struct *t, __u32 nr,
					 const unsigned long *args, bool compat)
{
	struct emit_args a = { .type = EV_SYSCALL, .rule = -1, .guard = true,
			       .with_args = true, .compat = compat };
	__u8 act = guard_action;

	if (act == ACT_NONE || BPF_CORE_READ(t, tgid) == agent_tgid ||
	    !guarded_call_touches_agent(args, nr))
		return;
	guard_report(&a, t, act, nr);
}

/* Attached only with self_protection_syscalls: on, to the syscalls in
 * proc_guard_nr: each puts every syscall of every task on the slow path. */
SEC("tracepoint")
int on_guard(struct syscall_trace_enter *ctx)
{
	unsigned long args[6];

	tp_args(ctx, args);
	guard_decide(bpf_get_current_task_btf(), ctx->nr, args, false);
	return 0;
}

/* Signals aimed at the agent (kill, tkill, tgkill, pidfd_send_signal,
 * rt_sigqueueinfo, a process group's signal, through any syscall entry):
 * reported, and the sender killed with self_protection: kill. Off the
 * syscall path: it runs only when a signal is generated. Only signals a
 * process sent: the kernel's own (SIGCHLD, a terminal's SIGINT, the OOM
 * killer) have si_code > 0 or come as SEND_SIG_PRIV, except the SIGSTOP
 * of PTRACE_ATTACH; init may manage the agent as a service; an agent
 * already exiting (reaped later) is not attacked. Sent after
 * the permission check, so an attempt the kernel refused is not
 * reported. */
SEC("tp_btf/signal_generate")
int BPF_PROG(on_signal, int sig, struct kernel_siginfo *info,
	     struct task_struct *task, int group, int result)
{
	struct emit_args a = { .type = EV_SIGNAL, .rule = -1, .guard = true,
			       .with_args = true, .exit_code = sig };
	struct task_struct *t = bpf_get_current_task_btf();
	__u32 sender = t->tgid;
	__u8 act = guard_action;

	if (act == ACT_NONE || task->tgid != agent_tgid ||
	    sender == agent_tgid || sender <= 1 || (t->flags & PF_KTHREAD))
		return 0;
	if (task->flags & PF_EXITING)	/* a signal to a dying agent hurts nothing */
		return 0;
	if ((unsigned long)info == SEND_SIG_PRIV && sig != SIGSTOP)
		return 0;
	if ((unsigned long)info > SEND_SIG_PRIV && BPF_CORE_READ(info, si_code) > 0)
		return 0;
	guard_report(&a, t, act, GUARD_SIGNAL_NR(sig));
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
static __always_inline void open_exit_decide(struct task_struct *t, long fd)
{
	struct file **fds, *f;
	unsigned int max;
	struct path p;

	if (fd < 0)
		return;
	max = BPF_CORE_READ(t, files, fdt, max_fds);
	if (fd >= max)
		return;
	fds = BPF_CORE_READ(t, files, fdt, fd);
	if (bpf_probe_read_kernel(&f, sizeof(f), &fds[fd]) || !f)
		return;
	bpf_core_read(&p, sizeof(p), &f->f_path);
	file_decide(&p, false, p.dentry,
		    BPF_CORE_READ(f, f_mode) & FMODE_WRITE_BIT, MECH_SIGKILL_TP);
}

SEC("tracepoint")
int on_open_exit(struct syscall_trace_exit *ctx)
{
	open_exit_decide(bpf_get_current_task_btf(), ctx->ret);
	return 0;
}

/* The ia32 entry (`int 0x80` from a 64-bit process, or a 32-bit one):
 * syscalls:sys_enter_* do not fire for it, the raw sys_enter does, for
 * every syscall, with the ia32 number. Attached only while a policy has
 * syscall rules (or self_protection_syscalls: on), when every syscall is
 * on the slow path anyway; one array lookup for native calls. */
static __always_inline struct sys32_info *compat_call(struct task_struct *t,
						      __u32 nr32)
{
	struct sys32_info *m;

	if (!task_compat(t))
		return NULL;
	m = bpf_map_lookup_elem(&proc_sys32, &nr32);
	return m && m->native1 ? m : NULL;
}

SEC("tp_btf/sys_enter")
int BPF_PROG(on_sys32_enter, struct pt_regs *regs, long id)
{
	struct task_struct *t = bpf_get_current_task_btf();
	struct sys32_info *m = compat_call(t, id);
	unsigned long args[6];
	__u32 nr;

	if (!m)
		return 0;
	nr = m->native1 - 1;
	compat_args(regs, args);
	syscall_decide(t, nr, args, true);
	if (guard_syscalls)
		guard_decide(t, nr, args, true);
	return 0;
}

/* ... and the open family's return, for file rules without LSM. */
SEC("tp_btf/sys_exit")
int BPF_PROG(on_sys32_exit, struct pt_regs *regs, long ret)
{
	struct task_struct *t = bpf_get_current_task_btf();
	struct sys32_info *m = compat_call(t, BPF_CORE_READ(regs, orig_ax));

	if (m && (m->flags & SYS32_OPEN))
		open_exit_decide(t, ret);
	return 0;
}

/* Without LSM: ring operations that reach a file by path (uring.h). */
SEC("tp_btf/io_uring_submit_req")
int BPF_PROG(on_uring_submit, struct io_kiocb *req)
{
	uring_decide(req);
	return 0;
}
