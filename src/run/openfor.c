/* Opens on the caller's behalf. After warden has judged an open, a
 * "continue" would make the kernel read the path from the caller's
 * memory again, where another thread may have put another path (TOCTOU).
 * Instead warden opens what it judged itself and hands the descriptor in
 * with SECCOMP_IOCTL_NOTIF_ADDFD + SECCOMP_ADDFD_FLAG_SEND: the fd becomes
 * the return value of the caller's syscall, atomically, and the kernel
 * never looks at the path again.
 *
 * What warden opens is the resolved path (every symlink already
 * followed), with RESOLVE_NO_SYMLINKS, so a symlink planted since the
 * judgement fails the open (ELOOP) instead of leading elsewhere. A magic
 * link to a non-path object (a pipe behind /dev/stdout) is reopened as
 * the link itself. It opens with the caller's fsuid, fsgid, groups and
 * umask, so root warden never opens what the step could not. Credentials
 * are per thread in the kernel: they are set with raw syscalls (glibc's
 * wrappers would change every thread; warden run has one) and put back
 * before anything else runs. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/openat2.h>
#include <linux/seccomp.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include "lib/log.h"
#include "run/internal.h"

#define MAX_GROUPS 64

struct creds {
	unsigned fsuid, fsgid, umask;
	gid_t groups[MAX_GROUPS];
	int ngroups;
};

static bool addfd_missing;	/* the kernel lacks SECCOMP_ADDFD_FLAG_SEND (< 5.14) */

/* "Uid:\tR E S F" and friends from /proc/TID/status. */
static int read_creds(pid_t tid, struct creds *c)
{
	char path[64], line[1024];
	unsigned r, e, s;
	int seen = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", tid);
	f = fopen(path, "re");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "Umask: %o", &c->umask) == 1)
			seen |= 1;
		else if (sscanf(line, "Uid: %u %u %u %u", &r, &e, &s, &c->fsuid) == 4)
			seen |= 2;
		else if (sscanf(line, "Gid: %u %u %u %u", &r, &e, &s, &c->fsgid) == 4)
			seen |= 4;
		else if (!strncmp(line, "Groups:", 7)) {
			char *p = line + 7, *end;

			for (c->ngroups = 0; c->ngroups < MAX_GROUPS; c->ngroups++) {
				unsigned long g = strtoul(p, &end, 10);

				if (end == p)
					break;
				c->groups[c->ngroups] = g;
				p = end;
			}
			seen |= 8;
		}
	}
	fclose(f);
	return seen == 15 ? 0 : -ESRCH;
}

static struct creds own;	/* warden's, to go back to */

static void set_creds(const struct creds *c)
{
	syscall(SYS_setgroups, c->ngroups, c->groups);
	syscall(SYS_setfsgid, c->fsgid);
	syscall(SYS_setfsuid, c->fsuid);
}

/* Back to warden's own: a failure here would leave root warden with the
 * step's rights (or the reverse) for the rest of the run. */
static void restore_creds(void)
{
	set_creds(&own);
	if ((unsigned)syscall(SYS_setfsuid, -1) != own.fsuid ||
	    (unsigned)syscall(SYS_setfsgid, -1) != own.fsgid) {
		log_err("run: cannot restore warden's credentials; giving up");
		abort();
	}
}

static int open_as(const struct creds *c, int dirfd, const char *path,
		   const struct open_how *how)
{
	static bool own_read;
	mode_t old;
	int fd, err;

	if (!own_read && read_creds(getpid(), &own))
		return -ESRCH;
	own_read = true;
	old = umask(0);		/* the caller's umask is in how->mode */
	set_creds(c);
	fd = syscall(SYS_openat2, dirfd, path, how, sizeof(*how));
	err = errno;
	restore_creds();
	umask(old);
	return fd < 0 ? -err : fd;
}

/* The answer: fd as the return value of the caller's open. */
static int send_fd(int notif_fd, const struct seccomp_notif *req, int fd,
		   bool cloexec)
{
	struct seccomp_notif_addfd a = {
		.id = req->id, .flags = SECCOMP_ADDFD_FLAG_SEND,
		.srcfd = fd, .newfd_flags = cloexec ? O_CLOEXEC : 0,
	};

	if (ioctl(notif_fd, SECCOMP_IOCTL_NOTIF_ADDFD, &a) >= 0)
		return 0;
	if (errno == EINVAL || errno == ENOTTY)
		addfd_missing = true;
	return -errno;
}

static int send_error(int notif_fd, const struct seccomp_notif *req, int err)
{
	struct seccomp_notif_resp resp = { .id = req->id, .error = err };

	if (ioctl(notif_fd, SECCOMP_IOCTL_NOTIF_SEND, &resp) && errno != ENOENT)
		return -errno;
	return 0;
}

/* What open(2) and openat(2) do with their flags before the common code:
 * unknown bits ignored (openat2 refuses them), O_PATH keeps only its own
 * companions, and a 64-bit caller always gets O_LARGEFILE. */
static uint64_t legacy_flags(uint64_t flags)
{
	const uint64_t valid = O_ACCMODE | O_CREAT | O_EXCL | O_NOCTTY |
		O_TRUNC | O_APPEND | O_NONBLOCK | O_DSYNC | FASYNC | O_DIRECT |
		O_LARGEFILE | O_DIRECTORY | O_NOFOLLOW | O_NOATIME | O_CLOEXEC |
		O_PATH | __O_TMPFILE | O_SYNC;

	flags = (uint32_t)flags & valid;
	if (flags & O_PATH)
		flags &= O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC;
	return flags | O_LARGEFILE;
}

/* openat2 with RESOLVE_BENEATH or RESOLVE_IN_ROOT resolves against its
 * dirfd, which the supervisor's walk does not model: warden opens the
 * caller's string (its own copy) from the caller's dirfd instead, with
 * the caller's resolve flags. */
static bool dirfd_relative(const struct open_for *o)
{
	return o->resolve & (RESOLVE_BENEATH | RESOLVE_IN_ROOT);
}

static int open_from_dirfd(const struct creds *c, pid_t tid,
			   const struct open_for *o, struct open_how *how)
{
	char base[64];
	int dfd, fd;

	if (o->dirfd == AT_FDCWD)
		snprintf(base, sizeof(base), "/proc/%d/cwd", tid);
	else
		snprintf(base, sizeof(base), "/proc/%d/fd/%d", tid, o->dirfd);
	dfd = open(base, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return -errno;
	how->resolve = o->resolve;
	fd = open_as(c, dfd, o->raw, how);
	close(dfd);
	return fd;
}

int run_open_for(int notif_fd, const struct seccomp_notif *req,
		 const struct open_for *o)
{
	/* warden's own copy never leaks into anything it runs */
	struct open_how how = {
		.flags = (o->legacy ? legacy_flags(o->flags) : o->flags) |
			 O_CLOEXEC | O_NOCTTY,
		.resolve = RESOLVE_NO_SYMLINKS | (o->resolve & ~RESOLVE_IN_ROOT),
	};
	const char *what = o->path;
	struct creds c;
	int fd, err;

	if (addfd_missing)
		return -ENOSYS;
	if (o->via[0]) {
		what = o->via;	/* the magic link itself */
		how.resolve = 0;
	} else if (o->path[0] != '/' && !dirfd_relative(o)) {
		return -ENOSYS;	/* nothing the supervisor resolved */
	}
	/* the creds are the caller's if its notification is still pending
	 * once they have been read (its tid was not reused meanwhile) */
	if (read_creds(req->pid, &c) ||
	    ioctl(notif_fd, SECCOMP_IOCTL_NOTIF_ID_VALID, &req->id))
		return send_error(notif_fd, req, -ESRCH);
	if (how.flags & (O_CREAT | __O_TMPFILE))
		how.mode = o->mode & 07777 & ~c.umask;
	if (dirfd_relative(o))
		fd = open_from_dirfd(&c, req->pid, o, &how);
	else
		fd = open_as(&c, AT_FDCWD, what, &how);
	if (fd < 0)
		return send_error(notif_fd, req, fd);
	if (o->vet && (err = o->vet(fd, o->vet_arg))) {
		close(fd);
		return send_error(notif_fd, req, err);
	}
	err = send_fd(notif_fd, req, fd, o->flags & O_CLOEXEC);
	close(fd);
	if (err == -ENOENT)
		return 0;	/* the caller is gone (or was interrupted) */
	return addfd_missing ? -ENOSYS : err;
}
