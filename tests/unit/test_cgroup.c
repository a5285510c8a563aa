/* Unit tests for container ids read from cgroup paths (src/lib/cgroup.c), one
 * case per runtime layout the egress and process events rely on. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include "lib/cgroup.h"

#define ID "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

static void expect(const char *path, const char *runtime)
{
	char id[CONTAINER_ID_LEN + 1] = "";
	const char *rt = container_id_from_path(path, id);

	if (!runtime) {
		if (rt)
			fail_msg("%s: unexpected runtime %s", path, rt);
		return;
	}
	if (!rt)
		fail_msg("%s: no container id found", path);
	assert_string_equal(rt, runtime);
	assert_string_equal(id, ID);
}

static void test_docker(void **state)
{
	expect("/system.slice/docker-" ID ".scope", "docker");
	expect("/docker/" ID, "docker");			/* cgroupfs driver */
	expect("/test/system.slice/docker-" ID ".scope", "docker");
}

static void test_kubepods_containerd(void **state)
{
	expect("/kubepods.slice/kubepods-besteffort.slice/"
	       "kubepods-besteffort-pod1234_5678.slice/cri-containerd-" ID ".scope",
	       "containerd");
	expect("/kubepods/burstable/pod1234-5678/" ID, "kubepods");
}

static void test_crio_and_podman(void **state)
{
	expect("/kubepods.slice/kubepods-pod1.slice/crio-" ID ".scope", "crio");
	expect("/machine.slice/libpod-" ID ".scope", "podman");
	expect("/user.slice/user-1000.slice/user@1000.service/user.slice/libpod-"
	       ID ".scope/container", "podman");		/* nested below */
}

static void test_no_container(void **state)
{
	expect("/", NULL);
	expect("/system.slice/sshd.service", NULL);
	expect("/system.slice/docker-" "0123.scope", NULL);	/* too short */
	expect("/system.slice/docker-" "0123456789ABCDEF0123456789ABCDEF"
	       "0123456789ABCDEF0123456789ABCDEF.scope", NULL); /* upper case */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_docker),
		cmocka_unit_test(test_kubepods_containerd),
		cmocka_unit_test(test_crio_and_podman),
		cmocka_unit_test(test_no_container),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
