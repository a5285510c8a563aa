/* memfd_exec MODE FILE [ARGS...]: run FILE's bytes from an executable that
 * has no name in any directory, so tests can check the `@fileless` binary
 * selector.
 *   memfd    copy FILE into memfd_create("x"), execveat(fd, "", AT_EMPTY_PATH)
 *   procfd   the same memfd, through execve("/proc/self/fd/N")
 *   deleted  open FILE, unlink it, execveat(fd, "", AT_EMPTY_PATH)
 * argv[0] of the new image is FILE. Exits 127 if a step fails. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/syscall.h>

extern char **environ;

static int copy_to_memfd(const char *path)
{
	struct stat st;
	int in = open(path, O_RDONLY | O_CLOEXEC), fd;
	off_t off = 0;

	if (in < 0 || fstat(in, &st)) {
		perror(path);
		return -1;
	}
	/* not MFD_CLOEXEC: /proc/self/fd/N must still exist at exec */
	fd = memfd_create("x", 0);
	if (fd < 0) {
		perror("memfd_create");
		return -1;
	}
	while (off < st.st_size)
		if (sendfile(fd, in, &off, st.st_size - off) <= 0) {
			perror("sendfile");
			return -1;
		}
	close(in);
	return fd;
}

int main(int argc, char **argv)
{
	char buf[64];
	int fd;

	if (argc < 3) {
		fprintf(stderr, "usage: memfd_exec memfd|procfd|deleted FILE [ARGS...]\n");
		return 2;
	}
	if (!strcmp(argv[1], "deleted")) {
		fd = open(argv[2], O_RDONLY);
		if (fd < 0 || unlink(argv[2])) {
			perror(argv[2]);
			return 127;
		}
	} else {
		fd = copy_to_memfd(argv[2]);
		if (fd < 0)
			return 127;
	}
	if (!strcmp(argv[1], "procfd")) {
		snprintf(buf, sizeof(buf), "/proc/self/fd/%d", fd);
		execve(buf, argv + 2, environ);
	} else {
		syscall(SYS_execveat, fd, "", argv + 2, environ, AT_EMPTY_PATH);
	}
	perror("exec");
	return 127;
}
