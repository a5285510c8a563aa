/* What root writes on a path someone else may control (--output, --report,
 * --learn, --socket, --pin), and the text it writes there.
 *
 * Paths: no symbolic link is followed anywhere in the path (openat2
 * RESOLVE_NO_SYMLINKS; where the kernel lacks openat2, O_NOFOLLOW on the
 * last component), so a link planted by a user or a CI step cannot send
 * root's write elsewhere. An existing regular file is only written when it
 * has one link and belongs to root or the caller; a new file is created
 * with O_EXCL. A file that fails a check is never truncated.
 *
 * Text: names a step chose (binaries, arguments, paths, DNS names) can
 * hold terminal escapes or newlines; the writers below escape them. */
#ifndef WARDEN_SAFEFILE_H
#define WARDEN_SAFEFILE_H
#include <stdbool.h>
#include <stdio.h>
#include <sys/types.h>

enum safe_write {
	SAFE_APPEND,	/* events: keep what is there, add at the end */
	SAFE_REPLACE,	/* reports: the content is rewritten (safe_rewrite) */
};

/* Open path for writing: a new file (mode), or an existing one that
 * passes the checks, or a FIFO or character device (/dev/null). Never
 * truncates. Returns the fd (close-on-exec) or -errno; safe_why(-errno)
 * says why a path was refused. */
int safe_open_write(const char *path, enum safe_write how, mode_t mode);
/* A directory, opened O_RDONLY (readable with fdopendir), no symlink in
 * the path. fd or -errno. */
int safe_open_dir(const char *path);
/* The same, relative to dirfd. */
int safe_open_dir_at(int dirfd, const char *path);
/* Like `mkdir -p` with mode for what it creates, without following any
 * symlink; returns an O_RDONLY fd of the last directory or -errno. */
int safe_mkdirs(const char *path, mode_t mode);
/* Replace the whole content of fd (from safe_open_write) with buf[0..len). */
int safe_rewrite(int fd, const void *buf, size_t len);
/* Whether path (not followed) still names the file open as fd. */
bool safe_still_at(int fd, const char *path);
/* Whether the directory (or file) open as fd is on a BPF filesystem. */
bool safe_on_bpffs(int fd);
/* The reason for a refusal code of the functions above, else strerror. */
const char *safe_why(int err);

/* Text escaping. "\\" for a backslash; \n, \t, \r; \xHH for every other
 * control byte (C0, DEL, C1 code points) and each byte that is not UTF-8.
 * Everything else, printable UTF-8 included, as is. */
void safe_put_text(FILE *f, const char *s);
/* One word for a shell: as is when it holds only [A-Za-z0-9_@%+=:,./-],
 * else the escaped text in single quotes (' written as '\''). */
void safe_put_shell(FILE *f, const char *s);
/* A YAML double-quoted scalar: " and \ escaped, control bytes as above. */
void safe_put_yaml(FILE *f, const char *s);
#endif
