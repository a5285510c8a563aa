/* IPv4/IPv6 prefixes: parse, format, match, and read list files. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "lib/cidr.h"

static const uint8_t v4_mapped_head[12] = {
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff,
};

static int fail(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err && errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

static int max_prefix(int family)
{
	return family == 4 ? 32 : 128;
}

/* Strict decimal 0..999 without sign, spaces or leading zeros. */
static int parse_prefix_len(const char *s)
{
	int v = 0;

	if (!*s || strlen(s) > 3 || (s[0] == '0' && s[1]))
		return -1;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		v = v * 10 + (*s - '0');
	}
	return v;
}

static bool host_bits_set(const struct cidr *c)
{
	int bytes = max_prefix(c->family) / 8;

	for (int i = c->prefix_len; i < bytes * 8; i++)
		if (c->addr[i / 8] & (0x80 >> (i % 8)))
			return true;
	return false;
}

static void mask_host_bits(struct cidr *c)
{
	int full = c->prefix_len / 8, rem = c->prefix_len % 8;

	if (rem)
		c->addr[full++] &= (uint8_t)(0xff << (8 - rem));
	memset(c->addr + full, 0, sizeof(c->addr) - (size_t)full);
}

/* ::ffff:a.b.c.d/N, N >= 96, is the IPv4 prefix a.b.c.d/(N-96). */
static void normalise_v4_mapped(struct cidr *c)
{
	if (c->family != 6 || c->prefix_len < 96 ||
	    memcmp(c->addr, v4_mapped_head, sizeof(v4_mapped_head)))
		return;
	memmove(c->addr, c->addr + 12, 4);
	memset(c->addr + 4, 0, 12);
	c->family = 4;
	c->prefix_len -= 96;
}

int cidr_parse(const char *s, bool allow_host_bits, struct cidr *out,
	       char *err, size_t errlen)
{
	char addr[INET6_ADDRSTRLEN + 1];
	const char *slash;
	struct cidr c = { 0 };
	size_t alen;
	int plen;

	if (!s || !*s)
		return fail(err, errlen, "empty address");
	slash = strchr(s, '/');
	alen = slash ? (size_t)(slash - s) : strlen(s);
	if (alen == 0)
		return fail(err, errlen, "missing address before '/'");
	if (alen >= sizeof(addr))
		return fail(err, errlen, "address too long");
	memcpy(addr, s, alen);
	addr[alen] = '\0';

	c.family = strchr(addr, ':') ? 6 : 4;
	if (inet_pton(c.family == 4 ? AF_INET : AF_INET6, addr, c.addr) != 1)
		return fail(err, errlen, "invalid IPv%d address \"%s\"",
			    c.family, addr);

	plen = max_prefix(c.family);
	if (slash) {
		plen = parse_prefix_len(slash + 1);
		if (plen < 0)
			return fail(err, errlen,
				    "invalid prefix length \"%.8s\"", slash + 1);
		if (plen > max_prefix(c.family))
			return fail(err, errlen,
				    "prefix length %d exceeds %d for IPv%d",
				    plen, max_prefix(c.family), c.family);
	}
	c.prefix_len = (uint8_t)plen;

	if (host_bits_set(&c) && !allow_host_bits) {
		char net[50];

		mask_host_bits(&c);
		normalise_v4_mapped(&c);
		cidr_format(&c, net, sizeof(net));
		return fail(err, errlen,
			    "host bits set below the prefix (network is %s)",
			    net);
	}
	mask_host_bits(&c);
	normalise_v4_mapped(&c);
	*out = c;
	return 0;
}

void cidr_format(const struct cidr *c, char *buf, size_t len)
{
	char addr[INET6_ADDRSTRLEN];
	int af = c->family == 4 ? AF_INET : AF_INET6;

	if (!inet_ntop(af, c->addr, addr, sizeof(addr))) {
		snprintf(buf, len, "?");
		return;
	}
	if (c->prefix_len == max_prefix(c->family))
		snprintf(buf, len, "%s", addr);
	else
		snprintf(buf, len, "%s/%u", addr, c->prefix_len);
}

bool cidr_contains(const struct cidr *net, const struct cidr *addr)
{
	int full = net->prefix_len / 8, rem = net->prefix_len % 8;

	if (net->family != addr->family || addr->prefix_len < net->prefix_len)
		return false;
	if (memcmp(net->addr, addr->addr, (size_t)full))
		return false;
	if (!rem)
		return true;
	return !((net->addr[full] ^ addr->addr[full]) &
		 (uint8_t)(0xff << (8 - rem)));
}

static bool is_blank(char ch)
{
	return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\v' ||
	       ch == '\f';
}

/* Cut the comment and surrounding blanks (including a CRLF's CR) in
 * place; returns the entry, which may be empty. */
static char *entry_of_line(char *line, size_t len)
{
	char *hash = memchr(line, '#', len), *end;

	if (hash)
		len = (size_t)(hash - line);
	while (len && (line[len - 1] == '\n' || is_blank(line[len - 1])))
		len--;
	line[len] = '\0';
	end = line + len;
	while (line < end && is_blank(*line))
		line++;
	return line;
}

/* Returns false if fn asked to stop (its negative return is in *stop). */
static bool read_line(char *line, size_t len, int lineno, cidr_fn fn,
		      cidr_err_fn fn_err, void *arg, long *count, int *stop)
{
	char err[96];
	struct cidr c;
	char *entry;
	int rc;

	/* strchr and friends would stop at a NUL: refuse the line instead
	 * of reading a prefix of it as an entry */
	if (memchr(line, '\0', len)) {
		if (fn_err)
			fn_err(lineno, (int)(strlen(line) + 1),
			       "NUL byte in line", arg);
		return true;
	}
	entry = entry_of_line(line, len);
	if (!*entry)
		return true;
	if (cidr_parse(entry, false, &c, err, sizeof(err)) < 0) {
		if (fn_err)
			fn_err(lineno, (int)(entry - line) + 1, err, arg);
		return true;
	}
	rc = fn ? fn(&c, lineno, arg) : 0;
	if (rc < 0) {
		*stop = rc;
		return false;
	}
	(*count)++;
	return true;
}

long cidr_read_file(const char *path, cidr_fn fn, cidr_err_fn fn_err,
		    void *arg)
{
	char *line = NULL;
	size_t cap = 0;
	long count = 0;
	int lineno = 0, stop = 0, saved;
	ssize_t n;
	FILE *f;

	f = fopen(path, "re");
	if (!f)
		return -errno;
	errno = 0;
	while ((n = getline(&line, &cap, f)) >= 0) {
		lineno++;
		if (!read_line(line, (size_t)n, lineno, fn, fn_err, arg,
			       &count, &stop))
			break;
	}
	saved = ferror(f) ? (errno ? errno : EIO) : 0;
	free(line);
	fclose(f);
	if (stop)
		return stop;
	return saved ? -saved : count;
}
