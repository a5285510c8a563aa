/* Writing a compiled process image into the kernel's maps, and clearing a
 * generation again once no program reads it. */
#ifndef WARDEN_PROCESS_MAPS_H
#define WARDEN_PROCESS_MAPS_H
#include <linux/types.h>
#include "process/compile.h"

struct bpf_object;

/* The largest key of a policy map (struct path_key), for the buffers that
 * walk them (maps.c clears, verify.c compares). */
#define PROC_KEY_MAX	256
_Static_assert(sizeof(struct dirent_key) <= PROC_KEY_MAX &&
	       sizeof(struct path_key) <= PROC_KEY_MAX &&
	       sizeof(struct ctr_key) <= PROC_KEY_MAX, "keys fit PROC_KEY_MAX");

/* The fds of the process object's policy maps, and the watch indices
 * given to ancestor binaries so far (never reused: the kernel's process
 * entries keep their bits). */
struct process_maps {
	int policy, syscall;
	int rules[PM__COUNT];
	int anc_watch, anc_rules;
	struct file_id watched[ANC_WATCH_MAX];	/* gen 0 */
	unsigned nwatched;
};

/* Find the maps in a loaded object, and the watch indices a pinned map
 * already holds. 0 or -errno. */
int process_maps_open(struct process_maps *m, const struct bpf_object *obj);
/* Empty generation gen of every policy map. 0 or -errno. */
int process_maps_clear(const struct process_maps *m, __u32 gen);
/* Write img into its generation, which must be empty (cleared): the rule
 * maps first, the policy header, which makes it usable, last. -ENOSPC
 * when ancestor rules named more than ANC_WATCH_MAX binaries since the
 * agent started. */
int process_maps_write(struct process_maps *m, const struct process_image *img);
#endif
