/* Unit tests for the run: keys of issue 13: network.resolvers,
 * network.sockets, syscalls.allow, and files.write patterns
 * (src/run/policy.c). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include "run/run.h"
#include "warden/run_net_abi.h"
#include "tmpfile.h"

static struct run_policy *load(const char *text, struct diags *d)
{
	char path[64];
	struct run_policy *rp;

	tmpfile_with(path, text);
	diags_init(d, path);
	rp = run_policy_load(path, d);
	unlink(path);
	return rp;
}

static void new_keys_parsed(void **st)
{
	struct diags d;
	struct run_policy *rp = load(
		"run:\n"
		"  network:\n"
		"    allow: [good.test]\n"
		"    resolvers: [10.0.0.53, \"::1\"]\n"
		"    sockets: [icmp, packet]\n"
		"  syscalls:\n"
		"    allow: [io_uring_setup]\n", &d);

	assert_non_null(rp);
	assert_int_equal(rp->nresolvers, 2);
	assert_int_equal(rp->resolvers[0].family, 4);
	assert_int_equal(rp->resolvers[1].family, 6);
	assert_int_equal(rp->sock_allow, (1u << SK_ICMP) | (1u << SK_PACKET));
	assert_int_equal(rp->sys_allow, RS_IO_URING);
	run_policy_free(rp);
	diags_free(&d);
}

/* Each error at its line and column; nothing is loaded. */
static void expect_error(const char *text, int line, int col, const char *want)
{
	struct diags d;
	struct run_policy *rp = load(text, &d);

	assert_null(rp);
	assert_true(d.n >= 1);
	assert_int_equal(d.v[0].line, line);
	assert_int_equal(d.v[0].col, col);
	if (!strstr(d.v[0].msg, want))
		fail_msg("\"%s\" lacks \"%s\"", d.v[0].msg, want);
	diags_free(&d);
}

static void bad_values_named(void **st)
{
	expect_error("run:\n  network:\n    sockets: [raw, carrier-pigeon]\n",
		     3, 20, "network.sockets: \"carrier-pigeon\"");
	expect_error("run:\n  network:\n    resolvers: [10.0.0.0/8]\n",
		     3, 17, "network.resolvers: \"10.0.0.0/8\" is not an address");
	expect_error("run:\n  syscalls:\n    allow: [ptrace]\n",
		     3, 13, "syscalls.allow: \"ptrace\"");
	expect_error("run:\n  network:\n    resolvers: [1.1.1.1, 1.0.0.1, 8.8.8.8, 8.8.4.4, 9.9.9.9]\n",
		     3, 53, "more than 4");
}

static bool covers(const char *pre, const char *path)
{
	char *v[] = { (char *)pre };
	struct strv s = { .v = v, .n = 1 };

	return run_path_under(&s, path);
}

/* '?' one character, '*' a run, both within one component; a leading
 * '.' only by a '.'; below a match is covered, as below a prefix. */
static void write_patterns(void **st)
{
	assert_true(covers("/tmp/????????.s", "/tmp/ccAbC123.s"));
	assert_false(covers("/tmp/????????.s", "/tmp/ccAbC12.s"));
	assert_false(covers("/tmp/????????.s", "/tmp/ccAbC123.o"));
	assert_false(covers("/tmp/????????.s", "/tmp/x/ccAbC12.s"));
	assert_true(covers("/tmp/cc*.s", "/tmp/cc.s"));
	assert_true(covers("/tmp/cc*.s", "/tmp/ccA.s.s"));
	assert_false(covers("/tmp/cc*.s", "/tmp/cc/x.s"));	/* no '/' */
	assert_false(covers("/tmp/*", "/tmp/.ssh"));
	assert_true(covers("/tmp/.*", "/tmp/.ssh"));
	assert_true(covers("/tmp/tmp.??????????" "/", "/tmp/tmp.AbCdEf1234"));
	assert_true(covers("/tmp/tmp.??????????" "/", "/tmp/tmp.AbCdEf1234/sub/f"));
	assert_true(covers("/tmp/tmp.??????????", "/tmp/tmp.AbCdEf1234/f"));
	assert_false(covers("/tmp/tmp.??????????" "/", "/tmp/tmp.AbCdEf12345"));
	assert_false(covers("/tmp/tmp.??????????" "/", "/tmp"));
	assert_true(covers("/*/x", "/home/x"));
	assert_true(covers("/a*b*c", "/aXbYbZc"));
	assert_false(covers("/a*b*c", "/aXbYbZ"));
	/* not a pattern: a plain prefix, as before */
	assert_true(covers("/tmp/x", "/tmp/x/y"));
	assert_false(covers("/tmp/x", "/tmp/xy"));
}

static void secret_patterns_refused(void **st)
{
	expect_error("run:\n  files:\n    secrets: [/etc/shadow, ~/.ssh/id_*]\n",
		     3, 28, "'*' and '?' are for files.write");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(new_keys_parsed),
		cmocka_unit_test(bad_values_named),
		cmocka_unit_test(write_patterns),
		cmocka_unit_test(secret_patterns_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
