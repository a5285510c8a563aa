/* The daemon's control socket: `warden status`, `warden events`,
 * `warden policy apply`, `warden stop`. A unix stream socket reachable only
 * by root or a configured group (mode 0600/0660, SO_PEERCRED checked).
 * One request line per connection, within a deadline and a size limit;
 * replies are JSON lines. */
#ifndef WARDEN_CONTROL_H
#define WARDEN_CONTROL_H
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#define CONTROL_SOCKET_DEFAULT "/run/warden/warden.sock"
/* The longest reply message (policy apply: its diagnostics). */
#define CONTROL_MSG_MAX 8192

struct control_handlers {
	/* Write a status JSON object (no newline) into *out (malloc'd). */
	char *(*status)(void *ctx);
	/* Load and apply a policy file; message for the client in msg. */
	int (*apply)(void *ctx, const char *path, char *msg, size_t len);
	void (*stop)(void *ctx);
	void *ctx;
};

/* Listen at path; gid (or -1) may connect besides root. Returns the fd. */
int control_listen(const char *path, gid_t gid, const struct control_handlers *h);
/* An fd readable whenever a client connects or sends (an epoll set of
 * the listening socket and the clients), for the daemon's loop. */
int control_fd(void);
/* Accept, read and serve what is ready, never waiting: a client's
 * request is read as its bytes arrive, so a slow one delays nobody. */
void control_serve(void);
/* Drop the clients whose request did not arrive in time (each tick). */
void control_expire(void);
/* Copy an event line to every `warden events` subscriber. */
void control_broadcast(const char *line, size_t len);
void control_close(void);

/* Client side: send request, copy the reply to stdout. Returns exit code. */
int control_request(const char *path, const char *request, bool stream);
/* Client side, one reply: its "message" to stdout or its "error" to
 * stderr, as plain lines. Returns the exit code. */
int control_request_text(const char *path, const char *request);
/* Client side, a stream: each line to fn (which returns false to stop). */
int control_stream(const char *path, const char *request,
		   bool (*fn)(const char *line, size_t len, void *ctx), void *ctx);
#endif
