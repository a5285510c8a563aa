/* Diagnostics: collect "FILE:LINE:COL: message" lines, print them later. */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include "policy/diag.h"

void diags_init(struct diags *d, const char *file)
{
	memset(d, 0, sizeof(*d));
	d->file = file ? file : "<input>";
}

void diags_free(struct diags *d)
{
	for (int i = 0; i < d->n; i++)
		free(d->v[i].msg);
	free(d->v);
	d->v = NULL;
	d->n = d->cap = 0;
}

static int diags_grow(struct diags *d)
{
	int cap = d->cap ? d->cap * 2 : 8;
	struct diag *v = realloc(d->v, (size_t)cap * sizeof(*v));

	if (!v)
		return -1;
	d->v = v;
	d->cap = cap;
	return 0;
}

/* Format the whole line now so the message stays valid even if the caller's
 * arguments do not outlive the call. */
static char *format_line(const char *file, int line, int col,
			 const char *fmt, va_list ap)
{
	char *body = NULL, *full = NULL;
	int rc;

	if (vasprintf(&body, fmt, ap) < 0)
		return NULL;
	if (line == 0)
		rc = asprintf(&full, "%s: %s", file, body);
	else
		rc = asprintf(&full, "%s:%d:%d: %s", file, line, col, body);
	free(body);
	return rc < 0 ? NULL : full;
}

void diag_add(struct diags *d, int line, int col, const char *fmt, ...)
{
	va_list ap;
	char *msg;

	if (d->n == d->cap && diags_grow(d) < 0)
		return;
	va_start(ap, fmt);
	msg = format_line(d->file, line, col, fmt, ap);
	va_end(ap);
	if (!msg)
		return;
	d->v[d->n].line = line;
	d->v[d->n].col = col;
	d->v[d->n].msg = msg;
	d->n++;
}

void diags_print(const struct diags *d, FILE *out)
{
	for (int i = 0; i < d->n; i++)
		fprintf(out, "%s\n", d->v[i].msg);
}
