/* Unit tests for the syslog output's targets and RFC 5424 messages
 * (src/lib/syslog.c). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <netinet/in.h>
#include <sys/un.h>
#include <cmocka.h>
#include "lib/syslog.h"

static void test_targets(void **state)
{
	struct syslog_target t;
	char why[128];

	assert_true(syslog_is_target("syslog"));
	assert_true(syslog_is_target("syslog:udp://127.0.0.1:514"));
	assert_false(syslog_is_target("syslogfile"));
	assert_int_equal(syslog_parse("syslog", &t, why, sizeof(why)), 0);
	assert_string_equal(((struct sockaddr_un *)&t.addr)->sun_path, "/dev/log");
	assert_int_equal(syslog_parse("syslog:unix:/tmp/x.sock", &t, why, sizeof(why)), 0);
	assert_string_equal(((struct sockaddr_un *)&t.addr)->sun_path, "/tmp/x.sock");
	assert_int_equal(syslog_parse("syslog:udp://127.0.0.1:5514", &t, why, sizeof(why)), 0);
	assert_int_equal(t.addr.ss_family, AF_INET);
	assert_int_equal(ntohs(((struct sockaddr_in *)&t.addr)->sin_port), 5514);
	assert_int_equal(syslog_parse("syslog:udp://[::1]:514", &t, why, sizeof(why)), 0);
	assert_int_equal(t.addr.ss_family, AF_INET6);
	assert_int_not_equal(syslog_parse("syslog:udp://localhost:514", &t, why, sizeof(why)), 0);
	assert_int_not_equal(syslog_parse("syslog:udp://127.0.0.1:0", &t, why, sizeof(why)), 0);
	assert_int_not_equal(syslog_parse("syslog:udp://127.0.0.1", &t, why, sizeof(why)), 0);
	assert_int_not_equal(syslog_parse("syslog:tcp://127.0.0.1:514", &t, why, sizeof(why)), 0);
	assert_int_not_equal(syslog_parse("syslog:unix:", &t, why, sizeof(why)), 0);
}

static void test_message(void **state)
{
	const char *ev = "{\"time\":\"2026-12-02T03:25:27.123456789Z\",\"type\":"
			 "\"exec\",\"schema_version\":1,\"rule\":\"r\",\"action\":\"kill\"}";
	char buf[512], want[512];
	size_t n = syslog_format(buf, sizeof(buf), ev, strlen(ev), "my host");

	buf[n] = '\0';
	snprintf(want, sizeof(want), "<28>1 2026-12-02T03:25:27.123456Z my_host "
		 "warden %d exec [warden@32473 type=\"exec\" schema_version=\"1\"] %s",
		 (int)getpid(), ev);
	assert_string_equal(buf, want);
	/* an alert is a notice, the rest info; no time: the nil value */
	ev = "{\"type\":\"x]\\\"y\",\"action\":\"alert\"}";
	n = syslog_format(buf, sizeof(buf), ev, strlen(ev), "h");
	buf[n] = '\0';
	snprintf(want, sizeof(want), "<29>1 - h warden %d x__y [warden@32473 "
		 "type=\"x__y\" schema_version=\"-\"] %s", (int)getpid(), ev);
	assert_string_equal(buf, want);
	/* too large for the buffer: nothing, not a cut message */
	assert_int_equal(syslog_format(buf, 40, ev, strlen(ev), "h"), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_targets),
		cmocka_unit_test(test_message),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
