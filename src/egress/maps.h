/* Writing an egress image (compile.h) into the kernel's maps, and
 * emptying a generation again. */
#ifndef WARDEN_EGRESS_MAPS_H
#define WARDEN_EGRESS_MAPS_H
#include "egress/compile.h"

struct egress_maps {
	int config, suspect, allow, cgroups, binaries;
};

/* Write img into generation gen (its keys carry gen already); the
 * generation's config goes last. 0 or -errno. */
int egress_maps_write(const struct egress_maps *m, __u32 gen,
		      const struct egress_image *img);
/* Delete every key of img from the maps (a generation no program reads). */
int egress_maps_clear(const struct egress_maps *m, __u32 gen,
		      const struct egress_image *img);
/* Delete every key of generation gen, whoever wrote it: for maps adopted
 * from an earlier daemon, whose images are gone. */
int egress_maps_clear_gen(const struct egress_maps *m, __u32 gen);
/* Add the entries of found (egress_rescan) that img lacks, or lacks bits
 * of, to the maps and to img (generation gen, the active one: each
 * insert is atomic). */
int egress_maps_add_cgroups(const struct egress_maps *m,
			    struct egress_image *img, const struct vec *found);
#endif
