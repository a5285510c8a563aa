#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <time.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include "core/control.h"
#include "lib/jscan.h"
#include "lib/json.h"
#include "lib/log.h"
#include "lib/safefile.h"

#define MAX_SUBSCRIBERS 16
/* Clients that have connected but not yet sent a whole request line:
 * each gets CONTROL_DEADLINE_S seconds and CONTROL_REQUEST_MAX bytes. */
#define MAX_CLIENTS 32
#define CONTROL_DEADLINE_S 2
#define CONTROL_REQUEST_MAX (PATH_MAX + 16)

static int listen_fd = -1;
static int ep_fd = -1;		/* the listening socket and every client */
static char sock_path[sizeof(((struct sockaddr_un *)0)->sun_path)];
static struct stat sock_st;	/* what bind made: removed at exit if still there */
static gid_t allowed_gid = (gid_t)-1;
static struct control_handlers handlers;
static int subscribers[MAX_SUBSCRIBERS];
static int n_subscribers;

/* The socket's directory, created if missing (no symlink followed):
 * root's and not world-writable, so nobody else can plant or swap the
 * socket there. Returns its fd. */
static int socket_dir(const char *path, mode_t mode)
{
	char tmp[PATH_MAX], *dir;
	struct stat st;
	int fd;

	snprintf(tmp, sizeof(tmp), "%s", path);
	dir = dirname(tmp);
	fd = safe_mkdirs(dir, mode);
	if (fd < 0) {
		log_err("control socket directory %s: %s", dir, safe_why(fd));
		return fd;
	}
	if (fstat(fd, &st) || st.st_uid != 0 || (st.st_mode & S_IWOTH)) {
		log_err("control socket directory %s is not owned by root or is "
			"world-writable; refusing to use it", dir);
		close(fd);
		return -EPERM;
	}
	return fd;
}

/* A socket root left (a killed daemon) is removed; anything else at
 * the path is not ours and stays. */
static int remove_stale_socket(int dirfd, const char *name, const char *path)
{
	struct stat st;

	if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW))
		return errno == ENOENT ? 0 : -errno;
	if (!S_ISSOCK(st.st_mode) || st.st_uid != 0) {
		log_err("%s exists and is not a socket of root's; refusing to "
			"remove it", path);
		return -EEXIST;
	}
	return unlinkat(dirfd, name, 0) ? -errno : 0;
}

static bool daemon_alive_at(const struct sockaddr_un *sa)
{
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	bool alive = fd >= 0 && connect(fd, (const struct sockaddr *)sa, sizeof(*sa)) == 0;

	if (fd >= 0)
		close(fd);
	return alive;
}

int control_listen(const char *path, gid_t gid, const struct control_handlers *h)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	mode_t mode = gid == (gid_t)-1 ? 0600 : 0660;
	char tmp[PATH_MAX], *name;
	int fd, dirfd, err;

	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	strcpy(sa.sun_path, path);
	if (daemon_alive_at(&sa)) {
		log_err("another warden daemon is listening at %s (stop it, or "
			"give this one --socket PATH)", path);
		return -EADDRINUSE;
	}
	dirfd = socket_dir(path, gid == (gid_t)-1 ? 0700 : 0750);
	if (dirfd < 0)
		return dirfd;
	snprintf(tmp, sizeof(tmp), "%s", path);
	name = basename(tmp);
	err = remove_stale_socket(dirfd, name, path);
	fd = err ? -1 : socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0) {
		close(dirfd);
		return err ?: -errno;
	}
	/* bind creates the socket with mode 0777 & ~umask: exactly mode,
	 * no window with looser permissions, no chmod by path after */
	mode_t old = umask(0777 & ~mode);
	err = bind(fd, (struct sockaddr *)&sa, sizeof(sa));
	umask(old);
	if (err || fstatat(dirfd, name, &sock_st, AT_SYMLINK_NOFOLLOW) ||
	    (gid != (gid_t)-1 && fchownat(dirfd, name, 0, gid, AT_SYMLINK_NOFOLLOW)) ||
	    listen(fd, 8)) {
		err = -errno;
		close(fd);
		close(dirfd);
		return err;
	}
	close(dirfd);
	ep_fd = epoll_create1(EPOLL_CLOEXEC);
	struct epoll_event ev = { .events = EPOLLIN, .data.fd = fd };

	if (ep_fd < 0 || epoll_ctl(ep_fd, EPOLL_CTL_ADD, fd, &ev)) {
		err = -errno;
		if (ep_fd >= 0)
			close(ep_fd);
		ep_fd = -1;
		close(fd);
		return err;
	}
	snprintf(sock_path, sizeof(sock_path), "%s", path);
	allowed_gid = gid;
	handlers = *h;
	listen_fd = fd;
	return fd;
}

int control_fd(void)
{
	return ep_fd;
}

/* Whether the peer has gid among its supplementary groups (the socket's
 * mode let it connect through any of them, not only its primary group). */
static bool peer_in_group(int fd, gid_t gid)
{
	socklen_t len = 64 * sizeof(gid_t);
	gid_t *groups = NULL;
	bool in = false;

	for (int tries = 0; tries < 2 && !in; tries++) {
		gid_t *ng = realloc(groups, len);

		if (!ng)
			break;
		groups = ng;
		if (getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, groups, &len) == 0) {
			for (size_t i = 0; i < len / sizeof(gid_t); i++)
				in = in || groups[i] == gid;
			break;
		}
		if (errno != ERANGE)	/* else len is now the size needed */
			break;
	}
	free(groups);
	return in;
}

static bool peer_allowed(int fd)
{
	struct ucred cred;
	socklen_t len = sizeof(cred);

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len))
		return false;
	if (cred.uid == 0)
		return true;
	return allowed_gid != (gid_t)-1 &&
	       (cred.gid == allowed_gid || peer_in_group(fd, allowed_gid));
}

static void send_line(int fd, const char *s, size_t len)
{
	if (send(fd, s, len, MSG_NOSIGNAL) == (ssize_t)len)
		send(fd, "\n", 1, MSG_NOSIGNAL);
}

/* {"ok": ok, key: msg} */
static void reply(int fd, bool ok, const char *key, const char *msg)
{
	struct jbuf j;

	jb_init(&j);
	jb_obj_open(&j);
	jb_kbool(&j, "ok", ok);
	if (msg)
		jb_kstr(&j, key, msg);
	jb_obj_close(&j);
	send_line(fd, j.buf, j.len);
	jb_free(&j);
}

static void add_subscriber(int fd)
{
	if (n_subscribers == MAX_SUBSCRIBERS) {
		reply(fd, false, "error", "too many event subscribers");
		close(fd);
		return;
	}
	subscribers[n_subscribers++] = fd;
}

static bool serve(int fd, const char *req)
{
	char msg[CONTROL_MSG_MAX];

	if (strcmp(req, "status") == 0) {
		char *s = handlers.status(handlers.ctx);

		send_line(fd, s ? s : "{}", s ? strlen(s) : 2);
		free(s);
	} else if (strcmp(req, "stop") == 0) {
		reply(fd, true, NULL, NULL);
		handlers.stop(handlers.ctx);
	} else if (strncmp(req, "apply ", 6) == 0) {
		int err = handlers.apply(handlers.ctx, req + 6, msg, sizeof(msg));

		reply(fd, !err, err ? "error" : "message", msg);
	} else if (strcmp(req, "events") == 0) {
		add_subscriber(fd);
		return true;	/* keep the connection */
	} else {
		reply(fd, false, "error", "unknown request");
	}
	return false;
}

/* A client that connected and has not sent its whole request line yet.
 * Nothing waits for it: its bytes are read as they come (the socket is
 * non-blocking), and one that is too slow or too long is dropped. */
struct client {
	int fd;
	size_t got;
	struct timespec deadline;
	char req[CONTROL_REQUEST_MAX];
};

static struct client clients[MAX_CLIENTS];
static int n_clients;

static struct timespec deadline_from_now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	t.tv_sec += CONTROL_DEADLINE_S;
	return t;
}

static bool past(const struct timespec *d)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return now.tv_sec > d->tv_sec ||
	       (now.tv_sec == d->tv_sec && now.tv_nsec >= d->tv_nsec);
}

static void drop_client(int i, const char *why)
{
	if (why)
		reply(clients[i].fd, false, "error", why);
	epoll_ctl(ep_fd, EPOLL_CTL_DEL, clients[i].fd, NULL);
	close(clients[i].fd);
	clients[i] = clients[--n_clients];
}

static void add_client(int fd)
{
	struct epoll_event ev = { .events = EPOLLIN | EPOLLRDHUP, .data.fd = fd };

	if (n_clients == MAX_CLIENTS) {
		reply(fd, false, "error", "too many control clients at once; "
		      "try again");
		close(fd);
		return;
	}
	if (epoll_ctl(ep_fd, EPOLL_CTL_ADD, fd, &ev)) {
		close(fd);
		return;
	}
	clients[n_clients] = (struct client){ .fd = fd,
					      .deadline = deadline_from_now() };
	n_clients++;
}

static void accept_clients(void)
{
	int fd;

	while ((fd = accept4(listen_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK)) >= 0) {
		if (!peer_allowed(fd)) {
			reply(fd, false, "error", "permission denied: root or "
			      "the daemon's control group only");
			close(fd);
			continue;
		}
		add_client(fd);
	}
}

/* Read what client i has sent; serve it once the line is complete. */
static void read_client(int i)
{
	struct client *c = &clients[i];
	ssize_t n;
	char *nl;

	while ((n = read(c->fd, c->req + c->got, sizeof(c->req) - 1 - c->got)) > 0)
		c->got += n;
	c->req[c->got] = '\0';
	nl = memchr(c->req, '\n', c->got);
	if (nl) {
		char req[CONTROL_REQUEST_MAX];
		int fd = c->fd;

		*nl = '\0';
		memcpy(req, c->req, nl - c->req + 1);
		/* off the client list first: serve may keep fd (events) */
		epoll_ctl(ep_fd, EPOLL_CTL_DEL, fd, NULL);
		clients[i] = clients[--n_clients];
		if (!serve(fd, req))
			close(fd);
	} else if (c->got == sizeof(c->req) - 1) {
		drop_client(i, "request too long");
	} else if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
		drop_client(i, NULL);	/* gone before a whole line */
	}
}

void control_serve(void)
{
	struct epoll_event evs[16];
	int n;

	/* one pass: what is still ready wakes the daemon's loop again (a
	 * failing accept, EMFILE, must not spin here) */
	n = epoll_wait(ep_fd, evs, 16, 0);
	for (int k = 0; k < n; k++) {
		if (evs[k].data.fd == listen_fd) {
			accept_clients();
			continue;
		}
		for (int i = 0; i < n_clients; i++)
			if (clients[i].fd == evs[k].data.fd) {
				read_client(i);
				break;
			}
	}
	control_expire();
}

void control_expire(void)
{
	for (int i = 0; i < n_clients; i++)
		if (past(&clients[i].deadline))
			drop_client(i--, "request not received in time");
}

static void drop_subscriber(int i)
{
	close(subscribers[i]);
	subscribers[i] = subscribers[--n_subscribers];
}

void control_broadcast(const char *line, size_t len)
{
	for (int i = 0; i < n_subscribers; i++) {
		/* a subscriber that cannot keep up is disconnected rather than
		 * allowed to slow the agent down */
		if (send(subscribers[i], line, len, MSG_DONTWAIT | MSG_NOSIGNAL) != (ssize_t)len ||
		    send(subscribers[i], "\n", 1, MSG_DONTWAIT | MSG_NOSIGNAL) != 1)
			drop_subscriber(i--);
	}
}

void control_close(void)
{
	while (n_subscribers)
		drop_subscriber(0);
	while (n_clients)
		drop_client(0, NULL);
	if (ep_fd >= 0)
		close(ep_fd);
	ep_fd = -1;
	if (listen_fd >= 0) {
		struct stat st;

		close(listen_fd);
		if (!lstat(sock_path, &st) && st.st_dev == sock_st.st_dev &&
		    st.st_ino == sock_st.st_ino)
			unlink(sock_path);
	}
	listen_fd = -1;
}

static int connect_daemon(const char *path, const char *request, int *code)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char buf[PATH_MAX + 16];
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		int err = errno;

		fprintf(stderr, "warden: cannot reach the daemon at %s: %s%s\n",
			path, strerror(err), err == EACCES ?
			" (root or the daemon's --control-group only)" :
			err == ENOENT ? " (is `warden daemon` running?)" : "");
		if (fd >= 0)
			close(fd);
		*code = err == EACCES ? 77 : 1;
		return -1;
	}
	/* the daemon may answer (a refusal) and close before reading the
	 * request: a failed send is not the end, the reply is */
	snprintf(buf, sizeof(buf), "%s\n", request);
	send(fd, buf, strlen(buf), MSG_NOSIGNAL);
	return fd;
}

int control_request(const char *path, const char *request, bool stream)
{
	char buf[65536];
	ssize_t n;
	bool refused = false, first = true;
	int code, fd = connect_daemon(path, request, &code);

	if (fd < 0)
		return code;
	while ((n = read(fd, buf, sizeof(buf))) > 0) {
		if (first && n >= 11 && memcmp(buf, "{\"ok\":false", 11) == 0)
			refused = true;
		first = false;
		fwrite(buf, 1, n, stdout);
		if (stream)
			fflush(stdout);
	}
	close(fd);
	return refused ? 1 : 0;
}

int control_stream(const char *path, const char *request,
		   bool (*fn)(const char *line, size_t len, void *ctx), void *ctx)
{
	static char buf[1 << 20];	/* lines up to 1 MiB; an event is far less */
	size_t have = 0;
	ssize_t n;
	int code, fd = connect_daemon(path, request, &code);

	if (fd < 0)
		return code;
	code = 0;
	while ((n = read(fd, buf + have, sizeof(buf) - 1 - have)) > 0) {
		char *p = buf, *nl;

		have += (size_t)n;
		while ((nl = memchr(p, '\n', have - (size_t)(p - buf)))) {
			if (p == buf && have >= 11 && !memcmp(buf, "{\"ok\":false", 11))
				code = 1;
			if (!fn(p, (size_t)(nl - p), ctx))
				goto out;
			p = nl + 1;
		}
		have -= (size_t)(p - buf);
		memmove(buf, p, have);
		if (have == sizeof(buf) - 1)
			have = 0;	/* a line longer than the buffer: dropped */
	}
out:
	close(fd);
	return code;
}

static bool print_reply(const char *line, size_t len, void *ctx)
{
	static const char *const keys[] = { "ok", "message", "error", NULL };
	static char text[CONTROL_MSG_MAX + 64];
	struct jval v[3];
	int *code = ctx;

	if (jscan(line, len, keys, v) || !v[0].found) {
		fwrite(line, 1, len, stdout);
		putchar('\n');
		return false;
	}
	*code = v[0].len == 4 && !memcmp(v[0].p, "true", 4) ? 0 : 1;
	if (v[2].found)
		fprintf(stderr, "%s\n", jscan_str(&v[2], text, sizeof(text)));
	else if (v[1].found)
		printf("%s\n", jscan_str(&v[1], text, sizeof(text)));
	return false;
}

int control_request_text(const char *path, const char *request)
{
	int code = 1, err = control_stream(path, request, print_reply, &code);

	return err && err != 1 ? err : code;
}
