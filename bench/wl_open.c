/* open workload: N x open(FILE, O_RDONLY) + close.
 * usage: wl_open N FILE   (FILE must exist) */
#include <fcntl.h>
#include <unistd.h>
#include "wl_common.h"

int main(int argc, char **argv)
{
	const char *usage = "wl_open N FILE";
	long n, i;
	double t0;
	int fd;

	if (argc < 3)
		return fprintf(stderr, "usage: %s\n", usage), 2;
	n = wl_count(argv[1], usage);
	t0 = wl_now();
	for (i = 0; i < n; i++) {
		fd = open(argv[2], O_RDONLY | O_CLOEXEC);
		if (fd < 0) {
			fprintf(stderr, "wl_open: open %s: %s\n", argv[2], strerror(errno));
			return 1;
		}
		close(fd);
	}
	wl_report(t0);
	return 0;
}
