/* Unit tests for reading a runtime's inspect reply (src/container/runtime.c):
 * the fields warden takes, caps on their length, and replies that are not
 * what they should be. */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>
#include "container/runtime.h"

static int parse(const char *body, struct ctr_identity *id)
{
	return ctr_parse_inspect(body, strlen(body), id);
}

static void test_docker_reply(void **state)
{
	struct ctr_identity id;

	assert_int_equal(parse("{\"Id\":\"abc\",\"Created\":\"x\",\"Name\":\"/web-1\","
			       "\"Image\":\"sha256:00\",\"State\":{\"Name\":\"no\"},"
			       "\"Config\":{\"Hostname\":\"h\",\"Image\":\"busybox:1\","
			       "\"Labels\":{\"a\":\"b\",\"io.kubernetes.pod.name\":\"p\","
			       "\"io.kubernetes.pod.namespace\":\"ns\","
			       "\"io.kubernetes.pod.uid\":\"u-1\"}}}", &id), 0);
	assert_string_equal(id.name, "web-1");
	assert_string_equal(id.image, "busybox:1");
	assert_string_equal(id.pod_name, "p");
	assert_string_equal(id.pod_namespace, "ns");
	assert_string_equal(id.pod_uid, "u-1");
	/* no labels, null labels, no config */
	assert_int_equal(parse("{\"Id\":\"a\",\"Name\":\"n\",\"Config\":{\"Image\":\"i\","
			       "\"Labels\":null}}", &id), 0);
	assert_string_equal(id.image, "i");
	assert_string_equal(id.pod_name, "");
	assert_int_equal(parse("{\"Id\":\"a\",\"Name\":\"n\"}", &id), 0);
	assert_string_equal(id.name, "n");
	assert_string_equal(id.image, "");
}

/* A label is whatever the container's creator wrote: decoded, cut to
 * the cap, never past the buffer. Escaping is the JSON writer's job. */
static void test_hostile_values(void **state)
{
	static char body[40000];
	struct ctr_identity id;
	char big[15000];

	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	snprintf(body, sizeof(body), "{\"Id\":\"a\",\"Name\":\"/%s\",\"Config\":"
		 "{\"Image\":\"%s\",\"Labels\":{\"io.kubernetes.pod.name\":"
		 "\"a\\\"b\\n\\u001b[2J\\\\\"}}}", big, big);
	assert_int_equal(parse(body, &id), 0);
	assert_int_equal(strlen(id.name), CTR_NAME_MAX - 1);
	assert_int_equal(strlen(id.image), CTR_IMAGE_MAX - 1);
	assert_string_equal(id.pod_name, "a\"b\n\x1b[2J\\");
	/* a nested "Name" is not the container's */
	assert_int_equal(parse("{\"Id\":\"a\",\"State\":{\"Name\":\"x\"}}", &id), 0);
	assert_string_equal(id.name, "");
}

static void test_not_a_container(void **state)
{
	struct ctr_identity id;

	assert_int_equal(parse("", &id), -EINVAL);
	assert_int_equal(parse("{\"message\":\"No such container: x\"}", &id), -EINVAL);
	assert_int_equal(parse("[1,2]", &id), -EINVAL);
	assert_int_equal(parse("{\"Id\":", &id), -EINVAL);
	assert_int_equal(parse("{\"Id\":\"a\",\"Config\":\"{\\\"Image\\\":1}\"}", &id), 0);
	assert_string_equal(id.image, "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_docker_reply),
		cmocka_unit_test(test_hostile_values),
		cmocka_unit_test(test_not_a_container),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
