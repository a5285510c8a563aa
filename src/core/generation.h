/* The one policy-switch protocol every module uses.
 *
 * Each module's policy maps hold two generations (every key carries 0 or
 * 1) and its programs read the object's `active_gen` from .bss once on
 * entry. A switch writes the whole new policy into the inactive
 * generation, then stores its number (one aligned 32-bit store): a program
 * sees the old policy or the new one, never a mixture, never neither.
 *
 * The generation switched away from still holds the old policy, and a
 * program that read `active_gen` just before the store may still be
 * looking it up. It is cleared only after every such program has finished
 * (an RCU grace period, see gen_wait_readers()), either on the next tick
 * (to free its memory soon) or, at the latest, when it is staged again. */
#ifndef WARDEN_CORE_GENERATION_H
#define WARDEN_CORE_GENERATION_H
#include <stdbool.h>
#include <linux/types.h>

/* Empty generation gen of the module's maps; 0 or a negative errno. */
typedef int (*gen_clear_fn)(void *ctx, __u32 gen);

struct generation {
	__u32 *active;		/* the object's .bss active_gen (mmap'ed) */
	gen_clear_fn clear;
	void *ctx;		/* passed to clear */
	__u32 staged;		/* the generation being written */
	bool staging;		/* between gen_stage and gen_commit/abort */
	bool dirty[2];		/* holds entries no policy uses any more */
};

void gen_init(struct generation *g, __u32 *active, gen_clear_fn clear,
	      void *ctx);
__u32 gen_active(const struct generation *g);
/* Start writing a new policy: returns the inactive generation in *gen,
 * cleared and with no program still reading it. */
int gen_stage(struct generation *g, __u32 *gen);
/* Switch the programs to the staged generation. */
void gen_commit(struct generation *g);
/* Give up the staged generation (it is cleared later). */
void gen_abort(struct generation *g);
/* Once a second: clear a generation left dirty by a switch or an abort;
 * a failure is reported as a warning naming module, and retried. */
int gen_tick(struct generation *g, const char *module);
/* Return once no BPF program that started before the call is still
 * running (0), or -errno where the kernel cannot say. */
int gen_wait_readers(void);
#endif
