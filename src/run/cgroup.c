/* The run's own cgroup: created fresh under the cgroup2 root, and on the
 * way out emptied (cgroup.kill) and removed, nested cgroups first. */
#include <dirent.h>
#include <sched.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <signal.h>
#include <unistd.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include "lib/cgroup.h"
#include "run/internal.h"

int run_cgroup_create(struct run_cgroup *cg)
{
	const char *root = cgroup2_root();
	struct timespec ts;

	if (!root)
		return -ENOENT;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	snprintf(cg->rel, sizeof(cg->rel), "/warden-run-%d-%lx", (int)getpid(),
		 (unsigned long)(ts.tv_nsec ^ ts.tv_sec));
	snprintf(cg->path, sizeof(cg->path), "%s%s", root, cg->rel);
	if (mkdir(cg->path, 0755))
		return -errno;
	cg->dirfd = open(cg->path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (cg->dirfd < 0) {
		int err = -errno;

		rmdir(cg->path);
		return err;
	}
	cg->created = true;
	return 0;
}

/* In the child, after joining: a cgroup namespace rooted at the run's
 * cgroup, so /proc/self/cgroup says "/" and the cgroups outside have no
 * name the step could see. It does not by itself stop a move: without
 * nsdelegate on the cgroup2 mount the kernel checks only write access to
 * the common ancestor's cgroup.procs, which is what a non-root step lacks
 * (see "Confinement" in docs/run.md). */
int run_cgroup_enter_ns(void)
{
	return unshare(CLONE_NEWCGROUP) ? -errno : 0;
}

/* In the child, before exec: join the cgroup so nothing runs outside. */
int run_cgroup_join(const struct run_cgroup *cg)
{
	int fd = openat(cg->dirfd, "cgroup.procs", O_WRONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = write(fd, "0", 1);
	close(fd);
	return n == 1 ? 0 : -errno;
}

static bool populated(const char *dir)
{
	char path[PATH_MAX], buf[256];
	FILE *f;
	bool pop = false;

	snprintf(path, sizeof(path), "%s/cgroup.events", dir);
	f = fopen(path, "r");
	if (!f)
		return false;
	while (fgets(buf, sizeof(buf), f))
		if (strncmp(buf, "populated 1", 11) == 0)
			pop = true;
	fclose(f);
	return pop;
}

static void write_file(const char *dir, const char *name, const char *v)
{
	char path[PATH_MAX];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	if (write(fd, v, strlen(v)) < 0) {
		/* best effort: the caller checks populated */
	}
	close(fd);
}

/* Remove dir and every cgroup below it, deepest first. */
static int remove_tree(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char sub[PATH_MAX];

	if (d) {
		while ((e = readdir(d))) {
			if (e->d_type != DT_DIR || e->d_name[0] == '.')
				continue;
			snprintf(sub, sizeof(sub), "%s/%s", dir, e->d_name);
			remove_tree(sub);
		}
		closedir(d);
	}
	return rmdir(dir) ? -errno : 0;
}

/* Whatever is still running in the cgroup (daemons the step left behind)
 * is killed; the kill reaches the whole subtree at once. */
int run_cgroup_kill(struct run_cgroup *cg)
{
	if (!cg->created)
		return 0;
	write_file(cg->path, "cgroup.kill", "1");
	for (int i = 0; i < 200 && populated(cg->path); i++)
		usleep(10000);
	return populated(cg->path) ? -EBUSY : 0;
}

int run_cgroup_destroy(struct run_cgroup *cg)
{
	int err;

	if (!cg->created)
		return 0;
	run_cgroup_kill(cg);
	if (cg->dirfd >= 0)
		close(cg->dirfd);
	cg->dirfd = -1;
	err = remove_tree(cg->path);
	for (int i = 0; err == -EBUSY && i < 100; i++) {
		usleep(10000);
		err = remove_tree(cg->path);
	}
	cg->created = err != 0;
	return err;
}

/* ---- the guard: kills the step when warden dies ----------------------
 * A tiny process forked before the step, outside the run's cgroup, as
 * root. It blocks on a pipe whose only write end warden holds; when warden
 * is gone for any reason (SIGKILL included) the read returns 0 and the
 * guard writes cgroup.kill, which reaches every process of the step at
 * once, setsid'd grandchildren too, then removes the cgroup. A non-root
 * step cannot signal it (other uid). */

static void guard_main(struct run_cgroup *cg, int rfd)
{
	sigset_t none;
	char c;
	int null = open("/dev/null", O_RDWR | O_CLOEXEC);

	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	signal(SIGINT, SIG_IGN);	/* a Ctrl-C is warden's to handle */
	signal(SIGHUP, SIG_IGN);
	if (null >= 0) {
		dup2(null, 0);
		dup2(null, 1);
	}
	/* nothing of warden's but the pipe: the cgroup is reached by path */
	if (rfd != 3 && dup2(rfd, 3) < 0)
		_exit(1);
	syscall(SYS_close_range, 4, ~0U, 0);
	cg->dirfd = -1;
	prctl(PR_SET_NAME, "warden-guard");
	while (read(3, &c, 1) < 0 && errno == EINTR)
		;
	/* warden is gone, or done (then the cgroup is already removed) */
	run_cgroup_kill(cg);
	run_cgroup_destroy(cg);
	_exit(0);
}

int run_cgroup_guard_start(struct run_cgroup *cg)
{
	int p[2];

	if (pipe2(p, O_CLOEXEC))
		return -errno;
	cg->guard = fork();
	if (cg->guard < 0) {
		close(p[0]);
		close(p[1]);
		return -errno;
	}
	if (cg->guard == 0) {
		close(p[1]);
		guard_main(cg, p[0]);
	}
	close(p[0]);
	cg->guard_fd = p[1];
	return 0;
}

/* After the cgroup is gone: let the guard go and reap it. */
void run_cgroup_guard_stop(struct run_cgroup *cg)
{
	if (cg->guard_fd >= 0)
		close(cg->guard_fd);
	cg->guard_fd = -1;
	if (cg->guard > 0)
		waitpid(cg->guard, NULL, 0);
	cg->guard = 0;
}
