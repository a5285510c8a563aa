/* The run's own cgroup: created fresh under the cgroup2 root, and on the
 * way out emptied (cgroup.kill) and removed, nested cgroups first. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>
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
