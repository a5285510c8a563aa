#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "lib/evtext.h"
#include "lib/jscan.h"

#define MAX_KEYS 24

/* What each type shows, in order. "container" stands for the
 * container's name, or its id cut to 12 characters, "-" without one
 * (and its pod, when it has one). */
static const struct {
	const char *type;
	const char *keys[MAX_KEYS];
} layouts[] = {
	{ "exec", { "pid", "ppid", "uid", "container", "binary", "args", "cwd",
		    "rule", "rule_index", "action", "mechanism", NULL } },
	{ "fork", { "pid", "ppid", "uid", "container", "binary", NULL } },
	{ "exit", { "pid", "ppid", "uid", "container", "binary", "exit_code",
		    "signal_name", "rule", "action", NULL } },
	{ "syscall", { "pid", "tid", "uid", "container", "binary", "syscall",
		       "rule", "rule_index", "action", "mechanism", NULL } },
	{ "file", { "pid", "uid", "container", "binary", "file", "rule",
		    "rule_index", "action", "mechanism", NULL } },
	{ "connect", { "pid", "uid", "container", "binary", "protocol",
		       "address", "port", "decision", "reason", "list", "scope",
		       "count", NULL } },
	{ "connect_summary", { "pid", "uid", "container", "binary", "protocol",
			       "address", "port", "decision", "reason", "list",
			       "scope", "count", NULL } },
	{ "socket", { "pid", "uid", "container", "binary", "protocol",
		      "socket_family", "socket_type", "decision", "reason",
		      "list", "scope", NULL } },
	{ "ingress_drop", { "interface", "rule", "proto", "src", "sport", "dst",
			    "dport", "len", "suppressed_before", NULL } },
	{ "policy", { "status", "name", "rules", "messages", NULL } },
};

struct line {
	char *buf;
	size_t len, o;
};

static void put(struct line *l, const char *s, size_t n)
{
	if (l->o + n >= l->len)
		n = l->len - 1 - l->o;
	memcpy(l->buf + l->o, s, n);
	l->o += n;
	l->buf[l->o] = '\0';
}

static void puts_(struct line *l, const char *s)
{
	put(l, s, strlen(s));
}

/* A string value, escaped, quoted when it must be. */
static void put_str(struct line *l, const char *s)
{
	bool quote = !*s || strpbrk(s, " \"") != NULL;
	char hex[8];

	if (quote)
		puts_(l, "\"");
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c < 0x20 || c == 0x7f || c == '\\' || c == '"') {
			snprintf(hex, sizeof(hex), "\\x%02x", c);
			puts_(l, hex);
		} else {
			put(l, s, 1);
		}
	}
	if (quote)
		puts_(l, "\"");
}

static void put_value(struct line *l, const struct jval *v)
{
	static char tmp[8192];
	struct jval it;
	size_t pos = 0;
	bool first = true;

	if (v->str || v->len == 0 || v->p[0] != '[') {
		jscan_str(v, tmp, sizeof(tmp));
		if (v->str)
			put_str(l, tmp);
		else
			puts_(l, tmp);
		return;
	}
	puts_(l, "[");
	while (jscan_next(v, &pos, &it)) {
		if (!first)
			puts_(l, " ");
		first = false;
		put_value(l, &it);
	}
	puts_(l, "]");
}

static void put_field(struct line *l, const char *key, const struct jval *v)
{
	if (!v->found || (!v->str && v->len == 4 && !memcmp(v->p, "null", 4)))
		return;
	puts_(l, " ");
	puts_(l, !strcmp(key, "signal_name") ? "signal" : key);
	puts_(l, "=");
	put_value(l, v);
}

/* container=NAME (its runtime's name for it), else the id's first 12
 * characters, "-" outside a container; then pod=NAMESPACE/NAME. */
static void put_container(struct line *l, const char *json, size_t n)
{
	static const char *const keys[] = { "container_name", "container_id",
					     "pod_namespace", "pod_name", NULL };
	struct jval v[4];
	char a[300], b[300];

	jscan(json, n, keys, v);
	puts_(l, " container=");
	if (v[0].found && v[0].str) {
		put_str(l, jscan_str(&v[0], a, sizeof(a)));
	} else if (v[1].found && v[1].str) {
		jscan_str(&v[1], a, 13);
		put_str(l, a);
	} else {
		puts_(l, "-");
	}
	if (!v[3].found || !v[3].str)
		return;
	jscan_str(&v[2], a, sizeof(a));
	jscan_str(&v[3], b, sizeof(b));
	puts_(l, " pod=");
	if (v[2].found && v[2].str) {
		put_str(l, a);
		puts_(l, "/");
	}
	put_str(l, b);
}

static int layout_of(const char *type)
{
	for (size_t i = 0; i < sizeof(layouts) / sizeof(layouts[0]); i++)
		if (!strcmp(layouts[i].type, type))
			return (int)i;
	return -1;
}

/* Every top-level field after time/type/schema_version (stats, and a
 * type this table does not know). */
static void put_all(struct line *l, const char *json, size_t n)
{
	const char *keys[2] = { NULL, NULL };
	size_t i = 1;

	/* walk the keys: each "key": at depth 1 */
	while (i < n) {
		struct jval v;
		char key[64];
		const char *q;
		size_t kl;

		if (json[i] != '"')
			break;
		q = memchr(json + i + 1, '"', n - i - 1);
		if (!q)
			break;
		kl = (size_t)(q - json - i - 1);
		if (kl >= sizeof(key))
			break;
		memcpy(key, json + i + 1, kl);
		key[kl] = '\0';
		keys[0] = key;
		if (jscan(json, n, keys, &v) || !v.found)
			break;
		if (strcmp(key, "time") && strcmp(key, "type") &&
		    strcmp(key, "schema_version"))
			put_field(l, key, &v);
		i = (size_t)(v.p - json) + v.len + v.str;	/* past the value */
		while (i < n && (json[i] == ',' || json[i] == ' '))
			i++;
	}
}

char *event_text(const char *json, size_t n, char *buf, size_t len)
{
	static const char *const head[] = { "time", "type", NULL };
	struct line l = { buf, len, 0 };
	struct jval h[2], v[MAX_KEYS];
	char time[48], type[48];
	int lay;

	buf[0] = '\0';
	if (jscan(json, n, head, h) || !h[1].found) {
		put(&l, json, n);
		return buf;
	}
	puts_(&l, jscan_str(&h[0], time, sizeof(time)));
	puts_(&l, " ");
	put_str(&l, jscan_str(&h[1], type, sizeof(type)));
	lay = layout_of(type);
	if (lay < 0) {
		put_all(&l, json, n);
		return buf;
	}
	jscan(json, n, layouts[lay].keys, v);
	for (int k = 0; layouts[lay].keys[k]; k++) {
		if (!strcmp(layouts[lay].keys[k], "container"))
			put_container(&l, json, n);
		else
			put_field(&l, layouts[lay].keys[k], &v[k]);
	}
	return buf;
}
