/* Watching list files: an edit (in place, or a new file renamed over the
 * old one) marks the lists changed; the module rebuilds at its next tick. */
#ifndef WARDEN_EGRESS_WATCH_H
#define WARDEN_EGRESS_WATCH_H
#include <stdbool.h>
#include <stddef.h>
#include "egress/egress.h"

struct egress_watch {
	bool open;		/* fd is an inotify instance */
	int fd;
	struct watched *files;
	size_t nfiles;
};

/* Watch every list file of ep (replacing earlier watches). */
int egress_watch_reset(struct egress_watch *w, const struct egress_policy *ep);
/* Has a watched file changed since the last call? Never blocks. */
bool egress_watch_changed(struct egress_watch *w);
void egress_watch_close(struct egress_watch *w);
#endif
