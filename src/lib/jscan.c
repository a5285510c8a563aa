#include <stdlib.h>
#include <string.h>
#include "lib/jscan.h"

static size_t skip_ws(const char *s, size_t n, size_t i)
{
	while (i < n && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r'))
		i++;
	return i;
}

/* s[i] is '"': index just past the closing quote, or n. */
static size_t skip_string(const char *s, size_t n, size_t i)
{
	for (i++; i < n; i++) {
		if (s[i] == '\\')
			i++;
		else if (s[i] == '"')
			return i + 1;
	}
	return n;
}

/* Past one value starting at s[i] (any kind, nesting included). */
static size_t skip_value(const char *s, size_t n, size_t i)
{
	int depth = 0;

	if (i < n && s[i] == '"')
		return skip_string(s, n, i);
	for (; i < n; i++) {
		char c = s[i];

		if (c == '"') {
			i = skip_string(s, n, i) - 1;
		} else if (c == '{' || c == '[') {
			depth++;
		} else if (c == '}' || c == ']') {
			if (depth == 0)
				return i;
			if (--depth == 0)
				return i + 1;
		} else if (c == ',' && depth == 0) {
			return i;
		}
	}
	return n;
}

/* Back over whitespace before a scalar's end. */
static size_t trim_end(const char *s, size_t start, size_t end)
{
	while (end > start && (s[end - 1] == ' ' || s[end - 1] == '\t' ||
			       s[end - 1] == '\n' || s[end - 1] == '\r'))
		end--;
	return end;
}

static void take(const char *key, size_t klen, const char *s, size_t vs,
		 size_t ve, const char *const keys[], struct jval v[])
{
	for (int k = 0; keys[k]; k++) {
		if (strlen(keys[k]) != klen || memcmp(keys[k], key, klen))
			continue;
		v[k].found = true;
		v[k].str = s[vs] == '"';
		v[k].p = s + vs + v[k].str;
		v[k].len = ve - vs - 2 * v[k].str;
	}
}

int jscan(const char *s, size_t n, const char *const keys[], struct jval v[])
{
	size_t i = skip_ws(s, n, 0);

	for (int k = 0; keys[k]; k++)
		v[k] = (struct jval){ 0 };
	if (i >= n || s[i] != '{')
		return -1;
	for (i = skip_ws(s, n, i + 1); i < n && s[i] != '}';) {
		size_t ks, ke, vs, ve;

		if (s[i] != '"')
			return -1;
		ks = i + 1;
		i = skip_string(s, n, i);
		ke = i - 1;
		i = skip_ws(s, n, i);
		if (i >= n || s[i] != ':')
			return -1;
		vs = skip_ws(s, n, i + 1);
		ve = skip_value(s, n, vs);
		if (ve <= vs || ve > n)
			return -1;
		take(s + ks, ke - ks, s, vs, trim_end(s, vs, ve), keys, v);
		i = skip_ws(s, n, ve);
		if (i < n && s[i] == ',')
			i = skip_ws(s, n, i + 1);
	}
	return i < n ? 0 : -1;
}

static char unescape(char c)
{
	switch (c) {
	case 'n': return '\n';
	case 't': return '\t';
	case 'r': return '\r';
	case 'b': return '\b';
	case 'f': return '\f';
	default: return c;	/* \" \\ \/ */
	}
}

char *jscan_str(const struct jval *v, char *buf, size_t len)
{
	size_t o = 0;

	for (size_t i = 0; v->found && i < v->len && o + 1 < len; i++) {
		char c = v->p[i];

		if (v->str && c == '\\' && i + 1 < v->len) {
			c = v->p[++i];
			if (c == 'u') {
				char hex[5] = { 0 };
				long cp;

				memcpy(hex, v->p + i + 1, i + 4 < v->len ? 4 : 0);
				cp = strtol(hex, NULL, 16);
				c = cp > 0 && cp < 0x80 ? (char)cp : '?';
				i += 4;
			} else {
				c = unescape(c);
			}
		}
		buf[o++] = c;
	}
	if (len)
		buf[o < len ? o : len - 1] = '\0';
	return buf;
}

bool jscan_next(const struct jval *v, size_t *pos, struct jval *item)
{
	size_t i = *pos, end;

	if (!v->found || v->str || v->len < 2 || v->p[0] != '[')
		return false;
	i = skip_ws(v->p, v->len, i ? i : 1);
	if (i < v->len && v->p[i] == ',')
		i = skip_ws(v->p, v->len, i + 1);
	if (i >= v->len - 1 || v->p[i] == ']')
		return false;
	end = skip_value(v->p, v->len, i);
	if (end <= i)
		return false;
	*pos = end;
	end = trim_end(v->p, i, end);
	item->found = true;
	item->str = v->p[i] == '"';
	item->p = v->p + i + item->str;
	item->len = end - i - 2 * item->str;
	return true;
}
