#ifndef WARDEN_GUARD_H
#define WARDEN_GUARD_H
#include <linux/types.h>
#include "process.skel.h"

int guard_attach(struct process_bpf *skel);
/* ACT_NONE (off), ACT_ALERT or ACT_KILL; one atomic store. */
void guard_set_action(struct process_bpf *skel, __u8 action);
void guard_detach(void);
#endif
