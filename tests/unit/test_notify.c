/* Unit tests for the sd_notify datagram protocol in core/notify.c: the
 * test owns the socket $NOTIFY_SOCKET names and reads what arrives. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <cmocka.h>
#include "core/notify.h"

/* A datagram socket bound to name (a path, or "@abstract"). */
static int listener(const char *name)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	size_t len = strlen(name);
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	assert_true(fd >= 0);
	memcpy(sa.sun_path, name, len);
	if (name[0] == '@')
		sa.sun_path[0] = '\0';
	else
		len++;
	assert_int_equal(bind(fd, (struct sockaddr *)&sa,
			      offsetof(struct sockaddr_un, sun_path) + len), 0);
	return fd;
}

static void expect_message(int fd, const char *want_prefix)
{
	char buf[256];
	ssize_t n = recv(fd, buf, sizeof(buf) - 1, MSG_DONTWAIT);

	assert_true(n > 0);
	buf[n] = '\0';
	if (strncmp(buf, want_prefix, strlen(want_prefix)))
		fail_msg("got \"%s\", wanted it to start with \"%s\"", buf, want_prefix);
}

static void test_path_socket(void **state)
{
	char dir[] = "/tmp/notify.XXXXXX", path[64];
	int fd;

	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/notify", dir);
	fd = listener(path);
	setenv("NOTIFY_SOCKET", path, 1);
	notify_ready();
	expect_message(fd, "READY=1\nSTATUS=");
	notify_reloading();
	expect_message(fd, "RELOADING=1\nMONOTONIC_USEC=");
	notify_stopping();
	expect_message(fd, "STOPPING=1");
	close(fd);
	unlink(path);
	rmdir(dir);
}

static void test_abstract_socket(void **state)
{
	char name[64];
	int fd;

	snprintf(name, sizeof(name), "@warden-test-notify-%d", getpid());
	fd = listener(name);
	setenv("NOTIFY_SOCKET", name, 1);
	assert_int_equal(notify_send("READY=1"), 1);
	expect_message(fd, "READY=1");
	close(fd);
}

static void test_no_socket_is_quiet(void **state)
{
	unsetenv("NOTIFY_SOCKET");
	assert_int_equal(notify_send("READY=1"), 0);
	setenv("NOTIFY_SOCKET", "vsock:2:1234", 1);	/* a kind warden does not speak */
	assert_int_equal(notify_send("READY=1"), 0);
}

static void test_gone_socket_is_an_error(void **state)
{
	setenv("NOTIFY_SOCKET", "/nonexistent/warden-notify", 1);
	assert_int_equal(notify_send("READY=1"), -ENOENT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_path_socket),
		cmocka_unit_test(test_abstract_socket),
		cmocka_unit_test(test_no_socket_is_quiet),
		cmocka_unit_test(test_gone_socket_is_an_error),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
