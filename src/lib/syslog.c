#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/un.h>
#include "lib/jscan.h"
#include "lib/syslog.h"

bool syslog_is_target(const char *target)
{
	return !strcmp(target, "syslog") || !strncmp(target, "syslog:", 7);
}

static int parse_unix(const char *path, struct syslog_target *t, char *why,
		      size_t len)
{
	struct sockaddr_un *un = (void *)&t->addr;

	if (!*path || strlen(path) >= sizeof(un->sun_path)) {
		snprintf(why, len, "a socket path of 1 to %zu bytes",
			 sizeof(un->sun_path) - 1);
		return -EINVAL;
	}
	un->sun_family = AF_UNIX;
	strcpy(un->sun_path, path);
	t->len = sizeof(*un);
	return 0;
}

static int parse_udp(const char *hp, struct syslog_target *t, char *why,
		     size_t len)
{
	const char *colon = strrchr(hp, ':');
	struct sockaddr_in *v4 = (void *)&t->addr;
	struct sockaddr_in6 *v6 = (void *)&t->addr;
	char host[64], *end;
	unsigned long port;
	size_t hl = colon ? (size_t)(colon - hp) : 0;

	snprintf(why, len, "udp://HOST:PORT with a numeric IPv4 or [IPv6] host");
	if (!colon || hl >= sizeof(host) || !colon[1])
		return -EINVAL;
	port = strtoul(colon + 1, &end, 10);
	if (*end || port == 0 || port > 65535)
		return -EINVAL;
	memcpy(host, hp, hl);
	host[hl] = '\0';
	if (hl > 2 && host[0] == '[' && host[hl - 1] == ']') {
		host[hl - 1] = '\0';
		v6->sin6_family = AF_INET6;
		v6->sin6_port = htons(port);
		t->len = sizeof(*v6);
		return inet_pton(AF_INET6, host + 1, &v6->sin6_addr) == 1 ? 0 : -EINVAL;
	}
	v4->sin_family = AF_INET;
	v4->sin_port = htons(port);
	t->len = sizeof(*v4);
	return inet_pton(AF_INET, host, &v4->sin_addr) == 1 ? 0 : -EINVAL;
}

int syslog_parse(const char *target, struct syslog_target *t, char *why,
		 size_t len)
{
	memset(t, 0, sizeof(*t));
	t->type = SOCK_DGRAM;
	if (!strcmp(target, "syslog"))
		return parse_unix(SYSLOG_DEFAULT_SOCKET, t, why, len);
	if (!strncmp(target, "syslog:unix:", 12))
		return parse_unix(target + 12, t, why, len);
	if (!strncmp(target, "syslog:udp://", 13))
		return parse_udp(target + 13, t, why, len);
	snprintf(why, len, "syslog, syslog:unix:PATH or syslog:udp://HOST:PORT");
	return -EINVAL;
}

int syslog_connect(const struct syslog_target *t)
{
	int fd = socket(t->addr.ss_family, t->type | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);

	if (fd < 0)
		return -errno;
	if (connect(fd, (const struct sockaddr *)&t->addr, t->len)) {
		int err = -errno;

		close(fd);
		return err;
	}
	return fd;
}

/* Severity from the action the event reports: warning for enforcement,
 * notice for an alert, info for the rest (RFC 5424 section 6.2.1). */
static int severity(const struct jval *action)
{
	char a[16];

	if (!action->found)
		return 6;
	jscan_str(action, a, sizeof(a));
	if (!strcmp(a, "kill") || !strcmp(a, "deny") || !strcmp(a, "block"))
		return 4;
	return !strcmp(a, "alert") ? 5 : 6;
}

/* The event's own time, cut to the microseconds RFC 5424 allows. */
static void timestamp(const struct jval *time, char *ts, size_t len)
{
	char *dot;

	jscan_str(time, ts, len);
	dot = strchr(ts, '.');
	if (!time->found || strlen(ts) < 20)
		snprintf(ts, len, "-");
	else if (dot && strlen(dot) > 8)
		strcpy(dot + 7, "Z");
}

/* RFC 5424 names are printable US-ASCII without spaces; at most max. */
static void token(char *s, size_t max)
{
	size_t i;

	for (i = 0; s[i] && i < max; i++)
		if (s[i] <= ' ' || s[i] > '~' || s[i] == '"' || s[i] == ']' ||
		    s[i] == '\\' || s[i] == '=')
			s[i] = '_';
	s[i] = '\0';
	if (!*s)
		strcpy(s, "-");
}

size_t syslog_format(char *buf, size_t len, const char *json, size_t n,
		     const char *hostname)
{
	static const char *const keys[] = { "time", "type", "action",
					    "schema_version", NULL };
	struct jval v[4];
	char ts[48], type[48], host[256], ver[16];
	int h;

	if (jscan(json, n, keys, v))
		memset(v, 0, sizeof(v));
	timestamp(&v[0], ts, sizeof(ts));
	jscan_str(&v[1], type, sizeof(type));
	token(type, 32);
	jscan_str(&v[3], ver, sizeof(ver));
	token(ver, 8);
	snprintf(host, sizeof(host), "%s", hostname);
	token(host, 255);
	/* facility daemon (3) */
	h = snprintf(buf, len, "<%d>1 %s %s warden %d %s [%s type=\"%s\" "
		     "schema_version=\"%s\"] ", 3 * 8 + severity(&v[2]), ts, host,
		     (int)getpid(), type, SYSLOG_SD_ID, type, ver);
	if (h < 0 || (size_t)h + n > len)
		return 0;
	memcpy(buf + h, json, n);
	return (size_t)h + n;
}
