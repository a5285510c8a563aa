/* Unit tests for the ingress compiler (src/ingress/compile.c) and the
 * decision both the kernel and --explain run (ingress_decide): a policy
 * in, the prefixes and rule sets the kernel reads out; no kernel, no root. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <cmocka.h>
#include "ingress/ingress.h"
#include "policy/policy.h"

struct fixture {
	struct diags d;
	struct policy *p;
	struct ingress_compiled c;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	if (!f)
		return -1;
	diags_init(&f->d, "p.yaml");
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	ingress_compiled_free(&f->c);
	policy_free(f->p);
	diags_free(&f->d);
	free(f);
	return 0;
}

/* Parse and compile text; returns the compiler's result. */
static int compile(struct fixture *f, const char *text)
{
	f->p = policy_parse(text, strlen(text), "p.yaml", &f->d);
	if (!f->p) {
		diags_print(&f->d, stderr);
		fail_msg("policy did not parse");
	}
	return ingress_compile(f->p->ingress, &f->c, &f->d);
}

/* The rule set of the prefix written as text (e.g. "10.9.0.0/16"). */
static const struct ingress_set *set_of(const struct fixture *f, size_t iface,
					const char *prefix)
{
	const struct ingress_compiled_iface *ci = &f->c.ifaces[iface];
	struct cidr want;
	char err[80];

	assert_int_equal(cidr_parse(prefix, false, &want, err, sizeof(err)), 0);
	for (size_t i = 0; i < ci->nprefixes; i++) {
		const struct cidr *c = &ci->prefixes[i].c;

		if (c->family == want.family && c->prefix_len == want.prefix_len &&
		    !memcmp(c->addr, want.addr, want.family == 4 ? 4 : 16))
			return &f->c.sets[ci->prefixes[i].set];
	}
	fail_msg("no prefix %s compiled", prefix);
	return NULL;
}

static const char *rule_of(const struct fixture *f, const struct ingress_set *s,
			   __u32 entry, char *buf, size_t len)
{
	return ingress_rule_name(f->p->ingress, &f->c, s->e[entry].rule, buf, len);
}

/* The verdict for a packet from a source under set s. */
static int decide(const struct ingress_set *s, __u8 proto, __u16 dport,
		  __u32 *entry)
{
	struct ingress_pkt pkt = { .proto = proto, .ports_known = 1, .dport = dport };

	return ingress_decide(s, &pkt, entry);
}

static const char nested[] =
"network:\n"
"  ingress:\n"
"    interfaces:\n"
"      eth0:\n"
"        default: drop\n"
"        allow:\n"
"          - { name: lan, cidr: [10.0.0.0/8, \"fd00::/8\"] }\n"
"          - { name: admin, cidr: 10.9.1.7 }\n"
"        deny:\n"
"          - { name: quarantine, cidr: 10.9.0.0/16 }\n"
"          - { name: no-ssh, cidr: 10.0.0.0/8, proto: tcp, ports: 22 }\n";

static void t_longest_prefix_then_deny_then_order(void **state)
{
	struct fixture *f = *state;
	const struct ingress_set *s;
	char name[80];
	__u32 e = 0;

	assert_int_equal(compile(f, nested), 0);
	assert_int_equal(f->c.nifaces, 1);
	assert_int_equal(f->c.ifaces[0].cfg.default_action, INGRESS_DROP);
	/* 10/8: no-ssh (deny beats allow at equal length) before lan */
	s = set_of(f, 0, "10.0.0.0/8");
	assert_int_equal(decide(s, INGRESS_PROTO_TCP, 22, &e), VERDICT_RULE);
	assert_string_equal(rule_of(f, s, e, name, sizeof(name)), "no-ssh");
	assert_int_equal(s->e[e].action, INGRESS_DROP);
	assert_int_equal(decide(s, INGRESS_PROTO_TCP, 80, &e), VERDICT_RULE);
	assert_string_equal(rule_of(f, s, e, name, sizeof(name)), "lan");
	assert_int_equal(s->e[e].action, INGRESS_PASS);
	/* 10.9/16 inside it: the longer prefix wins over lan */
	s = set_of(f, 0, "10.9.0.0/16");
	assert_int_equal(decide(s, INGRESS_PROTO_UDP, 53, &e), VERDICT_RULE);
	assert_string_equal(rule_of(f, s, e, name, sizeof(name)), "quarantine");
	/* and the /32 inside that wins again */
	s = set_of(f, 0, "10.9.1.7/32");
	assert_int_equal(decide(s, INGRESS_PROTO_UDP, 53, &e), VERDICT_RULE);
	assert_string_equal(rule_of(f, s, e, name, sizeof(name)), "admin");
	assert_int_equal(s->e[e].action, INGRESS_PASS);
	/* IPv6 is compiled beside IPv4 */
	s = set_of(f, 0, "fd00::/8");
	assert_int_equal(decide(s, INGRESS_PROTO_ICMPV6, 0, &e), VERDICT_RULE);
	assert_string_equal(rule_of(f, s, e, name, sizeof(name)), "lan");
}

static void t_shadowed_entries_pruned_and_sets_shared(void **state)
{
	struct fixture *f = *state;
	const struct ingress_set *a, *b;

	assert_int_equal(compile(f,
		"network:\n  ingress:\n    interfaces:\n      eth0:\n"
		"        default: drop\n"
		"        allow:\n"
		"          - { name: wide, cidr: [10.1.0.0/16, 10.2.0.0/16] }\n"
		"          - { name: again, cidr: 10.1.0.0/16 }\n"), 0);
	a = set_of(f, 0, "10.1.0.0/16");
	b = set_of(f, 0, "10.2.0.0/16");
	/* "again" can never decide after "wide" (same prefix, any proto) */
	assert_int_equal(a->n, 1);
	/* identical lists are stored once */
	assert_ptr_equal(a, b);
}

static void t_ports_need_known_ports(void **state)
{
	struct fixture *f = *state;
	struct ingress_pkt frag = { .proto = INGRESS_PROTO_UDP, .ports_known = 0 };
	const struct ingress_set *s;
	__u32 e = 0;

	assert_int_equal(compile(f,
		"network:\n  ingress:\n    interfaces:\n      eth0:\n"
		"        default: allow\n"
		"        deny:\n"
		"          - { name: dns, cidr: 0.0.0.0/0, proto: udp, ports: 53 }\n"), 0);
	assert_int_equal(f->c.ifaces[0].cfg.default_action, INGRESS_PASS);
	s = set_of(f, 0, "0.0.0.0/0");
	assert_int_equal(decide(s, INGRESS_PROTO_UDP, 53, &e), VERDICT_RULE);
	assert_int_equal(decide(s, INGRESS_PROTO_UDP, 54, &e), VERDICT_DEFAULT);
	assert_int_equal(decide(s, INGRESS_PROTO_TCP, 53, &e), VERDICT_DEFAULT);
	/* a later fragment has no ports: the unparseable action decides */
	assert_int_equal(ingress_decide(s, &frag, &e), VERDICT_UNPARSEABLE);
}

static void t_rule_ids_per_interface(void **state)
{
	struct fixture *f = *state;
	const struct ingress_compiled_iface *a, *b;
	char name[80];

	assert_int_equal(compile(f,
		"network:\n  ingress:\n    interfaces:\n"
		"      eth0: { default: drop, allow: [ { name: x, cidr: 10.0.0.0/8 } ] }\n"
		"      eth1: { default: allow, deny: [ { name: y, cidr: 10.0.0.0/8 } ] }\n"), 0);
	assert_int_equal(f->c.nifaces, 2);
	a = &f->c.ifaces[0];
	b = &f->c.ifaces[1];
	/* three built-in rules per interface, then its own, ids never shared */
	assert_int_equal(f->c.nrules, 2 * 3 + 2);
	assert_true(b->first_rule >= a->first_rule + 1);
	assert_int_not_equal(a->cfg.default_rule, b->cfg.default_rule);
	assert_string_equal(ingress_rule_name(f->p->ingress, &f->c, a->first_rule,
					      name, sizeof(name)), "x");
	assert_string_equal(ingress_rule_name(f->p->ingress, &f->c, b->first_rule,
					      name, sizeof(name)), "y");
}

static void t_too_many_rules_on_one_prefix(void **state)
{
	struct fixture *f = *state;
	char text[4096];
	int n = snprintf(text, sizeof(text),
		"network:\n  ingress:\n    interfaces:\n      eth0:\n"
		"        default: drop\n        deny:\n");

	/* nested port rules that each stay in 10.1.1.1's list */
	for (int i = 0; i < INGRESS_SET_LEN + 1; i++)
		n += snprintf(text + n, sizeof(text) - n,
			      "          - { name: r%d, cidr: 10.0.0.0/%d, proto: tcp, ports: %d }\n",
			      i, 8 + i, 1000 + i);
	n += snprintf(text + n, sizeof(text) - n, "        allow: [ { name: host, cidr: 10.1.1.1 } ]\n");
	assert_true(compile(f, text) < 0);
	assert_true(f->d.n >= 1);
	assert_non_null(strstr(f->d.v[0].msg, "10."));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(t_longest_prefix_then_deny_then_order, setup, teardown),
		cmocka_unit_test_setup_teardown(t_shadowed_entries_pruned_and_sets_shared, setup, teardown),
		cmocka_unit_test_setup_teardown(t_ports_need_known_ports, setup, teardown),
		cmocka_unit_test_setup_teardown(t_rule_ids_per_interface, setup, teardown),
		cmocka_unit_test_setup_teardown(t_too_many_rules_on_one_prefix, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
