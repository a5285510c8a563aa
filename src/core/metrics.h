/* The Prometheus endpoint of `warden daemon --metrics ADDR`.
 *
 * Event delivery never waits for a scrape: the daemon's loop renders the
 * whole exposition once a second (and after a policy load) and swaps it
 * in under a mutex held only for the swap; libmicrohttpd serves copies of
 * the latest rendering from its own thread. Counters that events carry
 * (events by type, rule matches) are counted from the lines the output
 * writes, the rest is read from the modules at render time. */
#ifndef WARDEN_CORE_METRICS_H
#define WARDEN_CORE_METRICS_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct agent;

/* What the daemon knows about policy loads. */
struct metrics_policy {
	uint64_t generation;	/* successful loads so far (1: the first) */
	uint64_t loaded, rejected;
	double last_load_seconds;	/* how long the last successful load took */
	double last_load_time;		/* its wall-clock time, Unix seconds */
	uint64_t rules;
};

/* Listen on addr ("HOST:PORT", "[V6]:PORT"); call after the signals the
 * daemon handles are blocked, so the server's threads never take them. */
int metrics_start(const char *addr);
bool metrics_enabled(void);
/* Count one event line (JSON) the output writes. */
void metrics_observe(const char *line, size_t len);
/* Render a fresh exposition for the server. */
void metrics_publish(struct agent *a, const struct metrics_policy *pol);
void metrics_stop(void);
#endif
