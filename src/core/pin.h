/* Pinning in bpffs, for a restart without a gap: with --pin DIR the maps
 * and links of each module live under DIR/<module>/, so programs keep
 * enforcing after the daemon dies, and a new daemon adopts the maps
 * (policy, process table, ring buffer) and swaps in its own links. */
#ifndef WARDEN_PIN_H
#define WARDEN_PIN_H
#include <stdbool.h>
#include <bpf/libbpf.h>

/* bpffs directory given with --pin, or NULL (nothing pinned). */
extern const char *pin_root;

/* Before load: reuse DIR/<module>/maps/<map> where pinned, else pin there.
 * 0 or -errno (after a message naming the map that does not fit). */
int pin_maps(struct bpf_object *obj, const char *module);
/* After attach: pin link as DIR/<module>/links/<name>, replacing (and so
 * detaching) a link an earlier daemon pinned there. The new link is
 * already attached, so there is no moment with neither. */
int pin_link(struct bpf_link *link, const char *module, const char *name);
/* Remove DIR/<module>/links/<name> (detaching that link). */
void pin_unlink(const char *module, const char *name);
/* Call fn with the name of every link pinned under DIR/<module>/links/
 * (nothing without --pin), so a module can unpin what its policy no
 * longer names. fn may pin_unlink the name it is given. */
void pin_each_link(const char *module, void (*fn)(const char *name, void *ctx),
		   void *ctx);
/* `warden cleanup`: remove every pin under dir (detaching everything). */
int pin_remove_all(const char *dir);
#endif
