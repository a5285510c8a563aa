/* open_via handle|openat2 read|write PATH [DATA]: open PATH through a
 * syscall other than open/openat, then read it to stdout or write DATA.
 *   handle   name_to_handle_at (which opens nothing) + open_by_handle_at
 *            on a descriptor of the mount (CAP_DAC_READ_SEARCH): the
 *            open names no path
 *   openat2  openat2(AT_FDCWD, PATH, {flags})
 * Exit status: 0 done, 3 the open failed, 2 usage/setup. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/syscall.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int by_handle(const char *path, int flags)
{
	struct file_handle *fh = malloc(sizeof(*fh) + MAX_HANDLE_SZ);
	int mount_id, mfd;

	if (!fh)
		return -1;
	fh->handle_bytes = MAX_HANDLE_SZ;
	if (name_to_handle_at(AT_FDCWD, path, fh, &mount_id, 0)) {
		perror("name_to_handle_at");
		exit(2);
	}
	mfd = open("/", O_RDONLY | O_DIRECTORY);	/* any fd on the mount */
	return open_by_handle_at(mfd, fh, flags);
}

static int by_openat2(const char *path, int flags)
{
	struct open_how how = { .flags = flags };

	return syscall(SYS_openat2, AT_FDCWD, path, &how, sizeof(how));
}

int main(int argc, char **argv)
{
	int fd, write_mode;
	char buf[4096];
	ssize_t n;

	if (argc < 4 || (!strcmp(argv[2], "write") && argc < 5))
		return 2;
	write_mode = !strcmp(argv[2], "write");
	if (!strcmp(argv[1], "handle"))
		fd = by_handle(argv[3], write_mode ? O_WRONLY : O_RDONLY);
	else if (!strcmp(argv[1], "openat2"))
		fd = by_openat2(argv[3], write_mode ? O_WRONLY : O_RDONLY);
	else
		return 2;
	if (fd < 0) {
		perror(argv[1]);
		return 3;
	}
	if (write_mode)
		return write(fd, argv[4], strlen(argv[4])) < 0 ? 3 : 0;
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		fwrite(buf, 1, n, stdout);
	return 0;
}
