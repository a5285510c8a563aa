/* Marking the container cgroups that predate the agent. The cgroup_mkdir
 * program is attached first, so a container created during the scan is
 * marked by one or the other (both write the same value). */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <bpf/bpf.h>
#include "lib/cgroup.h"
#include "process/containers.h"
#include "warden/process_abi.h"

static int mark(int fd, const char *path, const char *name)
{
	char id[CONTAINER_ID_LEN + 1];
	struct ctr_cg v;
	struct stat st;
	__u64 key;

	if (!container_id_from_path(name, id) || stat(path, &st))
		return 0;
	key = st.st_ino;	/* a cgroup's id is its directory's inode */
	memcpy(v.id, id, CTR_KEY_LEN);
	if (bpf_map_update_elem(fd, &key, &v, BPF_ANY))
		return -errno;
	return 1;
}

static int walk(int fd, const char *dir, int depth)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char path[PATH_MAX];
	int n = 0, r;

	if (!d)
		return errno == ENOENT ? 0 : -errno;	/* removed meanwhile */
	while ((e = readdir(d))) {
		if (e->d_type != DT_DIR || e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		r = mark(fd, path, e->d_name);
		if (r >= 0 && depth < MAX_CG_DEPTH) {
			int below = walk(fd, path, depth + 1);

			r = below < 0 ? below : r + below;
		}
		if (r < 0) {
			closedir(d);
			return r;
		}
		n += r;
	}
	closedir(d);
	return n;
}

int containers_mark_existing(int fd, const char *root)
{
	return root ? walk(fd, root, 0) : -ENOENT;
}
