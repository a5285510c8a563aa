/* Unit tests for the text form of events (src/lib/evtext.c). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include "lib/evtext.h"

static void check(const char *json, const char *want)
{
	char buf[1024];

	assert_string_equal(event_text(json, strlen(json), buf, sizeof(buf)), want);
}

static void test_exec_and_exit(void **state)
{
	check("{\"time\":\"T\",\"type\":\"exec\",\"schema_version\":1,\"pid\":5,"
	      "\"ppid\":1,\"uid\":0,\"comm\":\"nc\",\"binary\":\"/tmp/a b\","
	      "\"args\":[\"nc\",\"-l\",\"x\\u001b[31m\\ufffd\"],\"cwd\":\"/\","
	      "\"container_id\":\"0123456789abcdef0123\",\"rule\":\"r\","
	      "\"action\":\"kill\",\"mechanism\":\"sigkill\"}",
	      "T exec pid=5 ppid=1 uid=0 container=0123456789ab binary=\"/tmp/a b\" "
	      "args=[nc -l x\\x1b[31m?] cwd=/ rule=r action=kill mechanism=sigkill");
	check("{\"time\":\"T\",\"type\":\"exit\",\"pid\":5,\"ppid\":1,\"uid\":0,"
	      "\"binary\":null,\"container_id\":null,\"signal\":9,\"signal_name\":\"KILL\"}",
	      "T exit pid=5 ppid=1 uid=0 container=- signal=KILL");
	check("{\"time\":\"T\",\"type\":\"exit\",\"pid\":5,\"exit_code\":3}",
	      "T exit pid=5 container=- exit_code=3");
}

static void test_policy_stats_unknown(void **state)
{
	check("{\"time\":\"T\",\"type\":\"policy\",\"status\":\"rejected\","
	      "\"messages\":[\"p.yaml:1:2: bad \\\"x\\\"\"]}",
	      "T policy status=rejected messages=[\"p.yaml:1:2: bad \\x22x\\x22\"]");
	check("{\"time\":\"T\",\"type\":\"stats\",\"schema_version\":1,\"final\":true,"
	      "\"events_written\":3,\"exec_deny_mechanism\":\"sigkill\"}",
	      "T stats final=true events_written=3 exec_deny_mechanism=sigkill");
	check("not json", "not json");
}

/* The container's name when the runtime told it, and its pod; whatever
 * bytes a label holds, the line stays one line. */
static void test_container_name_and_pod(void **state)
{
	check("{\"time\":\"T\",\"type\":\"fork\",\"pid\":5,"
	      "\"container_id\":\"0123456789abcdef0123\",\"container_name\":\"web-1\"}",
	      "T fork pid=5 container=web-1");
	check("{\"time\":\"T\",\"type\":\"fork\",\"pid\":5,"
	      "\"container_id\":\"0123456789abcdef0123\",\"container_name\":\"w\","
	      "\"pod_namespace\":\"ns\",\"pod_name\":\"a\\nb\\u001b[2J \\\"c\"}",
	      "T fork pid=5 container=w pod=ns/\"a\\x0ab\\x1b[2J \\x22c\"");
	check("{\"time\":\"T\",\"type\":\"fork\",\"pid\":5,"
	      "\"container_id\":\"0123456789abcdef0123\",\"container_lookup\":\"pending\"}",
	      "T fork pid=5 container=0123456789ab");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_exec_and_exit),
		cmocka_unit_test(test_policy_stats_unknown),
		cmocka_unit_test(test_container_name_and_pod),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
