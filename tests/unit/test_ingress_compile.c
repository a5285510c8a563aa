/* Unit tests for the ingress compiler (src/ingress/compile.c): policy ->
 * prefixes and ordered rule sets, without root or a kernel. Decisions are
 * checked through ingress_decide(), the function the kernel program runs,
 * over an LPM lookup done here on the compiled prefixes; and through what
 * `policy check --explain` prints (src/ingress/explain.c). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include "tmpfile.h"
#include "ingress/ingress.h"
#include "policy/policy.h"

struct fixture {
	struct policy *p;
	struct ingress_compiled c;
	struct diags d;
	int err;
};

/* Parse text (which must parse) and compile its network.ingress. */
static void compile(struct fixture *f, const char *text)
{
	memset(f, 0, sizeof(*f));
	diags_init(&f->d, "p.yaml");
	f->p = policy_parse(text, strlen(text), "<test>", &f->d);
	if (!f->p)
		diags_print(&f->d, stderr);
	assert_non_null(f->p);
	assert_non_null(f->p->ingress);
	f->err = ingress_compile(f->p->ingress, &f->c, &f->d);
}

static void release(struct fixture *f)
{
	ingress_compiled_free(&f->c);
	policy_free(f->p);
	diags_free(&f->d);
}

static bool has_msg(const struct diags *d, const char *want)
{
	for (int i = 0; i < d->n; i++)
		if (strstr(d->v[i].msg, want))
			return true;
	return false;
}

/* The set of the longest compiled prefix of iface that holds addr, as the
 * kernel's LPM trie would return it; NULL if none. */
static const struct ingress_set *lpm(const struct fixture *f, size_t iface,
				     const char *addr)
{
	const struct ingress_compiled_iface *ci = &f->c.ifaces[iface];
	const struct ingress_prefix *best = NULL;
	char err[64];
	struct cidr a;

	assert_int_equal(cidr_parse(addr, false, &a, err, sizeof(err)), 0);
	for (size_t i = 0; i < ci->nprefixes; i++) {
		const struct ingress_prefix *pr = &ci->prefixes[i];

		if (cidr_contains(&pr->c, &a) &&
		    (!best || pr->c.prefix_len > best->c.prefix_len))
			best = pr;
	}
	return best ? &f->c.sets[best->set] : NULL;
}

/* "rule-name action" for a packet from addr, decided as the kernel does. */
static const char *decide(const struct fixture *f, size_t iface,
			  const char *addr, __u8 proto, int dport)
{
	static char out[100];
	const struct ingress_iface_cfg *cfg = &f->c.ifaces[iface].cfg;
	const struct ingress_set *s = lpm(f, iface, addr);
	struct ingress_pkt pkt = {
		.proto = proto, .ports_known = dport >= 0,
		.dport = dport >= 0 ? (__u16)dport : 0,
	};
	__u32 rule = cfg->default_rule, entry = 0;
	__u8 action = cfg->default_action;
	char name[80];

	switch (s ? ingress_decide(s, &pkt, &entry) : VERDICT_DEFAULT) {
	case VERDICT_RULE:
		rule = s->e[entry].rule;
		action = s->e[entry].action;
		break;
	case VERDICT_UNPARSEABLE:
		rule = cfg->unparseable_rule;
		action = cfg->unparseable_action;
		break;
	}
	snprintf(out, sizeof(out), "%s %s",
		 ingress_rule_name(f->p->ingress, &f->c, rule, name, sizeof(name)),
		 ingress_action_name(action));
	return out;
}

static const char *const precedence_policy =
	"network:\n"
	"  ingress:\n"
	"    interfaces:\n"
	"      eth0:\n"
	"        default: drop\n"
	"        allow:\n"
	"          - name: lan\n"
	"            cidr: [10.0.0.0/8, fd00::/8]\n"
	"          - name: web\n"
	"            cidr: 0.0.0.0/0\n"
	"            proto: tcp\n"
	"            ports: 8000-8080\n"
	"          - name: pingers\n"
	"            cidr: [192.0.2.0/24, 2001:db8::/32]\n"
	"            proto: icmp\n"
	"        deny:\n"
	"          - name: quarantine\n"
	"            cidr: [10.9.0.0/16, fd00:9::/32]\n"
	"          - name: no-ssh\n"
	"            cidr: 10.0.0.0/8\n"
	"            proto: tcp\n"
	"            ports: 22\n";

static void t_v4_v6_prefixes(void **state)
{
	struct fixture f;
	const struct ingress_compiled_iface *ci;
	int v4 = 0, v6 = 0;

	compile(&f, precedence_policy);
	assert_int_equal(f.err, 0);
	assert_int_equal(f.c.nifaces, 1);
	ci = &f.c.ifaces[0];
	/* 10/8, fd00::/8, 0/0, 192.0.2/24, 2001:db8::/32, 10.9/16, fd00:9::/32;
	 * 10/8 written in two rules is one prefix */
	assert_int_equal(ci->nprefixes, 7);
	for (size_t i = 0; i < ci->nprefixes; i++) {
		v4 += ci->prefixes[i].c.family == 4;
		v6 += ci->prefixes[i].c.family == 6;
		assert_true(ci->prefixes[i].set < f.c.nsets);
	}
	assert_int_equal(v4, 4);
	assert_int_equal(v6, 3);
	assert_string_equal(decide(&f, 0, "fd00::1", INGRESS_PROTO_UDP, 53), "lan allow");
	assert_string_equal(decide(&f, 0, "fd00:9::5", INGRESS_PROTO_UDP, 53),
			    "quarantine drop");
	assert_string_equal(decide(&f, 0, "fe80::1", INGRESS_PROTO_UDP, 53),
			    "default drop");
	release(&f);
}

/* Longest prefix first; at equal length drop before allow; then order. */
static void t_precedence(void **state)
{
	struct fixture f;
	const struct ingress_set *s;

	compile(&f, precedence_policy);
	assert_int_equal(f.err, 0);
	/* the longer deny wins over the allow covering it */
	assert_string_equal(decide(&f, 0, "10.9.1.1", INGRESS_PROTO_UDP, 53),
			    "quarantine drop");
	/* equal length: the narrower drop comes first, the allow after */
	assert_string_equal(decide(&f, 0, "10.1.2.3", INGRESS_PROTO_TCP, 22),
			    "no-ssh drop");
	assert_string_equal(decide(&f, 0, "10.1.2.3", INGRESS_PROTO_TCP, 23),
			    "lan allow");
	assert_string_equal(decide(&f, 0, "10.1.2.3", INGRESS_PROTO_UDP, 22),
			    "lan allow");
	/* a shorter prefix's rule still applies where no longer one matches */
	s = lpm(&f, 0, "10.1.2.3");
	assert_non_null(s);
	/* no-ssh, lan; web (from 0/0) is shadowed by lan (any protocol,
	 * any port) and not kept */
	assert_int_equal(s->n, 2);
	assert_int_equal(s->e[0].action, INGRESS_DROP);
	assert_int_equal(s->e[0].port_lo, 22);
	assert_int_equal(s->e[1].action, INGRESS_PASS);
	assert_int_equal(s->e[1].port_hi, 0);
	/* quarantine (any) shadows everything under it */
	assert_int_equal(lpm(&f, 0, "10.9.1.1")->n, 1);
	release(&f);
}

static void t_equal_prefix_drop_beats_allow(void **state)
{
	struct fixture f;

	compile(&f,
		"network:\n"
		"  ingress:\n"
		"    interfaces:\n"
		"      eth0:\n"
		"        allow: [192.0.2.0/24]\n"
		"        deny: [192.0.2.0/24]\n");
	assert_int_equal(f.err, 0);
	assert_string_equal(decide(&f, 0, "192.0.2.7", INGRESS_PROTO_TCP, 80),
			    "deny[0] drop");
	assert_int_equal(lpm(&f, 0, "192.0.2.7")->n, 1);	/* allow shadowed */
	release(&f);
}

static void t_ports_and_protocols(void **state)
{
	struct fixture f;

	compile(&f, precedence_policy);
	assert_int_equal(f.err, 0);
	assert_string_equal(decide(&f, 0, "203.0.113.1", INGRESS_PROTO_TCP, 8000),
			    "web allow");
	assert_string_equal(decide(&f, 0, "203.0.113.1", INGRESS_PROTO_TCP, 8080),
			    "web allow");
	assert_string_equal(decide(&f, 0, "203.0.113.1", INGRESS_PROTO_TCP, 8081),
			    "default drop");
	assert_string_equal(decide(&f, 0, "203.0.113.1", INGRESS_PROTO_TCP, 7999),
			    "default drop");
	assert_string_equal(decide(&f, 0, "203.0.113.1", INGRESS_PROTO_UDP, 8000),
			    "default drop");
	/* a rule on ports, a packet without them (a later fragment) */
	assert_string_equal(decide(&f, 0, "203.0.113.1", INGRESS_PROTO_TCP, -1),
			    "unparseable drop");
	/* icmp covers ICMPv6 */
	assert_string_equal(decide(&f, 0, "192.0.2.9", INGRESS_PROTO_ICMP, -1),
			    "pingers allow");
	assert_string_equal(decide(&f, 0, "2001:db8::9", INGRESS_PROTO_ICMPV6, -1),
			    "pingers allow");
	assert_string_equal(decide(&f, 0, "192.0.2.9", INGRESS_PROTO_UDP, 9),
			    "default drop");
	release(&f);
}

static void t_interfaces_defaults_and_rule_ids(void **state)
{
	struct fixture f;
	const struct ingress_iface_cfg *a, *b;
	char name[80];

	compile(&f,
		"network:\n"
		"  ingress:\n"
		"    drop_events_per_second: 7\n"
		"    interfaces:\n"
		"      eth0:\n"
		"        default: drop\n"
		"        allow: [10.0.0.0/8, {name: two, cidr: 10.1.0.0/16}]\n"
		"      eth1:\n"
		"        unparseable: allow\n"
		"        non_ip: drop\n"
		"        deny: [{name: bad, cidr: 192.0.2.0/24}]\n");
	assert_int_equal(f.err, 0);
	assert_int_equal(f.c.nifaces, 2);
	a = &f.c.ifaces[0].cfg;
	b = &f.c.ifaces[1].cfg;
	assert_int_equal(a->default_action, INGRESS_DROP);
	assert_int_equal(a->unparseable_action, INGRESS_DROP);
	assert_int_equal(a->non_ip_action, INGRESS_PASS);
	assert_int_equal(b->default_action, INGRESS_PASS);
	assert_int_equal(b->unparseable_action, INGRESS_PASS);
	assert_int_equal(b->non_ip_action, INGRESS_DROP);
	assert_int_equal(a->events_per_sec, 7);
	assert_int_equal(b->events_per_sec, 7);
	/* per interface: default, unparseable, non_ip, then its rules */
	assert_int_equal(a->default_rule, 0);
	assert_int_equal(a->unparseable_rule, 1);
	assert_int_equal(a->non_ip_rule, 2);
	assert_int_equal(f.c.ifaces[0].first_rule, 3);
	assert_int_equal(b->default_rule, 5);
	assert_int_equal(b->non_ip_rule, 7);
	assert_int_equal(f.c.ifaces[1].first_rule, 8);
	assert_int_equal(f.c.nrules, 9);
	assert_string_equal(ingress_rule_name(f.p->ingress, &f.c, 0, name, sizeof(name)),
			    "default");
	assert_string_equal(ingress_rule_name(f.p->ingress, &f.c, 6, name, sizeof(name)),
			    "unparseable");
	assert_string_equal(ingress_rule_name(f.p->ingress, &f.c, 3, name, sizeof(name)),
			    "allow[0]");
	assert_string_equal(ingress_rule_name(f.p->ingress, &f.c, 4, name, sizeof(name)),
			    "two");
	assert_string_equal(ingress_rule_name(f.p->ingress, &f.c, 8, name, sizeof(name)),
			    "bad");
	assert_string_equal(ingress_rule_name(f.p->ingress, &f.c, 9, name, sizeof(name)),
			    "rule#9");
	/* each interface's prefixes are its own */
	assert_string_equal(decide(&f, 0, "192.0.2.1", INGRESS_PROTO_TCP, 1),
			    "default drop");
	assert_string_equal(decide(&f, 1, "192.0.2.1", INGRESS_PROTO_TCP, 1),
			    "bad drop");
	assert_string_equal(decide(&f, 1, "10.1.0.1", INGRESS_PROTO_TCP, 1),
			    "default allow");
	release(&f);
}

static void t_list_file(void **state)
{
	char path[64], text[512];
	struct fixture f;

	tmpfile_with(path, "# feed\n198.51.100.0/24\n\n  203.0.113.5  \n"
		  "198.51.100.0/24\n2001:db8:1::/48 # v6\n");
	snprintf(text, sizeof(text),
		 "network:\n"
		 "  ingress:\n"
		 "    interfaces:\n"
		 "      eth0:\n"
		 "        deny:\n"
		 "          - name: feed\n"
		 "            file: %s\n", path);
	compile(&f, text);
	unlink(path);
	assert_int_equal(f.err, 0);
	assert_int_equal(f.p->ingress->ifaces[0].rules[0].n, 4);
	assert_int_equal(f.c.ifaces[0].nprefixes, 3);	/* the repeat is one */
	assert_string_equal(decide(&f, 0, "198.51.100.77", INGRESS_PROTO_UDP, 1),
			    "feed drop");
	assert_string_equal(decide(&f, 0, "203.0.113.5", INGRESS_PROTO_UDP, 1),
			    "feed drop");
	assert_string_equal(decide(&f, 0, "203.0.113.6", INGRESS_PROTO_UDP, 1),
			    "default allow");
	assert_string_equal(decide(&f, 0, "2001:db8:1:2::3", INGRESS_PROTO_UDP, 1),
			    "feed drop");
	/* shared sets: every prefix of the rule has the same one */
	assert_int_equal(f.c.nsets, 1);
	release(&f);
}

/* More rules with different ports cover one prefix than a set holds. */
static void t_error_set_too_long(void **state)
{
	char text[2048];
	size_t n;
	struct fixture f;

	n = (size_t)snprintf(text, sizeof(text),
			     "network:\n  ingress:\n    interfaces:\n      eth0:\n"
			     "        deny:\n");
	for (int i = 0; i <= INGRESS_SET_LEN; i++)
		n += (size_t)snprintf(text + n, sizeof(text) - n,
				      "          - {cidr: 10.0.0.0/8, proto: tcp, ports: %d}\n",
				      100 + i);
	compile(&f, text);
	assert_int_equal(f.err, -E2BIG);
	assert_true(has_msg(&f.d, "p.yaml:6:13: eth0: more than 8 rules with "
			    "different protocols or ports cover 10.0.0.0/8"));
	assert_null(f.c.ifaces);	/* nothing half-built is left */
	release(&f);
}

static char *append(char *buf, size_t *len, size_t *cap, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static char *append(char *buf, size_t *len, size_t *cap, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (*cap - *len < 256) {
		*cap = *cap * 2 + 4096;
		buf = realloc(buf, *cap);
		assert_non_null(buf);
	}
	va_start(ap, fmt);
	n = vsnprintf(buf + *len, *cap - *len, fmt, ap);
	va_end(ap);
	*len += (size_t)n;
	return buf;
}

static void t_error_too_many_rules(void **state)
{
	size_t len = 0, cap = 0;
	char *text = NULL;
	struct fixture f;

	text = append(text, &len, &cap, "network:\n  ingress:\n    interfaces:\n"
		      "      eth0:\n        deny:\n");
	for (int i = 0; i < INGRESS_MAX_RULES - 2; i++)	/* + 3 built-in */
		text = append(text, &len, &cap, "          - 10.%d.%d.0/24\n",
			      i >> 8, i & 255);
	compile(&f, text);
	free(text);
	assert_int_equal(f.err, -E2BIG);
	assert_true(has_msg(&f.d, "network.ingress: 4097 rules, at most 4096 "
			    "(3 built-in per interface)"));
	release(&f);
}

/* 64 rules for 10.x.0.0/16, 64 tcp rules each over 10.x.y.0/24 for every
 * x: 64 * 64 + 64 distinct rule combinations. */
static void t_error_too_many_sets(void **state)
{
	size_t len = 0, cap = 0;
	char *text = NULL;
	struct fixture f;

	text = append(text, &len, &cap, "network:\n  ingress:\n    interfaces:\n"
		      "      eth0:\n        deny:\n");
	for (int x = 0; x < 64; x++)
		text = append(text, &len, &cap, "          - 10.%d.0.0/16\n", x);
	for (int y = 0; y < 64; y++) {
		text = append(text, &len, &cap, "          - proto: tcp\n"
			      "            cidr:\n");
		for (int x = 0; x < 64; x++)
			text = append(text, &len, &cap,
				      "              - 10.%d.%d.0/24\n", x, y);
	}
	compile(&f, text);
	free(text);
	assert_int_equal(f.err, -ENOSPC);
	assert_true(has_msg(&f.d, "network.ingress: more than 4096 distinct "
			    "rule combinations"));
	release(&f);
}

static void t_explain(void **state)
{
	struct fixture f;
	char *out = NULL;
	size_t len = 0;
	FILE *m;

	compile(&f, precedence_policy);
	assert_int_equal(f.err, 0);
	m = open_memstream(&out, &len);
	assert_non_null(m);
	ingress_explain(f.p->ingress, &f.c, m, 100);
	fclose(m);
	assert_non_null(strstr(out, "drop before\nallow at equal length"));
	assert_non_null(strstr(out, "interface eth0: mode xdp, default drop, "
			       "unparseable drop, non-IP allow, 7 prefixes\n"));
	/* the order the kernel walks, as the compiler laid it out */
	assert_non_null(strstr(out, "  10.0.0.0/8               drop no-ssh tcp "
			       "port 22, then allow lan any\n"));
	assert_non_null(strstr(out, "  10.9.0.0/16              drop quarantine any\n"));
	assert_non_null(strstr(out, "  192.0.2.0/24             allow pingers icmp, "
			       "then allow web tcp ports 8000-8080\n"));
	free(out);
	/* a limit cuts the listing short, and says so */
	out = NULL;
	m = open_memstream(&out, &len);
	ingress_explain(f.p->ingress, &f.c, m, 2);
	fclose(m);
	assert_non_null(strstr(out, "  ... 5 more\n"));
	free(out);
	release(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(t_v4_v6_prefixes),
		cmocka_unit_test(t_precedence),
		cmocka_unit_test(t_equal_prefix_drop_beats_allow),
		cmocka_unit_test(t_ports_and_protocols),
		cmocka_unit_test(t_interfaces_defaults_and_rule_ids),
		cmocka_unit_test(t_list_file),
		cmocka_unit_test(t_error_set_too_long),
		cmocka_unit_test(t_error_too_many_rules),
		cmocka_unit_test(t_error_too_many_sets),
		cmocka_unit_test(t_explain),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
