#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>
#include "lib/cgroup.h"
#include "lib/log.h"
#include "lib/output.h"
#include "lib/safefile.h"

struct output out = { .fd = -1 };

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
	out.fd = STDOUT_FILENO;
	if (path && strcmp(path, "-") != 0) {
		/* root appends here: never through a link someone planted */
		out.fd = safe_open_write(path, SAFE_APPEND, 0600);
		if (out.fd < 0) {
			int err = out.fd;

			log_err("cannot open output %s: %s", path, safe_why(err));
			return err;
		}
	}
	output_sync_clock();
	return 0;
}

void output_close(void)
{
	output_flush();
	if (out.fd > STDERR_FILENO)
		close(out.fd);
	out.fd = -1;
	free(out.buf);
	free(out.ends);
	out.buf = NULL;
	out.ends = NULL;
	out.len = out.cap = out.nlines = out.ends_cap = 0;
}

/* Once when writes start failing, once when they work again: a full disk
 * or a closed pipe must not turn every event into a line on stderr. Near
 * a full disk small writes fit and large ones do not, so "works again" is
 * only said after a second of writes without a failure (output_tick). */
static void note_write_error(int err)
{
	out.ok_since = 0;
	if (out.last_errno)
		return;
	out.last_errno = err;
	out.failed_at_error = out.failed;
	log_err("writing events failed: %s; events are being lost "
		"(counted in the stats line)", strerror(err));
}

static void note_write_ok(void)
{
	if (out.last_errno && !out.ok_since)
		out.ok_since = now_ns(CLOCK_MONOTONIC);
}

void output_tick(void)
{
	if (!out.last_errno || !out.ok_since ||
	    now_ns(CLOCK_MONOTONIC) - out.ok_since < 1000000000LL)
		return;
	out.ok_since = 0;
	log_info("writing events works again; %llu lost meanwhile (counted "
		 "in the stats line)",
		 (unsigned long long)(out.failed - out.failed_at_error));
	out.last_errno = 0;
	out.resumed = true;
}

/* write() all of buf[0..n); returns bytes written, errno set if short. */
static size_t write_all(const char *buf, size_t n)
{
	size_t done = 0;

	while (done < n) {
		ssize_t w = write(out.fd, buf + done, n - done);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			if (w == 0)
				errno = EIO;
			break;
		}
		done += (size_t)w;
	}
	return done;
}

/* The last n bytes written are the start of a line that did not fit
 * (disk full): take them back from a file; elsewhere (a pipe) end the
 * line with the next write. */
static void cut_partial_line(size_t n)
{
	struct stat st;
	off_t end;

	if (!fstat(out.fd, &st) && S_ISREG(st.st_mode) &&
	    (end = lseek(out.fd, 0, SEEK_CUR)) >= (off_t)n &&
	    !ftruncate(out.fd, end - (off_t)n))
		return;
	out.torn = true;
}

/* Write the pending lines. Lines that did not reach the output are
 * counted as failed and dropped (the consumer may never come back); a
 * line cut in the middle is ended by the next successful write, so the
 * output stays one JSON object per line. */
void output_flush(void)
{
	size_t done, whole = 0;
	int err;

	if (out.fd < 0 || !out.len)
		return;
	if (out.torn) {
		if (write_all("\n", 1) != 1) {
			err = errno;
			out.failed += out.nlines;
			note_write_error(err);
			goto drop;
		}
		out.torn = false;
	}
	done = write_all(out.buf, out.len);
	err = errno;
	while (whole < out.nlines && out.ends[whole] <= done)
		whole++;
	out.events += whole;
	if (done == out.len) {
		note_write_ok();
		goto drop;
	}
	out.failed += out.nlines - whole;
	if (done > (whole ? out.ends[whole - 1] : 0))
		cut_partial_line(done - (whole ? out.ends[whole - 1] : 0));
	note_write_error(err);
drop:
	out.len = 0;
	out.nlines = 0;
}

/* Queue one line (plus '\n'); flushes first when the buffer is full. */
static bool queue_line(const char *s, size_t n)
{
	if (out.len + n + 1 > out.cap)
		output_flush();
	if (n + 1 > out.cap) {
		char *b = realloc(out.buf, n + 1 > 65536 ? n + 1 : 65536);

		if (!b)
			return false;
		out.buf = b;
		out.cap = n + 1 > 65536 ? n + 1 : 65536;
	}
	if (out.nlines == out.ends_cap) {
		size_t c = out.ends_cap ? out.ends_cap * 2 : 256;
		size_t *e = realloc(out.ends, c * sizeof(*e));

		if (!e)
			return false;
		out.ends = e;
		out.ends_cap = c;
	}
	memcpy(out.buf + out.len, s, n);
	out.buf[out.len + n] = '\n';
	out.len += n + 1;
	out.ends[out.nlines++] = out.len;
	return true;
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
	bool ok;

	jb_obj_close(j);
	if (out.tap && !j->oom)
		out.tap(j->buf, j->len);
	if (j->oom)
		ok = false;
	else if (out.fmt == FMT_TEXT && text)
		ok = queue_line(text, strlen(text));
	else
		ok = queue_line(j->buf, j->len);
	if (!ok) {
		out.failed++;
		note_write_error(ENOMEM);
	}
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

/* "container_id" (null when the path names none) and "container_runtime";
 * returns the id (in cid, 65 bytes) or NULL. */
const char *output_container(struct jbuf *j, const char *cgroup_path, char *cid)
{
	const char *rt = cgroup_path ? container_id_from_path(cgroup_path, cid) : NULL;

	jb_key(j, "container_id");
	if (rt)
		jb_str(j, cid);
	else
		jb_null(j);
	if (rt)
		jb_kstr(j, "container_runtime", rt);
	return rt ? cid : NULL;
}
