/* Unit tests for the YAML tree loader, its typed readers and diagnostics. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include "policy/yaml_tree.h"

static struct ynode *parse(const char *text, struct diags *d)
{
	diags_init(d, "p.yaml");
	return ytree_parse(text, strlen(text), d);
}

/* Parsing must fail and the first diagnostic must be exactly want. */
static void expect_error(const char *text, const char *want)
{
	struct diags d;
	struct ynode *root = parse(text, &d);

	assert_null(root);
	assert_true(d.n >= 1);
	assert_string_equal(d.v[0].msg, want);
	diags_free(&d);
}

/* As expect_error, but only the position prefix and a fragment are fixed
 * (libyaml's wording may change across versions). */
static void expect_error_at(const char *text, const char *prefix,
			    const char *fragment)
{
	struct diags d;
	struct ynode *root = parse(text, &d);

	assert_null(root);
	assert_true(d.n >= 1);
	assert_memory_equal(d.v[0].msg, prefix, strlen(prefix));
	assert_non_null(strstr(d.v[0].msg, fragment));
	diags_free(&d);
}

static void test_diag_format(void **state)
{
	struct diags d;

	diags_init(&d, "f.yaml");
	diag_add(&d, 3, 7, "bad %s", "thing");
	diag_add(&d, 0, 0, "no position");
	for (int i = 0; i < 20; i++)
		diag_add(&d, i + 1, 1, "n%d", i);
	assert_int_equal(d.n, 22);
	assert_string_equal(d.v[0].msg, "f.yaml:3:7: bad thing");
	assert_int_equal(d.v[0].line, 3);
	assert_int_equal(d.v[0].col, 7);
	assert_string_equal(d.v[1].msg, "f.yaml: no position");
	assert_string_equal(d.v[21].msg, "f.yaml:20:1: n19");
	diags_free(&d);
	assert_int_equal(d.n, 0);
}

static void test_diag_print(void **state)
{
	struct diags d;
	char buf[128] = { 0 };
	FILE *f = fmemopen(buf, sizeof(buf) - 1, "w");

	assert_non_null(f);
	diags_init(&d, "x");
	diag_add(&d, 1, 2, "one");
	diag_add(&d, 0, 0, "two");
	diags_print(&d, f);
	fclose(f);
	assert_string_equal(buf, "x:1:2: one\nx: two\n");
	diags_free(&d);
}

static void test_tree_positions(void **state)
{
	struct diags d;
	struct ynode *root = parse("a: 1\n"
				   "b:\n"
				   "  - x\n"
				   "  - \"y\"\n"
				   "c: {d: 'e'}\n", &d);
	struct ynode *b, *c;

	assert_non_null(root);
	assert_int_equal(d.n, 0);
	assert_int_equal(root->kind, YN_MAP);
	assert_int_equal(root->n, 3);
	assert_int_equal(root->pairs[0].key->line, 1);
	assert_int_equal(root->pairs[0].key->col, 1);
	assert_string_equal(ymap_get(root, "a")->scalar, "1");
	assert_int_equal(ymap_get(root, "a")->col, 4);
	assert_false(ymap_get(root, "a")->quoted);

	b = ymap_get(root, "b");
	assert_int_equal(b->kind, YN_SEQ);
	assert_int_equal(b->n, 2);
	assert_int_equal(b->line, 3);
	assert_int_equal(b->col, 3);
	assert_string_equal(b->items[1]->scalar, "y");
	assert_true(b->items[1]->quoted);
	assert_int_equal(b->items[1]->line, 4);
	assert_int_equal(b->items[1]->col, 5);

	c = ymap_get(root, "c");
	assert_int_equal(c->kind, YN_MAP);
	assert_int_equal(c->line, 5);
	assert_int_equal(c->col, 4);
	assert_string_equal(ymap_get(c, "d")->scalar, "e");
	assert_true(ymap_get(c, "d")->quoted);
	assert_null(ymap_get(root, "zz"));
	assert_null(ymap_get(b, "x"));
	ytree_free(root);
	diags_free(&d);
}

static void test_not_nul_terminated(void **state)
{
	const char text[] = { 'k', ':', ' ', 'v', 'X' };	/* no NUL */
	struct diags d;
	struct ynode *root;

	diags_init(&d, "p");
	root = ytree_parse(text, 4, &d);
	assert_non_null(root);
	assert_string_equal(ymap_get(root, "k")->scalar, "v");
	ytree_free(root);
	diags_free(&d);
}

static void test_empty_documents(void **state)
{
	static const char *const empties[] = {
		"", "\n\n", "# just a comment\n", "---\n", "--- # c\n...\n",
	};

	for (size_t i = 0; i < sizeof(empties) / sizeof(*empties); i++) {
		struct diags d;
		struct ynode *root = parse(empties[i], &d);

		assert_non_null(root);
		assert_int_equal(root->kind, YN_MAP);
		assert_int_equal(root->n, 0);
		assert_int_equal(d.n, 0);
		ytree_free(root);
		diags_free(&d);
	}
}

static void test_block_scalar_is_quoted(void **state)
{
	struct diags d;
	struct ynode *root = parse("a: |\n  text\n", &d);

	assert_non_null(root);
	assert_string_equal(ymap_get(root, "a")->scalar, "text\n");
	assert_true(ymap_get(root, "a")->quoted);
	ytree_free(root);
	diags_free(&d);
}

static void test_syntax_errors(void **state)
{
	expect_error("a: b: c\n",
		     "p.yaml:1:5: mapping values are not allowed in this "
		     "context");
	expect_error_at("a:\n  - x\n - y\n", "p.yaml:3:2: ",
			"did not find expected key");
	expect_error_at("a: \"open\n", "p.yaml:2:1: ",
			"found unexpected end of stream");
	expect_error_at("k: [1, 2\n", "p.yaml:2:1: ",
			"did not find expected ',' or ']'");
	expect_error_at("a: 1\n\tb: 2\n", "p.yaml:2:1: ", "tab");
}

static void test_reader_errors(void **state)
{
	expect_error("a: 1\nb: \xff\n",
		     "p.yaml:2:4: invalid leading UTF-8 octet (byte 0xff)");
	expect_error_at("a: x\x01y\n", "p.yaml:1:5: ",
			"control characters are not allowed");
}

static void test_duplicate_keys(void **state)
{
	struct diags d;
	struct ynode *root = parse("a: 1\n"
				   "b: 2\n"
				   "a: 3\n"
				   "sub:\n"
				   "  x: 1\n"
				   "  x: 2\n"
				   "  x: 3\n", &d);

	assert_null(root);
	assert_int_equal(d.n, 3);
	assert_string_equal(d.v[0].msg,
		"p.yaml:6:3: duplicate key \"x\" (first at line 5 col 3)");
	assert_string_equal(d.v[1].msg,
		"p.yaml:7:3: duplicate key \"x\" (first at line 5 col 3)");
	assert_string_equal(d.v[2].msg,
		"p.yaml:3:1: duplicate key \"a\" (first at line 1 col 1)");
	diags_free(&d);
	/* quoting does not make a different key */
	expect_error("a: 1\n\"a\": 2\n",
		     "p.yaml:2:1: duplicate key \"a\" (first at line 1 col 1)");
}

static void test_many_keys_no_duplicates(void **state)
{
	size_t n = 20000, cap = n * 16, o = 0;
	char *text = malloc(cap);
	struct diags d;
	struct ynode *root;

	assert_non_null(text);
	for (size_t i = 0; i < n; i++)
		o += snprintf(text + o, cap - o, "k%zu: %zu\n", i, i);
	diags_init(&d, "p");
	root = ytree_parse(text, o, &d);
	assert_non_null(root);
	assert_int_equal(root->n, n);
	assert_string_equal(ymap_get(root, "k19999")->scalar, "19999");
	ytree_free(root);
	diags_free(&d);
	free(text);
}

static void test_anchors_aliases_refused(void **state)
{
	struct diags d;
	struct ynode *root = parse("a: &x 1\nb: *x\n", &d);

	assert_null(root);
	assert_int_equal(d.n, 2);
	assert_string_equal(d.v[0].msg,
			    "p.yaml:1:4: anchors (&name) are not supported");
	assert_string_equal(d.v[1].msg,
			    "p.yaml:2:4: aliases (*name) are not supported");
	diags_free(&d);
	expect_error("base: &b {x: 1}\n",
		     "p.yaml:1:7: anchors (&name) are not supported");
	/* merge keys would need an alias, so they are refused too */
	expect_error_at("a: {x: 1}\nb:\n  <<: *a\n", "p.yaml:3:7: ",
			"aliases");
}

static void test_tags_refused(void **state)
{
	expect_error("a: !!str 1\n", "p.yaml:1:4: tags (!tag) are not supported");
	expect_error("a: !custom\n  b: 1\n",
		     "p.yaml:1:4: tags (!tag) are not supported");
	expect_error("- !!seq []\n", "p.yaml:1:3: tags (!tag) are not supported");
}

static void test_multiple_documents_refused(void **state)
{
	expect_error("a: 1\n---\nb: 2\n",
		     "p.yaml:2:1: only one YAML document is allowed");
	expect_error("--- a\n--- b\n",
		     "p.yaml:2:1: only one YAML document is allowed");
}

static void test_nul_in_scalar_refused(void **state)
{
	expect_error("path: \"/etc/passwd\\0.txt\"\n",
		     "p.yaml:1:7: NUL characters in scalars are not allowed");
}

static void test_non_scalar_key_refused(void **state)
{
	expect_error("[a, b]: 1\n", "p.yaml:1:1: map keys must be scalars");
	expect_error("? {x: 1}\n: 2\n", "p.yaml:1:3: map keys must be scalars");
}

static char *nested_flow(int levels)
{
	char *s = malloc((size_t)levels * 2 + 1);

	for (int i = 0; i < levels; i++) {
		s[i] = '[';
		s[levels * 2 - 1 - i] = ']';
	}
	s[levels * 2] = '\0';
	return s;
}

static void test_depth_limit(void **state)
{
	struct diags d;
	char *ok = nested_flow(64), *deep = nested_flow(65);
	char *hostile = nested_flow(200000);
	struct ynode *root;

	root = parse(ok, &d);
	assert_non_null(root);
	ytree_free(root);
	diags_free(&d);

	expect_error(deep, "p.yaml:1:65: nesting deeper than 64 levels");
	expect_error(hostile, "p.yaml:1:65: nesting deeper than 64 levels");
	free(ok);
	free(deep);
	free(hostile);
}

static void test_load_file(void **state)
{
	char path[] = "/tmp/warden-yaml-XXXXXX";
	int fd = mkstemp(path);
	struct diags d;
	struct ynode *root;

	assert_true(fd >= 0);
	assert_int_equal(write(fd, "x: [1, 2]\n", 10), 10);
	close(fd);
	diags_init(&d, path);
	root = ytree_load_file(path, &d);
	assert_non_null(root);
	assert_int_equal(ymap_get(root, "x")->n, 2);
	ytree_free(root);
	unlink(path);

	root = ytree_load_file(path, &d);
	assert_null(root);
	assert_int_equal(d.n, 1);
	assert_non_null(strstr(d.v[0].msg, "No such file"));
	diags_free(&d);
}

static void test_check_keys(void **state)
{
	static const char *const allowed[] = { "a", "b", "c", NULL };
	struct diags d;
	struct ynode *root = parse("a: 1\nfoo: 2\nc: 3\n\"x\\ty\": 4\n", &d);

	assert_non_null(root);
	assert_int_equal(ymap_check_keys(root, allowed, &d), 2);
	assert_int_equal(d.n, 2);
	assert_string_equal(d.v[0].msg,
		"p.yaml:2:1: unknown key \"foo\" (expected one of: a, b, c)");
	assert_string_equal(d.v[1].msg,
		"p.yaml:4:1: unknown key \"x\\x09y\" (expected one of: a, b, c)");
	assert_int_equal(ymap_check_keys(ymap_get(root, "a"), allowed, &d), 1);
	assert_string_equal(d.v[2].msg, "p.yaml:1:4: expected a map, got a scalar");
	ytree_free(root);
	diags_free(&d);
}

static void test_bool(void **state)
{
	struct diags d;
	struct ynode *root = parse("t: [true, yes, on, True, ON]\n"
				   "f: [false, no, off, FALSE]\n"
				   "bad: [\"true\", maybe, 1, {}]\n", &d);
	struct ynode *t = ymap_get(root, "t"), *f = ymap_get(root, "f");
	struct ynode *bad = ymap_get(root, "bad");
	bool v;

	assert_non_null(root);
	for (size_t i = 0; i < t->n; i++) {
		v = false;
		assert_int_equal(ynode_bool(t->items[i], &v, &d), 0);
		assert_true(v);
	}
	for (size_t i = 0; i < f->n; i++) {
		v = true;
		assert_int_equal(ynode_bool(f->items[i], &v, &d), 0);
		assert_false(v);
	}
	assert_int_equal(d.n, 0);
	for (size_t i = 0; i < bad->n; i++)
		assert_int_equal(ynode_bool(bad->items[i], &v, &d), -EINVAL);
	assert_int_equal(d.n, 4);
	assert_string_equal(d.v[0].msg, "p.yaml:3:7: expected true or false, "
			    "got the string \"true\"");
	assert_string_equal(d.v[1].msg,
			    "p.yaml:3:15: expected true or false, got \"maybe\"");
	assert_string_equal(d.v[3].msg,
			    "p.yaml:3:25: expected true or false, got a map");
	ytree_free(root);
	diags_free(&d);
}

static void test_u64(void **state)
{
	struct diags d;
	struct ynode *root = parse("ok: [0, 42, 0x1F, 0XfF, 18446744073709551615,"
				   " 0xffffffffffffffff]\n"
				   "bad: [-1, 1.5, 0x, \"7\", 0755, 1 2, 0x1g,"
				   " 18446744073709551616, 0x10000000000000000, \"\"]\n"
				   "range: 300\n", &d);
	static const unsigned long long want[] = {
		0, 42, 31, 255, ~0ULL, ~0ULL,
	};
	struct ynode *ok = ymap_get(root, "ok"), *bad = ymap_get(root, "bad");
	unsigned long long v;

	assert_non_null(root);
	for (size_t i = 0; i < ok->n; i++) {
		assert_int_equal(ynode_u64(ok->items[i], 0, ~0ULL, &v, &d), 0);
		assert_true(v == want[i]);
	}
	assert_int_equal(d.n, 0);
	for (size_t i = 0; i < bad->n; i++)
		assert_int_equal(ynode_u64(bad->items[i], 0, ~0ULL, &v, &d),
				 -EINVAL);
	assert_int_equal(d.n, (int)bad->n);
	assert_string_equal(d.v[0].msg, "p.yaml:2:7: expected a decimal or "
			    "0x hex number, got \"-1\"");
	assert_string_equal(d.v[3].msg, "p.yaml:2:20: expected a decimal or "
			    "0x hex number, got the string \"7\"");
	assert_string_equal(d.v[7].msg, "p.yaml:2:42: \"18446744073709551616\" "
			    "is out of range (0..18446744073709551615)");
	assert_int_equal(ynode_u64(ymap_get(root, "range"), 1, 255, &v, &d),
			 -EINVAL);
	assert_string_equal(d.v[d.n - 1].msg,
			    "p.yaml:3:8: \"300\" is out of range (1..255)");
	assert_int_equal(ynode_u64(ymap_get(root, "range"), 300, 300, &v, &d), 0);
	assert_true(v == 300);
	ytree_free(root);
	diags_free(&d);
}

static void test_str(void **state)
{
	struct diags d;
	struct ynode *root = parse("s: hello\ne: \"\"\nnull:\nl: [x]\n", &d);
	const char *s = NULL;

	assert_non_null(root);
	assert_int_equal(ynode_str(ymap_get(root, "s"), &s, &d), 0);
	assert_string_equal(s, "hello");
	assert_int_equal(ynode_str(ymap_get(root, "e"), &s, &d), 0);
	assert_string_equal(s, "");
	assert_int_equal(ynode_str(ymap_get(root, "null"), &s, &d), -EINVAL);
	assert_int_equal(ynode_str(ymap_get(root, "l"), &s, &d), -EINVAL);
	assert_int_equal(d.n, 2);
	assert_string_equal(d.v[1].msg,
			    "p.yaml:4:4: expected a string, got a list");
	ytree_free(root);
	diags_free(&d);
}

static int collect(const struct ynode *s, void *arg)
{
	char *out = arg;

	strcat(out, s->scalar);
	strcat(out, ",");
	return strcmp(s->scalar, "fail") ? 0 : -ENOENT;
}

static void test_each_scalar(void **state)
{
	struct diags d;
	struct ynode *root = parse("one: a\n"
				   "many: [b, c]\n"
				   "mixed: [d, [e], fail, f]\n"
				   "map: {x: y}\n", &d);
	char out[64] = "";

	assert_non_null(root);
	assert_int_equal(ynode_each_scalar(ymap_get(root, "one"), &d,
					   collect, out), 0);
	assert_int_equal(ynode_each_scalar(ymap_get(root, "many"), &d,
					   collect, out), 0);
	assert_string_equal(out, "a,b,c,");
	assert_int_equal(d.n, 0);
	out[0] = '\0';
	assert_int_equal(ynode_each_scalar(ymap_get(root, "mixed"), &d,
					   collect, out), -EINVAL);
	assert_string_equal(out, "d,fail,f,");
	assert_int_equal(d.n, 1);
	assert_string_equal(d.v[0].msg,
			    "p.yaml:3:12: expected a scalar list item, got a list");
	assert_int_equal(ynode_each_scalar(ymap_get(root, "map"), &d,
					   collect, out), -EINVAL);
	assert_int_equal(d.n, 2);
	ytree_free(root);
	diags_free(&d);
}

static void test_quote_helper(void **state)
{
	char buf[16], tiny[8];

	assert_string_equal(ytext_quote("a\"b", buf, sizeof(buf)), "\"a\\\"b\"");
	assert_string_equal(ytext_quote("\x1b[2J", buf, sizeof(buf)),
			    "\"\\x1b[2J\"");
	assert_string_equal(ytext_quote("abcdefghijklmnop", buf, sizeof(buf)),
			    "\"abcdefg...\"");
	assert_string_equal(ytext_quote("abc", tiny, sizeof(tiny)), "\"...\"");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_diag_format),
		cmocka_unit_test(test_diag_print),
		cmocka_unit_test(test_tree_positions),
		cmocka_unit_test(test_not_nul_terminated),
		cmocka_unit_test(test_empty_documents),
		cmocka_unit_test(test_block_scalar_is_quoted),
		cmocka_unit_test(test_syntax_errors),
		cmocka_unit_test(test_reader_errors),
		cmocka_unit_test(test_duplicate_keys),
		cmocka_unit_test(test_many_keys_no_duplicates),
		cmocka_unit_test(test_anchors_aliases_refused),
		cmocka_unit_test(test_tags_refused),
		cmocka_unit_test(test_multiple_documents_refused),
		cmocka_unit_test(test_nul_in_scalar_refused),
		cmocka_unit_test(test_non_scalar_key_refused),
		cmocka_unit_test(test_depth_limit),
		cmocka_unit_test(test_load_file),
		cmocka_unit_test(test_check_keys),
		cmocka_unit_test(test_bool),
		cmocka_unit_test(test_u64),
		cmocka_unit_test(test_str),
		cmocka_unit_test(test_each_scalar),
		cmocka_unit_test(test_quote_helper),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
