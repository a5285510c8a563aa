/* Paths as the kernel resolves them for another process: the base is the
 * task's cwd or the directory behind its dirfd (/proc/PID/cwd, fd/N);
 * each component is walked in order so ".." applies after symlinks, as in
 * the kernel, and symlinks are followed (up to 40, like the kernel).
 * /proc/self means the task, not warden. Resolution runs in warden's mount
 * namespace and ignores a chroot of the task (see docs/run.md). */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include "run/internal.h"

#define MAX_LINKS 40

static int read_link(const char *path, char *buf, size_t len)
{
	ssize_t n = readlink(path, buf, len - 1);

	if (n < 0)
		return -errno;
	buf[n] = '\0';
	return 0;
}

/* The directory a relative path starts from. */
static int base_dir(pid_t pid, int dirfd, char *buf, size_t len)
{
	char link[64];

	if (dirfd == AT_FDCWD)
		snprintf(link, sizeof(link), "/proc/%d/cwd", pid);
	else
		snprintf(link, sizeof(link), "/proc/%d/fd/%d", pid, dirfd);
	return read_link(link, buf, len);
}

/* Drop the last component of an absolute path ("/" stays "/"). */
static void pop(char *res)
{
	char *s = strrchr(res, '/');

	if (s == res)
		res[1] = '\0';
	else if (s)
		*s = '\0';
}

static int append(char *res, size_t len, const char *comp, size_t n)
{
	size_t rl = strlen(res);

	if (rl + n + 2 > len)
		return -ENAMETOOLONG;
	if (res[rl - 1] != '/')
		res[rl++] = '/';
	memcpy(res + rl, comp, n);
	res[rl + n] = '\0';
	return 0;
}

/* What /proc/self and /proc/thread-self mean to the task. */
static bool proc_self(const char *res, pid_t pid, char *out, size_t len)
{
	if (strcmp(res, "/proc/self") && strcmp(res, "/proc/thread-self"))
		return false;
	snprintf(out, len, "/proc/%d", pid);
	return true;
}

struct walk {
	pid_t pid;
	bool follow;
	int links;
	char res[PATH_MAX];	/* resolved so far */
	char *via;		/* out: the magic link to a non-path object */
	size_t via_len;
};

/* A /proc magic link whose target no path reaches: a pipe, socket or
 * anon inode ("pipe:[123]"), or a deleted file or memfd ("/x (deleted)").
 * Opening the link itself reopens that object. */
static bool is_magic_target(const char *link, const char *tgt)
{
	size_t n = strlen(tgt), d = strlen(" (deleted)");
	struct stat st;

	if (strncmp(link, "/proc/", 6))
		return false;
	if (tgt[0] != '/')
		return strchr(tgt, ':') && !strchr(tgt, '/');
	return n > d && !strcmp(tgt + n - d, " (deleted)") && lstat(tgt, &st);
}

static int walk_path(struct walk *w, const char *path, size_t len);

/* link is a symlink with target tgt: continue from there. */
static int follow_link(struct walk *w, const char *link, const char *tgt,
		       const char *rest)
{
	char buf[PATH_MAX * 2];

	if (++w->links > MAX_LINKS)
		return -ELOOP;
	if (is_magic_target(link, tgt)) {
		snprintf(w->res, sizeof(w->res), "%s", tgt);
		if (w->via)
			snprintf(w->via, w->via_len, "%s", link);
		return 1;
	}
	if (tgt[0] == '/')
		strcpy(w->res, "/");
	snprintf(buf, sizeof(buf), "%s/%s", tgt, rest);
	return walk_path(w, buf, sizeof(buf));
}

static int walk_path(struct walk *w, const char *path, size_t len)
{
	char cand[PATH_MAX], tgt[PATH_MAX];
	const char *p = path;
	struct stat st;

	while (*p) {
		const char *end;
		size_t n;
		bool last;
		int err;

		while (*p == '/')
			p++;
		end = strchrnul(p, '/');
		n = end - p;
		if (!n)
			break;
		last = !end[strspn(end, "/")];
		if (n == 1 && p[0] == '.') {
			p = end;
			continue;
		}
		if (n == 2 && p[0] == '.' && p[1] == '.') {
			pop(w->res);
			p = end;
			continue;
		}
		snprintf(cand, sizeof(cand), "%s", w->res);
		if ((err = append(cand, sizeof(cand), p, n)))
			return err;
		if (proc_self(cand, w->pid, cand, sizeof(cand)) ||
		    (last && !w->follow) || lstat(cand, &st) ||
		    !S_ISLNK(st.st_mode)) {
			/* a missing component: the rest stays as written */
			snprintf(w->res, sizeof(w->res), "%s", cand);
			p = end;
			continue;
		}
		if ((err = read_link(cand, tgt, sizeof(tgt))))
			return err;
		return follow_link(w, cand, tgt, end);
	}
	return 0;
}

int run_path_resolve(pid_t pid, int dirfd, const char *path, bool follow,
		     char *out, size_t len, char *via, size_t via_len)
{
	struct walk w = { .pid = pid, .follow = follow, .res = "/",
			  .via = via, .via_len = via_len };
	int err = 0;

	if (via)
		via[0] = '\0';
	if (!*path)
		return -ENOENT;
	if (path[0] != '/') {
		char base[PATH_MAX];

		if ((err = base_dir(pid, dirfd, base, sizeof(base))))
			return err;
		if (base[0] != '/')
			return -ENOTDIR;
		/* the base is already resolved: no links to follow in it */
		snprintf(w.res, sizeof(w.res), "%s", base);
	}
	err = walk_path(&w, path, strlen(path));
	if (err < 0)
		return err;
	if (snprintf(out, len, "%s", w.res) >= (int)len)
		return -ENAMETOOLONG;
	return 0;
}

bool run_path_always_writable(const char *path)
{
	static const char *const devs[] = {
		"/dev/null", "/dev/zero", "/dev/full", "/dev/tty", "/dev/ptmx",
		"/dev/random", "/dev/urandom",
	};

	if (strncmp(path, "/dev/pts/", 9) == 0)
		return true;
	for (size_t i = 0; i < sizeof(devs) / sizeof(devs[0]); i++)
		if (strcmp(path, devs[i]) == 0)
			return true;
	return false;
}

/* The fd number a path names when it re-opens one of the task's own fds
 * (/dev/stdout, /dev/fd/N, /proc/self/fd/N), else -1. */
static int reopened_fd(pid_t pid, const char *raw)
{
	char own[32];
	const char *n = NULL;

	snprintf(own, sizeof(own), "/proc/%d/fd/", pid);
	if (!strcmp(raw, "/dev/stdout"))
		return 1;
	if (!strcmp(raw, "/dev/stderr"))
		return 2;
	if (!strncmp(raw, "/dev/fd/", 8))
		n = raw + 8;
	else if (!strncmp(raw, "/proc/self/fd/", 14))
		n = raw + 14;
	else if (!strncmp(raw, own, strlen(own)))
		n = raw + strlen(own);
	if (!n || !*n || strspn(n, "0123456789") != strlen(n))
		return -1;
	return atoi(n);
}

/* Re-opening an fd the task already holds for writing grants nothing new
 * (a CI runner's log file behind stdout, say), so it is not a new write. */
bool run_path_reopens_write_fd(pid_t pid, const char *raw)
{
	char info[64], line[128];
	unsigned flags = 0;
	int fd = reopened_fd(pid, raw);
	FILE *f;

	if (fd < 0)
		return false;
	snprintf(info, sizeof(info), "/proc/%d/fdinfo/%d", pid, fd);
	f = fopen(info, "r");
	if (!f)
		return false;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "flags: %o", &flags) == 1)
			break;
	fclose(f);
	return (flags & O_ACCMODE) != O_RDONLY;
}
