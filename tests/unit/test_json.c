/* Unit tests for the streaming JSON writer (src/lib/json.c). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <cmocka.h>
#include "lib/json.h"

/* Write one string value and compare the whole output. */
static void check_strn(const char *in, size_t n, const char *want)
{
	struct jbuf j;

	jb_init(&j);
	jb_strn(&j, in, n);
	assert_false(j.oom);
	assert_string_equal(j.buf, want);
	assert_int_equal(j.len, strlen(want));
	jb_free(&j);
}

#define CHECK_LIT(lit, want) check_strn(lit, sizeof(lit) - 1, want)

/* Feed text to Python's strict JSON + UTF-8 decoder; true if it parses. */
static bool python_accepts(const char *text)
{
	FILE *p = popen("python3 -c 'import json,sys; "
			"json.loads(sys.stdin.buffer.read().decode(\"utf-8\"))'"
			" >/dev/null 2>&1", "w");
	int st;

	if (!p)
		return false;
	fputs(text, p);
	st = pclose(p);
	return st != -1 && WIFEXITED(st) && WEXITSTATUS(st) == 0;
}

static bool have_python(void)
{
	return system("command -v python3 >/dev/null 2>&1") == 0;
}

static void test_plain(void **state)
{
	CHECK_LIT("hello", "\"hello\"");
	CHECK_LIT("", "\"\"");
}

static void test_quote_backslash(void **state)
{
	CHECK_LIT("a\"b\\c", "\"a\\\"b\\\\c\"");
	CHECK_LIT("/", "\"/\"");
}

static void test_control_chars(void **state)
{
	CHECK_LIT("\n\t\r\b\f", "\"\\n\\t\\r\\b\\f\"");
	CHECK_LIT("\x01\x1f\x7f", "\"\\u0001\\u001f\\u007f\"");
	CHECK_LIT("\x1b[31m", "\"\\u001b[31m\"");
}

static void test_embedded_nul(void **state)
{
	CHECK_LIT("a\0b", "\"a\\u0000b\"");
	check_strn("\0", 1, "\"\\u0000\"");
}

static void test_invalid_bytes(void **state)
{
	CHECK_LIT("\xff", "\"\\ufffd\"");
	CHECK_LIT("a\xfe\xff" "b", "\"a\\ufffd\\ufffdb\"");
	/* lone continuation byte */
	CHECK_LIT("\x80", "\"\\ufffd\"");
	/* truncated 3-byte sequence at the end and mid-string */
	CHECK_LIT("\xe2\x82", "\"\\ufffd\\ufffd\"");
	CHECK_LIT("\xe2\x82x", "\"\\ufffd\\ufffdx\"");
}

static void test_overlong(void **state)
{
	CHECK_LIT("\xc0\xaf", "\"\\ufffd\\ufffd\"");	/* '/' in 2 bytes */
	CHECK_LIT("\xc1\xbf", "\"\\ufffd\\ufffd\"");
	CHECK_LIT("\xe0\x80\xaf", "\"\\ufffd\\ufffd\\ufffd\"");
	CHECK_LIT("\xf0\x80\x80\xaf", "\"\\ufffd\\ufffd\\ufffd\\ufffd\"");
	/* overlong NUL must not sneak a raw 0 through */
	CHECK_LIT("\xc0\x80", "\"\\ufffd\\ufffd\"");
}

static void test_surrogates_and_range(void **state)
{
	CHECK_LIT("\xed\xa0\x80", "\"\\ufffd\\ufffd\\ufffd\"");	/* U+D800 */
	CHECK_LIT("\xed\xbf\xbf", "\"\\ufffd\\ufffd\\ufffd\"");	/* U+DFFF */
	CHECK_LIT("\xf4\x90\x80\x80",
		  "\"\\ufffd\\ufffd\\ufffd\\ufffd\"");		/* U+110000 */
	CHECK_LIT("\xf5\x80\x80\x80",
		  "\"\\ufffd\\ufffd\\ufffd\\ufffd\"");
}

static void test_valid_multibyte(void **state)
{
	CHECK_LIT("\xc3\xa9", "\"\xc3\xa9\"");			/* é */
	CHECK_LIT("\xe2\x82\xac", "\"\xe2\x82\xac\"");		/* € */
	CHECK_LIT("\xed\x9f\xbf", "\"\xed\x9f\xbf\"");		/* U+D7FF */
	CHECK_LIT("\xee\x80\x80", "\"\xee\x80\x80\"");		/* U+E000 */
	CHECK_LIT("\xf0\x9f\x98\x80", "\"\xf0\x9f\x98\x80\"");	/* 😀 */
	CHECK_LIT("\xf4\x8f\xbf\xbf", "\"\xf4\x8f\xbf\xbf\"");	/* U+10FFFF */
	/* emoji cut short, then more text */
	CHECK_LIT("\xf0\x9f\x98!",
		  "\"\\ufffd\\ufffd\\ufffd!\"");
}

static void test_null_string(void **state)
{
	struct jbuf j;

	jb_init(&j);
	jb_str(&j, NULL);
	assert_string_equal(j.buf, "null");
	jb_free(&j);
}

static void test_object_commas(void **state)
{
	struct jbuf j;

	jb_init(&j);
	jb_obj_open(&j);
	jb_kstr(&j, "a", "x");
	jb_ku64(&j, "b", 18446744073709551615ULL);
	jb_ki64(&j, "c", INT64_MIN);
	jb_kbool(&j, "d", true);
	jb_key(&j, "e");
	jb_null(&j);
	jb_key(&j, "f");
	jb_arr_open(&j);
	jb_u64(&j, 1);
	jb_obj_open(&j);
	jb_obj_close(&j);
	jb_arr_open(&j);
	jb_arr_close(&j);
	jb_bool(&j, false);
	jb_arr_close(&j);
	jb_key(&j, "g");
	jb_obj_open(&j);
	jb_ki64(&j, "h", -1);
	jb_ku64(&j, "i", 0);
	jb_ki64(&j, "k", 0);
	jb_ki64(&j, "l", INT64_MAX);
	jb_obj_close(&j);
	jb_obj_close(&j);
	assert_false(j.oom);
	assert_int_equal(j.depth, 0);
	assert_string_equal(j.buf,
		"{\"a\":\"x\",\"b\":18446744073709551615,"
		"\"c\":-9223372036854775808,\"d\":true,\"e\":null,"
		"\"f\":[1,{},[],false],\"g\":{\"h\":-1,\"i\":0,\"k\":0,"
		"\"l\":9223372036854775807}}");
	jb_free(&j);
}

static void test_hostile_key(void **state)
{
	struct jbuf j;

	jb_init(&j);
	jb_obj_open(&j);
	jb_kstr(&j, "k\"\n\xff", "v");
	jb_obj_close(&j);
	assert_string_equal(j.buf, "{\"k\\\"\\n\\ufffd\":\"v\"}");
	jb_free(&j);
}

static void test_reset_reuses(void **state)
{
	struct jbuf j;
	char *before;

	jb_init(&j);
	jb_obj_open(&j);
	jb_kstr(&j, "a", "b");
	before = j.buf;
	jb_reset(&j);
	assert_ptr_equal(j.buf, before);
	assert_int_equal(j.len, 0);
	assert_int_equal(j.depth, 0);
	jb_arr_open(&j);
	jb_u64(&j, 7);
	jb_arr_close(&j);
	assert_string_equal(j.buf, "[7]");
	jb_free(&j);
}

static void test_large_string_grows(void **state)
{
	size_t n = 100000;
	char *big = malloc(n);
	struct jbuf j;

	assert_non_null(big);
	memset(big, '\n', n);
	jb_init(&j);
	jb_strn(&j, big, n);
	assert_false(j.oom);
	assert_int_equal(j.len, 2 * n + 2);
	assert_null(memchr(j.buf, '\n', j.len));
	jb_free(&j);
	free(big);
}

static void test_too_deep_flags(void **state)
{
	struct jbuf j;

	jb_init(&j);
	for (int i = 0; i < 40; i++)
		jb_arr_open(&j);
	assert_true(j.oom);
	jb_free(&j);
}

static void test_unbalanced_close_flags(void **state)
{
	struct jbuf j;

	jb_init(&j);
	jb_obj_close(&j);
	assert_true(j.oom);
	assert_int_equal(j.depth, 0);
	jb_free(&j);
}

/* Every byte value, plus the hostile sequences, must decode as strict JSON. */
static void test_python_roundtrip(void **state)
{
	static const char hostile[] =
		"\"\\\n\r\t\0\xff\xc0\xaf\xed\xa0\x80\xf4\x90\x80\x80"
		"\xf0\x9f\x98\x80\x7f\x1b end";
	char all[256];
	struct jbuf j;

	if (!have_python())
		skip();
	for (int i = 0; i < 256; i++)
		all[i] = (char)i;
	jb_init(&j);
	jb_obj_open(&j);
	jb_key(&j, "all");
	jb_strn(&j, all, sizeof(all));
	jb_key(&j, "hostile");
	jb_strn(&j, hostile, sizeof(hostile) - 1);
	jb_key(&j, "k\xff\"");
	jb_arr_open(&j);
	jb_i64(&j, -5);
	jb_null(&j);
	jb_arr_close(&j);
	jb_obj_close(&j);
	assert_false(j.oom);
	assert_null(memchr(j.buf, '\n', j.len));
	assert_true(python_accepts(j.buf));
	jb_free(&j);
}

static void test_python_rejects_garbage(void **state)
{
	/* guards the checker itself: it must not accept everything */
	if (!have_python())
		skip();
	assert_false(python_accepts("{\"a\":\"\xff\"}"));
	assert_false(python_accepts("{\"a\":1,}"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plain),
		cmocka_unit_test(test_quote_backslash),
		cmocka_unit_test(test_control_chars),
		cmocka_unit_test(test_embedded_nul),
		cmocka_unit_test(test_invalid_bytes),
		cmocka_unit_test(test_overlong),
		cmocka_unit_test(test_surrogates_and_range),
		cmocka_unit_test(test_valid_multibyte),
		cmocka_unit_test(test_null_string),
		cmocka_unit_test(test_object_commas),
		cmocka_unit_test(test_hostile_key),
		cmocka_unit_test(test_reset_reuses),
		cmocka_unit_test(test_large_string_grows),
		cmocka_unit_test(test_too_deep_flags),
		cmocka_unit_test(test_unbalanced_close_flags),
		cmocka_unit_test(test_python_roundtrip),
		cmocka_unit_test(test_python_rejects_garbage),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
