/* Attacker helper: cgroup_escape DIR CMD...: clone3(CLONE_INTO_CGROUP)
 * with an fd of cgroup DIR; the child runs CMD there. Exit 0 when the
 * child started in DIR ("escaped"), 1 when clone3 was refused, 2 on a
 * usage error. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <linux/sched.h>
#include <sys/syscall.h>
#include <sys/wait.h>

int main(int argc, char **argv)
{
	struct clone_args ca = { .exit_signal = SIGCHLD };
	long pid;
	int fd, st;

	if (argc < 3) {
		fprintf(stderr, "usage: cgroup_escape CGROUP_DIR CMD...\n");
		return 2;
	}
	fd = open(argv[1], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0) {
		perror(argv[1]);
		return 1;
	}
	ca.flags = CLONE_INTO_CGROUP;
	ca.cgroup = fd;
	pid = syscall(SYS_clone3, &ca, sizeof(ca));
	if (pid < 0) {
		printf("refused: %s\n", strerror(errno));
		return 1;
	}
	if (pid == 0) {
		execvp(argv[2], argv + 2);
		_exit(127);
	}
	waitpid(pid, &st, 0);
	printf("escaped: pid %ld\n", pid);
	return 0;
}
