/* The daemon's configuration file (`warden daemon --config FILE`; the
 * unit passes /etc/warden/warden.yaml): the daemon's long flags as YAML
 * keys. Flags given on the command line override it (an --output flag
 * replaces the file's whole output list). */
#ifndef WARDEN_CORE_CONFIG_H
#define WARDEN_CORE_CONFIG_H
#include <stdbool.h>
#include "core/daemon.h"

struct ynode;

/* Read path into o. Refuses a file others could modify unless
 * allow_untrusted. Errors are printed as FILE:LINE:COL: message; returns
 * 0 or -EINVAL. *keep holds the strings o now points to: free it with
 * config_free() after the daemon ran. */
int config_load(const char *path, bool allow_untrusted,
		struct daemon_opts *o, struct ynode **keep);
void config_free(struct ynode *keep);
#endif
