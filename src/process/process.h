/* What the process module offers the rest of warden (its module table
 * entry is in core/module.h): loss counters and an event sink. */
#ifndef WARDEN_PROCESS_H
#define WARDEN_PROCESS_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct process_losses {
	uint64_t ringbuf_full;
	uint64_t proc_map_full;
	uint64_t track_full;
	uint64_t ctr_map_full;	/* container cgroups the kernel could not mark */
};

void process_losses(struct process_losses *l);
/* A decoded event's variable part, for a sink. binary is the process
 * table's path of the image (NULL if unknown); args are NUL-separated. */
struct process_event_view {
	const char *binary;
	const char *args, *cwd, *cgroup;
	size_t args_len, cwd_len, cgroup_len;
};

struct process_event;
typedef void (*process_sink_fn)(const struct process_event *ev,
				const struct process_event_view *v);
/* Send every decoded event (track-only ones included) to fn instead of
 * printing it; NULL restores printing. */
void process_set_event_sink(process_sink_fn fn);
/* Wake the ring buffer's reader only once BYTES of events wait (0, the
 * default: for every event into an empty buffer). Only for a reader that
 * also polls on a timeout, as the daemon does: a smaller batch would
 * otherwise wait unseen. */
void process_set_wake_batch(uint32_t bytes);
#endif
