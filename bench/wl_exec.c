/* exec workload: N x posix_spawn(BINARY) and wait for each child.
 * usage: wl_exec N [BINARY [RATE]]   (BINARY defaults to /bin/true)
 * RATE > 0 paces the spawns at RATE per second (absolute deadlines, so a
 * late spawn does not shift the later ones); 0 or absent: as fast as it can. */
#include <spawn.h>
#include <sys/wait.h>
#include "wl_common.h"

extern char **environ;

static int spawn_and_wait(const char *path)
{
	char *argv[] = { (char *)path, NULL };
	int status, err;
	pid_t pid;

	err = posix_spawn(&pid, path, NULL, NULL, argv, environ);
	if (err) {
		fprintf(stderr, "wl_exec: posix_spawn %s: %s\n", path, strerror(err));
		return -1;
	}
	if (waitpid(pid, &status, 0) < 0) {
		perror("wl_exec: waitpid");
		return -1;
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		/* A killed child means a policy hit something it should not. */
		fprintf(stderr, "wl_exec: %s ended abnormally (status 0x%x)\n", path, status);
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	const char *usage = "wl_exec N [BINARY [RATE]]";
	double rate = argc > 3 ? atof(argv[3]) : 0;
	const char *path = argc > 2 ? argv[2] : "/bin/true";
	long n, i;
	double t0;

	if (argc < 2)
		return fprintf(stderr, "usage: %s\n", usage), 2;
	n = wl_count(argv[1], usage);
	t0 = wl_now();
	for (i = 0; i < n; i++) {
		if (rate > 0)
			wl_pace(t0 + (double)i / rate);
		if (spawn_and_wait(path))
			return 1;
	}
	wl_report(t0);
	return 0;
}
