/* `warden policy check FILE...`: validate without loading anything. */
#include <stdio.h>
#include <string.h>
#include "cmd/commands.h"
#include "ingress/ingress.h"
#include "policy/policy.h"
#include "process/compile.h"


static const char usage[] =
"usage: warden policy check [--explain] FILE...\n"
"       warden policy apply FILE [--socket PATH]\n"
"\n"
"apply: make the running daemon enforce FILE (see warden policy apply -h).\n"
"\n"
"Validate policy files without loading anything. Every problem is printed\n"
"as FILE:LINE:COL: message; the exit status is 0 when all files are valid,\n"
"1 otherwise. Use it before SIGHUP, or in CI on your policy repository.\n"
"\n"
"  --explain   also print the compiled network.ingress table: each source\n"
"              prefix with its rules in the order the kernel tries them,\n"
"              and what each file rule cannot check without BPF LSM\n";

#define EXPLAIN_LIMIT	200	/* prefixes printed per interface */

/* Compile network.ingress exactly as the daemon does (that finds what
 * parsing cannot: rule set limits); print the table if asked. */
static int compile_ingress(const char *path, const struct policy *p,
			   bool explain)
{
	struct ingress_compiled c;
	struct diags d;
	int err;

	diags_init(&d, path);
	err = ingress_compile(p->ingress, &c, &d);
	diags_print(&d, stderr);
	diags_free(&d);
	if (err)
		return 1;
	if (explain)
		ingress_explain(p->ingress, &c, stdout, EXPLAIN_LIMIT);
	ingress_compiled_free(&c);
	return 0;
}

static void explain_file_rules(const char *path, const struct policy *p)
{
	struct diags d;

	diags_init(&d, path);
	process_file_rule_notes(p, &d);
	diags_print(&d, stdout);
	diags_free(&d);
}

static int check_one(const char *path, bool explain)
{
	struct diags d;
	struct policy *p;
	int bad = 0;

	diags_init(&d, path);
	p = policy_load_file(path, &d);
	diags_print(&d, stderr);
	diags_free(&d);
	if (!p)
		return 1;
	printf("%s: ok (%zu rules%s%s)\n", path, p->nrules,
	       p->ingress ? ", network.ingress" : "",
	       p->egress ? ", network.egress" : "");
	if (explain)
		explain_file_rules(path, p);
	if (p->ingress)
		bad = compile_ingress(path, p, explain);
	policy_free(p);
	return bad;
}

int cmd_policy(int argc, char **argv)
{
	bool explain = false;
	int bad = 0, first = 2;

	if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		fputs(usage, argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	if (strcmp(argv[1], "apply") == 0)
		return cmd_policy_apply(argc - 1, argv + 1);
	if (strcmp(argv[1], "check") != 0) {
		fprintf(stderr, "warden policy: unknown subcommand \"%s\"\n%s",
			argv[1], usage);
		return 2;
	}
	if (argc > 2 && strcmp(argv[2], "--explain") == 0) {
		explain = true;
		first = 3;
	}
	if (argc <= first) {
		fputs(usage, stderr);
		return 2;
	}
	for (int i = first; i < argc; i++)
		bad |= check_one(argv[i], explain);
	return bad;
}
