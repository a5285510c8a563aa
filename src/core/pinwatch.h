/* The pin guard, by inode: with --pin, every pin warden made is checked
 * once a second to still be at its path as the same inode. Removing or
 * renaming a pin (or its directory) by any name — a relative path, "//",
 * "/./", a symlinked directory, renameat of the pin directory — leaves the
 * path empty or holding another inode whatever was typed, so it is
 * caught: a `tamper` event names the pin, and the object is pinned there
 * again (found by its id; the agent's own fds keep it alive). The kernel
 * side's path-text guard (bpf/process/guard.h) only adds who did it, for
 * the plain spelling. */
#ifndef WARDEN_CORE_PINWATCH_H
#define WARDEN_CORE_PINWATCH_H
#include <stdbool.h>

/* Watch path, a pinned map (link false) or link. Its object id and inode
 * are read from the pin now, or at the first check if not yet pinned (a
 * map libbpf pins when the object loads). */
void pin_watch_add(const char *path, bool link);
/* No longer watched: warden removes it itself. */
void pin_watch_drop(const char *path);
/* Once a second: report and restore every watched pin that is gone or
 * replaced. Returns how many were. */
int pin_watch_check(void);
void pin_watch_free(void);
#endif
