/* Unit tests for the network.egress policy section (src/egress/policy.c). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include "egress/egress.h"
#include "policy/policy.h"

static struct policy *parse(const char *text, struct diags *d)
{
	diags_init(d, "p.yaml");
	return policy_parse(text, strlen(text), "<test>", d);
}

static bool has_msg(const struct diags *d, const char *want)
{
	for (int i = 0; i < d->n; i++)
		if (strstr(d->v[i].msg, want))
			return true;
	return false;
}

static void test_full(void **state)
{
	struct diags d;
	struct policy *p = parse(
		"network:\n"
		"  egress:\n"
		"    report: matches\n"
		"    raw_sockets: block\n"
		"    attach: [/a, /b]\n"
		"    lists:\n"
		"      - {name: feed, action: alert, addresses: [10.0.0.0/8, '::ffff:1.2.3.4']}\n"
		"      - {name: c2, action: block, addresses: 2001:db8::/32}\n"
		"    allow:\n"
		"      - name: ci\n"
		"        match: {cgroup: /ci, binary: /usr/bin/curl}\n"
		"        addresses: [192.0.2.1]\n"
		"        default: block\n", &d);
	struct egress_policy *ep;

	assert_non_null(p);
	ep = p->egress;
	assert_int_equal(ep->report, REPORT_MATCHES);
	assert_int_equal(ep->raw_action, VERDICT_BLOCK);
	assert_int_equal(ep->attach.n, 2);
	assert_int_equal(ep->nlists, 2);
	assert_int_equal(ep->lists[0].action, VERDICT_ALERT);
	assert_int_equal(ep->lists[0].src.nnets, 2);
	/* v4-mapped is stored as the IPv4 address */
	assert_int_equal(ep->lists[0].src.nets[1].family, 4);
	assert_int_equal(ep->lists[1].action, VERDICT_BLOCK);
	assert_int_equal(ep->nscopes, 1);
	assert_int_equal(ep->scopes[0].deflt, VERDICT_BLOCK);
	assert_int_equal(ep->scopes[0].cgroups.n, 1);
	assert_int_equal(ep->scopes[0].binaries.n, 1);
	policy_free(p);
	diags_free(&d);
}

static void test_errors(void **state)
{
	struct diags d;
	struct policy *p = parse(
		"network:\n"
		"  egress:\n"
		"    lists:\n"
		"      - {name: a, action: alert}\n"
		"      - {name: a, action: alert, addresses: [1.2.3.4/8]}\n"
		"    allow:\n"
		"      - {name: s, match: {}, default: maybe}\n"
		"    nonsense: 1\n", &d);

	assert_null(p);
	assert_true(has_msg(&d, "p.yaml:4:9: a list needs addresses: or file:"));
	assert_true(has_msg(&d, "duplicate list name \"a\""));
	assert_true(has_msg(&d, "p.yaml:5:"));
	assert_true(has_msg(&d, "match: name at least one container"));
	assert_true(has_msg(&d, "default (lists, alert or block): unknown value \"maybe\""));
	assert_true(has_msg(&d, "p.yaml:8:5: unknown key \"nonsense\""));
	diags_free(&d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_full),
		cmocka_unit_test(test_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
