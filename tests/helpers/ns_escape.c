/* Attacker helper: syscalls to the effect of unshare and mount under other
 * names, which a rule on unshare or mount must also cover.
 *
 *   ns_escape clone     clone(CLONE_NEWUSER|CLONE_NEWNS), the child exits
 *   ns_escape clone3    the same through clone3
 *   ns_escape plain     clone3 without namespace flags (a plain fork)
 *   ns_escape fsopen    fsopen("tmpfs"): the new mount API's first step
 *
 * Prints what happened; exit 0 when the calls succeeded, 1 otherwise. */
#define _GNU_SOURCE
#include <linux/sched.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static int child_done(long pid, const char *what)
{
	int status;

	printf("%s: %ld\n", what, pid);
	fflush(stdout);
	if (pid < 0)
		return 1;
	if (pid == 0)
		_exit(0);
	return waitpid(pid, &status, 0) != pid || !WIFEXITED(status);
}

static long clone3_with(uint64_t flags)
{
	struct clone_args a;

	memset(&a, 0, sizeof(a));
	a.flags = flags;
	a.exit_signal = SIGCHLD;
	return syscall(SYS_clone3, &a, sizeof(a));
}

int main(int argc, char **argv)
{
	const char *op = argc > 1 ? argv[1] : "";

	if (!strcmp(op, "clone"))
		return child_done(syscall(SYS_clone, CLONE_NEWUSER | CLONE_NEWNS |
					  SIGCHLD, 0, 0, 0, 0), "clone");
	if (!strcmp(op, "clone3"))
		return child_done(clone3_with(CLONE_NEWUSER | CLONE_NEWNS), "clone3");
	if (!strcmp(op, "plain"))
		return child_done(clone3_with(0), "clone3");
	if (!strcmp(op, "fsopen")) {
		long fd = syscall(SYS_fsopen, "tmpfs", 0);

		printf("fsopen: %ld\n", fd);
		return fd < 0;
	}
	fprintf(stderr, "usage: ns_escape clone | clone3 | plain | fsopen\n");
	return 2;
}
