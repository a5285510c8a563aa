/* Attacker helper: make syscalls through the ia32 entry (`int 0x80`) from
 * a 64-bit process, where syscalls:sys_enter_* tracepoints do not fire.
 * Pointers must be 32-bit addresses, so strings live in a MAP_32BIT page.
 *
 *   compat32 unshare           unshare(CLONE_NEWUTS), then sethostname
 *   compat32 open PATH [w]     open PATH read-only (or for writing), write
 *                              a byte when w
 *   compat32 kill PID SIG      kill(PID, SIG)
 *
 * Prints what happened; exit 0 when every call succeeded, 1 otherwise. */
#define _GNU_SOURCE
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

/* ia32 syscall numbers (arch/x86/entry/syscalls/syscall_32.tbl) */
#define NR32_WRITE	4
#define NR32_OPEN	5
#define NR32_CLOSE	6
#define NR32_KILL	37
#define NR32_SETHOSTNAME 74
#define NR32_UNSHARE	310
#define O32_WRONLY	01

static long sys32(long nr, long a, long b, long c)
{
	long ret;

	/* int 0x80 in 64-bit mode clobbers r8-r11 */
	__asm__ volatile("int $0x80" : "=a"(ret)
			 : "a"(nr), "b"(a), "c"(b), "d"(c)
			 : "memory", "r8", "r9", "r10", "r11");
	return ret;
}

static char *low_copy(const char *s)
{
	char *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_32BIT, -1, 0);

	if (p == MAP_FAILED || strlen(s) >= 4096) {
		perror("mmap MAP_32BIT");
		exit(2);
	}
	strcpy(p, s);
	return p;
}

static int report(const char *what, long ret)
{
	printf("%s: %ld\n", what, ret);
	fflush(stdout);
	return ret < 0;
}

int main(int argc, char **argv)
{
	if (argc >= 2 && !strcmp(argv[1], "unshare")) {
		char *name = low_copy("compat32-ns");

		if (report("unshare", sys32(NR32_UNSHARE, CLONE_NEWUTS, 0, 0)))
			return 1;
		return report("sethostname", sys32(NR32_SETHOSTNAME,
						   (long)name, strlen(name), 0));
	}
	if (argc >= 3 && !strcmp(argv[1], "open")) {
		int wr = argc > 3 && argv[3][0] == 'w';
		long fd = sys32(NR32_OPEN, (long)low_copy(argv[2]),
				wr ? O32_WRONLY : 0, 0);

		if (report("open", fd))
			return 1;
		if (wr && report("write", sys32(NR32_WRITE, fd,
						(long)low_copy("X"), 1)))
			return 1;
		return report("close", sys32(NR32_CLOSE, fd, 0, 0));
	}
	if (argc >= 4 && !strcmp(argv[1], "kill"))
		return report("kill", sys32(NR32_KILL, atol(argv[2]),
					    atol(argv[3]), 0));
	fprintf(stderr, "usage: compat32 unshare | open PATH [w] | kill PID SIG\n");
	return 2;
}
