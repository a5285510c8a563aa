/* IPv4/IPv6 addresses and CIDR prefixes, as the policy writes them. */
#ifndef WARDEN_CIDR_H
#define WARDEN_CIDR_H
#include <stdint.h>
#include <stddef.h>
#include <stdbool.h>

/* An address prefix. IPv4 is stored as itself (family 4, addr[0..3]);
 * "::ffff:a.b.c.d/N" (N >= 96) is normalised to IPv4 a.b.c.d/(N-96) so a
 * v4-mapped entry and a v4 entry are the same thing. */
struct cidr {
	uint8_t family;		/* 4 or 6 */
	uint8_t prefix_len;	/* 0..32 or 0..128 */
	uint8_t addr[16];	/* network byte order; host bits zeroed */
};

/* Parse "1.2.3.4", "1.2.3.0/24", "2001:db8::/32", "::1". A bare address
 * is a full-length prefix. Host bits set below the prefix ("10.0.0.1/8")
 * are an error (-EINVAL) unless allow_host_bits, which masks them.
 * On error writes a short reason to err (errlen bytes) and returns -EINVAL. */
int cidr_parse(const char *s, bool allow_host_bits, struct cidr *out,
	       char *err, size_t errlen);
/* Format as text ("10.0.0.0/8", "2001:db8::/32"; full-length prefixes
 * without the "/N"). buf must hold 50 bytes. */
void cidr_format(const struct cidr *c, char *buf, size_t len);
bool cidr_contains(const struct cidr *net, const struct cidr *addr);

/* Read a list file: one address or CIDR per line, '#' starts a comment,
 * blank lines and surrounding white space ignored. fn is called per entry;
 * parse errors are reported through fn_err with the 1-based line and
 * column and do not stop the read. Returns entries read or -errno.
 * A negative return from fn stops the read and is returned as is. */
typedef int (*cidr_fn)(const struct cidr *c, int line, void *arg);
typedef void (*cidr_err_fn)(int line, int col, const char *msg, void *arg);
long cidr_read_file(const char *path, cidr_fn fn, cidr_err_fn fn_err,
		    void *arg);
#endif
