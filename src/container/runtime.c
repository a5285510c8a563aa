#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include "container/runtime.h"
#include "lib/jscan.h"

#define REPLY_MAX	(1 << 20)	/* an inspect reply is a few KiB */
#define TIMEOUT_MS	5000		/* for the whole exchange: a runtime
					 * that hangs, or answers a byte at a
					 * time, holds up only the lookup
					 * thread, and not for long */

/* key's string value in the object [s, s+n) into buf; "" if absent. */
static void take_str(const char *s, size_t n, const char *key, char *buf,
		     size_t len)
{
	const char *keys[] = { key, NULL };
	struct jval v;

	buf[0] = '\0';
	if (!jscan(s, n, keys, &v) && v.found && v.str)
		jscan_str(&v, buf, len);
}

/* The raw text of key's object value inside [s, s+n), or false. */
static bool take_obj(const char *s, size_t n, const char *key, struct jval *v)
{
	const char *keys[] = { key, NULL };

	return !jscan(s, n, keys, v) && v->found && !v->str && v->len &&
	       v->p[0] == '{';
}

int ctr_parse_inspect(const char *body, size_t n, struct ctr_identity *id)
{
	char name[CTR_NAME_MAX + 1];
	struct jval cfg, labels;
	const char *nm = name;
	size_t len;

	memset(id, 0, sizeof(*id));
	take_str(body, n, "Id", name, sizeof(name));
	if (!name[0])
		return -EINVAL;
	take_str(body, n, "Name", name, sizeof(name));
	/* docker keeps a leading '/' (a name is a path in its link tree) */
	if (*nm == '/')
		nm++;
	len = strnlen(nm, sizeof(id->name) - 1);
	memcpy(id->name, nm, len);
	id->name[len] = '\0';
	if (!take_obj(body, n, "Config", &cfg))
		return 0;
	take_str(cfg.p, cfg.len, "Image", id->image, sizeof(id->image));
	if (!take_obj(cfg.p, cfg.len, "Labels", &labels))
		return 0;
	/* what the kubelet (through the CRI) puts on every container */
	take_str(labels.p, labels.len, "io.kubernetes.pod.name", id->pod_name,
		 sizeof(id->pod_name));
	take_str(labels.p, labels.len, "io.kubernetes.pod.namespace",
		 id->pod_namespace, sizeof(id->pod_namespace));
	take_str(labels.p, labels.len, "io.kubernetes.pod.uid", id->pod_uid,
		 sizeof(id->pod_uid));
	return 0;
}

static int connect_unix(const char *path)
{
	struct timeval tv = { TIMEOUT_MS / 1000, 0 };
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	int fd, err;

	if (strlen(path) >= sizeof(a.sun_path))
		return -ENAMETOOLONG;
	strcpy(a.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	/* connect and send: a full backlog or buffer waits this long */
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	if (connect(fd, (struct sockaddr *)&a, sizeof(a))) {
		err = -errno;
		close(fd);
		return err;
	}
	return fd;
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Wait for bytes until deadline (monotonic ms): 0 or -ETIMEDOUT. */
static int wait_readable(int fd, int64_t deadline)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	int64_t left;
	int n;

	do {
		left = deadline - now_ms();
		if (left <= 0)
			return -ETIMEDOUT;
		n = poll(&p, 1, (int)left);
	} while (n < 0 && errno == EINTR);
	return n > 0 ? 0 : n == 0 ? -ETIMEDOUT : -errno;
}

/* The whole reply (HTTP/1.0: the server closes when done) into a
 * malloc'd, NUL-terminated buffer; its length, or -errno. */
static ssize_t read_reply(int fd, char **out)
{
	int64_t deadline = now_ms() + TIMEOUT_MS;
	size_t len = 0, cap = 16384;
	char *buf = malloc(cap + 1), *nb;
	ssize_t r;

	if (!buf)
		return -ENOMEM;
	for (;;) {
		if (len == cap) {
			if (cap >= REPLY_MAX || !(nb = realloc(buf, cap * 2 + 1))) {
				free(buf);
				return cap >= REPLY_MAX ? -EFBIG : -ENOMEM;
			}
			buf = nb;
			cap *= 2;
		}
		r = wait_readable(fd, deadline);
		if (!r) {
			r = read(fd, buf + len, cap - len);
			if (r < 0 && errno == EINTR)
				continue;
			if (r < 0)
				r = -errno;
		}
		if (r < 0) {
			free(buf);
			return r;
		}
		if (r == 0)
			break;
		len += (size_t)r;
	}
	buf[len] = '\0';
	*out = buf;
	return (ssize_t)len;
}

static int send_request(int fd, const char *id)
{
	char req[256];
	int n = snprintf(req, sizeof(req), "GET /containers/%s/json HTTP/1.0\r\n"
			 "Host: localhost\r\n\r\n", id);
	ssize_t w;

	if (n <= 0 || (size_t)n >= sizeof(req))
		return -EINVAL;
	do
		w = send(fd, req, (size_t)n, MSG_NOSIGNAL);
	while (w < 0 && errno == EINTR);
	if (w < 0)
		return errno == EAGAIN ? -ETIMEDOUT : -errno;
	return w == n ? 0 : -EIO;
}

/* Status line and headers off the reply: the body, or NULL. */
static const char *http_body(const char *r, int *status)
{
	const char *b = strstr(r, "\r\n\r\n");

	if (strncmp(r, "HTTP/1.", 7) || sscanf(r + 7, "%*c %d", status) != 1 || !b)
		return NULL;
	return b + 4;
}

int ctr_inspect(const char *socket_path, const char *id, struct ctr_identity *out)
{
	const char *body;
	char *reply = NULL;
	ssize_t n;
	int fd, status = 0, err;

	/* the id goes into the request line: hex digits only */
	if (!*id || strspn(id, "0123456789abcdef") != strlen(id))
		return -EINVAL;
	fd = connect_unix(socket_path);
	if (fd < 0)
		return fd;
	err = send_request(fd, id);
	n = err ? err : read_reply(fd, &reply);
	close(fd);
	if (n < 0)
		return (int)n;
	body = http_body(reply, &status);
	if (!body)
		err = -EPROTO;
	else if (status == 404)
		err = -ENOENT;
	else if (status != 200)
		err = -EPROTO;
	else
		err = ctr_parse_inspect(body, (size_t)(reply + n - body), out);
	free(reply);
	return err;
}
