#ifndef WARDEN_GUARD_H
#define WARDEN_GUARD_H
#include <linux/types.h>
#include "process.skel.h"

#define GUARD_MAX_SYSCALLS	32

/* The links of on_guard, one per guarded syscall. */
struct guard {
	struct bpf_link *links[GUARD_MAX_SYSCALLS];
};

int guard_attach(struct guard *g, struct process_bpf *skel);
/* ACT_NONE (off), ACT_ALERT or ACT_KILL; one atomic store. */
void guard_set_action(struct process_bpf *skel, __u8 action);
void guard_detach(struct guard *g);
#endif
