/* Who a container is (name, image, Kubernetes pod), for the events of
 * its processes. Looked up from the runtime's API (container/runtime.h)
 * by one thread of its own, cached by container id, so the event path
 * never waits on a socket: an event that comes before the answer carries
 * the id and runtime (from the cgroup path) and "container_lookup":
 * "pending". The cache is bounded; an entry goes when its cgroup does. */
#ifndef WARDEN_CONTAINER_IDENTITY_H
#define WARDEN_CONTAINER_IDENTITY_H

struct jbuf;

#define CTR_DOCKER_SOCKET_DEFAULT	"/run/docker.sock"
#define CTR_PODMAN_SOCKET_DEFAULT	"/run/podman/podman.sock"
#define CTR_CACHE_MAX			1024	/* containers remembered */

struct ctr_sockets {
	const char *docker;	/* Docker Engine API; NULL or "": not asked */
	const char *podman;	/* Podman's Docker-compatible API; the same */
};

/* Start the lookup thread. 0 or -errno. */
int ctr_ident_start(const struct ctr_sockets *s);
/* Stop it and forget every container. */
void ctr_ident_stop(void);
/* The identity fields of container id (64 hex digits, of runtime, in
 * cgroup cgroup_path) into the event object j: container_name,
 * container_image, pod_name, pod_namespace, pod_uid (those known), or
 * container_lookup ("pending", "failed"). Never blocks on a socket. */
void ctr_ident_json(struct jbuf *j, const char *runtime, const char *id,
		    const char *cgroup_path);
/* Once a second: forget containers whose cgroup is gone. */
void ctr_ident_tick(void);
#endif
