/* Watching list files: an edit (in place, or a new file renamed over the
 * old one) marks the lists changed; the module rebuilds at its next tick. */
#ifndef WARDEN_EGRESS_WATCH_H
#define WARDEN_EGRESS_WATCH_H
#include <stdbool.h>
#include "egress/egress.h"

/* Watch every list file of ep (replacing earlier watches). */
int egress_watch_reset(const struct egress_policy *ep);
/* Has a watched file changed since the last call? Never blocks. */
bool egress_watch_changed(void);
void egress_watch_close(void);
#endif
