#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <bpf/libbpf.h>
#include "lib/log.h"

int log_verbose;

static void vlog(const char *level, const char *fmt, va_list ap)
{
	fprintf(stderr, "warden: %s", level);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

#define DEFINE_LOG(name, level, cond)				\
	void name(const char *fmt, ...)				\
	{							\
		va_list ap;					\
		if (!(cond))					\
			return;					\
		va_start(ap, fmt);				\
		vlog(level, fmt, ap);				\
		va_end(ap);					\
	}

DEFINE_LOG(log_err, "error: ", 1)
DEFINE_LOG(log_warn, "warning: ", 1)
DEFINE_LOG(log_info, "", 1)
DEFINE_LOG(log_debug, "debug: ", log_verbose > 0)

static char failed_prog[64];

const char *log_libbpf_failed_prog(void)
{
	return failed_prog[0] ? failed_prog : NULL;
}

/* libbpf says which program the kernel refused ("prog 'X': failed to
 * load"); remember it, as the fds of a failed object load are gone. */
static void note_failed_prog(const char *fmt, va_list ap)
{
	char line[256], *p, *q;
	va_list copy;

	va_copy(copy, ap);
	vsnprintf(line, sizeof(line), fmt, copy);
	va_end(copy);
	if (!strstr(line, "failed to load") || !(p = strstr(line, "prog '")))
		return;
	p += 6;
	q = strchr(p, '\'');
	if (q && q - p < (long)sizeof(failed_prog)) {
		memcpy(failed_prog, p, q - p);
		failed_prog[q - p] = '\0';
	}
}

static int libbpf_print(enum libbpf_print_level level, const char *fmt,
			va_list ap)
{
	if (level == LIBBPF_WARN)
		note_failed_prog(fmt, ap);
	if (level == LIBBPF_DEBUG && log_verbose < 2)
		return 0;
	if (level != LIBBPF_DEBUG && log_verbose < 1)
		return 0;
	return vfprintf(stderr, fmt, ap);
}

void log_setup_libbpf(void)
{
	libbpf_set_print(libbpf_print);
}

static int silent_print(enum libbpf_print_level level, const char *fmt,
			va_list ap)
{
	return 0;
}

/* Swaps the print function rather than filtering in libbpf_print, so it
 * also silences libbpf where log_setup_libbpf was never called, and the
 * expected failures do not count as "the program the kernel refused". */
void log_libbpf_quiet(bool quiet)
{
	static libbpf_print_fn_t saved;
	static int depth;

	if (quiet && depth++ == 0)
		saved = libbpf_set_print(silent_print);
	else if (!quiet && depth > 0 && --depth == 0)
		libbpf_set_print(saved);
}

double log_phase_ms(struct timespec *t0)
{
	struct timespec t;
	double ms;

	clock_gettime(CLOCK_MONOTONIC, &t);
	ms = (t.tv_sec - t0->tv_sec) * 1e3 + (t.tv_nsec - t0->tv_nsec) / 1e6;
	*t0 = t;
	return ms;
}
