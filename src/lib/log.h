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

/* Route libbpf's messages through us: shown with -v, else kept quiet. */
void log_setup_libbpf(void);
/* Set while probing, when failures are expected and must stay silent. */
void log_libbpf_quiet(bool quiet);
/* The program libbpf last reported the kernel refused, or NULL. */
const char *log_libbpf_failed_prog(void);

#endif
