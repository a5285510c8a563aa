#ifndef WARDEN_GUARD_H
#define WARDEN_GUARD_H
#include <stdbool.h>
#include <linux/types.h>
#include "process.skel.h"

#define GUARD_MAX_SYSCALLS	32

/* The links of on_guard, one per guarded syscall. */
struct guard {
	struct bpf_link *links[GUARD_MAX_SYSCALLS];
	bool attached;		/* self_protection_syscalls: on */
};

/* Tell the programs the pin directory and the guarded syscalls. */
int guard_init(struct process_bpf *skel);
/* Attach on_guard to each guarded syscall (idempotent); detach them. */
int guard_attach(struct guard *g, struct bpf_program *on_guard);
/* ACT_NONE (off), ACT_ALERT or ACT_KILL; one atomic store. */
void guard_set_action(struct process_bpf *skel, __u8 action);
void guard_detach(struct guard *g);
#endif
