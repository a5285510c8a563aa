/* warden: one binary, a table of commands. */
#include <stdio.h>
#include <string.h>
#include "cmd/commands.h"

#define WARDEN_VERSION "0.1.0"

static const char usage[] =
"usage: warden COMMAND [ARGS]\n"
"\n"
"warden is an eBPF runtime-security agent: it turns a YAML policy into\n"
"decisions the kernel makes (kill a process, refuse a connection, drop a\n"
"packet) and streams what happened as JSON lines.\n"
"\n"
"Commands:\n"
"  daemon          enforce a policy and stream events (needs root)\n"
"  policy check    validate policy files, with FILE:LINE:COL errors\n"
"  policy apply    make the running daemon enforce a policy file\n"
"  status          the running daemon's state and counters (JSON)\n"
"  events          stream the running daemon's events\n"
"  stop            stop the running daemon\n"
"  cleanup [DIR]   remove what a daemon run with --pin left in bpffs\n"
"  probe           show which BPF mechanisms this kernel offers\n"
"  run -- CMD      run one command (a CI step) under a policy, then report\n"
"  version         print the version\n"
"\n"
"Run 'warden COMMAND --help' for a command's options. Documentation:\n"
"README.md and docs/ (policy reference: docs/policy.md).\n";

static int cmd_version(int argc, char **argv)
{
	printf("warden %s\n", WARDEN_VERSION);
	return 0;
}

static const struct {
	const char *name;
	int (*fn)(int argc, char **argv);
} commands[] = {
	{ "daemon", cmd_daemon },
	{ "policy", cmd_policy },
	{ "probe", cmd_probe },
	{ "run", cmd_run },
	{ "status", cmd_status },
	{ "events", cmd_events },
	{ "stop", cmd_stop },
	{ "cleanup", cmd_cleanup },
	{ "version", cmd_version },
	{ "--version", cmd_version },
};

int main(int argc, char **argv)
{
	if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") ||
	    !strcmp(argv[1], "help")) {
		fputs(usage, argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		if (strcmp(argv[1], commands[i].name) != 0)
			continue;
		return commands[i].fn(argc - 1, argv + 1);
	}
	fprintf(stderr, "warden: unknown command '%s'\n\n%s", argv[1], usage);
	return 2;
}
