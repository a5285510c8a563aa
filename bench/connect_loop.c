/* connect() N times to 127.0.0.1:PORT (a closed port: each attempt is
 * refused at once) and print the seconds taken. Used by bench/egress.sh. */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>

int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 20000;
	int port = argc > 2 ? atoi(argv[2]) : 9;
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(port) };
	struct timespec t0, t1;

	inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (long i = 0; i < n; i++) {
		int fd = socket(AF_INET, SOCK_STREAM, 0);

		if (fd < 0) {
			perror("socket");
			return 1;
		}
		connect(fd, (struct sockaddr *)&sa, sizeof(sa));
		close(fd);
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	printf("%.4f\n", (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9);
	return 0;
}
