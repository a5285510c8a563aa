/* The DNS proxy of `warden run`, the only resolver the step can reach.
 * UDP and TCP port 53 to the resolvers warden uses (the policy's
 * network.resolvers, else /etc/resolv.conf) is rewritten to this proxy in
 * the kernel (bpf/run/run_net.bpf.c); DNS to any other address is refused
 * there. Over TCP each message has its 2-byte length (RFC 1035 4.2.2);
 * the proxy asks upstream over UDP either way. Each query is parsed and
 * re-encoded (header, one question and an EDNS size, nothing else: no
 * byte the step wrote is passed on as is),
 * sent by warden itself to the first resolver, and the answer, once it
 * matches the question, opens its A/AAAA addresses for their TTL (bounded)
 * BEFORE it is passed on, so the connection that follows finds them.
 * Names not allowed get NXDOMAIN (enforce) or are resolved and reported
 * (audit) without opening anything. */
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
#include <sys/random.h>
#include <sys/socket.h>
#include "lib/log.h"
#include "run/internal.h"

#define DNS_MAX 4096
#define MAX_PENDING 256
#define PENDING_TIMEOUT_S 10
#define MAX_TCP 32		/* connections of the step at once */
#define TCP_IDLE_S 10
#define T_A 1
#define T_AAAA 28
#define T_OPT 41

/* Where an answer goes: a UDP peer of a proxy socket, or a TCP
 * connection of the step. */
struct client {
	int sock;
	bool tcp;
	struct sockaddr_storage addr;	/* UDP */
	socklen_t len;
};

struct tcp_conn {
	int fd;
	size_t have;
	time_t last;
	uint8_t buf[2 + DNS_MAX];	/* length-prefixed messages */
};

struct pending {
	int fd;			/* connected to the upstream resolver */
	struct client cl;
	struct dns_query q;
	uint16_t up_id;		/* the id warden sent upstream */
	bool allowed;
	time_t started;
};

static const struct run_policy *policy;
static bool enforcing;
static int epoll_fd = -1, sock4 = -1, sock6 = -1, tcp4 = -1, tcp6 = -1;
static struct tcp_conn tcp[MAX_TCP];
static int ntcp;
static struct pending pend[MAX_PENDING];
static int npend;
static struct cidr upstream[RUN_MAX_RESOLVERS];
static size_t nupstream;

static int bind_loopback(int family, int type, uint16_t *port_be)
{
	struct sockaddr_storage ss = { 0 };
	socklen_t len;
	int fd = socket(family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

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
	if (bind(fd, (void *)&ss, len) || getsockname(fd, (void *)&ss, &len) ||
	    (type == SOCK_STREAM && listen(fd, 16))) {
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

/* The nameserver lines of a resolv.conf (as warden sees it). */
static size_t read_resolv_conf(const char *path, struct cidr *out, size_t max)
{
	FILE *f = fopen(path, "re");
	char line[256], addr[128], err[96];
	size_t n = 0;

	if (!f)
		return 0;
	while (n < max && fgets(line, sizeof(line), f)) {
		char *pct;

		if (sscanf(line, " nameserver %127s", addr) != 1)
			continue;
		if ((pct = strchr(addr, '%')))
			*pct = '\0';	/* fe80::1%eth0: the address */
		if (cidr_parse(addr, false, &out[n], err, sizeof(err)) == 0 &&
		    out[n].prefix_len == (out[n].family == 4 ? 32 : 128))
			n++;
	}
	fclose(f);
	return n;
}

int run_dns_start(const struct run_policy *rp, bool enforce, int epfd,
		  struct net_plan *np)
{
	policy = rp;
	enforcing = enforce;
	epoll_fd = epfd;
	nupstream = rp->nresolvers;
	memcpy(upstream, rp->resolvers, nupstream * sizeof(*upstream));
	if (!nupstream)
		nupstream = read_resolv_conf("/etc/resolv.conf", upstream,
					     RUN_MAX_RESOLVERS);
	if (!nupstream)
		log_warn("DNS proxy: no resolver (network.resolvers, "
			 "/etc/resolv.conf): the step's names will not resolve");
	np->resolvers = upstream;
	np->nresolvers = nupstream;
	np->port4_be = np->port6_be = np->tcp4_be = np->tcp6_be = 0;
	sock4 = bind_loopback(AF_INET, SOCK_DGRAM, &np->port4_be);
	tcp4 = sock4 < 0 ? sock4 : bind_loopback(AF_INET, SOCK_STREAM, &np->tcp4_be);
	if (sock4 < 0 || tcp4 < 0) {
		log_err("DNS proxy: cannot bind 127.0.0.1: %s (is lo up?)",
			strerror(-(sock4 < 0 ? sock4 : tcp4)));
		return sock4 < 0 ? sock4 : tcp4;
	}
	watch(sock4);
	watch(tcp4);
	/* no IPv6 loopback: v6 resolvers refused (their ports stay 0) */
	sock6 = bind_loopback(AF_INET6, SOCK_DGRAM, &np->port6_be);
	tcp6 = bind_loopback(AF_INET6, SOCK_STREAM, &np->tcp6_be);
	if (sock6 >= 0)
		watch(sock6);
	if (tcp6 >= 0)
		watch(tcp6);
	return 0;
}

/* ---- wire format ---------------------------------------------------- */

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)get16(p) << 16 | get16(p + 2);
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = v >> 8;
	p[1] = v & 0xff;
}

/* A label byte that survives the trip to text and back. */
static bool label_byte(uint8_t c)
{
	return c > ' ' && c < 0x7f && c != '.' && c != '\\';
}

/* Read the (possibly compressed) name at off; *next is the offset after
 * it in the original position. Returns 0 or -EINVAL. */
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
		if ((l & 0xc0) || off + 1 + l > len || o + l + 1 >= outlen)
			return -EINVAL;
		for (int i = 0; i < l; i++) {
			if (!label_byte(m[off + 1 + i]))
				return -EINVAL;
			out[o++] = tolower(m[off + 1 + i]);
		}
		out[o++] = '.';
		off += 1 + l;
	}
	return -EINVAL;
}

/* The question at 12: name, type, class. Returns the offset after it. */
static long read_question(const uint8_t *m, size_t len, struct dns_query *q)
{
	size_t next;

	if (len < 12 || get16(m + 4) != 1)
		return -EINVAL;
	if (read_name(m, len, 12, q->name, sizeof(q->name), &next) || next + 4 > len)
		return -EINVAL;
	q->qtype = get16(m + next);
	q->qclass = get16(m + next + 2);
	return next + 4;
}

/* A query from the step: a standard query with one question, and the
 * UDP size of an EDNS OPT record if it has one. Anything else it holds
 * (other records, options, trailing bytes) is dropped here. */
int run_dns_parse_query(const uint8_t *m, size_t len, struct dns_query *q)
{
	long off;
	size_t next;
	char root[2];

	memset(q, 0, sizeof(*q));
	if (len < 12)
		return -EINVAL;
	q->id = get16(m);
	q->flags = get16(m + 2);
	if ((q->flags & 0x8000) || (q->flags & 0x7800))
		return -EINVAL;	/* a response, or not a standard query */
	off = read_question(m, len, q);
	if (off < 0)
		return -EINVAL;
	if (get16(m + 6) || get16(m + 8) || get16(m + 10) != 1)
		return 0;	/* no OPT where one would be: none */
	if (read_name(m, len, off, root, sizeof(root), &next) || root[0] ||
	    next + 10 > len || get16(m + next) != T_OPT)
		return 0;
	q->edns_size = get16(m + next + 2);
	if (q->edns_size < 512)
		q->edns_size = 512;
	if (q->edns_size > 1232)
		q->edns_size = 1232;	/* no fragments */
	return 0;
}

/* The message warden sends upstream, built from q alone. */
size_t run_dns_encode_query(const struct dns_query *q, uint16_t id, uint8_t *out,
			    size_t max)
{
	size_t o = 12;
	const char *s = q->name;

	if (max < 12 + strlen(q->name) + 2 + 4 + 11)
		return 0;
	memset(out, 0, 12);
	put16(out, id);
	put16(out + 2, q->flags & 0x0110);	/* RD and CD only */
	put16(out + 4, 1);
	put16(out + 10, q->edns_size ? 1 : 0);
	while (*s) {
		const char *dot = strchrnul(s, '.');
		size_t l = dot - s;

		if (l == 0 || l > 63)
			return 0;
		out[o++] = l;
		memcpy(out + o, s, l);
		o += l;
		s = *dot ? dot + 1 : dot;
	}
	out[o++] = 0;
	put16(out + o, q->qtype);
	put16(out + o + 2, q->qclass);
	o += 4;
	if (q->edns_size) {
		out[o++] = 0;			/* root */
		put16(out + o, T_OPT);
		put16(out + o + 2, q->edns_size);
		memset(out + o + 4, 0, 6);	/* ext-rcode, flags, no options */
		o += 10;
	}
	return o;
}

/* Every A/AAAA record of the answer: opened for the run for its TTL (when
 * allowed) and remembered under the name asked for (CNAMEs included). */
static void take_answers(const uint8_t *m, size_t len, long off,
			 const char *name, bool allowed)
{
	char rn[256];
	int an = get16(m + 6);

	for (int i = 0; off > 0 && i < an; i++) {
		size_t next;
		uint16_t type, rdlen;
		uint32_t ttl;

		if (read_name(m, len, off, rn, sizeof(rn), &next) || next + 10 > len)
			return;
		type = get16(m + next);
		ttl = get32(m + next + 4);
		rdlen = get16(m + next + 8);
		off = next + 10;
		if ((size_t)off + rdlen > len)
			return;
		if ((type == T_A && rdlen == 4) || (type == T_AAAA && rdlen == 16)) {
			int family = type == T_A ? 4 : 6;

			if (allowed)
				run_net_allow_addr(family, m + off, ttl);
			rep_dns_answer(name, family, m + off);
		}
		off += rdlen;
	}
}

/* An answer-less reply to q with rcode (NXDOMAIN 3, FORMERR 1). */
static size_t make_reply(const struct dns_query *q, uint16_t rcode, uint8_t *out,
			 size_t max)
{
	struct dns_query r = *q;
	size_t n;

	r.edns_size = 0;
	n = run_dns_encode_query(&r, q->id, out, max);
	if (!n) {		/* no usable question: the header alone */
		memset(out, 0, 12);
		put16(out, q->id);
		n = 12;
	}
	put16(out + 2, 0x8000 | 0x0080 | (q->flags & 0x0100) | rcode);
	return n;
}

/* ---- proxying ------------------------------------------------------- */

static int upstream_socket(void)
{
	struct sockaddr_storage ss = { 0 };
	socklen_t len;
	int fd;

	if (!nupstream)
		return -ENOENT;
	if (upstream[0].family == 4) {
		struct sockaddr_in *a = (void *)&ss;

		a->sin_family = AF_INET;
		memcpy(&a->sin_addr, upstream[0].addr, 4);
		a->sin_port = htons(53);
		len = sizeof(*a);
	} else {
		struct sockaddr_in6 *a = (void *)&ss;

		a->sin6_family = AF_INET6;
		memcpy(&a->sin6_addr, upstream[0].addr, 16);
		a->sin6_port = htons(53);
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

static void reply(const struct client *c, const uint8_t *m, size_t n)
{
	uint8_t out[2 + DNS_MAX];

	if (!c->tcp) {
		sendto(c->sock, m, n, 0, (const void *)&c->addr, c->len);
		return;
	}
	if (n > DNS_MAX)
		return;
	put16(out, n);
	memcpy(out + 2, m, n);
	send(c->sock, out, n + 2, MSG_NOSIGNAL | MSG_DONTWAIT);
}

static void forward(const struct client *cl, const struct dns_query *q,
		    bool allowed)
{
	uint8_t out[DNS_MAX];
	struct pending *p;
	uint16_t id;
	size_t n;
	int fd;

	if (npend >= MAX_PENDING)
		return;		/* the client retries */
	if (getrandom(&id, sizeof(id), 0) != sizeof(id))
		return;
	n = run_dns_encode_query(q, id, out, sizeof(out));
	fd = n ? upstream_socket() : -EINVAL;
	if (fd < 0) {
		log_warn("DNS proxy: cannot ask a resolver for %s: %s", q->name,
			 strerror(-fd));
		return;
	}
	if (send(fd, out, n, 0) < 0) {
		close(fd);
		return;
	}
	p = &pend[npend++];
	p->fd = fd;
	p->cl = *cl;
	p->q = *q;
	p->up_id = id;
	p->allowed = allowed;
	p->started = time(NULL);
	watch(fd);
}

/* One message of the step's; replies are built apart from m. */
static void on_message(const uint8_t *m, size_t n, const struct client *cl)
{
	uint8_t out[DNS_MAX];
	struct dns_query q;
	bool allowed;

	if (run_dns_parse_query(m, n, &q)) {
		if (n >= 12 && !(m[2] & 0x80))
			reply(cl, out, make_reply(&(struct dns_query){ .id = get16(m) },
						  1, out, sizeof(out)));
		return;
	}
	allowed = run_name_allowed(policy, q.name);
	rep_dns(q.name, q.qtype, allowed, NULL);
	if (!allowed) {
		rep_violation(V_DNS, run_net_last_dns_pid(), "network.allow",
			      q.name, enforcing);
		if (enforcing) {
			reply(cl, out, make_reply(&q, 3, out, sizeof(out)));
			return;
		}
	}
	forward(cl, &q, allowed);
}

static void on_query(int sock)
{
	uint8_t m[DNS_MAX];
	struct client cl = { .sock = sock, .len = sizeof(cl.addr) };
	ssize_t n = recvfrom(sock, m, sizeof(m), 0, (void *)&cl.addr, &cl.len);

	if (n > 0)
		on_message(m, n, &cl);
}

static void finish(int i)
{
	epoll_ctl(epoll_fd, EPOLL_CTL_DEL, pend[i].fd, NULL);
	close(pend[i].fd);
	pend[i] = pend[--npend];
}

/* The reply answers what warden asked: its id, a response, the question. */
static long answers(const struct pending *p, const uint8_t *m, size_t n)
{
	struct dns_query a;
	long off;

	if (n < 12 || get16(m) != p->up_id || !(m[2] & 0x80))
		return -EINVAL;
	off = read_question(m, n, &a);
	if (off < 0 || strcmp(a.name, p->q.name) || a.qtype != p->q.qtype ||
	    a.qclass != p->q.qclass)
		return -EINVAL;
	return off;
}

static void on_answer(int i)
{
	uint8_t m[DNS_MAX];
	ssize_t n = recv(pend[i].fd, m, sizeof(m), 0);
	long off = n > 0 ? answers(&pend[i], m, n) : -EINVAL;

	if (off < 0) {
		if (n > 0)
			return;	/* not ours (a stray or forged reply): wait on */
		finish(i);
		return;
	}
	/* open the addresses first, then let the step see them */
	take_answers(m, n, off, pend[i].q.name, pend[i].allowed);
	put16(m, pend[i].q.id);
	reply(&pend[i].cl, m, n);
	finish(i);
}

/* ---- TCP ------------------------------------------------------------ */

static void on_accept(int lfd)
{
	int fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

	if (fd < 0)
		return;
	if (ntcp >= MAX_TCP) {
		close(fd);	/* the client retries */
		return;
	}
	tcp[ntcp] = (struct tcp_conn){ .fd = fd, .last = time(NULL) };
	ntcp++;
	watch(fd);
}

static void tcp_close(int i)
{
	int fd = tcp[i].fd;

	/* its answers have nowhere to go, and fd may be reused */
	for (int k = npend - 1; k >= 0; k--)
		if (pend[k].cl.tcp && pend[k].cl.sock == fd)
			finish(k);
	epoll_ctl(epoll_fd, EPOLL_CTL_DEL, fd, NULL);
	close(fd);
	tcp[i] = tcp[--ntcp];
}

/* Every complete length-prefixed message read so far, in order. */
static void on_tcp(int i)
{
	struct tcp_conn *c = &tcp[i];
	struct client cl = { .sock = c->fd, .tcp = true };
	ssize_t n = recv(c->fd, c->buf + c->have, sizeof(c->buf) - c->have, 0);

	if (n <= 0) {
		if (n == 0 || (errno != EAGAIN && errno != EINTR))
			tcp_close(i);
		return;
	}
	c->have += n;
	c->last = time(NULL);
	while (c->have >= 2) {
		size_t len = get16(c->buf);

		if (len < 12 || len > DNS_MAX) {
			tcp_close(i);	/* no DNS message */
			return;
		}
		if (c->have < 2 + len)
			return;
		on_message(c->buf + 2, len, &cl);
		c->have -= 2 + len;
		memmove(c->buf, c->buf + 2 + len, c->have);
	}
}

bool run_dns_handle(int fd)
{
	if (fd < 0)
		return false;
	if (fd == sock4 || fd == sock6) {
		on_query(fd);
		return true;
	}
	if (fd == tcp4 || fd == tcp6) {
		on_accept(fd);
		return true;
	}
	for (int i = 0; i < npend; i++) {
		if (pend[i].fd == fd) {
			on_answer(i);
			return true;
		}
	}
	for (int i = 0; i < ntcp; i++) {
		if (tcp[i].fd == fd) {
			on_tcp(i);
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
	for (int i = ntcp - 1; i >= 0; i--)
		if (now - tcp[i].last > TCP_IDLE_S)
			tcp_close(i);
}

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

void run_dns_stop(void)
{
	while (npend)
		finish(npend - 1);
	while (ntcp)
		tcp_close(ntcp - 1);
	close_fd(&sock4);
	close_fd(&sock6);
	close_fd(&tcp4);
	close_fd(&tcp6);
}
