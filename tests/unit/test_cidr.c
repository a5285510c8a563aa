/* Unit tests for CIDR parsing, formatting, matching and list files. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>
#include "lib/cidr.h"

/* Parse s and check its canonical text, family and prefix length. */
static void expect_ok(const char *s, bool allow_host, const char *text,
		      int family, int prefix)
{
	char err[128] = "", buf[50];
	struct cidr c;

	if (cidr_parse(s, allow_host, &c, err, sizeof(err)) != 0)
		fail_msg("%s: unexpected error: %s", s, err);
	cidr_format(&c, buf, sizeof(buf));
	assert_string_equal(buf, text);
	assert_int_equal(c.family, family);
	assert_int_equal(c.prefix_len, prefix);
}

static void expect_err(const char *s, const char *want)
{
	char err[128] = "";
	struct cidr c;

	assert_int_equal(cidr_parse(s, false, &c, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, want);
}

static struct cidr parsed(const char *s)
{
	struct cidr c;

	assert_int_equal(cidr_parse(s, false, &c, NULL, 0), 0);
	return c;
}

static void test_ipv4(void **state)
{
	expect_ok("1.2.3.4", false, "1.2.3.4", 4, 32);
	expect_ok("1.2.3.4/32", false, "1.2.3.4", 4, 32);
	expect_ok("10.0.0.0/8", false, "10.0.0.0/8", 4, 8);
	expect_ok("0.0.0.0/0", false, "0.0.0.0/0", 4, 0);
	expect_ok("192.168.1.128/25", false, "192.168.1.128/25", 4, 25);
	expect_ok("255.255.255.255", false, "255.255.255.255", 4, 32);
}

static void test_ipv6(void **state)
{
	expect_ok("::1", false, "::1", 6, 128);
	expect_ok("::/0", false, "::/0", 6, 0);
	expect_ok("2001:db8::/32", false, "2001:db8::/32", 6, 32);
	expect_ok("2001:DB8:0:0::1/128", false, "2001:db8::1", 6, 128);
	expect_ok("fe80::/10", false, "fe80::/10", 6, 10);
	expect_ok("2001:db8::8000/113", false, "2001:db8::8000/113", 6, 113);
}

static void test_host_bits(void **state)
{
	expect_err("10.0.0.1/8",
		   "host bits set below the prefix (network is 10.0.0.0/8)");
	expect_err("1.2.3.4/0",
		   "host bits set below the prefix (network is 0.0.0.0/0)");
	expect_err("2001:db8::1/64",
		   "host bits set below the prefix (network is 2001:db8::/64)");
	expect_err("10.0.0.129/25",
		   "host bits set below the prefix (network is 10.0.0.128/25)");
	expect_ok("10.0.0.1/8", true, "10.0.0.0/8", 4, 8);
	expect_ok("10.0.0.255/31", true, "10.0.0.254/31", 4, 31);
	expect_ok("2001:db8::ffff/120", true, "2001:db8::ff00/120", 6, 120);
	expect_ok("1.2.3.4/0", true, "0.0.0.0/0", 4, 0);
}

static void test_v4_mapped(void **state)
{
	struct cidr a = parsed("::ffff:10.1.2.3"), b = parsed("10.1.2.3");

	expect_ok("::ffff:1.2.3.4", false, "1.2.3.4", 4, 32);
	expect_ok("::ffff:10.0.0.0/104", false, "10.0.0.0/8", 4, 8);
	expect_ok("::ffff:0.0.0.0/96", false, "0.0.0.0/0", 4, 0);
	expect_ok("::FFFF:c0a8:0101", false, "192.168.1.1", 4, 32);
	/* shorter than /96 covers more than the v4 space: stays IPv6 */
	expect_ok("::ffff:0:0/95", true, "::fffe:0:0/95", 6, 95);
	expect_ok("::/80", false, "::/80", 6, 80);
	/* v4-compatible (::a.b.c.d) is not v4-mapped */
	expect_ok("::1.2.3.4", false, "::1.2.3.4", 6, 128);
	expect_err("::ffff:10.0.0.1/104",
		   "host bits set below the prefix (network is 10.0.0.0/8)");
	assert_memory_equal(&a, &b, sizeof(a));
}

static void test_garbage(void **state)
{
	expect_err("", "empty address");
	expect_err(NULL, "empty address");
	expect_err("/8", "missing address before '/'");
	expect_err("1.2.3.4/", "invalid prefix length \"\"");
	expect_err("1.2.3.4/33", "prefix length 33 exceeds 32 for IPv4");
	expect_err("::/129", "prefix length 129 exceeds 128 for IPv6");
	expect_err("1.2.3.4/999", "prefix length 999 exceeds 32 for IPv4");
	expect_err("1.2.3.4/1000", "invalid prefix length \"1000\"");
	expect_err("1.2.3.4/-1", "invalid prefix length \"-1\"");
	expect_err("1.2.3.4/+8", "invalid prefix length \"+8\"");
	expect_err("1.2.3.4/08", "invalid prefix length \"08\"");
	expect_err("1.2.3.4/8 ", "invalid prefix length \"8 \"");
	expect_err("1.2.3.4/8/8", "invalid prefix length \"8/8\"");
	expect_err("1.2.3.4x", "invalid IPv4 address \"1.2.3.4x\"");
	expect_err(" 1.2.3.4", "invalid IPv4 address \" 1.2.3.4\"");
	expect_err("1.2.3.4 ", "invalid IPv4 address \"1.2.3.4 \"");
	expect_err("1.2.3", "invalid IPv4 address \"1.2.3\"");
	expect_err("1.2.3.256", "invalid IPv4 address \"1.2.3.256\"");
	expect_err("1.2.3.4.5", "invalid IPv4 address \"1.2.3.4.5\"");
	expect_err("0x1.2.3.4", "invalid IPv4 address \"0x1.2.3.4\"");
	expect_err("localhost", "invalid IPv4 address \"localhost\"");
	expect_err("1:2:3:4:5:6:7:8:9", "invalid IPv6 address \"1:2:3:4:5:6:7:8:9\"");
	expect_err("fe80::1%eth0", "invalid IPv6 address \"fe80::1%eth0\"");
	expect_err(":::", "invalid IPv6 address \":::\"");
	expect_err("2001:db8::1::2", "invalid IPv6 address \"2001:db8::1::2\"");
	expect_err("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
		   "address too long");
}

static void test_err_buffer_optional(void **state)
{
	struct cidr c;
	char tiny[4];

	assert_int_equal(cidr_parse("bad", false, &c, NULL, 0), -EINVAL);
	assert_int_equal(cidr_parse("bad", false, &c, tiny, sizeof(tiny)),
			 -EINVAL);
	assert_string_equal(tiny, "inv");
}

static void test_format_longest(void **state)
{
	struct cidr c;
	char buf[50];

	c = parsed("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ff00/120");
	cidr_format(&c, buf, sizeof(buf));
	assert_string_equal(buf, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ff00/120");
}

static void test_contains(void **state)
{
	struct cidr any4 = parsed("0.0.0.0/0"), ten = parsed("10.0.0.0/8");
	struct cidr host = parsed("10.200.3.4"), other = parsed("11.0.0.1");
	struct cidr ten16 = parsed("10.1.0.0/16"), odd = parsed("10.0.0.128/25");
	struct cidr v6 = parsed("2001:db8::/32"), v6h = parsed("2001:db8:1::1");
	struct cidr any6 = parsed("::/0"), mapped = parsed("::ffff:10.9.9.9");
	struct cidr exact = parsed("10.200.3.4/32");

	assert_true(cidr_contains(&ten, &host));
	assert_true(cidr_contains(&ten, &ten16));
	assert_false(cidr_contains(&ten16, &ten));	/* wider */
	assert_false(cidr_contains(&ten, &other));
	assert_true(cidr_contains(&any4, &other));
	assert_true(cidr_contains(&exact, &host));
	assert_true(cidr_contains(&ten, &mapped));
	assert_true(cidr_contains(&odd, &(struct cidr){ .family = 4,
		.prefix_len = 32, .addr = { 10, 0, 0, 200 } }));
	assert_false(cidr_contains(&odd, &(struct cidr){ .family = 4,
		.prefix_len = 32, .addr = { 10, 0, 0, 127 } }));
	assert_true(cidr_contains(&v6, &v6h));
	assert_true(cidr_contains(&any6, &v6h));
	assert_false(cidr_contains(&any6, &host));	/* families differ */
	assert_false(cidr_contains(&any4, &v6h));
}

/* --- list files --- */

struct collected {
	char text[16][50];
	int lines[16];
	int n;
	char errs[8][160];
	int n_errs;
	int stop_after;	/* fn returns -ENOSPC after this many; 0: never */
};

static int on_entry(const struct cidr *c, int line, void *arg)
{
	struct collected *col = arg;

	if (col->stop_after && col->n == col->stop_after)
		return -ENOSPC;
	if (col->n < 16) {
		cidr_format(c, col->text[col->n], sizeof(col->text[0]));
		col->lines[col->n] = line;
	}
	col->n++;
	return 0;
}

static void on_error(int line, int col, const char *msg, void *arg)
{
	struct collected *c = arg;

	if (c->n_errs < 8)
		snprintf(c->errs[c->n_errs], sizeof(c->errs[0]), "%d:%d: %s",
			 line, col, msg);
	c->n_errs++;
}

static char *write_temp(const char *data, size_t len)
{
	static char path[64];
	int fd;

	snprintf(path, sizeof(path), "/tmp/warden-cidr-XXXXXX");
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, data, len), (ssize_t)len);
	close(fd);
	return path;
}

static void test_read_file(void **state)
{
	static const char data[] =
		"# blocklist\n"
		"10.0.0.0/8\n"
		"\n"
		"   192.168.1.1   # trailing comment\r\n"
		"\t2001:db8::/32\t\r\n"
		"10.0.0.1/8\n"
		"  bogus here\n"
		"1.2.3.4/33 # too long\n"
		"#1.1.1.1\n"
		"   # indented comment\n"
		"\r\n"
		"::ffff:8.8.8.8";	/* no final newline */
	struct collected c = { 0 };
	char *path = write_temp(data, sizeof(data) - 1);
	long n = cidr_read_file(path, on_entry, on_error, &c);

	unlink(path);
	assert_int_equal(n, 4);
	assert_int_equal(c.n, 4);
	assert_string_equal(c.text[0], "10.0.0.0/8");
	assert_int_equal(c.lines[0], 2);
	assert_string_equal(c.text[1], "192.168.1.1");
	assert_int_equal(c.lines[1], 4);
	assert_string_equal(c.text[2], "2001:db8::/32");
	assert_string_equal(c.text[3], "8.8.8.8");
	assert_int_equal(c.lines[3], 12);
	assert_int_equal(c.n_errs, 3);
	assert_string_equal(c.errs[0], "6:1: host bits set below the prefix "
			    "(network is 10.0.0.0/8)");
	assert_string_equal(c.errs[1],
			    "7:3: invalid IPv4 address \"bogus here\"");
	assert_string_equal(c.errs[2], "8:1: prefix length 33 exceeds 32 for IPv4");
}

static void test_read_file_nul_and_binary(void **state)
{
	static const char data[] = "1.1.1.1\n2.2.\0002.2\n\xff\xfe\n3.3.3.3\n";
	struct collected c = { 0 };
	char *path = write_temp(data, sizeof(data) - 1);
	long n = cidr_read_file(path, on_entry, on_error, &c);

	unlink(path);
	assert_int_equal(n, 2);
	assert_int_equal(c.n_errs, 2);
	assert_string_equal(c.errs[0], "2:5: NUL byte in line");
	assert_memory_equal(c.errs[1], "3:1: invalid IPv4 address", 25);
}

static void test_read_file_callback_stops(void **state)
{
	static const char data[] = "1.1.1.1\n2.2.2.2\n3.3.3.3\n";
	struct collected c = { .stop_after = 2 };
	char *path = write_temp(data, sizeof(data) - 1);
	long n = cidr_read_file(path, on_entry, on_error, &c);

	unlink(path);
	assert_int_equal(n, -ENOSPC);
	assert_int_equal(c.n, 2);
}

static void test_read_file_missing(void **state)
{
	assert_int_equal(cidr_read_file("/nonexistent/warden/list", on_entry,
					on_error, NULL), -ENOENT);
}

static int count_only(const struct cidr *c, int line, void *arg)
{
	(*(long *)arg)++;
	return 0;
}

static void test_read_million_lines(void **state)
{
	const long lines = 1000000;
	char path[] = "/tmp/warden-cidr-big-XXXXXX";
	int fd = mkstemp(path);
	FILE *f = fdopen(fd, "w");
	struct timespec t0, t1;
	long seen = 0, n;
	double secs;

	assert_non_null(f);
	for (long i = 0; i < lines; i++) {
		if (i % 2)
			fprintf(f, "%ld.%ld.%ld.0/24 # c\n", i >> 16 & 255,
				i >> 8 & 255, i & 255);
		else
			fprintf(f, "2001:db8:%lx::/48\r\n", i & 0xffff);
	}
	fclose(f);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	n = cidr_read_file(path, count_only, NULL, &seen);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	unlink(path);
	assert_int_equal(n, lines);
	assert_int_equal(seen, lines);
	secs = (double)(t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
	print_message("1M lines in %.3f s\n", secs);
	/* generous even under valgrind; catches accidental O(n^2) */
	assert_true(secs < 60.0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ipv4),
		cmocka_unit_test(test_ipv6),
		cmocka_unit_test(test_host_bits),
		cmocka_unit_test(test_v4_mapped),
		cmocka_unit_test(test_garbage),
		cmocka_unit_test(test_err_buffer_optional),
		cmocka_unit_test(test_format_longest),
		cmocka_unit_test(test_contains),
		cmocka_unit_test(test_read_file),
		cmocka_unit_test(test_read_file_nul_and_binary),
		cmocka_unit_test(test_read_file_callback_stops),
		cmocka_unit_test(test_read_file_missing),
		cmocka_unit_test(test_read_million_lines),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
