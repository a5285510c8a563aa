/* sibling_read PATH TRIES: how often a sibling thread reads a protected
 * file through the descriptor another thread's open(2) returned, before a
 * kill at the open's return takes the process down. Each try forks a
 * child whose second thread spins on read() of the descriptor number the
 * open will get, while the first thread opens PATH; what the sibling read
 * lands in memory shared with this parent. Prints
 *   tries N killed K leaked L
 * and exits 0 (the numbers are the result; the caller judges them). */
#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

static char *shared;
static volatile int target_fd;

static void *spin(void *arg)
{
	for (;;)
		if (pread(target_fd, shared, 255, 0) > 0)
			return NULL;
}

static void one_try(const char *path)
{
	pthread_t t;
	int fd;

	target_fd = dup(0);	/* the lowest free number, freed again */
	close(target_fd);
	pthread_create(&t, NULL, spin, NULL);
	fd = open(path, O_RDONLY);
	/* only reached when the open was not killed */
	if (fd >= 0)
		pthread_join(t, NULL);
	_exit(0);
}

int main(int argc, char **argv)
{
	int tries, killed = 0, leaked = 0, status;

	if (argc != 3)
		return 2;
	tries = atoi(argv[2]);
	shared = mmap(NULL, 256, PROT_READ | PROT_WRITE,
		      MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (shared == MAP_FAILED)
		return 2;
	for (int i = 0; i < tries; i++) {
		pid_t c;

		memset(shared, 0, 256);
		c = fork();
		if (c == 0)
			one_try(argv[1]);
		waitpid(c, &status, 0);
		killed += WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL;
		leaked += shared[0] != 0;
	}
	printf("tries %d killed %d leaked %d\n", tries, killed, leaked);
	return 0;
}
