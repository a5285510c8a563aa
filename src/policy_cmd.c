/* `warden policy check FILE...`: validate without loading anything. */
#include <stdio.h>
#include <string.h>
#include "policy.h"

int policy_apply(int argc, char **argv);

static const char usage[] =
"usage: warden policy check FILE...\n"
"       warden policy apply FILE [--socket PATH]\n"
"\n"
"apply: make the running daemon enforce FILE (see warden policy apply -h).\n"
"\n"
"Validate policy files without loading anything. Every problem is printed\n"
"as FILE:LINE:COL: message; the exit status is 0 when all files are valid,\n"
"1 otherwise. Use it before SIGHUP, or in CI on your policy repository.\n";

static int check_one(const char *path)
{
	struct diags d;
	struct policy *p;

	diags_init(&d, path);
	p = policy_load_file(path, &d);
	diags_print(&d, stderr);
	diags_free(&d);
	if (!p)
		return 1;
	printf("%s: ok (%zu rules%s%s)\n", path, p->nrules,
	       p->ingress ? ", network.ingress" : "",
	       p->egress ? ", network.egress" : "");
	policy_free(p);
	return 0;
}

int cmd_policy(int argc, char **argv)
{
	int bad = 0;

	if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		fputs(usage, argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	if (strcmp(argv[1], "apply") == 0)
		return policy_apply(argc - 1, argv + 1);
	if (strcmp(argv[1], "check") != 0) {
		fprintf(stderr, "warden policy: unknown subcommand \"%s\"\n%s",
			argv[1], usage);
		return 2;
	}
	if (argc < 3) {
		fputs(usage, stderr);
		return 2;
	}
	for (int i = 2; i < argc; i++)
		bad |= check_one(argv[i]);
	return bad;
}
