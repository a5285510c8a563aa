/* connect workload: N x (socket + connect to 127.0.0.1:PORT + close).
 * The port must be closed: every connect() has to fail with ECONNREFUSED,
 * anything else (a listener appeared, EPERM from a policy) aborts the run.
 * usage: wl_connect N PORT */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>
#include "wl_common.h"

static int connect_refused(const struct sockaddr_in *sa)
{
	int fd, rc, err;

	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		perror("wl_connect: socket");
		return -1;
	}
	rc = connect(fd, (const struct sockaddr *)sa, sizeof(*sa));
	err = errno;
	close(fd);
	if (rc == 0 || err != ECONNREFUSED) {
		fprintf(stderr, "wl_connect: expected ECONNREFUSED, got %s\n",
			rc == 0 ? "a connection" : strerror(err));
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	const char *usage = "wl_connect N PORT";
	struct sockaddr_in sa = { .sin_family = AF_INET };
	long n, i, port;
	double t0;

	if (argc < 3)
		return fprintf(stderr, "usage: %s\n", usage), 2;
	n = wl_count(argv[1], usage);
	port = wl_count(argv[2], usage);
	if (port > 65535)
		return fprintf(stderr, "usage: %s\n", usage), 2;
	sa.sin_port = htons((unsigned short)port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	t0 = wl_now();
	for (i = 0; i < n; i++)
		if (connect_refused(&sa))
			return 1;
	wl_report(t0);
	return 0;
}
