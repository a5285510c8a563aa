/* `warden policy check FILE...`: validate without loading anything. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "cmd/commands.h"
#include "core/preflight.h"
#include "ingress/ingress.h"
#include "egress/compile.h"
#include "policy/policy.h"
#include "policy/yaml_tree.h"
#include "process/compile.h"
#include "run/run.h"


static const char usage[] =
"usage: warden policy check [--explain] [--strict] [--no-kernel] FILE...\n"
"       warden policy apply FILE [--socket PATH]\n"
"\n"
"apply: make the running daemon enforce FILE (see warden policy apply -h).\n"
"\n"
"Validate policy files without enforcing anything: every section is read\n"
"as the daemon reads it (and run: as `warden run` does), compiled as the\n"
"daemon compiles it, and held against this kernel as the daemon holds it\n"
"at load, so the warnings it would print are printed here too: a path\n"
"that does not exist yet, a list file that cannot be read, a deny that\n"
"falls back to kill without BPF LSM, a syscall this kernel lacks, a file\n"
"operation no hook sees. The kernel checks need root: like warden probe,\n"
"they load tiny programs and remove them again. Every problem is one\n"
"FILE:LINE:COL: message. The exit status is 0 when all files are valid,\n"
"1 otherwise, 2 for a usage error. Use it before SIGHUP, or in CI on your\n"
"policy repository.\n"
"\n"
"  --explain    also print the compiled network.ingress table: each source\n"
"               prefix with its rules in the order the kernel tries them\n"
"  --strict     a warning is an error too (exit 1)\n"
"  --no-kernel  skip the checks against the running kernel (a policy for\n"
"               other machines)\n"
"  -h, --help   this text\n";

#define EXPLAIN_LIMIT	200	/* prefixes printed per interface */

struct check_opts {
	bool explain, strict, no_kernel;
};

/* The compiled network.ingress table (after the ok line): each prefix
 * with its rules in the order the kernel tries them. */
static void explain_ingress(const char *path, const struct policy *p)
{
	struct ingress_compiled c;
	struct diags d;

	diags_init(&d, path);
	if (!ingress_compile(p->ingress, &c, &d)) {
		ingress_explain(p->ingress, &c, stdout, EXPLAIN_LIMIT);
		ingress_compiled_free(&c);
	}
	diags_free(&d);	/* printed by the check already */
}

/* The compilers the daemon runs at load; their warnings are its
 * warnings. Generation 0: nothing is written anywhere. */
static int compile_like_daemon(const struct policy *p, struct diags *d)
{
	struct process_image *img = NULL;
	struct egress_image eimg = { 0 };
	struct ingress_compiled c;
	int bad = 0;

	if (process_compile(p, 0, NULL, &img, d))
		bad = 1;
	process_image_free(img);
	if (p->egress && egress_compile(p->egress, 0, &eimg, d))
		bad = 1;
	egress_image_free(&eimg);
	/* finds what parsing cannot: rule set limits */
	if (p->ingress) {
		if (ingress_compile(p->ingress, &c, d))
			bad = 1;
		else
			ingress_compiled_free(&c);
	}
	return bad;
}

/* A run: section is read by `warden run` alone: check it the same way. */
static int check_run_section(const char *path, struct diags *d)
{
	struct ynode *root = ytree_load_file(path, d);
	struct run_policy *rp = NULL;
	bool has_run = root && root->kind == YN_MAP && ymap_get(root, "run");

	ytree_free(root);
	if (!has_run)
		return 0;
	rp = run_policy_load(path, d);
	run_policy_free(rp);
	return rp ? 0 : 1;
}

/* What the daemon reports at load about this kernel (core/preflight.h):
 * probing needs root, as loading does. */
static int check_kernel(const struct policy *p, const struct check_opts *o,
			struct diags *d)
{
	if (o->no_kernel)
		return 0;
	if (geteuid() != 0) {
		diag_add(d, 0, 0, "note: not root, so not checked against "
			 "this kernel (probing needs root; --no-kernel skips "
			 "it on purpose)");
		return 0;
	}
	return preflight_policy(p, &this_kernel, d) ? 1 : 0;
}

static int count_warnings(const struct diags *d)
{
	int n = 0;

	for (int i = 0; i < d->n; i++)
		n += strstr(d->v[i].msg, "warning: ") != NULL;
	return n;
}

static int check_one(const char *path, const struct check_opts *o)
{
	struct diags d;
	struct policy *p;
	int bad = 0, warnings;

	diags_init(&d, path);
	p = policy_load_file(path, &d);
	if (p) {
		bad |= compile_like_daemon(p, &d);
		bad |= check_run_section(path, &d);
		bad |= check_kernel(p, o, &d);
	}
	diags_print(&d, stderr);
	warnings = count_warnings(&d);
	diags_free(&d);
	if (!p)
		return 1;
	if (!bad && o->strict && warnings) {
		fprintf(stderr, "%s: %d warning%s, errors under --strict\n", path,
			warnings, warnings == 1 ? "" : "s");
		bad = 1;
	}
	if (!bad)
		printf("%s: ok (%zu rules%s%s%s)\n", path, p->nrules,
		       p->ingress ? ", network.ingress" : "",
		       p->egress ? ", network.egress" : "",
		       warnings ? ", with warnings" : "");
	if (!bad && o->explain && p->ingress)
		explain_ingress(path, p);
	policy_free(p);
	return bad;
}

int cmd_policy(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "explain", no_argument, NULL, 'e' },
		{ "strict", no_argument, NULL, 'S' },
		{ "no-kernel", no_argument, NULL, 'K' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	struct check_opts o = { 0 };
	int bad = 0, c;

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
	argc--;
	argv++;
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 'e': o.explain = true; break;
		case 'S': o.strict = true; break;
		case 'K': o.no_kernel = true; break;
		case 'h': fputs(usage, stdout); return 0;
		default: fputs(usage, stderr); return 2;
		}
	}
	if (optind >= argc) {
		fputs(usage, stderr);
		return 2;
	}
	for (int i = optind; i < argc; i++)
		bad |= check_one(argv[i], &o);
	return bad;
}
