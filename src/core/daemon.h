/* The daemon loop: what `warden daemon` runs once its options are read. */
#ifndef WARDEN_CORE_DAEMON_H
#define WARDEN_CORE_DAEMON_H
#include <stdbool.h>
#include <sys/types.h>
#include "lib/output.h"

struct daemon_opts {
	const char *policy_path;
	const char *outputs[OUTPUT_MAX];	/* --output, in order */
	int noutputs;
	enum out_format fmt;
	int stats_interval;
	const char *socket_path;
	const char *pin_dir;
	const char *metrics_addr;	/* --metrics HOST:PORT, or NULL */
	const char *docker_socket;	/* container identity: "" asks none */
	const char *podman_socket;
	gid_t control_gid;
	bool allow_untrusted;
};

/* Enforce o->policy_path (or the built-in policy) until told to stop;
 * returns the process exit status. */
int daemon_run(const struct daemon_opts *o);
#endif
