/* Reading back a few top-level fields of one JSON object line that
 * lib/json.c wrote (events), without building a tree: for counting
 * events by type and rule, filtering them and printing them as text. */
#ifndef WARDEN_JSCAN_H
#define WARDEN_JSCAN_H
#include <stdbool.h>
#include <stddef.h>

struct jval {
	const char *p;		/* the raw value text (a string without quotes) */
	size_t len;
	bool str;		/* a string (p..len holds its escaped body) */
	bool found;
};

/* Fill v[i] for keys[i] (NULL-terminated); 0, or -1 if s is not one
 * object. Only top-level keys count; nested ones are skipped. */
int jscan(const char *s, size_t n, const char *const keys[], struct jval v[]);
/* The string value decoded into buf (NUL-terminated; a \uXXXX beyond
 * ASCII, U+FFFD for a byte that was not UTF-8 included, and \u0000
 * become '?'); a non-string is copied as it is. Returns buf. */
char *jscan_str(const struct jval *v, char *buf, size_t len);
/* The next element of the array v (from *pos, 0 to start) into item;
 * false at the end. */
bool jscan_next(const struct jval *v, size_t *pos, struct jval *item);
#endif
