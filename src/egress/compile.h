/* network.egress -> an in-memory image of one generation of the egress
 * maps. Pure: no bpf() call and no root; maps.c writes an image into the
 * kernel. The image is also the record of what a generation holds, so it
 * can be emptied exactly before the generation is reused. */
#ifndef WARDEN_EGRESS_COMPILE_H
#define WARDEN_EGRESS_COMPILE_H
#include <stdbool.h>
#include <stddef.h>
#include "egress/egress.h"

/* A growable array of fixed-size items. */
struct vec {
	void *v;
	size_t n, cap;
};
/* Append item (size bytes); 0 or -ENOMEM. */
int egress_vec_push(struct vec *vec, const void *item, size_t size);

/* One LPM entry of egr_suspect or egr_allow. seq orders duplicates: the
 * entry read last wins, as a later map update would. */
struct egress_net_entry {
	struct egress_net_key key;
	struct egress_net_val val;
	__u32 seq;
};

/* One egr_scope_cg entry: the scope bits of a cgroup. */
struct egress_cg_entry {
	struct egress_cg_key key;
	__u64 bits;
};

/* One egr_scope_bin entry: the scope bits of a binary. */
struct egress_bin_entry {
	struct egress_bin_key key;
	__u64 bits;
};

enum { EGRESS_SUSPECT = 0, EGRESS_ALLOW = 1 };

/* Everything one generation holds. Each vec is sorted by key, one entry
 * per key, once egress_compile returns. */
struct egress_image {
	struct egress_config config;
	struct vec nets[2];	/* egress_net_entry, [EGRESS_SUSPECT|ALLOW] */
	struct vec cgroups;	/* egress_cg_entry */
	struct vec binaries;	/* egress_bin_entry */
	size_t entries;		/* list entries read (duplicates too) */
	size_t bad_lines;	/* list-file lines skipped */
};

/* Build the image of ep (may be NULL: nothing listed) for generation gen
 * into img (emptied first). Problems with list files and selectors are
 * warnings in d (may be NULL); returns -errno only when memory or a
 * kernel limit runs out. */
int egress_compile(const struct egress_policy *ep, __u32 gen,
		   struct egress_image *img, struct diags *d);
/* Empty img, keeping its memory for the next compile. */
void egress_image_reset(struct egress_image *img);
void egress_image_free(struct egress_image *img);

/* The cgroups that belong to a scope of ep now (containers started since
 * the compile, too), as sorted egr_scope_cg entries of generation gen in
 * found (emptied first). */
int egress_rescan(const struct egress_policy *ep, __u32 gen,
		  struct vec *found);
/* Does ep need egress_rescan (scopes naming containers or cgroups)? */
bool egress_needs_rescan(const struct egress_policy *ep);
#endif
