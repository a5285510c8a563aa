#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "lib/percpu.h"

uint64_t percpu_sum(int map_fd, __u32 key)
{
	int ncpu = libbpf_num_possible_cpus();
	uint64_t vals[ncpu > 0 ? ncpu : 1], sum = 0;

	/* The kernel fills one value per CPU; zeroed first all the same, as
	 * valgrind only knows the lookup writes a single value_size. */
	memset(vals, 0, sizeof(vals));
	if (ncpu <= 0 || bpf_map_lookup_elem(map_fd, &key, vals))
		return 0;
	for (int i = 0; i < ncpu; i++)
		sum += vals[i];
	return sum;
}
