/* Unit tests for the `rules:` and `observe:` parser (src/process/rules.c):
 * the forms it accepts, and every error with its FILE:LINE:COL. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "policy/policy.h"
#include "process/syscalls.h"

static struct policy *parse(const char *text, struct diags *d)
{
	diags_init(d, "p.yaml");
	return policy_parse(text, strlen(text), "p.yaml", d);
}

static bool has_msg(const struct diags *d, const char *want)
{
	for (int i = 0; i < d->n; i++)
		if (strstr(d->v[i].msg, want))
			return true;
	return false;
}

/* text must be refused with a diagnostic starting with want. */
static void expect_error(const char *text, const char *want)
{
	struct diags d;
	struct policy *p = parse(text, &d);

	if (p)
		fail_msg("accepted: %s", text);
	if (!has_msg(&d, want)) {
		diags_print(&d, stderr);
		fail_msg("no diagnostic \"%s\"", want);
	}
	diags_free(&d);
}

static void t_exec_rule_all_selectors(void **state)
{
	struct diags d;
	struct policy *p = parse("rules:\n"
		"  - name: r\n"
		"    action: kill\n"
		"    description: anything\n"
		"    match:\n"
		"      binary: [/usr/bin/curl, wget, /opt/tools/, '@fileless']\n"
		"      pid: [1, 4194304]\n"
		"      uid: [0, root, 1000]\n"
		"      ancestor: /usr/sbin/sshd\n"
		"      cgroup: /system.slice\n"
		"      container: 0123456789ab\n", &d);
	const struct rule *r;

	assert_non_null(p);
	assert_int_equal(d.n, 0);
	assert_int_equal(p->nrules, 1);
	r = &p->rules[0];
	assert_string_equal(r->name, "r");
	assert_int_equal(r->action, ACT_KILL);
	assert_int_equal(r->line, 2);
	assert_int_equal(r->col, 5);
	assert_int_equal(r->sel.used, (1u << DIM_BINARY) | (1u << DIM_PID) |
		(1u << DIM_UID) | (1u << DIM_ANCESTOR) | (1u << DIM_CGROUP) |
		(1u << DIM_CONTAINER));
	assert_int_equal(r->sel.negated, 0);
	assert_int_equal(r->sel.binary.n, 4);
	assert_string_equal(r->sel.binary.v[1], "wget");
	assert_string_equal(r->sel.binary.v[3], FILELESS_BINARY);
	assert_int_equal(r->sel.binary.line[2], 6);
	assert_int_equal(r->sel.binary.col[2], 37);
	assert_int_equal(r->sel.pid.n, 2);
	assert_int_equal(r->sel.pid.v[1], 4194304);
	assert_int_equal(r->sel.uid.n, 3);
	assert_int_equal(r->sel.uid.v[0], 0);
	assert_int_equal(r->sel.uid.v[1], 0);	/* root, by name */
	assert_int_equal(r->sel.uid.v[2], 1000);
	assert_string_equal(r->sel.ancestor.v[0], "/usr/sbin/sshd");
	assert_string_equal(r->sel.cgroup.v[0], "/system.slice");
	assert_string_equal(r->sel.container.v[0], "0123456789ab");
	assert_int_equal(r->nsyscalls, 0);
	assert_int_equal(r->files.n, 0);
	policy_free(p);
	diags_free(&d);
}

static void t_actions_and_negation(void **state)
{
	static const struct { const char *name; uint8_t act; } acts[] = {
		{ "alert", ACT_ALERT }, { "kill", ACT_KILL },
		{ "deny", ACT_DENY }, { "allow", ACT_ALLOW },
	};
	char text[256];
	struct diags d;
	struct policy *p;

	for (size_t i = 0; i < 4; i++) {
		snprintf(text, sizeof(text), "rules:\n"
			 "  - name: r\n"
			 "    action: %s\n"
			 "    match: {binary: sh}\n"
			 "    not: {uid: 0, ancestor: /bin/login}\n", acts[i].name);
		p = parse(text, &d);
		assert_non_null(p);
		assert_int_equal(p->rules[0].action, acts[i].act);
		assert_int_equal(p->rules[0].sel.used, (1u << DIM_BINARY) |
				 (1u << DIM_UID) | (1u << DIM_ANCESTOR));
		assert_int_equal(p->rules[0].sel.negated, (1u << DIM_UID) |
				 (1u << DIM_ANCESTOR));
		policy_free(p);
		diags_free(&d);
	}
}

static void t_syscalls_by_name(void **state)
{
	struct diags d;
	struct policy *p = parse("rules:\n"
		"  - {name: s, action: alert, syscalls: [ptrace, bpf]}\n"
		"  - {name: t, action: kill, syscalls: unshare}\n", &d);

	assert_non_null(p);
	assert_int_equal(p->rules[0].nsyscalls, 2);
	assert_int_equal(p->rules[0].syscalls[0], syscall_nr("ptrace"));
	assert_int_equal(p->rules[0].syscalls[1], syscall_nr("bpf"));
	assert_true(p->rules[0].syscalls[0] > 0);
	assert_int_equal(p->rules[1].nsyscalls, 1);
	assert_int_equal(p->rules[1].syscalls[0], syscall_nr("unshare"));
	assert_int_equal(p->rules[0].sel.used, 0);	/* any process */
	policy_free(p);
	diags_free(&d);
}

static void t_files_and_access(void **state)
{
	static const struct { const char *access; uint8_t bits; } forms[] = {
		{ "read", FILE_ACCESS_READ }, { "write", FILE_ACCESS_WRITE },
		{ "any", FILE_ACCESS_READ | FILE_ACCESS_WRITE },
	};
	char text[256];
	struct diags d;
	struct policy *p = parse("rules:\n"
		"  - {name: f, action: deny, files: [/etc/shadow, /etc/ssh/]}\n", &d);

	assert_non_null(p);
	assert_int_equal(p->rules[0].files.n, 2);
	assert_string_equal(p->rules[0].files.v[1], "/etc/ssh/");
	/* no access: any */
	assert_int_equal(p->rules[0].access, FILE_ACCESS_READ | FILE_ACCESS_WRITE);
	policy_free(p);
	diags_free(&d);
	for (size_t i = 0; i < 3; i++) {
		snprintf(text, sizeof(text), "rules:\n  - {name: f, action: alert, "
			 "files: /etc/passwd, access: %s}\n", forms[i].access);
		p = parse(text, &d);
		assert_non_null(p);
		assert_int_equal(p->rules[0].access, forms[i].bits);
		policy_free(p);
		diags_free(&d);
	}
}

static void t_observe(void **state)
{
	struct diags d;
	struct policy *p = parse("observe: {exec: true, exit: false, fork: true}\n", &d);

	assert_non_null(p);
	assert_int_equal(p->observe, OBSERVE_EXEC | OBSERVE_FORK);
	policy_free(p);
	diags_free(&d);
	expect_error("observe: [exec]\n", "p.yaml:1:10: observe: expected a "
		     "mapping (exec:, exit:, fork:)");
	expect_error("observe: {exec: maybe}\n",
		     "p.yaml:1:17: expected true or false, got \"maybe\"");
	expect_error("observe: {open: true}\n", "p.yaml:1:11: unknown key "
		     "\"open\" (expected one of: exec, exit, fork)");
}

/* Self-protection's syscall tracepoints: an opt-in, off by default. */
static void t_self_protection_syscalls(void **state)
{
	struct diags d;
	struct policy *p = parse("self_protection: kill\n", &d);

	assert_non_null(p);
	assert_int_equal(p->self_protection, ACT_KILL);
	assert_false(p->guard_syscalls);
	policy_free(p);
	diags_free(&d);
	p = parse("self_protection_syscalls: on\n", &d);
	assert_non_null(p);
	assert_true(p->guard_syscalls);
	assert_int_equal(p->self_protection, ACT_ALERT);
	policy_free(p);
	diags_free(&d);
	expect_error("self_protection_syscalls: sometimes\n",
		     "p.yaml:1:27: expected true or false, got \"sometimes\"");
}

/* Errors in the rule's shape. */
static void t_rule_shape_errors(void **state)
{
	expect_error("rules: {a: 1}\n",
		     "p.yaml:1:8: rules: expected a list of rules");
	expect_error("rules:\n  - just a string\n",
		     "p.yaml:2:5: a rule is a mapping (name:, action:, match:)");
	expect_error("rules:\n  - {action: kill}\n",
		     "p.yaml:2:5: rule has no name:");
	expect_error("rules:\n  - {name: r}\n",
		     "p.yaml:2:5: rule has no action: (alert, kill, deny or allow)");
	expect_error("rules:\n  - {name: r, action: stop}\n",
		     "p.yaml:2:23: unknown action \"stop\" (expected alert, kill, "
		     "deny or allow)");
	expect_error("rules:\n  - {name: r, action: kill, when: now}\n",
		     "p.yaml:2:29: unknown key \"when\"");
	expect_error("rules:\n"
		     "  - {name: r, action: kill}\n"
		     "  - {name: r, action: alert}\n",
		     "p.yaml:3:5: duplicate rule name \"r\"");
	expect_error("rules:\n  - {name: r, action: kill, match: [sh]}\n",
		     "p.yaml:2:36: match: expected a mapping of selectors");
	expect_error("rules:\n  - {name: r, action: kill, not: sh}\n",
		     "p.yaml:2:34: not: expected a mapping of selectors");
	expect_error("rules:\n  - {name: r, action: kill, match: {exe: sh}}\n",
		     "p.yaml:2:37: unknown key \"exe\" (expected one of: "
		     "binary, pid, uid, ancestor, cgroup, container)");
	expect_error("rules:\n"
		     "  - name: r\n"
		     "    action: kill\n"
		     "    match: {binary: sh}\n"
		     "    not: {binary: bash}\n",
		     "p.yaml:5:19: binary: a selector of this kind is already "
		     "under match");
}

/* Errors in selector values, each at the value. */
static void t_selector_value_errors(void **state)
{
	char text[8192];

	expect_error("rules:\n  - {name: r, action: kill, match: {binary: ''}}\n",
		     "p.yaml:2:45: empty binary");
	expect_error("rules:\n  - {name: r, action: kill, match: {binary: bin/sh}}\n",
		     "p.yaml:2:45: binary \"bin/sh\" must be an absolute path (or a "
		     "bare basename, or a directory ending in /)");
	expect_error("rules:\n  - {name: r, action: kill, match: {binary: "
		     "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa}}\n",
		     "p.yaml:2:45: basename \"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
		     "aaaaaaaaaaaaaaaaaaaaaaaaaaaa\" is longer than 63 bytes");
	memset(text, 0, sizeof(text));
	strcpy(text, "rules:\n  - {name: r, action: kill, match: {binary: /");
	memset(text + strlen(text), 'a', PATH_MAX_LEN);
	strcat(text, "}}\n");
	expect_error(text, "p.yaml:2:45: path too long");
	expect_error("rules:\n  - {name: r, action: kill, match: {ancestor: sshd}}\n",
		     "p.yaml:2:47: ancestor \"sshd\" must be an absolute path of a binary");
	expect_error("rules:\n  - {name: r, action: kill, match: {cgroup: ci}}\n",
		     "p.yaml:2:45: cgroup \"ci\" must be a path from the cgroup2 "
		     "root, starting with /");
	expect_error("rules:\n  - {name: r, action: kill, match: {container: abc}}\n",
		     "p.yaml:2:48: container \"abc\" is not a container id (12 to "
		     "64 lowercase hex digits)");
	expect_error("rules:\n  - {name: r, action: kill, match: {container: "
		     "0123456789AB}}\n", "p.yaml:2:48: container \"0123456789AB\"");
	expect_error("rules:\n  - {name: r, action: kill, match: {pid: 0}}\n",
		     "p.yaml:2:42: \"0\" is out of range (1..4194304)");
	expect_error("rules:\n  - {name: r, action: kill, match: {pid: 4194305}}\n",
		     "p.yaml:2:42: \"4194305\" is out of range (1..4194304)");
	expect_error("rules:\n  - {name: r, action: kill, match: {uid: nosuchuser-w}}\n",
		     "p.yaml:2:42: uid: no user named \"nosuchuser-w\" on this system");
	/* quoted digits are a name, not a number */
	expect_error("rules:\n  - {name: r, action: kill, match: {uid: '12345678'}}\n",
		     "p.yaml:2:42: uid: no user named \"12345678\"");
}

static void t_syscall_errors(void **state)
{
	expect_error("rules:\n  - {name: r, action: kill, syscalls: [ptrace, frob]}\n",
		     "p.yaml:2:48: unknown syscall \"frob\" on this architecture");
	expect_error("rules:\n  - {name: r, action: kill, syscalls: []}\n",
		     "p.yaml:2:39: syscalls: the list is empty");
}

static void t_file_errors(void **state)
{
	expect_error("rules:\n  - {name: f, action: deny, files: [etc/shadow]}\n",
		     "p.yaml:2:37: files: \"etc/shadow\" must be an absolute path "
		     "(a directory ends in /)");
	expect_error("rules:\n  - {name: f, action: deny, files: []}\n",
		     "p.yaml:2:36: files: the list is empty");
	expect_error("rules:\n  - {name: f, action: deny, access: read}\n",
		     "p.yaml:2:37: access: only for a rule with files:");
	expect_error("rules:\n  - {name: f, action: deny, files: /x, access: all}\n",
		     "p.yaml:2:48: access: expected read, write or any, not \"all\"");
	expect_error("rules:\n  - {name: f, action: deny, files: /x, syscalls: [bpf]}\n",
		     "p.yaml:2:36: a rule has files: or syscalls:, not both");
}

static void t_rule_count_limit(void **state)
{
	size_t cap = 16 + (MAX_RULES + 1) * 48;
	char *text = malloc(cap), *p = text;
	struct diags d;
	struct policy *pol;

	p += sprintf(p, "rules:\n");
	for (int i = 0; i < MAX_RULES; i++)
		p += sprintf(p, "  - {name: r%d, action: alert}\n", i);
	pol = parse(text, &d);
	assert_non_null(pol);		/* exactly the limit */
	assert_int_equal(pol->nrules, MAX_RULES);
	policy_free(pol);
	diags_free(&d);
	sprintf(p, "  - {name: last, action: alert}\n");
	expect_error(text, "p.yaml:2:3: rules: more than 1024 rules");
	free(text);
}

/* Every error of a policy is reported, not only the first. */
static void t_all_errors_reported(void **state)
{
	struct diags d;
	struct policy *p = parse("rules:\n"
		"  - {name: a, action: stop}\n"
		"  - {name: b, action: kill, match: {binary: x/y}}\n", &d);

	assert_null(p);
	assert_int_equal(d.n, 2);
	assert_true(has_msg(&d, "p.yaml:2:23: unknown action"));
	assert_true(has_msg(&d, "p.yaml:3:45: binary \"x/y\""));
	diags_free(&d);
}

/* Paths are matched as text in containers, so they must be written the
 * way the kernel names them; "any" (or "*") is a container scope. */
static void t_plain_paths_and_any_container(void **state)
{
	struct diags d;
	struct policy *p = parse("rules:\n"
		"  - {name: a, action: kill, match: {binary: /usr//bin/x}}\n"
		"  - {name: b, action: kill, match: {binary: /usr/./x}}\n"
		"  - {name: c, action: kill, match: {binary: /usr/../x}}\n"
		"  - {name: e, action: kill, match: {binary: /usr/bin/, container: any}}\n"
		"  - {name: f, action: kill, match: {binary: /a/..b/.c, container: \"*\"}}\n", &d);

	assert_null(p);
	assert_int_equal(d.n, 3);
	assert_true(has_msg(&d, "p.yaml:2:45: binary \"/usr//bin/x\""));
	assert_true(has_msg(&d, "p.yaml:3:45: binary \"/usr/./x\""));
	assert_true(has_msg(&d, "p.yaml:4:45: binary \"/usr/../x\""));
	diags_free(&d);
	p = parse("rules:\n"
		"  - {name: e, action: kill, match: {binary: /usr/bin/, container: any}}\n"
		"  - {name: f, action: kill, match: {binary: /a/..b/.c, container: \"*\"}}\n", &d);
	assert_non_null(p);
	assert_int_equal(d.n, 0);
	assert_string_equal(p->rules[0].sel.container.v[0], CONTAINER_ANY);
	assert_string_equal(p->rules[1].sel.container.v[0], CONTAINER_ANY);
	policy_free(p);
	diags_free(&d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(t_exec_rule_all_selectors),
		cmocka_unit_test(t_actions_and_negation),
		cmocka_unit_test(t_syscalls_by_name),
		cmocka_unit_test(t_files_and_access),
		cmocka_unit_test(t_observe),
		cmocka_unit_test(t_rule_shape_errors),
		cmocka_unit_test(t_selector_value_errors),
		cmocka_unit_test(t_syscall_errors),
		cmocka_unit_test(t_file_errors),
		cmocka_unit_test(t_rule_count_limit),
		cmocka_unit_test(t_self_protection_syscalls),
		cmocka_unit_test(t_all_errors_reported),
		cmocka_unit_test(t_plain_paths_and_any_container),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
