/* Syscall rules: which rules a call is a candidate for. */
#ifndef WARDEN_PROCESS_SYSCALLS_H
#define WARDEN_PROCESS_SYSCALLS_H
#include "process/maps.h"

#define TS_COMPAT	0x0002	/* arch/x86/include/asm/thread_info.h */

/* Is t in a syscall made through the ia32 entry? */
static __always_inline bool task_compat(struct task_struct *t)
{
	return BPF_CORE_READ(t, thread_info.status) & TS_COMPAT;
}

/* A sys_enter_* tracepoint's arguments. Read with a helper, not from ctx
 * directly: a program reading ctx beyond a syscall's own arguments cannot
 * attach to a syscall with fewer (EACCES); unused ones are never looked at. */
static __always_inline void tp_args(struct syscall_trace_enter *ctx,
				    unsigned long *args)
{
	bpf_probe_read_kernel(args, 6 * sizeof(*args), ctx->args);
}

/* The ia32 ABI's arguments: ebx, ecx, edx, esi, edi, ebp, 32 bits each. */
static __always_inline void compat_args(struct pt_regs *regs,
					unsigned long *args)
{
	args[0] = (__u32)BPF_CORE_READ(regs, bx);
	args[1] = (__u32)BPF_CORE_READ(regs, cx);
	args[2] = (__u32)BPF_CORE_READ(regs, dx);
	args[3] = (__u32)BPF_CORE_READ(regs, si);
	args[4] = (__u32)BPF_CORE_READ(regs, di);
	args[5] = (__u32)BPF_CORE_READ(regs, bp);
}

/* Does this clone/clone3 ask for a new namespace? (An unshare then.) */
static __always_inline bool clone_makes_ns(__u32 nr, const unsigned long *args)
{
	__u64 flags = 0;

	if (nr == nr_clone)
		return args[0] & CLONE_NS_FLAGS;
	if (nr != nr_clone3)
		return false;
	/* struct clone_args starts with the 64-bit flags, in both ABIs */
	bpf_probe_read_user(&flags, sizeof(flags), (void *)args[0]);
	return flags & (CLONE_NS_FLAGS | CLONE_NEWTIME_);
}

/* The rules native syscall nr is a candidate for in generation gen, or
 * NULL: those naming it, and for clone/clone3 making a namespace those
 * naming unshare. */
static __always_inline struct rule_bits *syscall_cands(__u32 gen, __u32 nr,
						       const unsigned long *args)
{
	__u32 key = gen * SYSCALL_SLOTS + nr;
	struct rule_bits *own = bpf_map_lookup_elem(&proc_syscall, &key), *ns;
	struct scratch *s;

	if (!clone_makes_ns(nr, args))
		return own;
	key = gen * SYSCALL_SLOTS + SYSCALL_CLONE_NS;
	ns = bpf_map_lookup_elem(&proc_syscall, &key);
	s = get_scratch();
	if (!own || !ns || !s)
		return own;
	for (int i = 0; i < RULE_WORDS; i++)
		s->cand.w[i] = own->w[i] | ns->w[i];
	return &s->cand;
}
#endif
