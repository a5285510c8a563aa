/* fork workload: N x fork(), the child _exit()s at once, the parent waits.
 * usage: wl_fork N */
#include <sys/wait.h>
#include <unistd.h>
#include "wl_common.h"

int main(int argc, char **argv)
{
	const char *usage = "wl_fork N";
	long n, i;
	double t0;
	int status;

	if (argc < 2)
		return fprintf(stderr, "usage: %s\n", usage), 2;
	n = wl_count(argv[1], usage);
	t0 = wl_now();
	for (i = 0; i < n; i++) {
		pid_t pid = fork();

		if (pid < 0)
			return perror("wl_fork: fork"), 1;
		if (pid == 0)
			_exit(0);
		if (waitpid(pid, &status, 0) != pid)
			return perror("wl_fork: waitpid"), 1;
	}
	wl_report(t0);
	return 0;
}
