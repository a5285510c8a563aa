/* Unit tests for preflight_policy() (src/core/preflight.c): what a
 * policy cannot hold on a kernel, told by a made-up kernel here. */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>
#include "core/preflight.h"
#include "policy/policy.h"

static bool feature[PF__COUNT];
static bool tracefs = true;

static bool fake_has(enum probe_feature f) { return feature[f]; }
static const char *fake_why(enum probe_feature f) { return feature[f] ? "" : "load: EPERM"; }

static int fake_tracepoint(const char *cat, const char *name)
{
	if (!tracefs)
		return -ENODEV;
	return strcmp(name, "sys_enter_init_module") ? 0 : -ENOENT;
}

static int fake_syscall_tp(const char *syscall, char *tp, size_t len)
{
	snprintf(tp, len, "sys_enter_%s", syscall);
	return fake_tracepoint("syscalls", tp);
}

static const struct kernel_view fake = {
	fake_has, fake_why, fake_tracepoint, fake_syscall_tp,
};

/* A kernel like this one: everything but LSM, fentry and kprobes. */
static int like_here(void **state)
{
	for (int f = 0; f < PF__COUNT; f++)
		feature[f] = f != PF_LSM && f != PF_FENTRY && f != PF_KPROBE;
	tracefs = true;
	return 0;
}

/* Run the checks on text; the number of diagnostics and the result. */
static int check(const char *text, struct diags *d, int *ret)
{
	struct policy *p;

	diags_init(d, "p.yaml");
	p = policy_parse(text, strlen(text), "p.yaml", d);
	assert_non_null(p);
	assert_int_equal(d->n, 0);
	*ret = preflight_policy(p, &fake, d);
	policy_free(p);
	return d->n;
}

static void expect_msg(const struct diags *d, int i, const char *want)
{
	if (i >= d->n || !strstr(d->v[i].msg, want)) {
		diags_print(d, stderr);
		fail_msg("diagnostic %d lacks \"%s\"", i, want);
	}
}

static void t_deny_without_lsm(void **state)
{
	struct diags d;
	int ret;

	assert_int_equal(check("rules:\n  - {name: d, action: deny, match: {binary: nc}}\n",
			       &d, &ret), 1);
	assert_int_equal(ret, 0);
	expect_msg(&d, 0, "p.yaml:2:5: warning: rule \"d\": deny falls back to "
		   "kill: this kernel has no BPF LSM (warden probe: lsm: load: EPERM)");
	diags_free(&d);
	feature[PF_LSM] = true;
	assert_int_equal(check("rules:\n  - {name: d, action: deny, match: {binary: nc}}\n",
			       &d, &ret), 0);
	diags_free(&d);
}

static void t_on_unsupported_fail(void **state)
{
	struct diags d;
	int ret;

	assert_int_equal(check("on_unsupported: fail\nrules:\n"
			       "  - {name: d, action: deny, match: {binary: nc}}\n",
			       &d, &ret), 1);
	assert_int_equal(ret, -EOPNOTSUPP);
	expect_msg(&d, 0, "p.yaml:3:5: rule \"d\": deny needs BPF LSM");
	diags_free(&d);
	/* a syscall deny is a kill even with LSM */
	feature[PF_LSM] = true;
	assert_int_equal(check("on_unsupported: fail\nrules:\n"
			       "  - {name: s, action: deny, syscalls: [ptrace]}\n",
			       &d, &ret), 1);
	assert_int_equal(ret, -EOPNOTSUPP);
	expect_msg(&d, 0, "rule \"s\": deny on a syscall rule is a kill on every kernel");
	diags_free(&d);
	assert_int_equal(check("rules:\n  - {name: s, action: deny, syscalls: [ptrace]}\n",
			       &d, &ret), 1);
	assert_int_equal(ret, 0);
	expect_msg(&d, 0, "warning: rule \"s\": deny on a syscall rule kills");
	diags_free(&d);
}

static void t_syscall_tracepoints(void **state)
{
	struct diags d;
	int ret;

	assert_int_equal(check("rules:\n  - {name: m, action: kill, "
			       "syscalls: [init_module, ptrace]}\n", &d, &ret), 1);
	assert_int_equal(ret, 0);
	expect_msg(&d, 0, "p.yaml:2:5: warning: rule \"m\": syscall init_module "
		   "is not in this kernel (no tracepoint syscalls:sys_enter_init_module)");
	diags_free(&d);
	tracefs = false;
	assert_int_equal(check("rules:\n  - {name: m, action: alert, "
			       "syscalls: [ptrace]}\n", &d, &ret), 1);
	expect_msg(&d, 0, "cannot tell whether syscall ptrace can be watched: "
		   "tracefs is not mounted");
	diags_free(&d);
}

static void t_file_rules_without_lsm(void **state)
{
	struct diags d;
	int ret;

	/* reads hold: killed before the descriptor is used */
	assert_int_equal(check("rules:\n  - {name: r, action: kill, files: [/etc/],"
			       " access: read}\n", &d, &ret), 1);
	expect_msg(&d, 0, "note: rule \"r\": without BPF LSM, io_uring");
	diags_free(&d);
	assert_int_equal(check("rules:\n  - {name: w, action: alert, files: [/etc/],"
			       " access: write}\n", &d, &ret), 2);
	expect_msg(&d, 0, "warning: rule \"w\": without BPF LSM a file rule is "
		   "checked when an open returns: truncate(2), rename");
	diags_free(&d);
	assert_int_equal(check("rules:\n  - {name: k, action: kill, files: [/etc/]}\n",
			       &d, &ret), 2);
	expect_msg(&d, 0, "a file the open creates or truncates has changed "
		   "before the process is killed");
	diags_free(&d);
	feature[PF_LSM] = true;
	assert_int_equal(check("rules:\n  - {name: k, action: kill, files: [/etc/]}\n",
			       &d, &ret), 0);
	diags_free(&d);
}

static void t_kill_without_send_signal(void **state)
{
	struct diags d;
	int ret;

	feature[PF_SEND_SIGNAL] = false;
	assert_int_equal(check("rules:\n  - {name: k, action: kill, match: {binary: nc}}\n"
			       "  - {name: a, action: alert, match: {binary: nc}}\n",
			       &d, &ret), 1);
	assert_int_equal(ret, -EOPNOTSUPP);
	expect_msg(&d, 0, "rule \"k\": kill needs bpf_send_signal()");
	diags_free(&d);
}

static void t_network_features(void **state)
{
	struct diags d;
	int ret;

	feature[PF_XDP_PROG] = false;
	feature[PF_CGROUP_SOCK_ADDR] = false;
	assert_int_equal(check("network:\n  ingress:\n    interfaces:\n"
			       "      lo: { mode: tc }\n"
			       "      lo2: { default: drop }\n"
			       "  egress:\n    report: all\n", &d, &ret), 2);
	assert_int_equal(ret, -EOPNOTSUPP);
	expect_msg(&d, 0, "network.egress: this kernel does not attach cgroup socket hooks");
	expect_msg(&d, 1, "p.yaml:5:7: network.ingress: interface lo2: XDP "
		   "programs do not attach on this kernel");
	diags_free(&d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(t_deny_without_lsm, like_here),
		cmocka_unit_test_setup(t_on_unsupported_fail, like_here),
		cmocka_unit_test_setup(t_syscall_tracepoints, like_here),
		cmocka_unit_test_setup(t_file_rules_without_lsm, like_here),
		cmocka_unit_test_setup(t_kill_without_send_signal, like_here),
		cmocka_unit_test_setup(t_network_features, like_here),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
