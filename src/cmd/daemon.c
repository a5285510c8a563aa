/* `warden daemon [OPTIONS]`: the command line; the loop is core/daemon.c. */
#include <errno.h>
#include <getopt.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cmd/commands.h"
#include "container/identity.h"
#include "core/config.h"
#include "core/control.h"
#include "core/daemon.h"
#include "lib/log.h"

static const char usage[] =
"usage: warden daemon [--config FILE] [--policy FILE] [--output TARGET]...\n"
"                     [--format json|text]\n"
"                     [--stats-interval SECONDS] [--socket PATH]\n"
"                     [--control-group GROUP] [--allow-untrusted-policy]\n"
"                     [--pin DIR] [--metrics ADDR] [--docker-socket PATH]\n"
"                     [--podman-socket PATH] [-v]\n"
"\n"
"Load warden's BPF programs, enforce the policy in the kernel and stream\n"
"events until SIGINT, SIGTERM or `warden stop`; then detach everything\n"
"that is not pinned (--pin).\n"
"\n"
"  -c, --config FILE        read these options from FILE (YAML, the long option\n"
"                           names as keys; the unit uses /etc/warden/warden.yaml);\n"
"                           options given here override it\n"
"  -p, --policy FILE        policy to enforce (default: the built-in policy,\n"
"                           which logs every exec and exit and blocks nothing)\n"
"  -o, --output TARGET      where events go; repeat it for several at once:\n"
"                           \"-\" standard output (the default); FILE: appended,\n"
"                           a new FILE is created mode 0600 and reopened on\n"
"                           SIGUSR1 (logrotate), refused through a symlink or\n"
"                           with other hard links or another owner; syslog\n"
"                           (RFC 5424 to /dev/log), syslog:unix:PATH or\n"
"                           syslog:udp://HOST:PORT: one message per event,\n"
"                           the JSON line as its text\n"
"  -f, --format FMT         json (default; one JSON object per line) or text\n"
"      --stats-interval S   report event-loss counters every S seconds when\n"
"                           they change (default 10; always at exit)\n"
"  -s, --socket PATH        control socket for warden status/events/stop and\n"
"                           policy apply (default " CONTROL_SOCKET_DEFAULT ");\n"
"                           mode 0600, root only. Its directory must be root's\n"
"                           and not world-writable; an old socket of root's\n"
"                           there is replaced, anything else refused\n"
"      --control-group GRP  also let members of GRP use the socket (mode 0660;\n"
"                           its directory must let them reach it)\n"
"      --allow-untrusted-policy\n"
"                           accept a policy file that someone other than root\n"
"                           could modify (refused by default, like sshd's\n"
"                           StrictModes)\n"
"      --pin DIR            pin every module's links and maps under DIR\n"
"                           (process, egress, ingress; made if missing, inside\n"
"                           an existing bpffs directory, e.g. /sys/fs/bpf/warden):\n"
"                           enforcement goes on when the daemon exits or dies,\n"
"                           a restarted daemon adopts it with no gap, and\n"
"                           `warden cleanup DIR` removes it\n"
"      --metrics ADDR       serve Prometheus metrics at http://ADDR/metrics\n"
"                           (HOST:PORT or [IPV6]:PORT, e.g. 127.0.0.1:9464;\n"
"                           off by default): events by type, rule matches,\n"
"                           losses by cause, policy loads, ring-buffer fill\n"
"      --docker-socket PATH Docker Engine API asked for the name, image and\n"
"                           Kubernetes pod of a container whose processes show\n"
"                           up in events (default " CTR_DOCKER_SOCKET_DEFAULT ";\n"
"                           \"\": never asked); off the event path, cached\n"
"      --podman-socket PATH the same for Podman's Docker-compatible API\n"
"                           (default " CTR_PODMAN_SOCKET_DEFAULT ")\n"
"  -v, --verbose            more detail; -vv adds libbpf's and the verifier's\n"
"\n"
"Signals: SIGUSR1 reopens the output files and reconnects to syslog.\n"
"SIGHUP (or saving the policy file) reloads the policy. A policy\n"
"with errors is rejected with FILE:LINE:COL messages and the running policy\n"
"stays in force. The switch to a good one is atomic.\n"
"\n"
"Examples (from the source tree):\n"
"  warden daemon                                  # observe, JSON to stdout\n"
"  warden daemon -p examples/block-netcat.yaml -f text\n"
"  warden daemon -p examples/protect-webserver.yaml -o /var/log/warden.jsonl\n"
"  warden daemon -p examples/egress-allowlist.yaml --pin /sys/fs/bpf/warden\n";

static const struct option longopts[] = {
	{ "config", required_argument, NULL, 'c' },
	{ "policy", required_argument, NULL, 'p' },
	{ "output", required_argument, NULL, 'o' },
	{ "format", required_argument, NULL, 'f' },
	{ "stats-interval", required_argument, NULL, 'I' },
	{ "verbose", no_argument, NULL, 'v' },
	{ "socket", required_argument, NULL, 'S' },
	{ "control-group", required_argument, NULL, 'g' },
	{ "allow-untrusted-policy", no_argument, NULL, 'U' },
	{ "pin", required_argument, NULL, 'P' },
	{ "metrics", required_argument, NULL, 'M' },
	{ "docker-socket", required_argument, NULL, 'D' },
	{ "podman-socket", required_argument, NULL, 'O' },
	{ "help", no_argument, NULL, 'h' },
	{ 0 }
};
static const char shortopts[] = "c:p:o:f:vhs:";

static int set_group(struct daemon_opts *o, const char *name)
{
	struct group *gr = getgrnam(name);

	if (!gr) {
		log_err("--control-group: no group named \"%s\"", name);
		return -EINVAL;
	}
	o->control_gid = gr->gr_gid;
	return 0;
}

static int set_output(struct daemon_opts *o, const char *target, bool *first)
{
	/* flags replace the config file's list rather than add to it */
	if (*first)
		o->noutputs = 0;
	*first = false;
	if (o->noutputs == OUTPUT_MAX) {
		log_err("--output: at most %d outputs", OUTPUT_MAX);
		return -EINVAL;
	}
	o->outputs[o->noutputs++] = target;
	return 0;
}

static int set_option(struct daemon_opts *o, int c, const char *arg,
		      bool *first_output)
{
	switch (c) {
	case 'c': return 0;	/* read before the others */
	case 's':
	case 'S': o->socket_path = arg; return 0;
	case 'U': o->allow_untrusted = true; return 0;
	case 'P': o->pin_dir = arg; return 0;
	case 'M': o->metrics_addr = arg; return 0;
	case 'D': o->docker_socket = arg; return 0;
	case 'O': o->podman_socket = arg; return 0;
	case 'g': return set_group(o, arg);
	case 'p': o->policy_path = arg; return 0;
	case 'o': return set_output(o, arg, first_output);
	case 'f':
		if (strcmp(arg, "json") && strcmp(arg, "text")) {
			log_err("--format: expected json or text, not \"%s\"", arg);
			return -EINVAL;
		}
		o->fmt = strcmp(arg, "text") == 0 ? FMT_TEXT : FMT_JSON;
		return 0;
	case 'I':
		o->stats_interval = atoi(arg);
		if (o->stats_interval < 1) {
			log_err("--stats-interval: expected seconds >= 1");
			return -EINVAL;
		}
		return 0;
	case 'v': log_verbose++; return 0;
	case 'h': fputs(usage, stdout); exit(0);
	default: fputs(usage, stderr); return -EINVAL;
	}
}

/* The config file (--config) first, as it may name
 * allow-untrusted-policy itself; then every flag over it. */
static int read_config(int argc, char **argv, struct daemon_opts *o,
		       struct ynode **keep)
{
	const char *path = NULL;
	bool untrusted = false;
	int c;

	opterr = 0;	/* the second pass reports bad options */
	while ((c = getopt_long(argc, argv, shortopts, longopts, NULL)) != -1) {
		if (c == 'c')
			path = optarg;
		else if (c == 'U')
			untrusted = true;
		else if (c == 'h') {
			fputs(usage, stdout);
			exit(0);
		}
	}
	opterr = 1;
	optind = 1;
	return path ? config_load(path, untrusted, o, keep) : 0;
}

static int parse_args(int argc, char **argv, struct daemon_opts *o,
		      struct ynode **keep)
{
	bool first_output = true;
	int c;

	o->stats_interval = 10;
	o->socket_path = CONTROL_SOCKET_DEFAULT;
	o->control_gid = (gid_t)-1;
	o->docker_socket = CTR_DOCKER_SOCKET_DEFAULT;
	o->podman_socket = CTR_PODMAN_SOCKET_DEFAULT;
	if (read_config(argc, argv, o, keep))
		return -EINVAL;
	while ((c = getopt_long(argc, argv, shortopts, longopts, NULL)) != -1)
		if (set_option(o, c, optarg, &first_output))
			return -EINVAL;
	if (optind < argc) {
		log_err("unexpected argument \"%s\" (see warden daemon --help)", argv[optind]);
		return -EINVAL;
	}
	return 0;
}

int cmd_daemon(int argc, char **argv)
{
	struct daemon_opts o = { 0 };
	struct ynode *keep = NULL;
	int rc = 2;

	if (!parse_args(argc, argv, &o, &keep))
		rc = daemon_run(&o);
	config_free(keep);
	return rc;
}
