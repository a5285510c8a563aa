/* network.egress -> the egress maps of one generation. Every key written
 * is remembered so the generation can be emptied exactly before reuse. */
#ifndef WARDEN_EGRESS_COMPILE_H
#define WARDEN_EGRESS_COMPILE_H
#include <stdbool.h>
#include <stddef.h>
#include "egress/egress.h"

struct egress_maps {
	int config, suspect, allow, cgroups, binaries;
};

struct keyvec {
	void *v;
	size_t n, cap, size;
};

/* What one generation holds. */
struct egress_written {
	struct keyvec nets[2];	/* 0: egr_suspect, 1: egr_allow */
	struct keyvec vals[2];	/* their values */
	size_t flushed[2];	/* nets[i] entries already in the map */
	struct keyvec cgs;	/* egr_scope_cg keys */
	struct keyvec bins;	/* egr_scope_bin keys */
	size_t entries;		/* list entries written (all lists) */
	size_t bad_lines;	/* list-file lines skipped */
};

/* Write ep (may be NULL: nothing listed) into generation gen. Problems with list files and selectors are warnings in
 * d; returns -errno only when the maps cannot be written. */
int egress_compile(const struct egress_maps *m, const struct egress_policy *ep,
		   __u32 gen, struct egress_written *w, struct diags *d);
/* Delete every key recorded in w from the maps; w is emptied. */
void egress_clear(const struct egress_maps *m, struct egress_written *w);
void egress_written_free(struct egress_written *w);

/* Find cgroups created since the compile that belong to a scope of ep
 * (containers started later) and add them to generation gen. */
int egress_rescan(const struct egress_maps *m, const struct egress_policy *ep,
		  __u32 gen, struct egress_written *w);
/* Does ep need egress_rescan (scopes naming containers or cgroups)? */
bool egress_needs_rescan(const struct egress_policy *ep);

/* scope's bit on cgroup id in generation gen. */
int egress_put_cgroup(const struct egress_maps *m, __u32 gen, uint64_t id,
		      int scope, struct egress_written *w);
#endif
