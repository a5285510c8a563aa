#ifndef WARDEN_PERCPU_H
#define WARDEN_PERCPU_H
#include <stdint.h>
#include <linux/types.h>
/* Sum of a per-CPU counter (u64 values) at key; 0 if it cannot be read. */
uint64_t percpu_sum(int map_fd, __u32 key);
#endif
