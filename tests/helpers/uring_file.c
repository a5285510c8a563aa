/* uring_file [-u] MODE PATH [DATA]: reach a file through io_uring only, as
 * an attacker who knows that open-time checks watch the open* syscalls.
 *   -u               the two operations are not linked (the second simply
 *                    follows in the same submission)
 *   -s               an IORING_SETUP_SQPOLL ring: a kernel thread of this
 *                    process submits, no io_uring_enter at all
 *   write PATH DATA  IORING_OP_OPENAT(O_WRONLY) into a direct
 *                    descriptor, linked to IORING_OP_WRITE of DATA, both in
 *                    one io_uring_enter: no syscall ever names the file
 *   read PATH        IORING_OP_OPENAT(O_RDONLY) linked to IORING_OP_READ
 *                    into memory shared with a forked child; the child
 *                    prints what arrived there once the parent is gone
 *                    (killed or not), so a read is seen even when the
 *                    reader dies right after it
 *   setup            only io_uring_queue_init, then exit 0
 * Exit status: 0 when the operation completed and the process lived on,
 * 3 when a ring operation failed, 2 on usage or setup errors. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <liburing.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#define BUF_LEN 4096

static bool unlinked, sqpoll;

static int ring_init(struct io_uring *ring)
{
	struct io_uring_params p = { .flags = sqpoll ? IORING_SETUP_SQPOLL : 0,
				     .sq_thread_idle = 1000 };
	int err = io_uring_queue_init_params(8, ring, &p);

	if (err) {
		fprintf(stderr, "io_uring_queue_init: %s\n", strerror(-err));
		return -1;
	}
	err = io_uring_register_files_sparse(ring, 1);
	if (err) {
		fprintf(stderr, "register_files_sparse: %s\n", strerror(-err));
		return -1;
	}
	return 0;
}

/* OPENAT into direct slot 0, linked to a read or write through it. */
static int open_then(struct io_uring *ring, const char *path, int flags,
		     bool write, void *buf, unsigned len)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(ring);
	struct io_uring_cqe *cqe;
	int res[2] = { 0, 0 };

	io_uring_prep_openat_direct(sqe, AT_FDCWD, path, flags, 0644, 0);
	if (!unlinked)
		sqe->flags |= IOSQE_IO_LINK;
	sqe->user_data = 0;
	sqe = io_uring_get_sqe(ring);
	if (write)
		io_uring_prep_write(sqe, 0, buf, len, 0);
	else
		io_uring_prep_read(sqe, 0, buf, len, 0);
	sqe->flags |= IOSQE_FIXED_FILE;
	sqe->user_data = 1;
	if (io_uring_submit(ring) != 2)
		return -1;
	for (int i = 0; i < 2; i++) {
		if (io_uring_wait_cqe(ring, &cqe))
			return -1;
		res[cqe->user_data & 1] = cqe->res;
		io_uring_cqe_seen(ring, cqe);
	}
	printf("open %d, %s %d\n", res[0], write ? "write" : "read", res[1]);
	return res[0] < 0 || res[1] < 0 ? -1 : 0;
}

static int do_read(struct io_uring *ring, const char *path)
{
	char *shared = mmap(NULL, BUF_LEN, PROT_READ | PROT_WRITE,
			    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	int p[2], rc;
	pid_t child;

	if (shared == MAP_FAILED || pipe(p))
		return 2;
	child = fork();
	if (child == 0) {
		char c;

		close(p[1]);
		/* EOF once the parent is gone, however it ended */
		while (read(p[0], &c, 1) > 0)
			;
		printf("shared memory after the reader: \"%.*s\"\n", BUF_LEN,
		       shared);
		fflush(stdout);
		_exit(0);
	}
	close(p[0]);
	rc = open_then(ring, path, O_RDONLY, false, shared, BUF_LEN - 1) ? 3 : 0;
	fflush(stdout);
	close(p[1]);
	waitpid(child, NULL, 0);
	return rc;
}

int main(int argc, char **argv)
{
	struct io_uring ring;

	for (; argc > 1 && argv[1][0] == '-'; argv++, argc--) {
		unlinked |= !strcmp(argv[1], "-u");
		sqpoll |= !strcmp(argv[1], "-s");
	}
	if (argc < 2) {
		fprintf(stderr, "usage: uring_file write PATH DATA | read PATH | setup\n");
		return 2;
	}
	setvbuf(stdout, NULL, _IONBF, 0);
	if (ring_init(&ring))
		return 2;
	if (!strcmp(argv[1], "setup"))
		return 0;
	if (!strcmp(argv[1], "write") && argc == 4)
		return open_then(&ring, argv[2], O_WRONLY, true,
				 argv[3], strlen(argv[3])) ? 3 : 0;
	if (!strcmp(argv[1], "read") && argc == 3)
		return do_read(&ring, argv[2]);
	fprintf(stderr, "uring_file: bad arguments\n");
	return 2;
}
