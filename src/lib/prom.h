/* Prometheus text exposition format (version 0.0.4) into a growable
 * buffer: one HELP/TYPE header per family, then its samples with
 * escaped label values. */
#ifndef WARDEN_PROM_H
#define WARDEN_PROM_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct prom {
	char *buf;
	size_t len, cap;
	bool oom;
};

void prom_init(struct prom *p);
void prom_free(struct prom *p);
/* "# HELP name help" and "# TYPE name type" (counter, gauge). */
void prom_family(struct prom *p, const char *name, const char *type,
		 const char *help);
/* name{k1="v1",...} value: labels are pairs of strings ended by NULL.
 * Label values are escaped (\\, \", \n); NULL values become "". */
void prom_sample(struct prom *p, const char *name, double value, ...)
	__attribute__((sentinel));
/* The same for an integer counter (exact beyond 2^53). */
void prom_sample_u64(struct prom *p, const char *name, uint64_t value, ...)
	__attribute__((sentinel));
#endif
