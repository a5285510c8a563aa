#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include "lib/cgroup.h"
#include "lib/evtext.h"
#include "lib/log.h"
#include "lib/output.h"
#include "lib/safefile.h"
#include "lib/syslog.h"

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

static int open_sink(struct sink *k, const char *target)
{
	char why[128];
	int fd;

	k->target = target;
	k->fd = -1;
	if (!strcmp(target, "-")) {
		k->kind = SINK_STDOUT;
		k->fd = STDOUT_FILENO;
		return 0;
	}
	if (syslog_is_target(target)) {
		k->kind = SINK_SYSLOG;
		k->syslog = calloc(1, sizeof(*k->syslog));
		if (!k->syslog)
			return -ENOMEM;
		if (syslog_parse(target, k->syslog, why, sizeof(why))) {
			log_err("--output %s: expected %s", target, why);
			return -EINVAL;
		}
		fd = syslog_connect(k->syslog);
		if (fd < 0) {
			log_err("cannot connect output %s: %s", target, strerror(-fd));
			return fd;
		}
		k->fd = fd;
		return 0;
	}
	k->kind = SINK_FILE;
	/* root appends here: never through a link someone planted */
	fd = safe_open_write(target, SAFE_APPEND, 0600);
	if (fd < 0) {
		log_err("cannot open output %s: %s", target, safe_why(fd));
		return fd;
	}
	k->fd = fd;
	return 0;
}

int output_open(const char *const targets[], int n, enum out_format fmt)
{
	static const char *const std[] = { "-" };

	if (n > OUTPUT_MAX) {
		log_err("--output: at most %d outputs", OUTPUT_MAX);
		return -E2BIG;
	}
	if (!n) {
		targets = std;
		n = 1;
	}
	out.fmt = fmt;
	if (gethostname(out.hostname, sizeof(out.hostname) - 1))
		strcpy(out.hostname, "-");
	for (int i = 0; i < n; i++) {
		int err = open_sink(&out.sinks[out.nsinks++], targets[i]);

		if (err)
			return err;	/* output_close() undoes the others */
	}
	output_sync_clock();
	return 0;
}

static void close_sink(struct sink *k)
{
	if (k->fd > STDERR_FILENO)
		close(k->fd);
	free(k->syslog);
	free(k->buf);
	free(k->ends);
	*k = (struct sink){ .fd = -1 };
}

void output_close(void)
{
	output_flush();
	for (int i = 0; i < out.nsinks; i++)
		close_sink(&out.sinks[i]);
	out.nsinks = 0;
}

/* A new file at the same path (logrotate renamed the old one; lines
 * still pending go to the old one first). */
static void reopen_file(struct sink *k)
{
	int fd = safe_open_write(k->target, SAFE_APPEND, 0600);

	if (fd < 0) {
		log_err("SIGUSR1: cannot reopen output %s: %s; writing on to "
			"the old file", k->target, safe_why(fd));
		return;
	}
	close(k->fd);
	k->fd = fd;
}

static void reconnect_syslog(struct sink *k)
{
	int fd = syslog_connect(k->syslog);

	if (fd < 0) {
		log_err("cannot reconnect output %s: %s", k->target, strerror(-fd));
		return;
	}
	close(k->fd);
	k->fd = fd;
}

void output_reopen(void)
{
	output_flush();
	for (int i = 0; i < out.nsinks; i++) {
		struct sink *k = &out.sinks[i];

		if (k->kind == SINK_FILE)
			reopen_file(k);
		else if (k->kind == SINK_SYSLOG)
			reconnect_syslog(k);
	}
}

/* Once when writes start failing, once when they work again: a full disk
 * or a closed pipe must not turn every event into a line on stderr. Near
 * a full disk small writes fit and large ones do not, so "works again" is
 * only said after a second of writes without a failure (output_tick). */
static void note_write_error(struct sink *k, int err)
{
	k->ok_since = 0;
	if (k->last_errno)
		return;
	k->last_errno = err;
	k->failed_at_error = k->failed;
	log_err("writing events to %s failed: %s; events are being lost "
		"(counted in the stats line)", k->kind == SINK_STDOUT ?
		"standard output" : k->target, strerror(err));
}

static void note_write_ok(struct sink *k)
{
	if (k->last_errno && !k->ok_since)
		k->ok_since = now_ns(CLOCK_MONOTONIC);
}

static void lose(struct sink *k, uint64_t n)
{
	k->failed += n;
	out.failed += n;
}

void output_tick(void)
{
	for (int i = 0; i < out.nsinks; i++) {
		struct sink *k = &out.sinks[i];

		if (!k->last_errno || !k->ok_since ||
		    now_ns(CLOCK_MONOTONIC) - k->ok_since < 1000000000LL)
			continue;
		k->ok_since = 0;
		log_info("writing events to %s works again; %llu lost meanwhile "
			 "(counted in the stats line)", k->kind == SINK_STDOUT ?
			 "standard output" : k->target,
			 (unsigned long long)(k->failed - k->failed_at_error));
		k->last_errno = 0;
		out.resumed = true;
	}
}

/* write() all of buf[0..n); returns bytes written, errno set if short. */
static size_t write_all(int fd, const char *buf, size_t n)
{
	size_t done = 0;

	while (done < n) {
		ssize_t w = write(fd, buf + done, n - done);

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
static void cut_partial_line(struct sink *k, size_t n)
{
	struct stat st;
	off_t end;

	if (!fstat(k->fd, &st) && S_ISREG(st.st_mode) &&
	    (end = lseek(k->fd, 0, SEEK_CUR)) >= (off_t)n &&
	    !ftruncate(k->fd, end - (off_t)n))
		return;
	k->torn = true;
}

/* How long one flush may wait, in all, for a syslog daemon that is
 * behind: a local socket holds net.unix.max_dgram_qlen datagrams (10 by
 * default) and events come in bursts. */
#define SYSLOG_WAIT_MS 100

/* One datagram; a full socket is waited for while *budget_ms lasts. */
static ssize_t send_datagram(int fd, const char *p, size_t n, int *budget_ms)
{
	struct pollfd pfd = { .fd = fd, .events = POLLOUT };
	struct timespec t0, t1;
	ssize_t w;

	for (;;) {
		w = send(fd, p, n, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (w >= 0 || (errno != EINTR && errno != EAGAIN))
			return w;
		if (errno == EINTR)
			continue;
		if (*budget_ms <= 0)
			return -1;	/* errno is EAGAIN */
		clock_gettime(CLOCK_MONOTONIC, &t0);
		poll(&pfd, 1, *budget_ms);
		clock_gettime(CLOCK_MONOTONIC, &t1);
		*budget_ms -= (int)((t1.tv_sec - t0.tv_sec) * 1000 +
				    (t1.tv_nsec - t0.tv_nsec) / 1000000) ?: 1;
	}
}

/* One datagram per message. A syslog daemon that is behind gets a short
 * wait, a stuck one cannot stall events: what it still refuses is
 * counted as lost. */
static void flush_syslog(struct sink *k)
{
	int budget_ms = SYSLOG_WAIT_MS;
	size_t start = 0;
	int err = 0;

	for (size_t i = 0; i < k->nlines; start = k->ends[i++]) {
		ssize_t w = send_datagram(k->fd, k->buf + start,
					  k->ends[i] - start, &budget_ms);

		if (w < 0) {
			err = errno;
			lose(k, 1);
			continue;
		}
		k->written++;
		out.events++;
	}
	if (err)
		note_write_error(k, err);
	else
		note_write_ok(k);
}

/* Write the pending lines. Lines that did not reach the output are
 * counted as failed and dropped (the consumer may never come back); a
 * line cut in the middle is ended by the next successful write, so the
 * output stays one JSON object per line. */
static void flush_stream(struct sink *k)
{
	size_t done, whole = 0;
	int err;

	if (k->torn) {
		if (write_all(k->fd, "\n", 1) != 1) {
			err = errno;
			lose(k, k->nlines);
			note_write_error(k, err);
			return;
		}
		k->torn = false;
	}
	done = write_all(k->fd, k->buf, k->len);
	err = errno;
	while (whole < k->nlines && k->ends[whole] <= done)
		whole++;
	k->written += whole;
	out.events += whole;
	if (done == k->len) {
		note_write_ok(k);
		return;
	}
	lose(k, k->nlines - whole);
	if (done > (whole ? k->ends[whole - 1] : 0))
		cut_partial_line(k, done - (whole ? k->ends[whole - 1] : 0));
	note_write_error(k, err);
}

static void flush_sink(struct sink *k)
{
	if (k->fd < 0 || !k->len)
		return;
	if (k->kind == SINK_SYSLOG)
		flush_syslog(k);
	else
		flush_stream(k);
	k->len = 0;
	k->nlines = 0;
}

void output_flush(void)
{
	for (int i = 0; i < out.nsinks; i++)
		flush_sink(&out.sinks[i]);
}

/* Queue one record of n bytes (plus '\n' for streams);
 * flushes this output first when its buffer is full. */
static bool queue(struct sink *k, const char *s, size_t n)
{
	size_t nl = k->kind != SINK_SYSLOG;

	if (k->len + n + nl > k->cap)
		flush_sink(k);
	if (n + nl > k->cap) {
		size_t cap = n + nl > 65536 ? n + nl : 65536;
		char *b = realloc(k->buf, cap);

		if (!b)
			return false;
		k->buf = b;
		k->cap = cap;
	}
	if (k->nlines == k->ends_cap) {
		size_t c = k->ends_cap ? k->ends_cap * 2 : 256;
		size_t *e = realloc(k->ends, c * sizeof(*e));

		if (!e)
			return false;
		k->ends = e;
		k->ends_cap = c;
	}
	memcpy(k->buf + k->len, s, n);
	if (nl)
		k->buf[k->len + n] = '\n';
	k->len += n + nl;
	k->ends[k->nlines++] = k->len;
	return true;
}

/* The RFC 5424 message around the JSON line; a message too large for
 * one datagram is lost and counted. */
static bool queue_syslog(struct sink *k, const char *json, size_t n)
{
	static char msg[65000];
	size_t len = syslog_format(msg, sizeof(msg), json, n, out.hostname);

	return len && queue(k, msg, len);
}

/* Unsigned arithmetic: boot_ns comes from an event record, and a bogus
 * value there must give a wrong time, not signed overflow. Wall-clock
 * times before 1970 cannot occur, so nothing real is lost. */
static void format_time(char *buf, size_t len, uint64_t boot_ns)
{
	/* the date and time up to the second, kept while the second lasts:
	 * gmtime_r and snprintf for every event were a third of its cost
	 * (per thread: nothing then depends on who else emits) */
	static _Thread_local time_t cached = -1;
	static _Thread_local char prefix[40];
	static _Thread_local size_t plen;
	uint64_t wall = boot_ns + (uint64_t)out.wall_offset_ns;
	time_t secs = (time_t)(wall / 1000000000ULL);
	unsigned ns = (unsigned)(wall % 1000000000ULL);
	struct tm tm;

	if (secs != cached) {
		if (!gmtime_r(&secs, &tm)) {
			snprintf(buf, len, "?");
			return;
		}
		plen = snprintf(prefix, sizeof(prefix), "%04d-%02d-%02dT%02d:%02d:%02d.",
				tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
				tm.tm_hour, tm.tm_min, tm.tm_sec);
		if (plen >= sizeof(prefix))
			plen = sizeof(prefix) - 1;
		cached = secs;
	}
	if (len < plen + 11) {
		snprintf(buf, len, "?");
		return;
	}
	memcpy(buf, prefix, plen);
	for (int i = 8; i >= 0; i--, ns /= 10)
		buf[plen + i] = '0' + ns % 10;
	buf[plen + 9] = 'Z';
	buf[plen + 10] = '\0';
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
	jb_ku64(j, "schema_version", OUTPUT_SCHEMA_VERSION);
}

void output_emit(struct jbuf *j)
{
	static char text[16384];

	jb_obj_close(j);
	/* the text form comes from the JSON, the same for every type */
	if (out.fmt == FMT_TEXT && !j->oom)
		event_text(j->buf, j->len, text, sizeof(text));
	if (out.tap && !j->oom)
		out.tap(j->buf, j->len);
	if (out.observe && !j->oom)
		out.observe(j->buf, j->len);
	for (int i = 0; i < out.nsinks; i++) {
		struct sink *k = &out.sinks[i];
		bool ok;

		if (j->oom)
			ok = false;
		else if (k->kind == SINK_SYSLOG)
			ok = queue_syslog(k, j->buf, j->len);
		else if (out.fmt == FMT_TEXT)
			ok = queue(k, text, strlen(text));
		else
			ok = queue(k, j->buf, j->len);
		if (!ok) {
			lose(k, 1);
			note_write_error(k, j->oom ? ENOMEM : EMSGSIZE);
		}
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
	if (rt && out.container)
		out.container(j, rt, cid, cgroup_path);
	return rt ? cid : NULL;
}
