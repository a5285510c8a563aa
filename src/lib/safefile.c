#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <linux/magic.h>
#include <sys/syscall.h>
#include <linux/openat2.h>
#include "lib/json.h"
#include "lib/safefile.h"

/* Codes for the refusals, told apart by safe_why(). */
#define E_SYMLINK	ELOOP
#define E_HARDLINK	EMLINK
#define E_OWNER		EOWNERDEAD
#define E_FILETYPE	EINVAL

/* openat with no symlink anywhere in path; without openat2 (before 5.6,
 * or filtered by seccomp) at least not in the last component. */
static int open_nofollow(int dirfd, const char *path, int flags, mode_t mode)
{
	static bool no_openat2;
	struct open_how how = {
		.flags = (unsigned)(flags | O_NOFOLLOW | O_CLOEXEC),
		.mode = flags & O_CREAT ? mode : 0,
		.resolve = RESOLVE_NO_SYMLINKS,
	};
	int fd;

	if (!no_openat2) {
		fd = (int)syscall(SYS_openat2, dirfd, path, &how, sizeof(how));
		if (fd >= 0)
			return fd;
		if (errno != ENOSYS && errno != EPERM)
			return -errno;
		no_openat2 = true;
	}
	fd = openat(dirfd, path, (int)how.flags, (mode_t)how.mode);
	return fd < 0 ? -errno : fd;
}

/* An existing file may be written if it is nobody else's: a regular
 * file with one link, owned by root or by us; or a FIFO or a character
 * device (a pipe to a consumer, /dev/null). */
static int check_existing(int fd)
{
	struct stat st;

	if (fstat(fd, &st))
		return -errno;
	if (S_ISFIFO(st.st_mode) || S_ISCHR(st.st_mode))
		return 0;
	if (!S_ISREG(st.st_mode))
		return -E_FILETYPE;
	if (st.st_nlink != 1)
		return -E_HARDLINK;
	if (st.st_uid != 0 && st.st_uid != geteuid())
		return -E_OWNER;
	return 0;
}

int safe_open_write(const char *path, enum safe_write how, mode_t mode)
{
	int flags = O_WRONLY | O_NOCTTY | (how == SAFE_APPEND ? O_APPEND : 0);
	int fd, err;

	fd = open_nofollow(AT_FDCWD, path, flags | O_CREAT | O_EXCL, mode);
	if (fd != -EEXIST)
		return fd;
	fd = open_nofollow(AT_FDCWD, path, flags, 0);
	if (fd < 0)
		return fd;
	err = check_existing(fd);
	if (err) {
		close(fd);
		return err;
	}
	return fd;
}

/* O_NOFOLLOW|O_DIRECTORY says ENOTDIR for a symlink: say what it is. */
int safe_open_dir_at(int dirfd, const char *path)
{
	int fd = open_nofollow(dirfd, path, O_RDONLY | O_DIRECTORY, 0);
	struct stat st;

	if (fd == -ENOTDIR && !fstatat(dirfd, path, &st, AT_SYMLINK_NOFOLLOW) &&
	    S_ISLNK(st.st_mode))
		return -E_SYMLINK;
	return fd;
}

int safe_open_dir(const char *path)
{
	char buf[PATH_MAX];
	size_t n = strlen(path);

	if (n >= sizeof(buf))
		return -ENAMETOOLONG;
	/* "link/" would make even O_NOFOLLOW follow the link */
	memcpy(buf, path, n + 1);
	while (n > 1 && buf[n - 1] == '/')
		buf[--n] = '\0';
	return safe_open_dir_at(AT_FDCWD, buf);
}

int safe_mkdirs(const char *path, mode_t mode)
{
	char buf[PATH_MAX], *save = NULL;
	int fd, next;

	if (strlen(path) >= sizeof(buf))
		return -ENAMETOOLONG;
	snprintf(buf, sizeof(buf), "%s", path);
	fd = open_nofollow(AT_FDCWD, path[0] == '/' ? "/" : ".", O_RDONLY | O_DIRECTORY, 0);
	for (char *c = strtok_r(buf, "/", &save); c && fd >= 0;
	     c = strtok_r(NULL, "/", &save)) {
		if (mkdirat(fd, c, mode) && errno != EEXIST) {
			next = -errno;
		} else {
			/* a symlink there is refused, not followed */
			next = safe_open_dir_at(fd, c);
		}
		close(fd);
		fd = next;
	}
	return fd;
}

int safe_rewrite(int fd, const void *buf, size_t len)
{
	struct stat st;
	size_t done = 0;

	if (fstat(fd, &st))
		return -errno;
	if (S_ISREG(st.st_mode) && (ftruncate(fd, 0) || lseek(fd, 0, SEEK_SET)))
		return -errno;
	while (done < len) {
		ssize_t w = write(fd, (const char *)buf + done, len - done);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return w < 0 ? -errno : -EIO;
		done += (size_t)w;
	}
	return 0;
}

bool safe_still_at(int fd, const char *path)
{
	struct stat a, b;

	return !fstat(fd, &a) && !fstatat(AT_FDCWD, path, &b, AT_SYMLINK_NOFOLLOW) &&
	       a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

const char *safe_why(int err)
{
	switch (abs(err)) {
	case E_SYMLINK:
		return "the path goes through a symbolic link (refused: give "
		       "the real path)";
	case E_HARDLINK:
		return "the file has other hard links (refused: it may be "
		       "another file)";
	case E_OWNER:
		return "the file belongs to another user (refused)";
	case E_FILETYPE:
		return "not a regular file, FIFO or character device (refused)";
	}
	return strerror(abs(err));
}

/* ---- text --------------------------------------------------------- */

/* Bytes of the printable character at s (avail bytes left), or 0 if
 * s[0] must be escaped. */
static size_t printable_len(const unsigned char *s, size_t avail)
{
	size_t n;

	if (s[0] < 0x80)
		return s[0] >= 0x20 && s[0] != 0x7f;
	n = utf8_seq_len(s, avail);
	if (n == 2 && s[0] == 0xc2 && s[1] < 0xa0)
		return 0;	/* C1 controls, U+0080..U+009F (0x9b: CSI) */
	return n;
}

/* s[0..len) escaped; quote: one more ASCII byte that gets a backslash. */
static void put_escaped(FILE *f, const char *str, size_t len, char quote)
{
	const unsigned char *s = (const unsigned char *)str, *end = s + len;

	while (s < end) {
		size_t n = printable_len(s, (size_t)(end - s));

		if (n == 1 && (*s == '\\' || (quote && *s == quote)))
			fprintf(f, "\\%c", *s);
		else if (n)
			fwrite(s, 1, n, f);
		else if (*s == '\n' || *s == '\t' || *s == '\r')
			fprintf(f, "\\%c", *s == '\n' ? 'n' : *s == '\t' ? 't' : 'r');
		else
			fprintf(f, "\\x%02x", *s);
		s += n ? n : 1;
	}
}

void safe_put_text(FILE *f, const char *s)
{
	put_escaped(f, s, strlen(s), 0);
}

void safe_put_shell(FILE *f, const char *s)
{
	static const char plain[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
				    "0123456789_@%+=:,./-";
	const char *q;

	if (*s && strspn(s, plain) == strlen(s)) {
		fputs(s, f);
		return;
	}
	fputc('\'', f);
	for (; (q = strchr(s, '\'')); s = q + 1) {
		put_escaped(f, s, (size_t)(q - s), 0);
		fputs("'\\''", f);
	}
	put_escaped(f, s, strlen(s), 0);
	fputc('\'', f);
}

void safe_put_yaml(FILE *f, const char *s)
{
	fputc('"', f);
	put_escaped(f, s, strlen(s), '"');
	fputc('"', f);
}

bool safe_on_bpffs(int fd)
{
	struct statfs st;

	return !fstatfs(fd, &st) && st.f_type == BPF_FS_MAGIC;
}
