/* Unit tests for the network.ingress policy section (src/ingress/policy.c):
 * what a good section parses to, and every error with its line:col. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include "tmpfile.h"
#include "ingress/ingress.h"
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

/* The section text must be refused with (at least) the message want. */
static void refused(const char *section, const char *want)
{
	char text[2048];
	struct diags d;
	struct policy *p;

	snprintf(text, sizeof(text), "network:\n  ingress:\n%s", section);
	p = parse(text, &d);
	if (p || !has_msg(&d, want)) {
		diags_print(&d, stderr);
		fail_msg("expected \"%s\" for:\n%s", want, text);
	}
	policy_free(p);
	diags_free(&d);
}

#define IFACE "    interfaces:\n      eth0:\n"

static void t_full(void **state)
{
	struct diags d;
	struct policy *p = parse(
		"network:\n"
		"  ingress:\n"
		"    drop_events_per_second: 0\n"
		"    interfaces:\n"
		"      eth0:\n"
		"        mode: xdp-generic\n"
		"        default: deny\n"
		"        unparseable: pass\n"
		"        non_ip: drop\n"
		"        allow:\n"
		"          - 10.0.0.0/8\n"
		"          - name: web\n"
		"            description: the front end\n"
		"            cidr: [192.0.2.0/24, '::ffff:198.51.100.0/120']\n"
		"            proto: tcp\n"
		"            ports: 8000-8080\n"
		"        deny:\n"
		"          - {cidr: 2001:db8::/32, proto: udp, ports: 53}\n"
		"      veth1: {mode: tc}\n", &d);
	const struct ingress_iface *f, *g;
	const struct ingress_rule *r;

	if (!p)
		diags_print(&d, stderr);
	assert_non_null(p);
	assert_int_equal(p->ingress->events_per_sec, 0);
	assert_int_equal(p->ingress->n, 2);
	f = &p->ingress->ifaces[0];
	assert_string_equal(f->name, "eth0");
	assert_int_equal(f->line, 5);
	assert_int_equal(f->col, 7);
	assert_int_equal(f->mode, MODE_XDP_GENERIC);
	assert_int_equal(f->default_action, INGRESS_DROP);
	assert_int_equal(f->unparseable_action, INGRESS_PASS);
	assert_int_equal(f->non_ip_action, INGRESS_DROP);
	assert_int_equal(f->nrules, 3);
	r = &f->rules[0];
	assert_string_equal(r->name, "allow[0]");
	assert_int_equal(r->action, INGRESS_PASS);
	assert_int_equal(r->proto, INGRESS_PROTO_ANY);
	assert_int_equal(r->n, 1);
	r = &f->rules[1];
	assert_string_equal(r->name, "web");
	assert_int_equal(r->line, 12);
	assert_int_equal(r->proto, INGRESS_PROTO_TCP);
	assert_int_equal(r->port_lo, 8000);
	assert_int_equal(r->port_hi, 8080);
	assert_int_equal(r->n, 2);
	assert_int_equal(r->cidrs[1].family, 4);	/* v4-mapped is v4 */
	assert_int_equal(r->cidrs[1].prefix_len, 24);
	r = &f->rules[2];
	assert_string_equal(r->name, "deny[0]");
	assert_int_equal(r->action, INGRESS_DROP);
	assert_int_equal(r->proto, INGRESS_PROTO_UDP);
	assert_int_equal(r->port_lo, 53);
	assert_int_equal(r->port_hi, 53);
	assert_int_equal(r->cidrs[0].family, 6);
	g = &p->ingress->ifaces[1];
	assert_int_equal(g->mode, MODE_TC);
	/* the defaults */
	assert_int_equal(g->default_action, INGRESS_PASS);
	assert_int_equal(g->unparseable_action, INGRESS_DROP);
	assert_int_equal(g->non_ip_action, INGRESS_PASS);
	assert_int_equal(g->nrules, 0);
	policy_free(p);
	diags_free(&d);
}

static void t_defaults(void **state)
{
	struct diags d;
	struct policy *p = parse("network:\n  ingress:\n" IFACE
				 "        allow: [10.0.0.0/8]\n", &d);

	assert_non_null(p);
	assert_int_equal(p->ingress->events_per_sec, 100);
	assert_int_equal(p->ingress->ifaces[0].mode, MODE_XDP);
	policy_free(p);
	diags_free(&d);
}

static void t_section_errors(void **state)
{
	refused("    - eth0\n", "p.yaml:3:5: network.ingress: expected a map (interfaces:)");
	refused("    drop_events_per_second: 5\n", "p.yaml:3:5: network.ingress needs interfaces:");
	refused("    interfaces: []\n",
		"p.yaml:3:17: interfaces: expected a map of interface names");
	refused("    interfaces: {}\n",
		"p.yaml:3:17: interfaces: expected a map of interface names");
	refused("    interface: {eth0: {}}\n",
		"p.yaml:3:5: unknown key \"interface\" (expected one of: interfaces, "
		"drop_events_per_second)");
	refused("    drop_events_per_second: 1000001\n" IFACE "        default: drop\n",
		"p.yaml:3:29: \"1000001\" is out of range (0..1000000)");
	refused("    drop_events_per_second: lots\n" IFACE "        default: drop\n",
		"p.yaml:3:29: expected a decimal or 0x hex number, got \"lots\"");
}

static void t_interface_errors(void **state)
{
	refused("    interfaces:\n      a-very-long-name0: {}\n",
		"p.yaml:4:7: interface name \"a-very-long-name0\" is not 1-15 bytes");
	refused("    interfaces:\n      eth0: drop\n",
		"p.yaml:4:13: interface \"eth0\": expected a map (default:, allow:, deny:, ...)");
	refused(IFACE "        defaults: drop\n",
		"p.yaml:5:9: unknown key \"defaults\" (expected one of: mode, default, "
		"unparseable, non_ip, allow, deny)");
	refused(IFACE "        mode: ebpf\n",
		"p.yaml:5:15: unknown mode \"ebpf\" (expected xdp, xdp-native, "
		"xdp-generic or tc)");
	refused(IFACE "        default: reject\n",
		"p.yaml:5:18: expected allow or drop, got \"reject\"");
	refused(IFACE "        unparseable: maybe\n",
		"p.yaml:5:22: expected allow or drop, got \"maybe\"");
	refused(IFACE "        non_ip: 1\n", "p.yaml:5:17: expected allow or drop, got \"1\"");
	refused(IFACE "        default:\n", "p.yaml:5:17: expected a string, got nothing");
	refused(IFACE "        allow: 10.0.0.0/8\n",
		"p.yaml:5:16: allow: expected a list of rules");
	refused(IFACE "        deny: {cidr: 10.0.0.0/8}\n",
		"p.yaml:5:15: deny: expected a list of rules");
}

static void t_rule_errors(void **state)
{
	refused(IFACE "        allow:\n          - [10.0.0.0/8]\n",
		"p.yaml:6:13: expected a prefix or a rule map (cidr:, file:, proto:, ports:)");
	refused(IFACE "        allow: [10.0.0.1/8]\n",
		"p.yaml:5:17: host bits set below the prefix (network is 10.0.0.0/8)");
	refused(IFACE "        allow: [10.0.0.0/33]\n",
		"p.yaml:5:17: prefix length 33 exceeds 32 for IPv4");
	refused(IFACE "        allow: [example.com]\n",
		"p.yaml:5:17: invalid IPv4 address \"example.com\"");
	refused(IFACE "        allow:\n          - {name: x, cidr: [10.0.0.0/8, 'fd00::/129']}\n",
		"p.yaml:6:42: prefix length 129 exceeds 128 for IPv6");
	refused(IFACE "        allow:\n          - {name: x}\n",
		"p.yaml:6:13: a rule needs cidr: or file:");
	refused(IFACE "        allow:\n          - {cidr: 10.0.0.0/8, port: 22}\n",
		"p.yaml:6:32: unknown key \"port\" (expected one of: name, cidr, file, "
		"proto, ports, description)");
	refused(IFACE "        allow:\n          - {cidr: 10.0.0.0/8, proto: sctp}\n",
		"p.yaml:6:39: unknown proto \"sctp\" (expected tcp, udp, icmp or any)");
	refused(IFACE "        allow:\n          - {cidr: 10.0.0.0/8, ports: 22}\n",
		"p.yaml:6:39: ports need proto: tcp or proto: udp");
	refused(IFACE "        allow:\n          - {cidr: 10.0.0.0/8, proto: icmp, ports: 22}\n",
		"p.yaml:6:52: ports need proto: tcp or proto: udp");
	refused(IFACE "        allow:\n          - {cidr: 10.0.0.0/8, name: {a: b}}\n",
		"p.yaml:6:38: expected a string");
	refused(IFACE "        allow:\n          - {cidr: {a: b}}\n",
		"p.yaml:6:20: expected a scalar or a list of scalars, got a map");
}

/* Every bad ports: value names itself, at its position. */
static void t_port_errors(void **state)
{
	static const char *const bad[] = {
		"0", "65536", "90-80", "-5", "+5", "80-", "8o", "1-70000",
		"99999999999999999999",
	};
	char section[256], want[128];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(section, sizeof(section), IFACE "        allow:\n"
			 "          - {cidr: 10.0.0.0/8, proto: tcp, ports: '%s'}\n",
			 bad[i]);
		snprintf(want, sizeof(want), "p.yaml:6:51: ports: \"%s\" is not a port "
			 "(1-65535) or a range LO-HI", bad[i]);
		refused(section, want);
	}
	refused(IFACE "        allow:\n          - {cidr: 10.0.0.0/8, proto: tcp, ports: ''}\n",
		"p.yaml:6:51: ports: expected a port or a range LO-HI");
	refused(IFACE "        allow:\n          - {cidr: 10.0.0.0/8, proto: tcp, ports: [1]}\n",
		"p.yaml:6:51: ports: expected a port or a range LO-HI");
}

static void t_list_file_errors(void **state)
{
	char path[64], section[512], want[256];

	refused(IFACE "        deny:\n          - {file: /nonexistent/warden.list}\n",
		"p.yaml:6:20: cannot read list file /nonexistent/warden.list: "
		"No such file or directory");
	/* bad lines: reported at the file: value, naming the list's line:col;
	 * the first five, then how many more */
	tmpfile_with(path, "10.0.0.0/8\n  10.0.0.1/8\nx\n1.2.3.4/99\n::g\n"
		  "5.5.5.5/1\n6.6.6.6/2\n7.7.7.7/3\n");
	snprintf(section, sizeof(section), IFACE "        deny:\n"
		 "          - name: feed\n            file: %s\n", path);
	snprintf(want, sizeof(want), "p.yaml:7:19: %s:2:3: host bits set below "
		 "the prefix (network is 10.0.0.0/8)", path);
	refused(section, want);
	snprintf(want, sizeof(want), "p.yaml:7:19: %s:3:1: invalid IPv4 address \"x\"", path);
	refused(section, want);
	snprintf(want, sizeof(want), "p.yaml:7:19: %s: 2 more bad lines", path);
	refused(section, want);
	unlink(path);
}

/* A relative list path is taken from the policy file's directory. */
static void t_list_file_relative(void **state)
{
	char dir[] = "/tmp/warden-unit-XXXXXX", pol[96], list[96];
	struct diags d;
	struct policy *p;
	FILE *f;

	assert_non_null(mkdtemp(dir));
	snprintf(pol, sizeof(pol), "%s/p.yaml", dir);
	snprintf(list, sizeof(list), "%s/feed.txt", dir);
	f = fopen(list, "w");
	assert_non_null(f);
	fputs("192.0.2.0/24\n2001:db8::/32\n", f);
	fclose(f);
	f = fopen(pol, "w");
	assert_non_null(f);
	fputs("network:\n  ingress:\n" IFACE "        deny: [{file: feed.txt}]\n", f);
	fclose(f);
	diags_init(&d, pol);
	p = policy_load_file(pol, &d);
	unlink(list);
	unlink(pol);
	rmdir(dir);
	if (!p)
		diags_print(&d, stderr);
	assert_non_null(p);
	assert_int_equal(p->ingress->ifaces[0].rules[0].n, 2);
	policy_free(p);
	diags_free(&d);
}

/* Every problem of a section is reported, not only the first. */
static void t_all_errors_reported(void **state)
{
	struct diags d;
	struct policy *p = parse("network:\n  ingress:\n" IFACE
				 "        mode: bogus\n"
				 "        default: bogus\n"
				 "        allow: [bogus]\n", &d);

	assert_null(p);
	assert_true(has_msg(&d, "p.yaml:5:15: unknown mode"));
	assert_true(has_msg(&d, "p.yaml:6:18: expected allow or drop"));
	assert_true(has_msg(&d, "p.yaml:7:17: invalid IPv4 address"));
	diags_free(&d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(t_full),
		cmocka_unit_test(t_defaults),
		cmocka_unit_test(t_section_errors),
		cmocka_unit_test(t_interface_errors),
		cmocka_unit_test(t_rule_errors),
		cmocka_unit_test(t_port_errors),
		cmocka_unit_test(t_list_file_errors),
		cmocka_unit_test(t_list_file_relative),
		cmocka_unit_test(t_all_errors_reported),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
