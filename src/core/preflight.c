/* What must hold before any BPF program can load, checked once at the
 * top so a user gets one line naming what is missing; and what a policy
 * needs from this kernel, rule by rule. */
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <sys/mount.h>
#include "lib/log.h"
#include "core/preflight.h"
#include "egress/egress.h"
#include "ingress/ingress.h"
#include "policy/policy.h"
#include "process/compile.h"
#include "process/syscalls.h"

/* Tracepoint ids are read from tracefs: mount it if nobody has. */
static void ensure_tracefs(void)
{
	if (access("/sys/kernel/tracing/events", F_OK) == 0 ||
	    access("/sys/kernel/debug/tracing/events", F_OK) == 0)
		return;
	if (mount("tracefs", "/sys/kernel/tracing", "tracefs", 0, NULL))
		log_warn("tracefs is not mounted and mounting it failed (%s): "
			 "syscall rules cannot attach", strerror(errno));
}

int check_can_load_bpf(void)
{
	if (geteuid() != 0) {
		log_err("must run as root: loading BPF programs needs "
			"CAP_BPF, CAP_PERFMON and CAP_SYS_ADMIN");
		return -EPERM;
	}
	if (access("/sys/kernel/btf/vmlinux", R_OK) != 0) {
		log_err("this kernel exposes no BTF (/sys/kernel/btf/vmlinux); "
			"warden's CO-RE programs need CONFIG_DEBUG_INFO_BTF=y");
		return -ENOENT;
	}
	ensure_tracefs();
	return 0;
}

/* ---- the policy on this kernel ------------------------------------------ */

const struct kernel_view this_kernel = {
	.has = probe_has,
	.why = probe_why,
	.tracepoint = probe_tracepoint_exists,
	.syscall_tp = probe_syscall_tp,
};

struct pf {
	const struct policy *p;
	const struct kernel_view *k;
	struct diags *d;
	int err;
};

/* "lsm: load: EPERM", as `warden probe` shows it */
static const char *probe_text(const struct pf *c, enum probe_feature f,
			      char *buf, size_t len)
{
	const char *why = c->k->why(f);

	snprintf(buf, len, "%s%s%s", probe_feature_name(f),
		 why && *why ? ": " : "", why ? why : "");
	return buf;
}

/* Also the kernel's rule: a tracepoint sends SIGKILL, it cannot fail a
 * syscall, so deny on a syscall rule is a kill on every kernel. */
static void check_deny(struct pf *c, const struct rule *r)
{
	char why[128];

	if (r->action != ACT_DENY)
		return;
	if (r->nsyscalls) {
		if (c->p->fail_unsupported) {
			diag_add(c->d, r->line, r->col, "rule \"%s\": deny on a "
				 "syscall rule is a kill on every kernel (a "
				 "tracepoint cannot fail a syscall), and the "
				 "policy says on_unsupported: fail", r->name);
			c->err = -EOPNOTSUPP;
		} else {
			diag_add(c->d, r->line, r->col, "warning: rule \"%s\": "
				 "deny on a syscall rule kills the process (a "
				 "tracepoint cannot fail a syscall; it may "
				 "complete first)", r->name);
		}
		return;
	}
	if (c->k->has(PF_LSM))
		return;
	probe_text(c, PF_LSM, why, sizeof(why));
	if (c->p->fail_unsupported) {
		diag_add(c->d, r->line, r->col, "rule \"%s\": deny needs BPF "
			 "LSM, which this kernel does not offer (warden probe: "
			 "%s), and the policy says on_unsupported: fail",
			 r->name, why);
		c->err = -EOPNOTSUPP;
		return;
	}
	diag_add(c->d, r->line, r->col, "warning: rule \"%s\": deny falls back "
		 "to kill: this kernel has no BPF LSM (warden probe: %s)",
		 r->name, why);
}

static void check_kill(struct pf *c, const struct rule *r)
{
	char why[128];

	if ((r->action != ACT_KILL && r->action != ACT_DENY) ||
	    c->k->has(PF_SEND_SIGNAL))
		return;
	diag_add(c->d, r->line, r->col, "rule \"%s\": %s needs "
		 "bpf_send_signal(), which this kernel refuses (warden probe: "
		 "%s)", r->name, action_name(r->action),
		 probe_text(c, PF_SEND_SIGNAL, why, sizeof(why)));
	c->err = -EOPNOTSUPP;
}

/* The daemon attaches one sys_enter tracepoint per syscall a rule names. */
static void check_syscalls(struct pf *c, const struct rule *r)
{
	for (size_t i = 0; i < r->nsyscalls; i++) {
		const char *name = syscall_name(r->syscalls[i]);
		char tp[96];
		int err = name ? c->k->syscall_tp(name, tp, sizeof(tp)) : 0;

		if (err == -ENOENT)
			diag_add(c->d, r->line, r->col, "warning: rule \"%s\": "
				 "syscall %s is not in this kernel (no "
				 "tracepoint syscalls:%s): calls to it fail "
				 "with ENOSYS, the rule cannot trigger on it",
				 r->name, name, tp);
		else if (err)
			diag_add(c->d, r->line, r->col, "warning: rule \"%s\": "
				 "cannot tell whether syscall %s can be watched: "
				 "tracefs is not mounted", r->name, name);
	}
}

/* Without BPF LSM a file rule is decided when an open returns. */
static void check_file_hooks(struct pf *c, const struct rule *r)
{
	bool stops = r->action == ACT_KILL || r->action == ACT_DENY;

	if (!r->files.n || r->action == ACT_ALLOW || c->k->has(PF_LSM) ||
	    !(r->access & FILE_ACCESS_WRITE))
		return;
	diag_add(c->d, r->line, r->col, "warning: rule \"%s\": without BPF LSM "
		 "a file rule is checked when an open returns: %struncate(2), "
		 "rename, link, mknod and unlink are not seen (docs/security.md)",
		 r->name, stops ? "a file the open creates or truncates has "
		 "changed before the process is killed, and " : "");
}

static bool has_file_rules(const struct policy *p)
{
	for (size_t i = 0; i < p->nrules; i++)
		if (p->rules[i].files.n)
			return true;
	return false;
}

static void check_rules(struct pf *c)
{
	for (size_t i = 0; i < c->p->nrules; i++) {
		const struct rule *r = &c->p->rules[i];

		check_deny(c, r);
		check_kill(c, r);
		check_syscalls(c, r);
		check_file_hooks(c, r);
	}
	/* the io_uring watch (docs/policy.md) exists only without LSM */
	if (has_file_rules(c->p) && !c->k->has(PF_LSM) &&
	    c->k->tracepoint("io_uring", "io_uring_submit_req") == 0)
		process_file_rule_notes(c->p, c->d);
}

/* An error naming the section, the feature and why it is missing. */
static void need(struct pf *c, enum probe_feature f, const char *section,
		 int line, int col, const char *what)
{
	char why[128];

	if (c->k->has(f))
		return;
	diag_add(c->d, line, col, "%s: %s (warden probe: %s)", section, what,
		 probe_text(c, f, why, sizeof(why)));
	c->err = -EOPNOTSUPP;
}

static void check_egress(struct pf *c)
{
	if (!c->p->egress)
		return;
	need(c, PF_CGROUP_SOCK_ADDR, "network.egress", 0, 0, "this kernel does "
	     "not attach cgroup socket hooks: connections can be neither "
	     "watched nor blocked");
	need(c, PF_LPM_TRIE, "network.egress", 0, 0, "this kernel has no LPM "
	     "trie maps for the address lists");
}

static void check_ingress(struct pf *c)
{
	const struct ingress_policy *ip = c->p->ingress;

	if (!ip)
		return;
	need(c, PF_LPM_TRIE, "network.ingress", 0, 0, "this kernel has no LPM "
	     "trie maps for the address ranges");
	for (size_t i = 0; i < ip->n; i++) {
		const struct ingress_iface *f = &ip->ifaces[i];
		char what[160];

		if (f->mode == MODE_TC)
			continue;	/* tcx, else a clsact filter */
		snprintf(what, sizeof(what), "interface %s: XDP programs do not "
			 "attach on this kernel (mode: tc filters without them)",
			 f->name);
		need(c, PF_XDP_PROG, "network.ingress", f->line, f->col, what);
	}
}

int preflight_policy(const struct policy *p, const struct kernel_view *k,
		     struct diags *d)
{
	struct pf c = { .p = p, .k = k, .d = d };

	check_rules(&c);
	check_egress(&c);
	check_ingress(&c);
	return c.err;
}
