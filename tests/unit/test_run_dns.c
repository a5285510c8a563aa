/* Unit tests for the DNS proxy's query parser and encoder (src/run/dns.c):
 * what warden sends upstream is built from the parsed question alone. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include "run/internal.h"

/* A query for name (A, IN) with extra bytes after the question. */
static size_t make_query(uint8_t *m, const char *name, const uint8_t *extra,
			 size_t nextra, uint16_t arcount)
{
	size_t o = 12;

	memset(m, 0, 12);
	m[0] = 0x12, m[1] = 0x34;	/* id */
	m[2] = 0x01;			/* RD */
	m[5] = 1;			/* one question */
	m[11] = arcount;
	for (const char *s = name; *s;) {
		const char *dot = strchrnul(s, '.');

		m[o++] = dot - s;
		memcpy(m + o, s, dot - s);
		o += dot - s;
		s = *dot ? dot + 1 : dot;
	}
	m[o++] = 0;
	m[o++] = 0, m[o++] = 1, m[o++] = 0, m[o++] = 1;
	if (nextra)
		memcpy(m + o, extra, nextra);
	return o + nextra;
}

static void parse_and_reencode_drops_trailing_bytes(void **st)
{
	static const uint8_t smuggled[] = "EVILBYTES";
	uint8_t m[512], out[512];
	struct dns_query q;
	size_t n = make_query(m, "Good.Test", smuggled, sizeof(smuggled), 0);

	assert_int_equal(run_dns_parse_query(m, n, &q), 0);
	assert_string_equal(q.name, "good.test");
	assert_int_equal(q.id, 0x1234);
	assert_int_equal(q.qtype, 1);
	assert_int_equal(q.edns_size, 0);
	n = run_dns_encode_query(&q, 0xbeef, out, sizeof(out));
	assert_int_equal(n, 12 + 11 + 4);
	assert_int_equal(out[0], 0xbe);
	assert_int_equal(out[1], 0xef);
	assert_null(memmem(out, n, "EVIL", 4));
	assert_memory_equal(out + 12, "\4good\4test\0\0\1\0\1", 15);
}

static void edns_size_kept_options_dropped(void **st)
{
	/* OPT: root name, type 41, size 4096, ttl 0, rdlen 4 + an option */
	static const uint8_t opt[] = { 0, 0, 41, 0x10, 0, 0, 0, 0, 0, 0, 4,
				       0, 10, 0, 0 };
	uint8_t m[512], out[512];
	struct dns_query q;
	size_t n = make_query(m, "a.b", opt, sizeof(opt), 1);

	assert_int_equal(run_dns_parse_query(m, n, &q), 0);
	assert_int_equal(q.edns_size, 1232);	/* clamped: no fragments */
	n = run_dns_encode_query(&q, 1, out, sizeof(out));
	assert_int_equal(n, 12 + 5 + 4 + 11);
	assert_int_equal(out[11], 1);		/* one additional: our OPT */
	assert_int_equal(out[n - 2], 0);	/* rdlen 0: no option */
	assert_int_equal(out[n - 1], 0);
}

static void bad_queries_refused(void **st)
{
	uint8_t m[512];
	struct dns_query q;
	size_t n = make_query(m, "good.test", NULL, 0, 0);

	m[2] |= 0x80;	/* a response */
	assert_int_equal(run_dns_parse_query(m, n, &q), -EINVAL);
	n = make_query(m, "good.test", NULL, 0, 0);
	m[5] = 2;	/* two questions */
	assert_int_equal(run_dns_parse_query(m, n, &q), -EINVAL);
	n = make_query(m, "a\x01" "b.test", NULL, 0, 0);	/* control byte */
	assert_int_equal(run_dns_parse_query(m, n, &q), -EINVAL);
	n = make_query(m, "good.test", NULL, 0, 0);
	m[12] = 0xc0, m[13] = 12;	/* a pointer to itself */
	assert_int_equal(run_dns_parse_query(m, n, &q), -EINVAL);
	assert_int_equal(run_dns_parse_query(m, 11, &q), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(parse_and_reencode_drops_trailing_bytes),
		cmocka_unit_test(edns_size_kept_options_dropped),
		cmocka_unit_test(bad_queries_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
