/* For unit tests that read files: a temporary file holding some text. */
#ifndef WARDEN_TESTS_TMPFILE_H
#define WARDEN_TESTS_TMPFILE_H
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Write text to a new /tmp file; its path in path (64 bytes). The caller
 * unlinks it. */
static inline void tmpfile_with(char *path, const char *text)
{
	int fd;

	snprintf(path, 64, "/tmp/warden-unit-XXXXXX");
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
}
#endif
