/* The sd_notify datagram protocol (see sd_notify(3), "Notes"): the
 * service manager passes a unix datagram socket in $NOTIFY_SOCKET, an
 * absolute path or, with a leading '@', an abstract name; the service
 * sends "KEY=VALUE\n..." to it. The manager checks the sender's pid
 * itself (SCM_CREDENTIALS are attached by the kernel on request). */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include "lib/log.h"
#include "core/notify.h"

/* Fill sa from $NOTIFY_SOCKET; returns the address length, 0 if unset
 * or of a kind warden does not speak (vsock:), negative if malformed. */
static socklen_t notify_addr(struct sockaddr_un *sa, int *err)
{
	const char *path = getenv("NOTIFY_SOCKET");
	size_t len;

	*err = 0;
	if (!path || (path[0] != '/' && path[0] != '@'))
		return 0;
	len = strlen(path);
	if (len < 2 || len >= sizeof(sa->sun_path)) {
		*err = -ENAMETOOLONG;
		return 0;
	}
	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	memcpy(sa->sun_path, path, len);
	if (path[0] == '@')
		sa->sun_path[0] = '\0';	/* abstract: no trailing NUL */
	else
		len++;
	return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len);
}

int notify_send(const char *state)
{
	struct sockaddr_un sa;
	socklen_t salen;
	ssize_t n;
	int fd, err;

	salen = notify_addr(&sa, &err);
	if (!salen)
		return err;
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	n = sendto(fd, state, strlen(state), MSG_NOSIGNAL,
		   (struct sockaddr *)&sa, salen);
	err = n < 0 ? -errno : 1;
	close(fd);
	return err;
}

/* A lost notification leaves the service manager waiting (start times
 * out) rather than wrong: say why once, carry on enforcing. */
static void send_or_warn(const char *state)
{
	int err = notify_send(state);

	if (err < 0)
		log_warn("cannot notify the service manager ($NOTIFY_SOCKET): %s",
			 strerror(-err));
}

void notify_ready(void)
{
	send_or_warn("READY=1\nSTATUS=enforcing the policy");
}

void notify_reloading(void)
{
	struct timespec ts;
	char msg[64];

	clock_gettime(CLOCK_MONOTONIC, &ts);
	snprintf(msg, sizeof(msg), "RELOADING=1\nMONOTONIC_USEC=%llu",
		 (unsigned long long)ts.tv_sec * 1000000ULL +
		 (unsigned long long)ts.tv_nsec / 1000);
	send_or_warn(msg);
}

void notify_stopping(void)
{
	send_or_warn("STOPPING=1");
}
