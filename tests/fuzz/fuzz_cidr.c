/* Fuzz the address parser (src/lib/cidr.c).
 *
 * First input byte even: the rest is one address string. Whatever
 * cidr_parse accepts must be canonical (host bits zero, prefix in range,
 * v4-mapped folded to IPv4), must format to text that parses back to the
 * same value, and must contain itself. First byte odd: the rest is a list
 * file, read from a memfd through cidr_read_file; every entry it hands
 * over must satisfy the same invariants. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include "lib/cidr.h"

static const uint8_t v4_mapped_head[12] = { [10] = 0xff, [11] = 0xff };

static void check_canonical(const struct cidr *c)
{
	int max = c->family == 4 ? 32 : 128;
	struct cidr again;
	char text[50], err[96];

	if ((c->family != 4 && c->family != 6) || c->prefix_len > max)
		abort();
	for (int i = c->prefix_len; i < 128; i++)
		if (c->addr[i / 8] & (0x80 >> (i % 8)))
			abort();	/* host bits or bytes past IPv4 set */
	if (c->family == 6 && c->prefix_len >= 96 &&
	    !memcmp(c->addr, v4_mapped_head, sizeof(v4_mapped_head)))
		abort();	/* should have become IPv4 */
	if (!cidr_contains(c, c))
		abort();
	cidr_format(c, text, sizeof(text));
	if (cidr_parse(text, false, &again, err, sizeof(err)) < 0)
		abort();	/* our own output is refused */
	if (memcmp(c, &again, sizeof(again)))
		abort();	/* the round trip changed the value */
}

static void check_string(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1), err[96];
	struct cidr c;

	if (!s)
		abort();
	memcpy(s, data, size);
	s[size] = '\0';
	for (int host_bits = 0; host_bits < 2; host_bits++) {
		memset(err, 'x', sizeof(err));
		if (cidr_parse(s, host_bits, &c, err, sizeof(err)) == 0)
			check_canonical(&c);
		else if (!memchr(err, '\0', sizeof(err)))
			abort();	/* the reason is not a C string */
	}
	free(s);
}

struct tally {
	long entries;
	int last_line;
};

static int on_entry(const struct cidr *c, int line, void *arg)
{
	struct tally *t = arg;

	if (line <= 0 || line < t->last_line)
		abort();
	t->last_line = line;
	t->entries++;
	check_canonical(c);
	return 0;
}

static void on_error(int line, int col, const char *msg, void *arg)
{
	if (line <= 0 || col <= 0 || !msg || !*msg)
		abort();
}

static void check_file(const uint8_t *data, size_t size)
{
	int fd = memfd_create("fuzz_cidr", MFD_CLOEXEC);
	struct tally t = { 0 };
	char path[64];
	long n;

	if (fd < 0 || (size && write(fd, data, size) != (ssize_t)size))
		abort();
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	n = cidr_read_file(path, on_entry, on_error, &t);
	if (n != t.entries)
		abort();	/* the count must match the entries handed over */
	close(fd);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!size)
		return 0;
	if (data[0] & 1)
		check_file(data + 1, size - 1);
	else
		check_string(data + 1, size - 1);
	return 0;
}
