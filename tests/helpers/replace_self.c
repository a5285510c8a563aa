/* Attacker helper, run as a step's command: replace_self mv PAYLOAD puts
 * PAYLOAD at its own path (rename, a new inode) and execs that path, as
 * `mv payload ./step && ./step` would; replace_self mvdir PAYLOAD moves
 * its directory aside first and puts PAYLOAD at the same path in a new
 * directory (no rename ever names the command's file); replace_self
 * write opens its own file for writing (to change it in place). Prints
 * what happened; the payload prints its own output once it runs. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

int main(int argc, char **argv)
{
	char self[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);

	if (n <= 0 || argc < 2)
		return 2;
	self[n] = '\0';
	if (!strcmp(argv[1], "write")) {
		int fd = open(self, O_WRONLY);

		printf("write: %s\n", fd < 0 ? strerrorname_np(errno) : "opened");
		return 0;
	}
	if (argc < 3 || (strcmp(argv[1], "mv") && strcmp(argv[1], "mvdir")))
		return 2;
	if (!strcmp(argv[1], "mvdir")) {
		char dir[PATH_MAX], old[PATH_MAX + 8];

		snprintf(dir, sizeof(dir), "%s", self);
		*strrchr(dir, '/') = '\0';
		snprintf(old, sizeof(old), "%s.old", dir);
		if (rename(dir, old) || mkdir(dir, 0755)) {
			printf("mvdir: %s\n", strerrorname_np(errno));
			return 1;
		}
	}
	if (rename(argv[2], self)) {
		printf("mv: %s\n", strerrorname_np(errno));
		return 1;
	}
	printf("replaced %s\n", self);
	fflush(stdout);
	execl(self, self, (char *)NULL);
	printf("exec: %s\n", strerrorname_np(errno));
	return 1;
}
