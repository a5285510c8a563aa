/* Diagnostics: a list of FILE:LINE:COL: message, printed once at the top. */
#ifndef WARDEN_DIAG_H
#define WARDEN_DIAG_H
#include <stdio.h>

struct diag {
	int line, col;
	char *msg;
};

struct diags {
	const char *file;	/* name used in messages ("<builtin>" etc.) */
	struct diag *v;
	int n, cap;
};

void diags_init(struct diags *d, const char *file);
void diags_free(struct diags *d);
/* Add "file:line:col: fmt..." (line/col 0 means no position). */
void diag_add(struct diags *d, int line, int col, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* Print every diagnostic, one per line, in the order added. */
void diags_print(const struct diags *d, FILE *out);
#endif
