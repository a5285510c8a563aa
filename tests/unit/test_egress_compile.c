/* Unit tests for the egress compiler (src/egress/compile.c): a policy in,
 * the image of the maps out, with no kernel and no root. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <cmocka.h>
#include "egress/compile.h"
#include "policy/policy.h"

struct fixture {
	char dir[64];
	struct diags d;
	struct policy *p;
	struct egress_image img;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	if (!f)
		return -1;
	snprintf(f->dir, sizeof(f->dir), "/tmp/egress-unit.XXXXXX");
	if (!mkdtemp(f->dir))
		return -1;
	diags_init(&f->d, "p.yaml");
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	char cmd[128];

	egress_image_free(&f->img);
	policy_free(f->p);
	diags_free(&f->d);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
	if (system(cmd))
		return -1;
	free(f);
	return 0;
}

/* The policy text with every "DIR" replaced by the fixture's directory. */
static struct policy *parse(struct fixture *f, const char *text)
{
	char buf[4096], *o = buf;

	for (const char *s = text; *s && o < buf + sizeof(buf) - 64;) {
		if (!strncmp(s, "DIR", 3)) {
			o += sprintf(o, "%s", f->dir);
			s += 3;
		} else {
			*o++ = *s++;
		}
	}
	*o = '\0';
	f->p = policy_parse(buf, strlen(buf), "<test>", &f->d);
	if (!f->p)
		diags_print(&f->d, stderr);
	return f->p;
}

static void write_file(struct fixture *f, const char *name, const char *text)
{
	char path[128];
	FILE *fp;

	snprintf(path, sizeof(path), "%s/%s", f->dir, name);
	fp = fopen(path, "w");
	assert_non_null(fp);
	fputs(text, fp);
	fclose(fp);
}

static int compile(struct fixture *f, __u32 gen)
{
	return egress_compile(f->p->egress, gen, &f->img, &f->d);
}

static const struct egress_net_entry *net(const struct egress_image *img,
					  int which, size_t i)
{
	assert_true(i < img->nets[which].n);
	return (const struct egress_net_entry *)img->nets[which].v + i;
}

static bool has_msg(const struct diags *d, const char *want)
{
	for (int i = 0; i < d->n; i++)
		if (strstr(d->v[i].msg, want))
			return true;
	return false;
}

static const __u8 v4_head[12] = { [10] = 0xff, [11] = 0xff };

/* One IPv4 and one IPv6 prefix: v4 stored v4-mapped, prefix lengths
 * counted from the (gen, class) header. */
static void test_v4_v6_prefixes(void **state)
{
	struct fixture *f = *state;
	static const __u8 v6[16] = { 0x20, 0x01, 0x0d, 0xb8 };
	const struct egress_net_entry *a, *b;

	assert_non_null(parse(f,
		"network:\n  egress:\n    lists:\n"
		"      - {name: c2, action: block, addresses: [10.0.0.0/8, 2001:db8::/32]}\n"));
	assert_int_equal(compile(f, 1), 0);
	assert_int_equal(f->img.nets[EGRESS_SUSPECT].n, 2);
	assert_int_equal(f->img.nets[EGRESS_ALLOW].n, 0);
	assert_int_equal(f->img.entries, 2);
	/* sorted by key: prefixlen 96 (v6 /32) before 168 (v4 /8) */
	a = net(&f->img, EGRESS_SUSPECT, 0);
	b = net(&f->img, EGRESS_SUSPECT, 1);
	assert_int_equal(a->key.prefixlen, EGRESS_NET_KEY_BITS + 32);
	assert_memory_equal(a->key.addr, v6, 16);
	assert_int_equal(b->key.prefixlen,
			 EGRESS_NET_KEY_BITS + EGRESS_V4_PREFIX + 8);
	assert_memory_equal(b->key.addr, v4_head, 12);
	assert_int_equal(b->key.addr[12], 10);
	assert_int_equal(b->key.addr[13], 0);
	for (int i = 0; i < 2; i++) {
		const struct egress_net_entry *e = net(&f->img, EGRESS_SUSPECT, i);

		assert_int_equal(e->key.gen, 1);
		assert_int_equal(e->key.class, VERDICT_BLOCK);
		assert_int_equal(e->val.list, 0);
	}
}

/* Alert and block lists: class is the action, the value the list id;
 * report and raw_sockets reach the config. */
static void test_actions_and_config(void **state)
{
	struct fixture *f = *state;
	const struct egress_net_entry *e;

	assert_non_null(parse(f,
		"network:\n  egress:\n    report: matches\n    raw_sockets: block\n"
		"    lists:\n"
		"      - {name: feed, action: alert, addresses: 192.0.2.0/24}\n"
		"      - {name: c2, action: block, addresses: 192.0.2.0/24}\n"));
	assert_int_equal(compile(f, 0), 0);
	assert_int_equal(f->img.nets[EGRESS_SUSPECT].n, 2);
	e = net(&f->img, EGRESS_SUSPECT, 0);
	assert_int_equal(e->key.class, VERDICT_ALERT);
	assert_int_equal(e->val.list, 0);
	e = net(&f->img, EGRESS_SUSPECT, 1);
	assert_int_equal(e->key.class, VERDICT_BLOCK);
	assert_int_equal(e->val.list, 1);
	assert_int_equal(f->img.config.report, REPORT_MATCHES);
	assert_int_equal(f->img.config.raw_action, VERDICT_BLOCK);
	assert_int_equal(f->img.config.scopes, 0);
}

/* Scopes: config bits per kind of selector, allow entries keyed by scope,
 * binaries by (dev, inode), a missing cgroup only warned about. */
static void test_scopes(void **state)
{
	struct fixture *f = *state;
	const struct egress_bin_entry *b;
	const struct egress_config *cf = &f->img.config;
	struct stat st;

	assert_int_equal(stat("/bin/sh", &st), 0);
	assert_non_null(parse(f,
		"network:\n  egress:\n    allow:\n"
		"      - {name: any, match: {binary: /bin/sh}, addresses: 192.0.2.1}\n"
		"      - name: ci\n"
		"        match: {cgroup: /no-such-warden-cgroup}\n"
		"        addresses: [192.0.2.2, 2001:db8::2]\n"
		"        default: block\n"
		"      - {name: watch, match: {binary: /bin/sh}, addresses: 192.0.2.3, default: alert}\n"));
	assert_int_equal(compile(f, 0), 0);
	assert_int_equal(cf->scopes, 0x7);
	assert_int_equal(cf->cg_wild, 0x5);	/* only "ci" names a cgroup */
	assert_int_equal(cf->bin_wild, 0x2);
	assert_int_equal(cf->default_block, 0x2);
	assert_int_equal(cf->default_alert, 0x4);
	assert_true(cf->uses_cgroup);
	assert_true(cf->uses_binary);
	assert_int_equal(f->img.nets[EGRESS_ALLOW].n, 4);
	assert_int_equal(f->img.nets[EGRESS_SUSPECT].n, 0);
	for (size_t i = 0; i < 4; i++) {
		const struct egress_net_entry *e = net(&f->img, EGRESS_ALLOW, i);

		assert_int_equal(e->val.list, e->key.class);
		assert_true(e->key.class <= 2);
	}
	/* both binary scopes name /bin/sh: one entry, both bits */
	assert_int_equal(f->img.binaries.n, 1);
	b = f->img.binaries.v;
	assert_int_equal(b->key.ino, st.st_ino);
	assert_int_equal(b->key.dev, (major(st.st_dev) << 20) | minor(st.st_dev));
	assert_int_equal(b->bits, 0x5);
	assert_int_equal(f->img.cgroups.n, 0);
	assert_true(has_msg(&f->d, "allow entry \"ci\": no such cgroup"));
}

/* The same prefix twice in a class: one entry, the later list's id. */
static void test_duplicates(void **state)
{
	struct fixture *f = *state;

	write_file(f, "a.txt", "198.51.100.0/24\n198.51.100.0/24\n2001:db8::1\n");
	assert_non_null(parse(f,
		"network:\n  egress:\n    lists:\n"
		"      - {name: one, action: block, addresses: [198.51.100.0/24], file: DIR/a.txt}\n"
		"      - {name: two, action: block, addresses: ['2001:db8::1', 198.51.100.0/24]}\n"));
	assert_int_equal(compile(f, 0), 0);
	assert_int_equal(f->img.entries, 6);
	assert_int_equal(f->img.nets[EGRESS_SUSPECT].n, 2);
	for (size_t i = 0; i < 2; i++)
		assert_int_equal(net(&f->img, EGRESS_SUSPECT, i)->val.list, 1);
}

/* Bad lines are skipped and counted, five named, the rest summed; a file
 * gone since the policy was read counts as empty. */
static void test_bad_lines(void **state)
{
	struct fixture *f = *state;
	char path[128];

	write_file(f, "feed.txt", "# comment\n\n192.0.2.1\nnot-an-address\n"
		   "10.0.0.1/8\n192.0.2.2\nx\nx\nx\nx\nx\n192.0.2.3\n");
	write_file(f, "gone.txt", "192.0.2.9\n");
	assert_non_null(parse(f,
		"network:\n  egress:\n    lists:\n"
		"      - {name: feed, action: alert, file: [DIR/feed.txt, DIR/gone.txt]}\n"));
	snprintf(path, sizeof(path), "%s/gone.txt", f->dir);
	assert_int_equal(unlink(path), 0);
	assert_int_equal(compile(f, 0), 0);
	assert_int_equal(f->img.entries, 3);
	assert_int_equal(f->img.bad_lines, 7);
	assert_int_equal(f->img.nets[EGRESS_SUSPECT].n, 3);
	assert_true(has_msg(&f->d, "feed.txt:4:"));
	assert_true(has_msg(&f->d, "feed.txt: 2 more bad lines skipped"));
	assert_true(has_msg(&f->d, "gone.txt\": No such file"));
}

/* 100,000 entries: all in, sorted, one per key; a second compile into the
 * other generation replaces the first image completely. */
static void test_large_list(void **state)
{
	struct fixture *f = *state;
	const struct egress_net_entry *e;
	char path[128];
	FILE *fp;

	snprintf(path, sizeof(path), "%s/big.txt", f->dir);
	fp = fopen(path, "w");
	assert_non_null(fp);
	for (int i = 0; i < 100000; i++)
		fprintf(fp, "10.%d.%d.%d\n", i >> 16, (i >> 8) & 255, i & 255);
	fclose(fp);
	assert_non_null(parse(f,
		"network:\n  egress:\n    lists:\n"
		"      - {name: big, action: block, file: DIR/big.txt}\n"));
	assert_int_equal(compile(f, 0), 0);
	assert_int_equal(f->img.nets[EGRESS_SUSPECT].n, 100000);
	assert_int_equal(f->img.bad_lines, 0);
	e = f->img.nets[EGRESS_SUSPECT].v;
	for (size_t i = 1; i < 100000; i++)
		assert_true(memcmp(&e[i - 1].key, &e[i].key, sizeof(e[i].key)) < 0);
	assert_int_equal(compile(f, 1), 0);
	assert_int_equal(f->img.nets[EGRESS_SUSPECT].n, 100000);
	e = f->img.nets[EGRESS_SUSPECT].v;
	for (size_t i = 0; i < 100000; i++)
		assert_int_equal(e[i].key.gen, 1);
}

/* No egress section: an empty image (the generation allows everything). */
static void test_no_policy(void **state)
{
	struct fixture *f = *state;
	struct vec found = { 0 };
	static const struct egress_config zero;

	f->img.entries = 5;
	assert_int_equal(egress_compile(NULL, 0, &f->img, NULL), 0);
	assert_int_equal(f->img.entries, 0);
	assert_memory_equal(&f->img.config, &zero, sizeof(zero));
	assert_false(egress_needs_rescan(NULL));
	assert_int_equal(egress_rescan(NULL, 0, &found), 0);
	assert_int_equal(found.n, 0);
	free(found.v);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_v4_v6_prefixes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_actions_and_config, setup, teardown),
		cmocka_unit_test_setup_teardown(test_scopes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_duplicates, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_lines, setup, teardown),
		cmocka_unit_test_setup_teardown(test_large_list, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_policy, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
