/* The generation switch shared by every module (see generation.h). */
#include <errno.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <linux/membarrier.h>
#include <sys/syscall.h>
#include "core/generation.h"
#include "lib/log.h"

void gen_init(struct generation *g, __u32 *active, gen_clear_fn clear,
	      void *ctx)
{
	*g = (struct generation){ .active = active, .clear = clear, .ctx = ctx };
}

__u32 gen_active(const struct generation *g)
{
	return __atomic_load_n(g->active, __ATOMIC_ACQUIRE) & 1;
}

/* BPF programs run inside RCU read-side sections (tracepoints, cgroup
 * hooks and XDP alike); MEMBARRIER_CMD_GLOBAL waits for an RCU grace
 * period, so every program that could have read the old active_gen has
 * returned. Where the kernel refuses (nohz_full CPUs, no membarrier), a
 * pause a thousand times longer than a program may run stands in. */
int gen_wait_readers(void)
{
	struct timespec pause = { .tv_nsec = 20 * 1000 * 1000 };
	int err;

	if (syscall(__NR_membarrier, MEMBARRIER_CMD_GLOBAL, 0, 0) == 0)
		return 0;
	err = -errno;
	nanosleep(&pause, NULL);
	return err;
}

static int clear_dirty(struct generation *g, __u32 gen)
{
	int err;

	if (!g->dirty[gen])
		return 0;
	gen_wait_readers();
	err = g->clear(g->ctx, gen);
	if (!err)
		g->dirty[gen] = false;
	return err;
}

int gen_stage(struct generation *g, __u32 *gen)
{
	__u32 next = !gen_active(g);
	int err = clear_dirty(g, next);

	if (err)
		return err;
	g->staged = next;
	g->staging = true;
	*gen = next;
	return 0;
}

void gen_commit(struct generation *g)
{
	__u32 old = gen_active(g);

	if (!g->staging)
		return;
	__atomic_store_n(g->active, g->staged, __ATOMIC_SEQ_CST);
	g->staging = false;
	if (old != g->staged)
		g->dirty[old] = true;
}

void gen_abort(struct generation *g)
{
	if (!g->staging)
		return;
	g->staging = false;
	g->dirty[g->staged] = true;
}

int gen_tick(struct generation *g, const char *module)
{
	int err;

	if (g->staging)
		return 0;
	err = clear_dirty(g, !gen_active(g));
	if (err)
		log_warn("%s: cannot clear the previous policy's maps: %s; "
			 "retried", module, strerror(-err));
	return err;
}
