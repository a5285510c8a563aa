/* The DNS proxy of `warden run`. The step's UDP port-53 traffic is
 * rewritten to this proxy (bpf/run_net.bpf.c). A query for an allowed name
 * is forwarded to the resolver the step was asking; the A/AAAA records of
 * the answer are added to the egress allow-list BEFORE the answer is
 * passed on, so the connection that follows finds them. Other names get
 * NXDOMAIN (enforce) or are forwarded and reported (audit). */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include "lib/log.h"
#include "run/internal.h"

#define DNS_MAX 4096
#define MAX_PENDING 256
#define PENDING_TIMEOUT_S 10

struct pending {
	int fd;			/* connected to the upstream resolver */
	int client_sock;	/* proxy socket the query came in on */
	struct sockaddr_storage client;
	socklen_t client_len;
	char name[256];
	bool allowed;
	time_t started;
};

static const struct run_policy *policy;
static bool enforcing;
static int epoll_fd = -1, sock4 = -1, sock6 = -1;
static struct pending pend[MAX_PENDING];
static int npend;

static int bind_loopback(int family, uint16_t *port_be)
{
	struct sockaddr_storage ss = { 0 };
	socklen_t len;
	int fd = socket(family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -errno;
	if (family == AF_INET) {
		struct sockaddr_in *a = (void *)&ss;

		a->sin_family = AF_INET;
		a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		len = sizeof(*a);
	} else {
		struct sockaddr_in6 *a = (void *)&ss;
		int on = 1;

		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof(on));
		a->sin6_family = AF_INET6;
		a->sin6_addr = in6addr_loopback;
		len = sizeof(*a);
	}
	if (bind(fd, (void *)&ss, len) || getsockname(fd, (void *)&ss, &len)) {
		int err = -errno;

		close(fd);
		return err;
	}
	*port_be = family == AF_INET ? ((struct sockaddr_in *)&ss)->sin_port :
		   ((struct sockaddr_in6 *)&ss)->sin6_port;
	return fd;
}

static void watch(int fd)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.fd = fd };

	epoll_ctl(epoll_fd, EPOLL_CTL_ADD, fd, &ev);
}

int run_dns_start(const struct run_policy *rp, bool enforce, int epfd,
		  uint16_t *port4_be, uint16_t *port6_be)
{
	policy = rp;
	enforcing = enforce;
	epoll_fd = epfd;
	*port4_be = *port6_be = 0;
	sock4 = bind_loopback(AF_INET, port4_be);
	if (sock4 < 0) {
		log_err("DNS proxy: cannot bind 127.0.0.1: %s (is lo up?)",
			strerror(-sock4));
		return sock4;
	}
	watch(sock4);
	sock6 = bind_loopback(AF_INET6, port6_be);
	if (sock6 >= 0)
		watch(sock6);
	else
		*port6_be = 0;	/* no IPv6 loopback: v6 resolvers unproxied */
	return 0;
}

/* ---- wire format ---------------------------------------------------- */

/* Read the (possibly compressed) name at off; advances *next past it in
 * the original position. Returns 0 or -EINVAL. */
static int read_name(const uint8_t *m, size_t len, size_t off, char *out,
		     size_t outlen, size_t *next)
{
	size_t o = 0;
	int jumps = 0;
	bool jumped = false;

	while (off < len) {
		uint8_t l = m[off];

		if (l == 0) {
			if (!jumped)
				*next = off + 1;
			out[o ? o - 1 : 0] = '\0';
			if (!o)
				out[0] = '\0';
			return 0;
		}
		if ((l & 0xc0) == 0xc0) {
			if (off + 1 >= len || ++jumps > 16)
				return -EINVAL;
			if (!jumped)
				*next = off + 2;
			jumped = true;
			off = ((l & 0x3f) << 8) | m[off + 1];
			continue;
		}
		if (off + 1 + l > len || o + l + 1 >= outlen)
			return -EINVAL;
		for (int i = 0; i < l; i++)
			out[o++] = tolower(m[off + 1 + i]);
		out[o++] = '.';
		off += 1 + l;
	}
	return -EINVAL;
}

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/* The question: name and type. Returns the offset after it or -EINVAL. */
static long parse_question(const uint8_t *m, size_t len, char *name,
			   size_t nlen, int *qtype)
{
	size_t next;

	if (len < 12 || get16(m + 4) < 1)
		return -EINVAL;
	if (read_name(m, len, 12, name, nlen, &next) || next + 4 > len)
		return -EINVAL;
	*qtype = get16(m + next);
	return next + 4;
}

/* Every A/AAAA record of the answer: opened for the run (when allowed)
 * and remembered under the name asked for (CNAME chains included). */
static void take_answers(const uint8_t *m, size_t len, const char *name,
			 bool allowed)
{
	char qn[256], rn[256];
	int qtype;
	long off = parse_question(m, len, qn, sizeof(qn), &qtype);
	int an = len >= 12 ? get16(m + 6) : 0;

	for (int i = 0; off > 0 && i < an; i++) {
		size_t next;
		uint16_t type, rdlen;

		if (read_name(m, len, off, rn, sizeof(rn), &next) || next + 10 > len)
			return;
		type = get16(m + next);
		rdlen = get16(m + next + 8);
		off = next + 10;
		if ((size_t)off + rdlen > len)
			return;
		if (type == 1 && rdlen == 4) {
			if (allowed)
				run_net_allow_addr(4, m + off);
			rep_dns_answer(name, 4, m + off);
		} else if (type == 28 && rdlen == 16) {
			if (allowed)
				run_net_allow_addr(6, m + off);
			rep_dns_answer(name, 6, m + off);
		}
		off += rdlen;
	}
}

/* NXDOMAIN for the query q (header and question echoed). */
static size_t make_nxdomain(uint8_t *q, size_t qend)
{
	q[2] = 0x80 | (q[2] & 0x79);	/* QR, opcode kept, RD kept */
	q[3] = 0x80 | 3;		/* RA, RCODE = NXDOMAIN */
	q[4] = 0, q[5] = 1;		/* one question */
	memset(q + 6, 0, 6);		/* no answers/authority/additional */
	return qend;
}

/* ---- proxying ------------------------------------------------------- */

static int upstream_socket(void)
{
	struct sockaddr_storage ss = { 0 };
	uint8_t addr[16];
	uint16_t port;
	socklen_t len;
	int family, fd;

	if (run_net_dns_upstream(&family, addr, &port))
		return -ENOENT;
	if (family == 4) {
		struct sockaddr_in *a = (void *)&ss;

		a->sin_family = AF_INET;
		memcpy(&a->sin_addr, addr, 4);
		a->sin_port = port;
		len = sizeof(*a);
	} else {
		struct sockaddr_in6 *a = (void *)&ss;

		a->sin6_family = AF_INET6;
		memcpy(&a->sin6_addr, addr, 16);
		a->sin6_port = port;
		len = sizeof(*a);
	}
	fd = socket(ss.ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (void *)&ss, len)) {
		int err = -errno;

		close(fd);
		return err;
	}
	return fd;
}

static void forward(int sock, uint8_t *q, size_t n,
		    struct sockaddr_storage *from, socklen_t flen,
		    const char *name, bool allowed)
{
	struct pending *p;
	int fd;

	if (npend >= MAX_PENDING)
		return;		/* the client retries */
	fd = upstream_socket();
	if (fd < 0) {
		log_warn("DNS proxy: no upstream resolver for %s: %s", name,
			 strerror(-fd));
		return;
	}
	if (send(fd, q, n, 0) < 0) {
		close(fd);
		return;
	}
	p = &pend[npend++];
	p->fd = fd;
	p->client_sock = sock;
	p->client = *from;
	p->client_len = flen;
	p->allowed = allowed;
	p->started = time(NULL);
	snprintf(p->name, sizeof(p->name), "%s", name);
	watch(fd);
}

static void on_query(int sock)
{
	uint8_t q[DNS_MAX];
	struct sockaddr_storage from;
	socklen_t flen = sizeof(from);
	char name[256];
	int qtype;
	ssize_t n = recvfrom(sock, q, sizeof(q), 0, (void *)&from, &flen);
	long qend;
	bool allowed;

	if (n <= 0)
		return;
	qend = parse_question(q, n, name, sizeof(name), &qtype);
	if (qend < 0)
		return;
	allowed = run_name_allowed(policy, name);
	rep_dns(name, qtype, allowed, NULL);
	if (!allowed) {
		rep_violation(V_DNS, run_net_last_dns_pid(), "network.allow",
			      name, enforcing);
		if (enforcing) {
			size_t len = make_nxdomain(q, qend);

			sendto(sock, q, len, 0, (void *)&from, flen);
			return;
		}
	}
	forward(sock, q, n, &from, flen, name, allowed);
}

static void finish(int i)
{
	epoll_ctl(epoll_fd, EPOLL_CTL_DEL, pend[i].fd, NULL);
	close(pend[i].fd);
	pend[i] = pend[--npend];
}

static void on_answer(int i)
{
	uint8_t m[DNS_MAX];
	ssize_t n = recv(pend[i].fd, m, sizeof(m), 0);

	if (n > 0) {
		/* open the addresses first, then let the step see them */
		take_answers(m, n, pend[i].name, pend[i].allowed);
		sendto(pend[i].client_sock, m, n, 0, (void *)&pend[i].client,
		       pend[i].client_len);
	}
	finish(i);
}

bool run_dns_handle(int fd)
{
	if (fd < 0)
		return false;
	if (fd == sock4 || fd == sock6) {
		on_query(fd);
		return true;
	}
	for (int i = 0; i < npend; i++) {
		if (pend[i].fd == fd) {
			on_answer(i);
			return true;
		}
	}
	return false;
}

void run_dns_tick(void)
{
	time_t now = time(NULL);

	for (int i = npend - 1; i >= 0; i--)
		if (now - pend[i].started > PENDING_TIMEOUT_S)
			finish(i);
}

void run_dns_stop(void)
{
	while (npend)
		finish(npend - 1);
	if (sock4 >= 0)
		close(sock4);
	if (sock6 >= 0)
		close(sock6);
	sock4 = sock6 = -1;
}
