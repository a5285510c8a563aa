/* Streaming JSON writer: one line of valid UTF-8 JSON whatever bytes go in. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "lib/json.h"

/* one need_comma[] slot per nesting level */
#define JB_MAX_DEPTH \
	((int)(sizeof(((struct jbuf *)0)->need_comma) / sizeof(bool)))

void jb_init(struct jbuf *j)
{
	memset(j, 0, sizeof(*j));
}

void jb_free(struct jbuf *j)
{
	free(j->buf);
	jb_init(j);
}

void jb_reset(struct jbuf *j)
{
	j->len = 0;
	j->depth = 0;
	j->oom = false;
	memset(j->need_comma, 0, sizeof(j->need_comma));
	if (j->buf)
		j->buf[0] = '\0';
}

/* Make room for extra more bytes plus the trailing NUL. Once an allocation
 * has failed nothing more is written, so a truncated buffer is never
 * followed by fragments that would look like valid output. */
static bool jb_reserve(struct jbuf *j, size_t extra)
{
	size_t need, cap;
	char *buf;

	if (j->oom)
		return false;
	need = j->len + extra + 1;
	if (need < j->len) {
		j->oom = true;
		return false;
	}
	if (need <= j->cap)
		return true;
	cap = j->cap ? j->cap : 256;
	while (cap < need) {
		if (cap > SIZE_MAX / 2) {
			cap = need;
			break;
		}
		cap *= 2;
	}
	buf = realloc(j->buf, cap);
	if (!buf) {
		j->oom = true;
		return false;
	}
	j->buf = buf;
	j->cap = cap;
	return true;
}

/* The fast path inline: most puts are a few bytes into room there is. */
static inline void jb_put(struct jbuf *j, const char *s, size_t n)
{
	if ((j->oom || j->len + n + 1 > j->cap || j->len + n < j->len) &&
	    !jb_reserve(j, n))
		return;
	memcpy(j->buf + j->len, s, n);
	j->len += n;
	j->buf[j->len] = '\0';
}

static inline void jb_putc(struct jbuf *j, char c)
{
	if ((j->oom || j->len + 2 > j->cap) && !jb_reserve(j, 1))
		return;
	j->buf[j->len++] = c;
	j->buf[j->len] = '\0';
}

/* Deeper than need_comma can track we cannot place commas correctly, so
 * the output would be wrong: flag it as incomplete instead. */
static bool jb_depth_ok(struct jbuf *j)
{
	if (j->depth >= 0 && j->depth < JB_MAX_DEPTH)
		return true;
	j->oom = true;
	return false;
}

/* Before any value: a comma if this level already holds one. jb_key clears
 * the flag so the value that follows a key gets no comma of its own. */
static void jb_before_value(struct jbuf *j)
{
	if (!jb_depth_ok(j))
		return;
	if (j->need_comma[j->depth])
		jb_putc(j, ',');
	j->need_comma[j->depth] = true;
}

static void jb_open(struct jbuf *j, char c)
{
	jb_before_value(j);
	jb_putc(j, c);
	j->depth++;
	if (j->depth < JB_MAX_DEPTH)
		j->need_comma[j->depth] = false;
}

static void jb_close(struct jbuf *j, char c)
{
	if (j->depth <= 0) {
		j->oom = true;	/* unbalanced close: output is not valid */
		return;
	}
	j->depth--;
	jb_putc(j, c);
}

void jb_obj_open(struct jbuf *j)
{
	jb_open(j, '{');
}

void jb_obj_close(struct jbuf *j)
{
	jb_close(j, '}');
}

void jb_arr_open(struct jbuf *j)
{
	jb_open(j, '[');
}

void jb_arr_close(struct jbuf *j)
{
	jb_close(j, ']');
}

/* Length of the valid UTF-8 multi-byte sequence at s (2..4), or 0 if the
 * bytes there are not one: overlong forms, surrogates (U+D800..U+DFFF),
 * code points above U+10FFFF and truncated sequences are all rejected. */
size_t utf8_seq_len(const unsigned char *s, size_t avail)
{
	unsigned char c = s[0], lo = 0x80, hi = 0xbf;
	size_t len;

	if (c >= 0xc2 && c <= 0xdf)
		len = 2;
	else if (c >= 0xe0 && c <= 0xef)
		len = 3;
	else if (c >= 0xf0 && c <= 0xf4)
		len = 4;
	else
		return 0;
	if (c == 0xe0)
		lo = 0xa0;	/* below: overlong */
	else if (c == 0xed)
		hi = 0x9f;	/* above: surrogates */
	else if (c == 0xf0)
		lo = 0x90;	/* below: overlong */
	else if (c == 0xf4)
		hi = 0x8f;	/* above: beyond U+10FFFF */
	if (avail < len || s[1] < lo || s[1] > hi)
		return 0;
	for (size_t i = 2; i < len; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	return len;
}

/* The escape for one ASCII byte, or NULL if it may be written as is. */
static const char *ascii_escape(unsigned char c, char tmp[8])
{
	switch (c) {
	case '"':  return "\\\"";
	case '\\': return "\\\\";
	case '\n': return "\\n";
	case '\t': return "\\t";
	case '\r': return "\\r";
	case '\b': return "\\b";
	case '\f': return "\\f";
	}
	if (c < 0x20 || c == 0x7f) {
		snprintf(tmp, 8, "\\u%04x", c);
		return tmp;
	}
	return NULL;
}

/* The bytes a string cannot hold as they are: control characters, '"',
 * '\\', DEL, and every non-ASCII byte (checked as UTF-8). */
static const bool special[256] = {
	[0 ... 0x1f] = true, ['"'] = true, ['\\'] = true, [0x7f ... 0xff] = true,
};

static void jb_quoted(struct jbuf *j, const char *str, size_t n)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0;
	char tmp[8];

	jb_putc(j, '"');
	while (i < n) {
		size_t start = i, step;
		const char *esc;

		while (i < n && !special[s[i]])
			i++;
		jb_put(j, (const char *)s + start, i - start);
		if (i == n)
			break;
		if (s[i] < 0x80) {	/* special: ascii_escape has one */
			esc = ascii_escape(s[i], tmp);
			jb_put(j, esc, strlen(esc));
			step = 1;
		} else if ((step = utf8_seq_len(s + i, n - i))) {
			jb_put(j, (const char *)s + i, step);
		} else {
			jb_put(j, "\\ufffd", 6);
			step = 1;
		}
		i += step;
	}
	jb_putc(j, '"');
}

void jb_key(struct jbuf *j, const char *key)
{
	jb_before_value(j);
	jb_quoted(j, key ? key : "", key ? strlen(key) : 0);
	jb_putc(j, ':');
	if (jb_depth_ok(j))
		j->need_comma[j->depth] = false;
}

void jb_strn(struct jbuf *j, const char *s, size_t n)
{
	if (!s && n) {
		jb_null(j);
		return;
	}
	jb_before_value(j);
	jb_quoted(j, s ? s : "", n);
}

void jb_str(struct jbuf *j, const char *s)
{
	if (!s) {
		jb_null(j);
		return;
	}
	jb_strn(j, s, strlen(s));
}

static void jb_raw_value(struct jbuf *j, const char *text)
{
	jb_before_value(j);
	jb_put(j, text, strlen(text));
}

/* Decimal digits of v, right-aligned before end; returns the first.
 * Numbers are most of an event's fields: snprintf was a fifth of the
 * encoder's time. */
char *u64_digits(uint64_t v, char *end)
{
	do {
		*--end = '0' + v % 10;
		v /= 10;
	} while (v);
	return end;
}

void jb_u64(struct jbuf *j, uint64_t v)
{
	char tmp[24], *p = u64_digits(v, tmp + sizeof(tmp));

	jb_before_value(j);
	jb_put(j, p, tmp + sizeof(tmp) - p);
}

void jb_i64(struct jbuf *j, int64_t v)
{
	char tmp[24];
	/* the magnitude in unsigned arithmetic: -INT64_MIN overflows */
	uint64_t m = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
	char *p = u64_digits(m, tmp + sizeof(tmp));

	if (v < 0)
		*--p = '-';
	jb_before_value(j);
	jb_put(j, p, tmp + sizeof(tmp) - p);
}

void jb_bool(struct jbuf *j, bool v)
{
	jb_raw_value(j, v ? "true" : "false");
}

void jb_null(struct jbuf *j)
{
	jb_raw_value(j, "null");
}

void jb_kstr(struct jbuf *j, const char *key, const char *s)
{
	jb_key(j, key);
	jb_str(j, s);
}

void jb_ku64(struct jbuf *j, const char *key, uint64_t v)
{
	jb_key(j, key);
	jb_u64(j, v);
}

void jb_ki64(struct jbuf *j, const char *key, int64_t v)
{
	jb_key(j, key);
	jb_i64(j, v);
}

void jb_kbool(struct jbuf *j, const char *key, bool v)
{
	jb_key(j, key);
	jb_bool(j, v);
}
