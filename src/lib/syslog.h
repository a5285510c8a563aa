/* Events to a syslog daemon: RFC 5424 messages, one datagram each, over a
 * unix datagram socket (/dev/log, or syslog:unix:PATH) or UDP
 * (syslog:udp://HOST:PORT). The message is the event's JSON line; the
 * structured data names its type and schema version. */
#ifndef WARDEN_SYSLOG_H
#define WARDEN_SYSLOG_H
#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>

#define SYSLOG_DEFAULT_SOCKET "/dev/log"
/* The IANA enterprise number RFC 5424 reserves for examples and private
 * SD-IDs that are not registered. */
#define SYSLOG_SD_ID "warden@32473"

struct syslog_target {
	struct sockaddr_storage addr;
	socklen_t len;
	int type;	/* SOCK_DGRAM */
};

/* Is target a syslog output ("syslog", "syslog:...")? */
bool syslog_is_target(const char *target);
/* Parse "syslog", "syslog:unix:PATH", "syslog:udp://HOST:PORT" (IPv4 or
 * [IPv6]); -EINVAL with a message in why. */
int syslog_parse(const char *target, struct syslog_target *t, char *why,
		 size_t len);
/* A connected, non-blocking datagram socket to t, or -errno. */
int syslog_connect(const struct syslog_target *t);
/* The RFC 5424 message for one JSON event line into buf; its length, or
 * 0 when it does not fit. */
size_t syslog_format(char *buf, size_t len, const char *json, size_t n,
		     const char *hostname);
#endif
