/* Self-protection: which guarded syscalls touch the agent (its pid, its
 * pin directory), reported once per (process image, syscall). */
#ifndef WARDEN_PROCESS_GUARD_H
#define WARDEN_PROCESS_GUARD_H
#include "process/maps.h"

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

static __always_inline bool
guarded_call_touches_agent(struct syscall_trace_enter *ctx, __u32 nr)
{
	__u8 *kind = bpf_map_lookup_elem(&proc_guard_nr, &nr);

	return kind && touches_agent(ctx, *kind);
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
#endif
