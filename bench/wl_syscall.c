/* syscall burst: N x getppid(), optionally paced at RATE per second.
 * With a warden syscall rule `alert` on getppid scoped to this binary,
 * each call is one event: the fastest event source there is, used to
 * overload warden's ring buffer and check that every event is either
 * delivered or counted as lost.
 * usage: wl_syscall N [RATE] */
#include <sys/syscall.h>
#include <unistd.h>
#include "wl_common.h"

int main(int argc, char **argv)
{
	const char *usage = "wl_syscall N [RATE]";
	double rate = argc > 2 ? atof(argv[2]) : 0;
	long n, i;
	double t0;

	if (argc < 2)
		return fprintf(stderr, "usage: %s\n", usage), 2;
	n = wl_count(argv[1], usage);
	t0 = wl_now();
	for (i = 0; i < n; i++) {
		if (rate > 0)
			wl_pace(t0 + (double)i / rate);
		syscall(SYS_getppid); /* not the libc wrapper: no caching */
	}
	wl_report(t0);
	return 0;
}
