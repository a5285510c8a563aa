/* Client commands that talk to a running daemon over its control socket. */
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cmd/commands.h"
#include "core/control.h"
#include "lib/evtext.h"
#include "lib/jscan.h"

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

static const char events_usage[] =
"usage: warden events [--type TYPE[,TYPE...]] [--rule NAME] [--container ID]\n"
"                     [--binary PATH] [--format json|text] [--socket PATH]\n"
"\n"
"Stream the running daemon's events until interrupted, those that match\n"
"every filter given. A subscriber that cannot keep up is disconnected,\n"
"never slows the daemon down.\n"
"\n"
"  -t, --type TYPES      exec, exit, fork, syscall, file, connect,\n"
"                        connect_summary, socket, ingress_drop, policy, stats\n"
"  -r, --rule NAME       events a rule (or egress list or scope) selected\n"
"  -c, --container ID    events of a container (a prefix of its id)\n"
"  -b, --binary PATH     events of processes running PATH\n"
"  -f, --format FMT      json (default: the daemon's JSON lines) or text\n"
"  -s, --socket PATH     the daemon's control socket (default " CONTROL_SOCKET_DEFAULT ")\n"
"\n"
"Only root, or members of the daemon's --control-group, may connect.\n";

struct event_filter {
	const char *types, *rule, *container, *binary;
	bool text;
};

/* Is word one of the comma-separated list? */
static bool in_list(const char *list, const char *word)
{
	size_t n = strlen(word);

	for (const char *p = list; p; p = strchr(p, ',')) {
		p += *p == ',';
		if (!strncmp(p, word, n) && (p[n] == ',' || !p[n]))
			return true;
	}
	return false;
}

static bool event_matches(const struct event_filter *f, const char *line,
			  size_t len)
{
	static const char *const keys[] = { "type", "rule", "list", "scope",
					    "container_id", "binary", NULL };
	struct jval v[6];
	char a[4096], b[4096];

	if (jscan(line, len, keys, v) || !v[0].found)
		return false;	/* the stream's {"ok":...} replies */
	if (f->types && !in_list(f->types, jscan_str(&v[0], a, sizeof(a))))
		return false;
	if (f->rule && strcmp(jscan_str(&v[1], a, sizeof(a)), f->rule) &&
	    strcmp(jscan_str(&v[2], a, sizeof(a)), f->rule) &&
	    strcmp(jscan_str(&v[3], b, sizeof(b)), f->rule))
		return false;
	if (f->container && (!v[4].str || strncmp(jscan_str(&v[4], a, sizeof(a)),
						  f->container, strlen(f->container))))
		return false;
	if (f->binary && (!v[5].str || strcmp(jscan_str(&v[5], a, sizeof(a)), f->binary)))
		return false;
	return true;
}

static bool print_event(const char *line, size_t len, void *ctx)
{
	static char text[16384];
	const struct event_filter *f = ctx;

	if (!strncmp(line, "{\"ok\":false", 11)) {
		fprintf(stderr, "%.*s\n", (int)len, line);
		return false;
	}
	if (!event_matches(f, line, len))
		return true;
	if (f->text)
		fputs(event_text(line, len, text, sizeof(text)), stdout);
	else
		fwrite(line, 1, len, stdout);
	putchar('\n');
	fflush(stdout);
	return !ferror(stdout);
}

int cmd_events(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "type", required_argument, NULL, 't' },
		{ "rule", required_argument, NULL, 'r' },
		{ "container", required_argument, NULL, 'c' },
		{ "binary", required_argument, NULL, 'b' },
		{ "format", required_argument, NULL, 'f' },
		{ "socket", required_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	struct event_filter f = { 0 };
	const char *path = CONTROL_SOCKET_DEFAULT;
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "t:r:c:b:f:s:h", longopts, NULL)) != -1) {
		switch (c) {
		case 't': f.types = optarg; break;
		case 'r': f.rule = optarg; break;
		case 'c': f.container = optarg; break;
		case 'b': f.binary = optarg; break;
		case 's': path = optarg; break;
		case 'f':
			if (strcmp(optarg, "json") && strcmp(optarg, "text")) {
				fprintf(stderr, "warden events: --format: expected json or "
					"text, not \"%s\"\n", optarg);
				return 2;
			}
			f.text = !strcmp(optarg, "text");
			break;
		case 'h': fputs(events_usage, stdout); return 0;
		default: fputs(events_usage, stderr); return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "warden events: unexpected argument \"%s\"\n%s",
			argv[optind], events_usage);
		return 2;
	}
	return control_stream(path, "events", print_event, &f);
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
	return control_request_text(path, req);
}
