/* `warden probe [--json]`: which BPF mechanisms this kernel offers, as
 * found by src/core/probe.c. */
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <unistd.h>
#include <sys/utsname.h>
#include "cmd/commands.h"
#include "core/probe.h"
#include "lib/json.h"

static const char *kernel_release(void)
{
	static struct utsname u;

	if (!u.release[0] && uname(&u) < 0)
		return "unknown";
	return u.release;
}

static void print_text(const struct probe_result *r, FILE *out)
{
	int f;

	fprintf(out, "kernel %s\n", kernel_release());
	fprintf(out, "%-18s %-4s %s\n", "FEATURE", "OK", "DETAIL");
	for (f = 0; f < PF__COUNT; f++)
		fprintf(out, "%-18s %-4s %s\n", probe_feature_name(f),
			r->ok[f] ? "yes" : "no", r->why[f]);
}

/* {"kernel":"6.1.0-..","features":{"lsm":true,..},"why":{"fentry":"load: EPERM",..}} */
static void print_json(const struct probe_result *r, FILE *out)
{
	struct jbuf j;
	int f;

	jb_init(&j);
	jb_obj_open(&j);
	jb_kstr(&j, "kernel", kernel_release());
	jb_key(&j, "features");
	jb_obj_open(&j);
	for (f = 0; f < PF__COUNT; f++)
		jb_kbool(&j, probe_feature_name(f), r->ok[f]);
	jb_obj_close(&j);
	jb_key(&j, "why");
	jb_obj_open(&j);
	for (f = 0; f < PF__COUNT; f++)
		if (r->why[f][0])
			jb_kstr(&j, probe_feature_name(f), r->why[f]);
	jb_obj_close(&j);
	jb_obj_close(&j);
	fprintf(out, "%.*s\n", (int)j.len, j.buf);
	jb_free(&j);
}

static void probe_usage(FILE *out)
{
	fputs("usage: warden probe [--json]\n"
	      "\n"
	      "Find out which BPF mechanisms this kernel really offers. Each probe\n"
	      "loads a tiny program and attaches it (then removes it again), so the\n"
	      "answer reflects the running kernel, its boot options and its policy,\n"
	      "not just its version or config. Needs root (or CAP_BPF+CAP_PERFMON+\n"
	      "CAP_NET_ADMIN+CAP_SYS_ADMIN); unprivileged, almost everything says no.\n"
	      "\n"
	      "  --json   one JSON object: {\"kernel\":..,\"features\":{name:bool},\n"
	      "           \"why\":{name:reason}}\n"
	      "  --help   this text\n"
	      "\n"
	      "What warden does with each answer:\n"
	      "  lsm               deny exec/file access with EPERM (best)\n"
	      "  fentry, kprobe    richer kernel hooks where present\n"
	      "  tracepoint, raw_tp, tp_btf\n"
	      "                    exec/syscall monitoring; kill via send_signal\n"
	      "  cgroup_sock_addr  per-container connect()/sendmsg() allow/deny\n"
	      "  xdp, tcx          ingress packet filtering (XDP first, tcx/TC next)\n"
	      "  ringbuf           event delivery (perf buffer otherwise)\n"
	      "  lpm_trie          CIDR lookups in the kernel\n"
	      "\n"
	      "A missing feature shows why, e.g. \"load: EPERM\" (refused by the\n"
	      "kernel's policy) or \"attach: EINVAL\" (loads, cannot be hooked).\n",
	      out);
}

int cmd_probe(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct probe_result r;
	bool json = false;
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "jh", longopts, NULL)) != -1) {
		switch (c) {
		case 'j':
			json = true;
			break;
		case 'h':
			probe_usage(stdout);
			return 0;
		default:
			probe_usage(stderr);
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "warden probe: unexpected argument '%s'\n",
			argv[optind]);
		probe_usage(stderr);
		return 2;
	}
	if (geteuid() != 0)
		fprintf(stderr, "warden probe: not root; results reflect missing privileges\n");
	probe_run(&r);
	if (json)
		print_json(&r, stdout);
	else
		print_text(&r, stdout);
	return 0;
}
