/* Attacker helper: file_bypass MODE PATH: change PATH through an entry
 * the path checks of a seccomp supervisor might not cover.
 *   uring       IORING_OP_OPENAT (O_WRONLY|O_CREAT) through a ring
 *   handle      name_to_handle_at + open_by_handle_at(O_WRONLY)
 *   openat2     openat2(O_WRONLY|O_CREAT)
 *   setxattr, lsetxattr, removexattr   user.warden on PATH
 *   fsetxattr   on an fd opened read-only
 *   setxattrat  the 6.13 *at call (x86-64 463)
 *   fchmod      mode 0777 through an fd opened read-only
 * Prints "MODE: done" or "MODE: refused: ERR"; exit 0 either way. Raw
 * syscalls, no liburing: the build needs no extra library. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/io_uring.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/xattr.h>
#include <unistd.h>

static int result(const char *mode, long r)
{
	if (r < 0)
		printf("%s: refused: %s\n", mode, strerrorname_np(errno) ?: "?");
	else
		printf("%s: done\n", mode);
	return 0;
}

/* One OPENAT through a ring; the result is the CQE's. */
static long uring_open(const char *path)
{
	struct io_uring_params p = { 0 };
	int fd = syscall(__NR_io_uring_setup, 4, &p);
	size_t sq_len, cq_len;
	unsigned char *sq, *cq;
	struct io_uring_sqe *sqes;
	struct io_uring_cqe *cqe;
	unsigned *tail, *array, *mask;

	if (fd < 0)
		return -1;
	sq_len = p.sq_off.array + p.sq_entries * sizeof(unsigned);
	cq_len = p.cq_off.cqes + p.cq_entries * sizeof(struct io_uring_cqe);
	sq = mmap(NULL, sq_len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE,
		  fd, IORING_OFF_SQ_RING);
	cq = mmap(NULL, cq_len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE,
		  fd, IORING_OFF_CQ_RING);
	sqes = mmap(NULL, p.sq_entries * sizeof(*sqes), PROT_READ | PROT_WRITE,
		    MAP_SHARED | MAP_POPULATE, fd, IORING_OFF_SQES);
	if (sq == MAP_FAILED || cq == MAP_FAILED || sqes == MAP_FAILED)
		return -1;
	memset(&sqes[0], 0, sizeof(sqes[0]));
	sqes[0].opcode = IORING_OP_OPENAT;
	sqes[0].fd = AT_FDCWD;
	sqes[0].addr = (unsigned long)path;
	sqes[0].open_flags = O_WRONLY | O_CREAT;
	sqes[0].len = 0644;
	tail = (unsigned *)(sq + p.sq_off.tail);
	mask = (unsigned *)(sq + p.sq_off.ring_mask);
	array = (unsigned *)(sq + p.sq_off.array);
	array[*tail & *mask] = 0;
	__atomic_store_n(tail, *tail + 1, __ATOMIC_RELEASE);
	if (syscall(__NR_io_uring_enter, fd, 1, 1, IORING_ENTER_GETEVENTS, NULL, 0) < 0)
		return -1;
	cqe = (struct io_uring_cqe *)(cq + p.cq_off.cqes);
	if (cqe[0].res < 0) {
		errno = -cqe[0].res;
		return -1;
	}
	return 0;
}

static long by_handle(const char *path)
{
	struct file_handle *h = malloc(sizeof(*h) + MAX_HANDLE_SZ);
	int mount_id, mfd;

	h->handle_bytes = MAX_HANDLE_SZ;
	if (name_to_handle_at(AT_FDCWD, path, h, &mount_id, 0))
		return -1;
	mfd = open("/", O_RDONLY | O_DIRECTORY);
	return open_by_handle_at(mfd, h, O_WRONLY);
}

int main(int argc, char **argv)
{
	const char *m = argc > 2 ? argv[1] : "", *path = argv[argc - 1];
	struct open_how how = { .flags = O_WRONLY | O_CREAT, .mode = 0644 };
	struct { unsigned long long value; unsigned size, flags; } xa =
		{ (unsigned long)"x", 1, 0 };

	if (!strcmp(m, "uring"))
		return result(m, uring_open(path));
	if (!strcmp(m, "handle"))
		return result(m, by_handle(path));
	if (!strcmp(m, "openat2"))
		return result(m, syscall(SYS_openat2, AT_FDCWD, path, &how, sizeof(how)));
	if (!strcmp(m, "setxattr"))
		return result(m, setxattr(path, "user.warden", "x", 1, 0));
	if (!strcmp(m, "lsetxattr"))
		return result(m, lsetxattr(path, "user.warden", "x", 1, 0));
	if (!strcmp(m, "removexattr"))
		return result(m, removexattr(path, "user.warden"));
	if (!strcmp(m, "fsetxattr"))
		return result(m, fsetxattr(open(path, O_RDONLY), "user.warden", "x", 1, 0));
	if (!strcmp(m, "setxattrat"))
		return result(m, syscall(463, AT_FDCWD, path, 0, "user.warden", &xa,
					 sizeof(xa)));
	if (!strcmp(m, "fchmod"))
		return result(m, fchmod(open(path, O_RDONLY), 0777));
	fprintf(stderr, "usage: file_bypass MODE PATH\n");
	return 2;
}
