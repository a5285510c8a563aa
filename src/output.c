#include <errno.h>
#include <string.h>
#include <time.h>
#include "log.h"
#include "output.h"

struct output out;

static int64_t now_ns(clockid_t c)
{
	struct timespec ts;

	clock_gettime(c, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

void output_sync_clock(void)
{
	out.wall_offset_ns = now_ns(CLOCK_REALTIME) - now_ns(CLOCK_BOOTTIME);
}

int output_open(const char *path, enum out_format fmt)
{
	out.fmt = fmt;
	out.f = stdout;
	if (path && strcmp(path, "-") != 0) {
		out.f = fopen(path, "a");
		if (!out.f) {
			int err = -errno;

			log_err("cannot open output %s: %s", path, strerror(errno));
			return err;
		}
	}
	setvbuf(out.f, NULL, _IOFBF, 1 << 16);
	output_sync_clock();
	return 0;
}

void output_close(void)
{
	output_flush();
	if (out.f && out.f != stdout)
		fclose(out.f);
	out.f = NULL;
}

static void note_write_error(int err)
{
	if (err == out.last_errno)
		return;
	out.last_errno = err;
	log_err("writing events failed: %s; events are being lost "
		"(counted in the stats line)", strerror(err));
}

void output_flush(void)
{
	if (out.f && fflush(out.f) != 0) {
		note_write_error(errno);
		clearerr(out.f);
	}
}

/* Unsigned arithmetic: boot_ns comes from an event record, and a bogus
 * value there must give a wrong time, not signed overflow. Wall-clock
 * times before 1970 cannot occur, so nothing real is lost. */
static void format_time(char *buf, size_t len, uint64_t boot_ns)
{
	uint64_t wall = boot_ns + (uint64_t)out.wall_offset_ns;
	time_t secs = (time_t)(wall / 1000000000ULL);
	struct tm tm;

	if (!gmtime_r(&secs, &tm)) {
		snprintf(buf, len, "?");
		return;
	}
	snprintf(buf, len, "%04d-%02d-%02dT%02d:%02d:%02d.%09uZ",
		 tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
		 tm.tm_min, tm.tm_sec, (unsigned)(wall % 1000000000ULL));
}

void output_begin(struct jbuf *j, const char *type, uint64_t boot_ns)
{
	char ts[48];

	jb_reset(j);
	if (!boot_ns)
		boot_ns = now_ns(CLOCK_BOOTTIME);
	format_time(ts, sizeof(ts), boot_ns);
	jb_obj_open(j);
	jb_kstr(j, "time", ts);
	jb_kstr(j, "type", type);
}

void output_emit(struct jbuf *j, const char *text)
{
	int ok;

	jb_obj_close(j);
	if (out.fmt == FMT_TEXT && text)
		ok = fprintf(out.f, "%s\n", text) >= 0;
	else
		ok = fwrite(j->buf, 1, j->len, out.f) == j->len &&
		     fputc('\n', out.f) != EOF;
	if (out.tap && !j->oom)
		out.tap(j->buf, j->len);
	if (ok && !j->oom) {
		out.events++;
		out.last_errno = 0;
		return;
	}
	out.failed++;
	note_write_error(j->oom ? ENOMEM : errno);
	clearerr(out.f);
}

void text_escape(char *buf, size_t len, const char *s, size_t n)
{
	size_t o = strlen(buf);

	for (size_t i = 0; i < n && o + 5 < len; i++) {
		unsigned char c = s[i];

		if (c < 0x20 || c == 0x7f || c == '\\')
			o += snprintf(buf + o, len - o, "\\x%02x", c);
		else
			buf[o++] = c;
	}
	buf[o < len ? o : len - 1] = '\0';
}
