/* Client commands that talk to a running daemon over its control socket. */
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cmd/commands.h"
#include "core/control.h"

static const char usage_fmt[] =
"usage: warden %s [--socket PATH]\n"
"\n"
"%s\n"
"\n"
"  -s, --socket PATH   the daemon's control socket (default %s)\n"
"\n"
"Only root, or members of the daemon's --control-group, may connect.\n";

static const char *socket_arg(int argc, char **argv, const char *what,
			      const char *help)
{
	static const struct option longopts[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	const char *path = CONTROL_SOCKET_DEFAULT;
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "s:h", longopts, NULL)) != -1) {
		if (c == 's') {
			path = optarg;
			continue;
		}
		fprintf(c == 'h' ? stdout : stderr, usage_fmt, what, help,
			CONTROL_SOCKET_DEFAULT);
		exit(c == 'h' ? 0 : 2);
	}
	return path;
}

int cmd_status(int argc, char **argv)
{
	const char *path = socket_arg(argc, argv, "status",
		"Print the running daemon's state as one JSON object: policy,\n"
		"modules, mechanisms, event and loss counters, per-rule counters.");

	return control_request(path, "status", false);
}

int cmd_events(int argc, char **argv)
{
	const char *path = socket_arg(argc, argv, "events",
		"Stream the running daemon's events (JSON lines) until interrupted.\n"
		"A subscriber that cannot keep up is disconnected, never slows\n"
		"the daemon down.");

	return control_request(path, "events", true);
}

int cmd_stop(int argc, char **argv)
{
	const char *path = socket_arg(argc, argv, "stop",
		"Ask the running daemon to exit, as SIGTERM does: it drains its\n"
		"events, writes the final stats line and detaches its programs.\n"
		"Returns once the daemon has the request, before it has exited.\n"
		"A daemon started with --pin DIR leaves its pinned programs\n"
		"enforcing; `warden cleanup DIR` removes them.");

	return control_request(path, "stop", false);
}

/* `warden policy apply FILE [--socket PATH]` */
int cmd_policy_apply(int argc, char **argv)
{
	const char *path;
	char real[PATH_MAX], req[PATH_MAX + 8];

	path = socket_arg(argc, argv, "policy apply FILE",
		"Validate FILE and make the running daemon enforce it. On any\n"
		"error the daemon keeps its current policy.");
	if (optind >= argc) {
		fprintf(stderr, "warden policy apply: which policy FILE?\n");
		return 2;
	}
	if (!realpath(argv[optind], real)) {
		perror(argv[optind]);
		return 1;
	}
	snprintf(req, sizeof(req), "apply %s", real);
	return control_request(path, req, false);
}
