/* Self-protection. Signals aimed at the agent are seen by on_signal
 * (signal_generate, off the syscall path, always attached). With
 * self_protection_syscalls: on, the syscalls a process would use to blind
 * the agent otherwise (ptrace and process_vm_* on it, loading BPF or
 * kernel code, removing its pins) are watched too, at the price of every
 * syscall of every task going through the slow path while they are
 * attached. Part of the process module's object. */
#include <errno.h>
#include <string.h>
#include <bpf/bpf.h>
#include "process/guard.h"
#include "lib/log.h"
#include "core/pin.h"
#include "warden/process_abi.h"
#include "process/syscalls.h"

static const struct {
	const char *name;
	__u8 kind;
	bool needs_pins;	/* only watched when the agent pins */
} guarded[] = {
	{ "pidfd_open", GUARD_PID_ARG0, false },
	{ "process_vm_readv", GUARD_PID_ARG0, false },
	{ "process_vm_writev", GUARD_PID_ARG0, false },
	{ "ptrace", GUARD_PID_ARG1, false },
	{ "bpf", GUARD_ALWAYS, false }, { "perf_event_open", GUARD_ALWAYS, false },
	{ "init_module", GUARD_ALWAYS, false }, { "finit_module", GUARD_ALWAYS, false },
	{ "kexec_load", GUARD_ALWAYS, false }, { "kexec_file_load", GUARD_ALWAYS, false },
	{ "unlink", GUARD_PATH_ARG0, true }, { "rmdir", GUARD_PATH_ARG0, true },
	{ "rename", GUARD_PATH_ARG0, true },
	{ "unlinkat", GUARD_PATH_ARG1, true },
	{ "renameat", GUARD_PATH_ARG1, true },
	{ "renameat2", GUARD_PATH_ARG1, true },
};
#define N_GUARDED (sizeof(guarded) / sizeof(guarded[0]))
_Static_assert(N_GUARDED <= GUARD_MAX_SYSCALLS, "a link each in struct guard");

/* The pin directory and each guarded syscall's kind, once at load. */
int guard_init(struct process_bpf *skel)
{
	int fd = bpf_map__fd(skel->maps.proc_guard_nr);

	if (pin_root) {
		size_t len = strlen(pin_root);

		if (len >= GUARD_PATH_LEN)
			log_warn("--pin path longer than %d bytes: removals of "
				 "its pins are not watched", GUARD_PATH_LEN - 1);
		else {
			memcpy((char *)skel->bss->guard_pin, pin_root, len);
			skel->bss->guard_pin_len = len;
		}
	}
	for (size_t i = 0; i < N_GUARDED; i++) {
		int nr = syscall_nr(guarded[i].name);
		__u32 key = nr;

		if (nr < 0 || nr >= SYSCALL_SLOTS || (guarded[i].needs_pins && !pin_root))
			continue;
		if (bpf_map_update_elem(fd, &key, &guarded[i].kind, BPF_ANY))
			return -errno;
	}
	return 0;
}

int guard_attach(struct guard *g, struct bpf_program *on_guard)
{
	char tp[64];

	for (size_t i = 0; i < N_GUARDED; i++) {
		int nr = syscall_nr(guarded[i].name);

		if (g->links[i] || nr < 0 || nr >= SYSCALL_SLOTS ||
		    (guarded[i].needs_pins && !pin_root))
			continue;
		snprintf(tp, sizeof(tp), "sys_enter_%s", guarded[i].name);
		g->links[i] = bpf_program__attach_tracepoint(on_guard,
							     "syscalls", tp);
		/* a syscall this kernel lacks cannot be used against us */
		if (!g->links[i] && errno != ENOENT)
			return -errno;
	}
	g->attached = true;
	return 0;
}

void guard_set_action(struct process_bpf *skel, __u8 action)
{
	__atomic_store_n(&skel->bss->guard_action, action, __ATOMIC_SEQ_CST);
}

void guard_detach(struct guard *g)
{
	for (size_t i = 0; i < N_GUARDED; i++) {
		bpf_link__destroy(g->links[i]);
		g->links[i] = NULL;
	}
	g->attached = false;
}
