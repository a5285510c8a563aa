/* Self-protection: which guarded syscalls touch the agent (its pid, its
 * pin directory), and the report, once per (process image, syscall or
 * signal). */
#ifndef WARDEN_PROCESS_GUARD_H
#define WARDEN_PROCESS_GUARD_H
#include "process/maps.h"
#include "process/track.h"
#include "process/emit.h"

#define PF_EXITING	0x00000004	/* include/linux/sched.h */
#define PF_KTHREAD	0x00200000
#define SEND_SIG_PRIV	1UL		/* (struct kernel_siginfo *)1 */
#define SIGSTOP		19
/* the dedup key of a signal: above every syscall number */
#define GUARD_SIGNAL_NR(sig)	(SYSCALL_SLOTS + (sig))

/* Does the guarded syscall touch the agent? */
static __always_inline bool touches_agent(const unsigned long *args, __u8 kind)
{
	struct scratch *s;
	long target;

	switch (kind) {
	case GUARD_ALWAYS:
		return true;
	case GUARD_PID_ARG0:
	case GUARD_PID_ARG1:
		target = (int)args[kind == GUARD_PID_ARG0 ? 0 : 1];
		return target == agent_tgid || target == -(long)agent_tgid;
	case GUARD_PATH_ARG0:
	case GUARD_PATH_ARG1:
		s = get_scratch();
		if (!s || !guard_pin_len)
			return false;
		target = args[kind == GUARD_PATH_ARG0 ? 0 : 1];
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

static __always_inline bool
guarded_call_touches_agent(const unsigned long *args, __u32 nr)
{
	__u8 *kind = bpf_map_lookup_elem(&proc_guard_nr, &nr);

	return kind && touches_agent(args, *kind);
}

/* Whether this (process image, syscall) was reported already; marks it. */
static __always_inline bool guard_reported(const struct proc_info *pi,
					   struct task_struct *t, __u32 nr)
{
	struct guard_key k = { .exec_ktime = pi->exec_ktime,
			       .tgid = BPF_CORE_READ(t, tgid), .nr = nr };
	__u8 one = 1;

	return bpf_map_update_elem(&proc_guard_seen, &k, &one, BPF_NOEXIST) != 0;
}

/* Kill the caller t (with act kill) and report it, once per image and nr. */
static __always_inline void guard_report(struct emit_args *a,
					 struct task_struct *t, __u8 act,
					 __u32 nr)
{
	if (act == ACT_KILL) {
		bpf_send_signal(SIGKILL);
		a->mechanism = MECH_SIGKILL_TP;
	}
	a->pi = proc_get(t);
	if (a->pi && guard_reported(a->pi, t, nr))
		return;
	current_policy(&a->gen);
	a->task = t;
	a->file = task_exe(t);
	a->action = act;
	if (nr < SYSCALL_SLOTS)
		a->syscall_nr = nr;
	emit(a);
}
#endif
