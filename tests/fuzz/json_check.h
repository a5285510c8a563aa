/* A strict JSON checker for the fuzz targets (RFC 8259, one line).
 *
 * Written independently of src/lib/json.c on purpose: the fuzzers check the
 * writer's promise (valid UTF-8 JSON on one line, whatever bytes go in)
 * against a second reading of the grammar, not against itself.
 * Strings can be decoded into a caller buffer so round trips can be
 * compared byte for byte. */
#ifndef WARDEN_FUZZ_JSON_CHECK_H
#define WARDEN_FUZZ_JSON_CHECK_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

struct jcheck {
	const unsigned char *s;
	size_t n, i;
	int depth;
	unsigned char *dec;	/* decoded text of the last string, or NULL */
	size_t dec_len, dec_cap;
};

static void jc_ws(struct jcheck *c)
{
	/* no '\n' or '\r': the line must stay one line */
	while (c->i < c->n && (c->s[c->i] == ' ' || c->s[c->i] == '\t'))
		c->i++;
}

static bool jc_lit(struct jcheck *c, const char *w)
{
	size_t l = strlen(w);

	if (c->n - c->i < l || memcmp(c->s + c->i, w, l))
		return false;
	c->i += l;
	return true;
}

static void jc_out(struct jcheck *c, const unsigned char *b, size_t l)
{
	if (!c->dec || c->dec_len + l > c->dec_cap)
		return;
	memcpy(c->dec + c->dec_len, b, l);
	c->dec_len += l;
}

/* Encode code point cp as UTF-8 into the decode buffer. */
static void jc_out_cp(struct jcheck *c, uint32_t cp)
{
	unsigned char b[4];
	size_t l;

	if (cp < 0x80) {
		b[0] = (unsigned char)cp, l = 1;
	} else if (cp < 0x800) {
		b[0] = 0xc0 | cp >> 6, b[1] = 0x80 | (cp & 0x3f), l = 2;
	} else if (cp < 0x10000) {
		b[0] = 0xe0 | cp >> 12, b[1] = 0x80 | ((cp >> 6) & 0x3f);
		b[2] = 0x80 | (cp & 0x3f), l = 3;
	} else {
		b[0] = 0xf0 | cp >> 18, b[1] = 0x80 | ((cp >> 12) & 0x3f);
		b[2] = 0x80 | ((cp >> 6) & 0x3f), b[3] = 0x80 | (cp & 0x3f);
		l = 4;
	}
	jc_out(c, b, l);
}

/* Decode one UTF-8 scalar value at s (n bytes available) by value range:
 * returns its length, 0 if invalid (overlong, surrogate, > U+10FFFF,
 * truncated, stray continuation byte). */
static size_t utf8_decode(const unsigned char *s, size_t n, uint32_t *cp)
{
	static const uint32_t min[5] = { 0, 0, 0x80, 0x800, 0x10000 };
	size_t l;
	uint32_t v;

	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	if ((s[0] & 0xe0) == 0xc0)
		l = 2, v = s[0] & 0x1f;
	else if ((s[0] & 0xf0) == 0xe0)
		l = 3, v = s[0] & 0x0f;
	else if ((s[0] & 0xf8) == 0xf0)
		l = 4, v = s[0] & 0x07;
	else
		return 0;
	if (n < l)
		return 0;
	for (size_t k = 1; k < l; k++) {
		if ((s[k] & 0xc0) != 0x80)
			return 0;
		v = v << 6 | (s[k] & 0x3f);
	}
	if (v < min[l] || v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff))
		return 0;
	*cp = v;
	return l;
}

static int jc_hex(unsigned char ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

/* \uXXXX after the backslash and 'u'; a lone surrogate is refused. */
static bool jc_u_escape(struct jcheck *c)
{
	uint32_t v = 0;

	if (c->n - c->i < 4)
		return false;
	for (int k = 0; k < 4; k++) {
		int h = jc_hex(c->s[c->i++]);

		if (h < 0)
			return false;
		v = v << 4 | (uint32_t)h;
	}
	if (v >= 0xdc00 && v <= 0xdfff)
		return false;
	if (v >= 0xd800 && v <= 0xdbff) {
		uint32_t lo = 0;

		if (!jc_lit(c, "\\u") || c->n - c->i < 4)
			return false;
		for (int k = 0; k < 4; k++) {
			int h = jc_hex(c->s[c->i++]);

			if (h < 0)
				return false;
			lo = lo << 4 | (uint32_t)h;
		}
		if (lo < 0xdc00 || lo > 0xdfff)
			return false;
		v = 0x10000 + ((v - 0xd800) << 10) + (lo - 0xdc00);
	}
	jc_out_cp(c, v);
	return true;
}

static bool jc_escape(struct jcheck *c)
{
	static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
	const char *p;
	unsigned char ch;

	if (c->i >= c->n)
		return false;
	ch = c->s[c->i++];
	if (ch == 'u')
		return jc_u_escape(c);
	p = ch ? strchr(from, ch) : NULL;
	if (!p)
		return false;
	jc_out(c, (const unsigned char *)&to[p - from], 1);
	return true;
}

static bool jc_string(struct jcheck *c)
{
	c->dec_len = 0;
	if (!jc_lit(c, "\""))
		return false;
	while (c->i < c->n) {
		unsigned char ch = c->s[c->i];
		uint32_t cp;
		size_t l;

		if (ch == '"') {
			c->i++;
			return true;
		}
		if (ch == '\\') {
			c->i++;
			if (!jc_escape(c))
				return false;
			continue;
		}
		/* raw control bytes (and DEL, which json.c promises to
		 * escape) must never reach the output */
		if (ch < 0x20 || ch == 0x7f)
			return false;
		l = utf8_decode(c->s + c->i, c->n - c->i, &cp);
		if (!l)
			return false;
		jc_out(c, c->s + c->i, l);
		c->i += l;
	}
	return false;
}

static bool jc_digits(struct jcheck *c)
{
	size_t start = c->i;

	while (c->i < c->n && c->s[c->i] >= '0' && c->s[c->i] <= '9')
		c->i++;
	return c->i > start;
}

static bool jc_number(struct jcheck *c)
{
	if (c->i < c->n && c->s[c->i] == '-')
		c->i++;
	if (c->i < c->n && c->s[c->i] == '0')
		c->i++;
	else if (!jc_digits(c))
		return false;
	if (c->i < c->n && c->s[c->i] == '.') {
		c->i++;
		if (!jc_digits(c))
			return false;
	}
	if (c->i < c->n && (c->s[c->i] == 'e' || c->s[c->i] == 'E')) {
		c->i++;
		if (c->i < c->n && (c->s[c->i] == '+' || c->s[c->i] == '-'))
			c->i++;
		if (!jc_digits(c))
			return false;
	}
	return true;
}

static bool jc_value(struct jcheck *c);

/* The members of an object or the elements of an array, after the
 * opening bracket. */
static bool jc_members(struct jcheck *c, bool object)
{
	unsigned char close = object ? '}' : ']';

	if (++c->depth > 256)
		return false;
	jc_ws(c);
	if (c->i < c->n && c->s[c->i] == close) {
		c->i++;
		c->depth--;
		return true;
	}
	for (;;) {
		jc_ws(c);
		if (object) {
			if (!jc_string(c))
				return false;
			jc_ws(c);
			if (!jc_lit(c, ":"))
				return false;
		}
		if (!jc_value(c))
			return false;
		jc_ws(c);
		if (c->i >= c->n)
			return false;
		if (c->s[c->i] == close) {
			c->i++;
			c->depth--;
			return true;
		}
		if (c->s[c->i++] != ',')
			return false;
	}
}

static bool jc_value(struct jcheck *c)
{
	jc_ws(c);
	if (c->i >= c->n)
		return false;
	switch (c->s[c->i]) {
	case '{':
		c->i++;
		return jc_members(c, true);
	case '[':
		c->i++;
		return jc_members(c, false);
	case '"':
		return jc_string(c);
	case 't':
		return jc_lit(c, "true");
	case 'f':
		return jc_lit(c, "false");
	case 'n':
		return jc_lit(c, "null");
	default:
		return jc_number(c);
	}
}

/* Whether s[0..n) is exactly one JSON value (one line, nothing after). */
static inline bool json_check(const char *s, size_t n)
{
	struct jcheck c = { .s = (const unsigned char *)s, .n = n };

	if (!jc_value(&c))
		return false;
	jc_ws(&c);
	return c.i == n;
}
#endif
