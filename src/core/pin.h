/* Pinning in bpffs, for a restart without a gap: with --pin DIR the maps
 * and links of each module live under DIR/<module>/, so programs keep
 * enforcing after the daemon dies, and a new daemon adopts the maps
 * (policy, process table, ring buffer) and swaps in its own links.
 *
 * The layout, and nothing else, is what `warden cleanup` removes:
 *   DIR/warden_layout             marker: a frozen one-entry array map
 *                                 holding PIN_LAYOUT_MAGIC and the version
 *   DIR/<module>/maps/<map>       module: process, egress, ingress
 *   DIR/<module>/links/<name> */
#ifndef WARDEN_PIN_H
#define WARDEN_PIN_H
#include <stdbool.h>
#include <stddef.h>
#include <bpf/libbpf.h>

#define PIN_MARKER "warden_layout"
#define PIN_LAYOUT_MAGIC 0x6e647277u	/* "wrdn" */
#define PIN_LAYOUT_VERSION 1u

/* The canonical bpffs directory given with --pin, or NULL (nothing
 * pinned). Set by pin_setup(). */
extern const char *pin_root;

/* At daemon start, before any module loads: DIR, or a new DIR in an
 * existing bpffs directory (no symlink followed), root's and not
 * writable by others, holding warden's marker or empty (then the marker
 * is written). Sets pin_root to DIR's canonical path. 0 or -errno after
 * a message. */
int pin_setup(const char *dir);
/* Before load: reuse DIR/<module>/maps/<map> where pinned, else pin there.
 * 0 or -errno (after a message naming the map that does not fit). */
int pin_maps(struct bpf_object *obj, const char *module);
/* After attach: pin link as DIR/<module>/links/<name>, replacing (and so
 * detaching) a link an earlier daemon pinned there. The new link is
 * already attached, so there is no moment with neither. */
int pin_link(struct bpf_link *link, const char *module, const char *name);
/* The same for a link known by its fd. */
int pin_link_fd(int link_fd, const char *module, const char *name);
/* The link an earlier daemon pinned as DIR/<module>/links/<name>: an fd,
 * or -ENOENT (also without --pin). */
int pin_open_link(const char *module, const char *name);
/* Remove DIR/<module>/links/<name> (detaching that link). */
void pin_unlink(const char *module, const char *name);
/* Call fn with the name of every link pinned under DIR/<module>/links/
 * (nothing without --pin), so a module can unpin what its policy no
 * longer names. fn may pin_unlink the name it is given. */
void pin_each_link(const char *module, void (*fn)(const char *name, void *ctx),
		   void *ctx);
/* `warden cleanup`: remove the layout under dir and return once the
 * programs its links held are gone from the kernel (bounded wait).
 * Refuses, removing nothing, a dir that is not on bpffs, is or goes
 * through a symlink, has no marker, or holds anything outside the
 * layout. 0, or -errno with the reason in why. */
int pin_remove_all(const char *dir, char *why, size_t len);
#endif
