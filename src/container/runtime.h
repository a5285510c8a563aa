/* Asking a container runtime who a container is: its Engine API (Docker,
 * or Podman's Docker-compatible socket) over a unix socket, one plain
 * HTTP/1.0 GET /containers/ID/json per container, the reply read with
 * lib/jscan. Blocking, with a timeout: only the lookup thread
 * (container/identity.c) calls it, never the event path. */
#ifndef WARDEN_CONTAINER_RUNTIME_H
#define WARDEN_CONTAINER_RUNTIME_H
#include <stddef.h>

/* Caps on what a container (its owner chose every byte) can put into an
 * event; longer values are cut. */
#define CTR_NAME_MAX	128
#define CTR_IMAGE_MAX	256
#define CTR_POD_MAX	256	/* a pod name is a DNS subdomain: <= 253 */
#define CTR_NS_MAX	64	/* a namespace is a DNS label: <= 63 */
#define CTR_UID_MAX	64

struct ctr_identity {
	char name[CTR_NAME_MAX];	/* without docker's leading '/' */
	char image[CTR_IMAGE_MAX];	/* as the container was created from */
	char pod_name[CTR_POD_MAX];	/* the CRI labels, "" without them */
	char pod_namespace[CTR_NS_MAX];
	char pod_uid[CTR_UID_MAX];
};

/* The identity from an inspect reply's body (the JSON object). 0, or
 * -EINVAL when it is not one or names no container. */
int ctr_parse_inspect(const char *body, size_t n, struct ctr_identity *id);

/* GET /containers/ID/json from the API at socket path; 0, -ENOENT when
 * the runtime does not know the container, or another -errno (no such
 * socket, timeout, a reply that is not HTTP or too large). */
int ctr_inspect(const char *socket_path, const char *id, struct ctr_identity *out);
#endif
