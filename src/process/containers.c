/* Marking the container cgroups that predate the agent. The cgroup_mkdir
 * program is attached first, so a container created during the scan is
 * marked by one or the other (both write the same value). */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <bpf/bpf.h>
#include "lib/cgroup.h"
#include "process/containers.h"
#include "warden/process_abi.h"

/* The cgroup dir/name, if a container's: 1 marked, 0 not one (or gone
 * meanwhile), -errno. */
static int mark(int fd, const char *dir, const char *name)
{
	char id[CONTAINER_ID_LEN + 1];
	struct ctr_cg v;
	uint64_t key;

	if (!container_id_from_path(name, id) ||
	    cgroup_id_below(dir, name, &key))
		return 0;
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
		r = mark(fd, dir, e->d_name);
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
