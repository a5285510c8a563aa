/* Unit tests for the Prometheus text writer (src/lib/prom.c) and the
 * top-level field reader the metrics count events with (src/lib/jscan.c). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include "lib/jscan.h"
#include "lib/json.h"
#include "lib/prom.h"

static void test_family_and_labels(void **state)
{
	struct prom p;

	prom_init(&p);
	prom_family(&p, "warden_x_total", "counter", "Things.");
	prom_sample_u64(&p, "warden_x_total", 18446744073709551615ULL, "rule",
			"a \"b\" \\ c\nd", "action", NULL, NULL);
	prom_sample(&p, "warden_y", 0.5, NULL);
	assert_false(p.oom);
	assert_string_equal(p.buf,
		"# HELP warden_x_total Things.\n# TYPE warden_x_total counter\n"
		"warden_x_total{rule=\"a \\\"b\\\" \\\\ c\\nd\",action=\"\"} "
		"18446744073709551615\nwarden_y 0.5\n");
	prom_free(&p);
}

static const char *const keys[] = { "type", "rule", "count", "n", NULL };

static void test_jscan_top_level_only(void **state)
{
	const char *line = "{\"time\":\"t\",\"args\":[\"rule\",{\"rule\":\"x\"}],"
			   "\"nested\":{\"type\":\"no\"},\"type\":\"exec\","
			   "\"rule\":\"k\\\"i\\u0001ll\\\\\",\"count\":12}";
	struct jval v[4];
	char buf[32];

	assert_int_equal(jscan(line, strlen(line), keys, v), 0);
	assert_string_equal(jscan_str(&v[0], buf, sizeof(buf)), "exec");
	assert_string_equal(jscan_str(&v[1], buf, sizeof(buf)), "k\"i\001ll\\");
	assert_true(v[2].found);
	assert_false(v[2].str);
	assert_string_equal(jscan_str(&v[2], buf, sizeof(buf)), "12");
	assert_false(v[3].found);
	/* truncated to the buffer, still terminated */
	assert_string_equal(jscan_str(&v[0], buf, 3), "ex");
}

static void test_jscan_reads_what_json_writes(void **state)
{
	struct jbuf j;
	struct jval v[4];
	char buf[64];

	jb_init(&j);
	jb_obj_open(&j);
	jb_key(&j, "n");
	jb_arr_open(&j);
	jb_str(&j, "}],\"");
	jb_arr_close(&j);
	jb_kstr(&j, "rule", "tab\there");
	jb_obj_close(&j);
	assert_int_equal(jscan(j.buf, j.len, keys, v), 0);
	assert_string_equal(jscan_str(&v[1], buf, sizeof(buf)), "tab\there");
	assert_string_equal(jscan_str(&v[3], buf, sizeof(buf)), "[\"}],\\\"\"]");
	jb_free(&j);
}

static void test_jscan_arrays(void **state)
{
	const char *line = "{\"n\":[\"a,b\", 2 ,[3,4],\"\\ufffd\"]}";
	struct jval v[4], it;
	size_t pos = 0;
	char buf[16];

	assert_int_equal(jscan(line, strlen(line), keys, v), 0);
	assert_true(jscan_next(&v[3], &pos, &it));
	assert_string_equal(jscan_str(&it, buf, sizeof(buf)), "a,b");
	assert_true(jscan_next(&v[3], &pos, &it));
	assert_string_equal(jscan_str(&it, buf, sizeof(buf)), "2");
	assert_true(jscan_next(&v[3], &pos, &it));
	assert_string_equal(jscan_str(&it, buf, sizeof(buf)), "[3,4]");
	assert_true(jscan_next(&v[3], &pos, &it));
	assert_string_equal(jscan_str(&it, buf, sizeof(buf)), "?");
	assert_false(jscan_next(&v[3], &pos, &it));
	line = "{\"n\":[]}";
	pos = 0;
	assert_int_equal(jscan(line, strlen(line), keys, v), 0);
	assert_false(jscan_next(&v[3], &pos, &it));
}

static void test_jscan_rejects(void **state)
{
	struct jval v[4];

	assert_int_equal(jscan("[1]", 3, keys, v), -1);
	assert_int_equal(jscan("{\"a\":1", 6, keys, v), -1);
	assert_int_equal(jscan("{\"a\" 1}", 7, keys, v), -1);
	assert_int_equal(jscan("", 0, keys, v), -1);
	assert_int_equal(jscan("{}", 2, keys, v), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_family_and_labels),
		cmocka_unit_test(test_jscan_top_level_only),
		cmocka_unit_test(test_jscan_reads_what_json_writes),
		cmocka_unit_test(test_jscan_rejects),
		cmocka_unit_test(test_jscan_arrays),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
