/* Bit helpers shared by the BPF programs. */
#ifndef WARDEN_BITS_H
#define WARDEN_BITS_H

/* Index of the lowest set bit of v (v != 0), without a ctz instruction
 * (the BPF backend has none). */
static __always_inline int lowest_bit(__u64 v)
{
	int n = 0;

	if (!(v & 0xffffffffULL)) { n += 32; v >>= 32; }
	if (!(v & 0xffffULL)) { n += 16; v >>= 16; }
	if (!(v & 0xffULL)) { n += 8; v >>= 8; }
	if (!(v & 0xfULL)) { n += 4; v >>= 4; }
	if (!(v & 0x3ULL)) { n += 2; v >>= 2; }
	if (!(v & 0x1ULL)) { n += 1; }
	return n;
}
#endif
