#include <errno.h>
#include <stdbool.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "policy/trust.h"

static int check_one(const char *path, bool is_dir, char *why, size_t len)
{
	struct stat st;

	if (stat(path, &st)) {
		int err = -errno;

		snprintf(why, len, "%s: %s", path, strerror(-err));
		return err;
	}
	if (st.st_uid != 0) {
		snprintf(why, len, "%s is owned by uid %u, not root", path, st.st_uid);
		return -EPERM;
	}
	if (st.st_mode & S_IWGRP && st.st_gid != 0) {
		snprintf(why, len, "%s is writable by group %u", path, st.st_gid);
		return -EPERM;
	}
	if ((st.st_mode & S_IWOTH) && !(is_dir && (st.st_mode & S_ISVTX))) {
		snprintf(why, len, "%s is writable by anyone", path);
		return -EPERM;
	}
	return 0;
}

int file_trusted(const char *path, char *why, size_t len)
{
	char real[PATH_MAX], *slash;
	int err;

	if (!realpath(path, real)) {
		err = -errno;
		snprintf(why, len, "%s: %s", path, strerror(-err));
		return err;
	}
	err = check_one(real, false, why, len);
	while (!err && (slash = strrchr(real, '/'))) {
		if (slash == real) {
			err = check_one("/", true, why, len);
			break;
		}
		*slash = '\0';
		err = check_one(real, true, why, len);
	}
	return err;
}
