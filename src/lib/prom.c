#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "lib/prom.h"

void prom_init(struct prom *p)
{
	memset(p, 0, sizeof(*p));
}

void prom_free(struct prom *p)
{
	free(p->buf);
	prom_init(p);
}

static void put(struct prom *p, const char *s, size_t n)
{
	if (p->oom)
		return;
	if (p->len + n + 1 > p->cap) {
		size_t c = p->cap ? p->cap : 4096;
		char *b;

		while (p->len + n + 1 > c)
			c *= 2;
		b = realloc(p->buf, c);
		if (!b) {
			p->oom = true;
			return;
		}
		p->buf = b;
		p->cap = c;
	}
	memcpy(p->buf + p->len, s, n);
	p->len += n;
	p->buf[p->len] = '\0';
}

static void puts_(struct prom *p, const char *s)
{
	put(p, s, strlen(s));
}

void prom_family(struct prom *p, const char *name, const char *type,
		 const char *help)
{
	puts_(p, "# HELP ");
	puts_(p, name);
	puts_(p, " ");
	puts_(p, help);
	puts_(p, "\n# TYPE ");
	puts_(p, name);
	puts_(p, " ");
	puts_(p, type);
	puts_(p, "\n");
}

static void label_value(struct prom *p, const char *v)
{
	for (; v && *v; v++) {
		if (*v == '\\')
			puts_(p, "\\\\");
		else if (*v == '"')
			puts_(p, "\\\"");
		else if (*v == '\n')
			puts_(p, "\\n");
		else
			put(p, v, 1);
	}
}

static void name_labels(struct prom *p, const char *name, va_list ap)
{
	const char *k;
	bool first = true;

	puts_(p, name);
	while ((k = va_arg(ap, const char *))) {
		const char *v = va_arg(ap, const char *);

		puts_(p, first ? "{" : ",");
		first = false;
		puts_(p, k);
		puts_(p, "=\"");
		label_value(p, v);
		puts_(p, "\"");
	}
	if (!first)
		puts_(p, "}");
}

void prom_sample(struct prom *p, const char *name, double value, ...)
{
	char num[64];
	va_list ap;

	va_start(ap, value);
	name_labels(p, name, ap);
	va_end(ap);
	snprintf(num, sizeof(num), " %.17g\n", value);
	puts_(p, num);
}

void prom_sample_u64(struct prom *p, const char *name, uint64_t value, ...)
{
	char num[32];
	va_list ap;

	va_start(ap, value);
	name_labels(p, name, ap);
	va_end(ap);
	snprintf(num, sizeof(num), " %llu\n", (unsigned long long)value);
	puts_(p, num);
}
