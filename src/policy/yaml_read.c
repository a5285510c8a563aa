/* Typed access to a loaded ynode tree: look-ups, key checks and readers
 * that turn scalars into values or a diagnostic at the node. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "policy/yaml_tree.h"

static const char *kind_name(enum ynode_kind k)
{
	switch (k) {
	case YN_SCALAR: return "a scalar";
	case YN_SEQ:    return "a list";
	case YN_MAP:    return "a map";
	}
	return "an unknown node";
}

struct ynode *ymap_get(const struct ynode *map, const char *key)
{
	if (!map || map->kind != YN_MAP)
		return NULL;
	for (size_t i = 0; i < map->n; i++)
		if (!strcmp(map->pairs[i].key->scalar, key))
			return map->pairs[i].value;
	return NULL;
}

/* "a, b, c" into a fresh string, or NULL when out of memory. */
static char *join_keys(const char *const allowed[])
{
	size_t len = 1;
	char *s;

	for (int i = 0; allowed[i]; i++)
		len += strlen(allowed[i]) + 2;
	s = malloc(len);
	if (!s)
		return NULL;
	s[0] = '\0';
	for (int i = 0; allowed[i]; i++) {
		if (i)
			strcat(s, ", ");
		strcat(s, allowed[i]);
	}
	return s;
}

static bool key_allowed(const char *key, const char *const allowed[])
{
	for (int i = 0; allowed[i]; i++)
		if (!strcmp(key, allowed[i]))
			return true;
	return false;
}

/* A node that is not a map at all counts as one problem, so a caller that
 * validates a section only through this call still notices. */
int ymap_check_keys(const struct ynode *map, const char *const allowed[],
		    struct diags *d)
{
	char *expected = NULL;
	int unknown = 0;

	if (!map)
		return 0;
	if (map->kind != YN_MAP) {
		diag_add(d, map->line, map->col, "expected a map, got %s",
			 kind_name(map->kind));
		return 1;
	}
	for (size_t i = 0; i < map->n; i++) {
		const struct ynode *k = map->pairs[i].key;
		char q[80];

		if (key_allowed(k->scalar, allowed))
			continue;
		if (!expected)
			expected = join_keys(allowed);
		diag_add(d, k->line, k->col,
			 "unknown key %s (expected one of: %s)",
			 ytext_quote(k->scalar, q, sizeof(q)),
			 expected ? expected : "?");
		unknown++;
	}
	free(expected);
	return unknown;
}

static int want_scalar(const struct ynode *n, const char *what,
		       struct diags *d)
{
	if (n->kind == YN_SCALAR)
		return 0;
	diag_add(d, n->line, n->col, "expected %s, got %s", what,
		 kind_name(n->kind));
	return -EINVAL;
}

int ynode_bool(const struct ynode *n, bool *out, struct diags *d)
{
	static const char *const yes[] = { "true", "yes", "on" };
	static const char *const no[] = { "false", "no", "off" };
	char q[80];

	if (want_scalar(n, "true or false", d))
		return -EINVAL;
	/* "yes" in quotes is a string; only bare words are booleans */
	for (size_t i = 0; !n->quoted && i < 3; i++) {
		if (!strcasecmp(n->scalar, yes[i])) {
			*out = true;
			return 0;
		}
		if (!strcasecmp(n->scalar, no[i])) {
			*out = false;
			return 0;
		}
	}
	diag_add(d, n->line, n->col, "expected true or false, got %s%s",
		 n->quoted ? "the string " : "",
		 ytext_quote(n->scalar, q, sizeof(q)));
	return -EINVAL;
}

static int digit_value(char c, unsigned base)
{
	int v;

	if (c >= '0' && c <= '9')
		v = c - '0';
	else if (c >= 'a' && c <= 'f')
		v = c - 'a' + 10;
	else if (c >= 'A' && c <= 'F')
		v = c - 'A' + 10;
	else
		return -1;
	return (unsigned)v < base ? v : -1;
}

/* Strict unsigned parse: decimal without leading zeros (YAML 1.1 would
 * read "0755" as octal, so refuse the ambiguity) or 0x hex. No sign, no
 * spaces. -EINVAL for a malformed number, -ERANGE past 2^64-1. */
static int parse_u64(const char *s, unsigned long long *out)
{
	unsigned long long v = 0;
	unsigned base = 10;

	if ((s[0] == '0') && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
	} else if (s[0] == '0' && s[1]) {
		return -EINVAL;
	}
	if (!*s)
		return -EINVAL;
	for (; *s; s++) {
		int dv = digit_value(*s, base);

		if (dv < 0)
			return -EINVAL;
		if (v > (~0ULL - (unsigned)dv) / base)
			return -ERANGE;
		v = v * base + (unsigned)dv;
	}
	*out = v;
	return 0;
}

int ynode_u64(const struct ynode *n, unsigned long long min,
	      unsigned long long max, unsigned long long *out, struct diags *d)
{
	unsigned long long v = 0;
	char q[80];
	int rc;

	if (want_scalar(n, "a number", d))
		return -EINVAL;
	rc = n->quoted ? -EINVAL : parse_u64(n->scalar, &v);
	if (rc == -EINVAL) {
		diag_add(d, n->line, n->col,
			 "expected a decimal or 0x hex number, got %s%s",
			 n->quoted ? "the string " : "",
			 ytext_quote(n->scalar, q, sizeof(q)));
		return -EINVAL;
	}
	if (rc == -ERANGE || v < min || v > max) {
		diag_add(d, n->line, n->col,
			 "%s is out of range (%llu..%llu)",
			 ytext_quote(n->scalar, q, sizeof(q)), min, max);
		return -EINVAL;
	}
	*out = v;
	return 0;
}

/* An empty plain scalar ("key:" with nothing after it) is YAML's null, not
 * an empty string; write "" to mean the empty string. */
int ynode_str(const struct ynode *n, const char **out, struct diags *d)
{
	if (want_scalar(n, "a string", d))
		return -EINVAL;
	if (!n->quoted && !n->scalar[0]) {
		diag_add(d, n->line, n->col, "expected a string, got nothing");
		return -EINVAL;
	}
	*out = n->scalar;
	return 0;
}

/* Every item is visited even after a failure so all problems are reported;
 * the first error is returned. */
int ynode_each_scalar(const struct ynode *n, struct diags *d,
		      int (*fn)(const struct ynode *s, void *arg), void *arg)
{
	int first = 0, rc;

	if (n->kind == YN_SCALAR)
		return fn(n, arg);
	if (n->kind != YN_SEQ) {
		diag_add(d, n->line, n->col,
			 "expected a scalar or a list of scalars, got %s",
			 kind_name(n->kind));
		return -EINVAL;
	}
	for (size_t i = 0; i < n->n; i++) {
		const struct ynode *s = n->items[i];

		if (s->kind != YN_SCALAR) {
			diag_add(d, s->line, s->col,
				 "expected a scalar list item, got %s",
				 kind_name(s->kind));
			rc = -EINVAL;
		} else {
			rc = fn(s, arg);
		}
		if (rc < 0 && !first)
			first = rc;
	}
	return first;
}
