#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <fcntl.h>
#include <unistd.h>
#include <sys/stat.h>
#include "lib/cgroup.h"

const char *cgroup2_root(void)
{
	static char root[PATH_MAX];
	char dev[256], dir[PATH_MAX], type[64];
	FILE *f;

	if (root[0])
		return root;
	f = fopen("/proc/self/mounts", "r");
	if (!f)
		return NULL;
	while (fscanf(f, "%255s %4095s %63s %*[^\n]", dev, dir, type) == 3) {
		if (strcmp(type, "cgroup2") == 0) {
			snprintf(root, sizeof(root), "%s", dir);
			break;
		}
	}
	fclose(f);
	return root[0] ? root : NULL;
}

int cgroup_id_of(const char *rel, uint64_t *id)
{
	return cgroup_id_below(cgroup2_root(), rel, id);
}

int cgroup_id_below(const char *root, const char *rel, uint64_t *id)
{
	char path[PATH_MAX];
	struct stat st;

	if (!root)
		return -ENOENT;
	while (*rel == '/')
		rel++;
	if (snprintf(path, sizeof(path), "%s/%s", root, rel) >= (int)sizeof(path))
		return -ENAMETOOLONG;
	if (stat(path, &st) != 0)
		return -errno;
	if (!S_ISDIR(st.st_mode))
		return -ENOTDIR;
	*id = st.st_ino;
	return 0;
}

#define FILEID_KERNFS 0xfe	/* include/linux/exportfs.h */

int cgroup_path_of(uint64_t id, char *buf, size_t len)
{
	const char *root = cgroup2_root();
	union {
		struct file_handle fh;
		char space[sizeof(struct file_handle) + sizeof(uint64_t)];
	} h;
	char link[64], full[PATH_MAX];
	int mfd, fd, err = 0;
	ssize_t n;
	size_t rlen;

	if (!root)
		return -ENOENT;
	h.fh.handle_bytes = sizeof(uint64_t);
	h.fh.handle_type = FILEID_KERNFS;
	memcpy(h.fh.f_handle, &id, sizeof(id));
	mfd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (mfd < 0)
		return -errno;
	fd = open_by_handle_at(mfd, &h.fh, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		err = -errno;
	close(mfd);
	if (err)
		return err;
	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	n = readlink(link, full, sizeof(full) - 1);
	err = n < 0 ? -errno : 0;
	close(fd);
	if (err)
		return err;
	full[n] = '\0';
	rlen = strlen(root);
	if (strncmp(full, root, rlen) != 0)
		return -EXDEV;
	snprintf(buf, len, "%s", full[rlen] ? full + rlen : "/");
	return 0;
}

static bool is_hex_id(const char *s, size_t n)
{
	if (n != CONTAINER_ID_LEN)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isxdigit((unsigned char)s[i]) || isupper((unsigned char)s[i]))
			return false;
	return true;
}

struct layout {
	const char *prefix;	/* before the id in the component */
	const char *runtime;
};

/* "<prefix><id>.scope" (systemd driver) or "<prefix><id>" */
static const struct layout layouts[] = {
	{ "docker-", "docker" },
	{ "cri-containerd-", "containerd" },
	{ "crio-", "crio" },
	{ "libpod-", "podman" },
	{ "", NULL },		/* bare id: runtime from the parents */
};

static const char *runtime_from_parents(const char *path, const char *comp)
{
	size_t n = comp - path;

	if (memmem(path, n, "kubepods", 8))
		return "kubepods";
	if (memmem(path, n, "docker", 6))
		return "docker";
	if (memmem(path, n, "libpod", 6) || memmem(path, n, "machine.slice", 13))
		return "podman";
	return "container";
}

/* Try one path component [comp, comp+len). */
static const char *component_id(const char *path, const char *comp,
				size_t len, char *id)
{
	if (len > 6 && memcmp(comp + len - 6, ".scope", 6) == 0)
		len -= 6;
	for (size_t i = 0; i < sizeof(layouts) / sizeof(layouts[0]); i++) {
		size_t plen = strlen(layouts[i].prefix);

		if (len < plen || strncmp(comp, layouts[i].prefix, plen) != 0)
			continue;
		if (!is_hex_id(comp + plen, len - plen))
			continue;
		memcpy(id, comp + plen, CONTAINER_ID_LEN);
		id[CONTAINER_ID_LEN] = '\0';
		return layouts[i].runtime ? layouts[i].runtime :
			runtime_from_parents(path, comp);
	}
	return NULL;
}

const char *container_id_from_path(const char *path, char *id)
{
	const char *end = path + strlen(path);

	/* deepest component first: a container's own cgroup is the leaf or
	 * close to it; nested cgroups inside it keep its id */
	while (end > path) {
		const char *comp = end;
		const char *rt;

		while (comp > path && comp[-1] != '/')
			comp--;
		rt = component_id(path, comp, end - comp, id);
		if (rt)
			return rt;
		end = comp > path ? comp - 1 : path;
	}
	return NULL;
}
