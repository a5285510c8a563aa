/* handle_open read|write PATH [DATA]: open PATH by file handle
 * (name_to_handle_at + open_by_handle_at, CAP_DAC_READ_SEARCH), so no
 * open/openat names the file, then read it to stdout or write DATA.
 * Exit status: 0 done, 3 the open by handle failed, 2 usage/setup. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	struct file_handle *fh = malloc(sizeof(*fh) + MAX_HANDLE_SZ);
	int mount_id, mfd, fd, write_mode;
	char buf[4096];
	ssize_t n;

	if (argc < 3 || !fh)
		return 2;
	write_mode = !strcmp(argv[1], "write");
	fh->handle_bytes = MAX_HANDLE_SZ;
	if (name_to_handle_at(AT_FDCWD, argv[2], fh, &mount_id, 0)) {
		perror("name_to_handle_at");
		return 2;
	}
	mfd = open("/", O_RDONLY | O_DIRECTORY);	/* any fd on the mount */
	fd = open_by_handle_at(mfd, fh, write_mode ? O_WRONLY : O_RDONLY);
	if (fd < 0) {
		perror("open_by_handle_at");
		return 3;
	}
	if (write_mode)
		return write(fd, argv[3], strlen(argv[3])) < 0 ? 3 : 0;
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		fwrite(buf, 1, n, stdout);
	return 0;
}
