/* exec_via MODE PATH [ARGS...]: execute PATH by an indirect route, so tests
 * can check that a path rule still matches the file actually executed.
 *   fd      execveat(fd, "", AT_EMPTY_PATH)
 *   procfd  execve("/proc/self/fd/N")
 *   dirfd   execveat(dirfd of PATH's directory, basename, 0)
 * Exits 127 if the exec itself fails. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/syscall.h>

extern char **environ;

static int do_execveat(int dirfd, const char *path, char **argv, int flags)
{
	return syscall(SYS_execveat, dirfd, path, argv, environ, flags);
}

int main(int argc, char **argv)
{
	char buf[64], dir[4096], base[4096];
	int fd;

	if (argc < 3) {
		fprintf(stderr, "usage: exec_via fd|procfd|dirfd PATH [ARGS...]\n");
		return 2;
	}
	if (!strcmp(argv[1], "dirfd")) {
		snprintf(dir, sizeof(dir), "%s", argv[2]);
		snprintf(base, sizeof(base), "%s", argv[2]);
		fd = open(dirname(dir), O_RDONLY | O_DIRECTORY);
		do_execveat(fd, basename(base), argv + 2, 0);
	} else {
		fd = open(argv[2], O_RDONLY);
		if (fd < 0) {
			perror("open");
			return 127;
		}
		if (!strcmp(argv[1], "fd")) {
			do_execveat(fd, "", argv + 2, AT_EMPTY_PATH);
		} else {
			snprintf(buf, sizeof(buf), "/proc/self/fd/%d", fd);
			execve(buf, argv + 2, environ);
		}
	}
	perror("exec");
	return 127;
}
