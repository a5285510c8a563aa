/* Messages for people: errors printed once at the top with context, and
 * libbpf's own chatter kept out of the way unless asked for (-v). */
#ifndef WARDEN_LOG_H
#define WARDEN_LOG_H
#include <stdbool.h>

extern int log_verbose;		/* -v count */

void log_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
struct timespec;
/* Milliseconds since *t0 (CLOCK_MONOTONIC), and *t0 moved to now: the
 * time of each phase, printed with -v (start-up and `warden run` set-up
 * are goals: docs/benchmarks.md). */
double log_phase_ms(struct timespec *t0);

/* Route libbpf's messages through us: shown with -v, else kept quiet. */
void log_setup_libbpf(void);
/* Set while probing, when failures are expected and must stay silent. */
void log_libbpf_quiet(bool quiet);
/* The program libbpf last reported the kernel refused, or NULL. */
const char *log_libbpf_failed_prog(void);

#endif
