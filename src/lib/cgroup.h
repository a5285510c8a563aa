/* cgroup v2: where it is mounted, cgroup ids, and container ids read from
 * the cgroup path the way docker, containerd/CRI, cri-o and podman lay
 * them out. */
#ifndef WARDEN_CGROUP_H
#define WARDEN_CGROUP_H
#include <stdint.h>
#include <stddef.h>

#define CONTAINER_ID_LEN 64

/* The cgroup2 mount point (from /proc/self/mounts), or NULL. Cached. */
const char *cgroup2_root(void);

/* The id of the cgroup at PATH relative to the cgroup2 root ("/a/b" or
 * "a/b"): its inode number. 0 or -errno. */
int cgroup_id_of(const char *rel, uint64_t *id);
/* The same below another root (a cgroup2 mount, or a test's tree). */
int cgroup_id_below(const char *root, const char *rel, uint64_t *id);

/* The path (from the cgroup2 root, "/a/b") of the cgroup with id, found
 * through its file handle (cgroup ids are kernfs handles). 0 or -errno. */
int cgroup_path_of(uint64_t id, char *buf, size_t len);

/* Extract the container id from a cgroup path. Returns the runtime name
 * ("docker", "containerd", "crio", "podman", "kubepods") and copies the
 * 64-hex id into id (65 bytes), or returns NULL when the path names none. */
const char *container_id_from_path(const char *path, char *id);
#endif
