/* Shared helpers for the benchmark workloads.  Each workload times only its
 * own loop (CLOCK_MONOTONIC) and prints "elapsed SECONDS" as its last line,
 * so the harness's own start-up and teardown never enter the figures. */
#ifndef WL_COMMON_H
#define WL_COMMON_H

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static inline double wl_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static inline void wl_report(double start)
{
	printf("elapsed %.6f\n", wl_now() - start);
	fflush(stdout);
}

/* Sleep until CLOCK_MONOTONIC reaches DEADLINE (seconds, as wl_now). */
static inline void wl_pace(double deadline)
{
	struct timespec ts;

	if (deadline <= wl_now())
		return;
	ts.tv_sec = (time_t)deadline;
	ts.tv_nsec = (long)((deadline - (double)ts.tv_sec) * 1e9);
	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
		;
}

/* Parse a positive count; exit with a usage message on anything else. */
static inline long wl_count(const char *arg, const char *usage)
{
	char *end;
	long n;

	errno = 0;
	n = strtol(arg, &end, 10);
	if (errno || *end || n <= 0) {
		fprintf(stderr, "usage: %s\n", usage);
		exit(2);
	}
	return n;
}

#endif
