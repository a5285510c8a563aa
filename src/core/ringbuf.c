/* The one ring-buffer poller every module's events go through. */
#include <errno.h>
#include "core/module.h"

int rb_add(struct ring_buffer **rb, int map_fd, ring_buffer_sample_fn fn,
	   void *ctx)
{
	if (!*rb) {
		*rb = ring_buffer__new(map_fd, fn, ctx, NULL);
		return *rb ? 0 : -errno;
	}
	return ring_buffer__add(*rb, map_fd, fn, ctx);
}
