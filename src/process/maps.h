/* Writing a compiled process image into the kernel's maps, and clearing a
 * generation again once no program reads it. */
#ifndef WARDEN_PROCESS_MAPS_H
#define WARDEN_PROCESS_MAPS_H
#include <linux/types.h>
#include "process/compile.h"

struct bpf_object;

/* The fds of the process object's policy maps. */
struct process_maps {
	int policy, syscall;
	int rules[PM__COUNT];
};

/* Find the maps in a loaded object. 0 or -ENOENT. */
int process_maps_open(struct process_maps *m, const struct bpf_object *obj);
/* Empty generation gen of every policy map. 0 or -errno. */
int process_maps_clear(const struct process_maps *m, __u32 gen);
/* Write img into its generation, which must be empty (cleared): the rule
 * maps first, the policy header, which makes it usable, last. */
int process_maps_write(const struct process_maps *m,
		       const struct process_image *img);
#endif
