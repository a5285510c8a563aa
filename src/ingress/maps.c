/* Writing one generation of the compiled ingress policy into the maps, and
 * clearing it again once the other generation is active. */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "ingress/maps.h"

#define BATCH	65536	/* prefixes per update call */

static void key4_of(const struct cidr *c, __u32 gen, __u32 ifindex,
		    struct ingress_key4 *k)
{
	k->prefixlen = INGRESS_SCOPE_BITS + c->prefix_len;
	k->scope = INGRESS_SCOPE(gen, ifindex);
	memcpy(k->addr, c->addr, 4);
}

static void key6_of(const struct cidr *c, __u32 gen, __u32 ifindex,
		    struct ingress_key6 *k)
{
	k->prefixlen = INGRESS_SCOPE_BITS + c->prefix_len;
	k->scope = INGRESS_SCOPE(gen, ifindex);
	memcpy(k->addr, c->addr, 16);
}

/* Batched where the kernel supports it for the map, one by one if not. */
static int update_many(int fd, const void *keys, size_t ksz,
		       const __u32 *vals, size_t n)
{
	static bool no_batch;
	__u32 count;
	int err;

	if (!no_batch && n) {
		count = (__u32)n;
		err = bpf_map_update_batch(fd, keys, vals, &count, NULL);
		if (!err)
			return 0;
		if (errno != EINVAL && errno != ENOTSUP && errno != EOPNOTSUPP)
			return -errno;
		no_batch = true;
	}
	for (size_t i = 0; i < n; i++)
		if (bpf_map_update_elem(fd, (const char *)keys + i * ksz,
					&vals[i], BPF_ANY))
			return -errno;
	return 0;
}

/* A key already gone is no error: a clear is repeated after a failure. */
static int delete_many(int fd, const void *keys, size_t ksz, size_t n)
{
	int err = 0;

	for (size_t i = 0; i < n; i++)
		if (bpf_map_delete_elem(fd, (const char *)keys + i * ksz) &&
		    errno != ENOENT)
			err = -errno;
	return err;
}

/* Calls fn on the keys of one family, BATCH at a time. */
static int for_prefix_batches(const struct ingress_maps *m,
			      const struct ingress_compiled_iface *ci,
			      __u32 gen, __u32 ifindex, int family, bool del)
{
	size_t ksz = family == 4 ? sizeof(struct ingress_key4) :
				   sizeof(struct ingress_key6);
	int fd = family == 4 ? m->v4 : m->v6, err = 0;
	char *keys = calloc(BATCH, ksz);
	__u32 *vals = calloc(BATCH, sizeof(*vals));
	size_t n = 0;

	if (!keys || !vals) {
		free(keys);
		free(vals);
		return -ENOMEM;
	}
	for (size_t i = 0; i <= ci->nprefixes && !err; i++) {
		if (n == BATCH || (i == ci->nprefixes && n)) {
			if (del)
				err = delete_many(fd, keys, ksz, n);
			else
				err = update_many(fd, keys, ksz, vals, n);
			n = 0;
		}
		if (i == ci->nprefixes || ci->prefixes[i].c.family != family)
			continue;
		if (family == 4)
			key4_of(&ci->prefixes[i].c, gen, ifindex,
				(void *)(keys + n * ksz));
		else
			key6_of(&ci->prefixes[i].c, gen, ifindex,
				(void *)(keys + n * ksz));
		vals[n++] = ci->prefixes[i].set;
	}
	free(keys);
	free(vals);
	return err;
}

static int zero_counters(const struct ingress_maps *m, __u32 gen, size_t n)
{
	int ncpu = libbpf_num_possible_cpus();
	struct ingress_counter *zero;
	int err = 0;

	if (ncpu <= 0)
		return ncpu ? ncpu : -EINVAL;
	zero = calloc((size_t)ncpu, sizeof(*zero));
	if (!zero)
		return -ENOMEM;
	for (__u32 id = 0; id < n && !err; id++) {
		__u32 key = gen * INGRESS_MAX_RULES + id;

		if (bpf_map_update_elem(m->counters, &key, zero, BPF_ANY))
			err = -errno;
	}
	free(zero);
	return err;
}

static int write_sets(const struct ingress_maps *m,
		      const struct ingress_compiled *c, __u32 gen)
{
	for (__u32 i = 0; i < c->nsets; i++) {
		__u32 key = gen * INGRESS_MAX_SETS + i;

		if (bpf_map_update_elem(m->sets, &key, &c->sets[i], BPF_ANY))
			return -errno;
	}
	return 0;
}

int ingress_maps_write(const struct ingress_maps *m,
		       const struct ingress_compiled *c, const __u32 *ifindex,
		       __u32 gen)
{
	int err = zero_counters(m, gen, c->nrules) ?: write_sets(m, c, gen);

	for (size_t i = 0; !err && i < c->nifaces; i++)
		err = for_prefix_batches(m, &c->ifaces[i], gen, ifindex[i], 4,
					 false) ?:
		      for_prefix_batches(m, &c->ifaces[i], gen, ifindex[i], 6,
					 false);
	/* the interface config last: until it exists the gen is inert */
	for (size_t i = 0; !err && i < c->nifaces; i++) {
		struct ingress_iface_key k = { gen, ifindex[i] };

		if (bpf_map_update_elem(m->cfg, &k, &c->ifaces[i].cfg, BPF_ANY))
			err = -errno;
	}
	return err;
}

int ingress_maps_clear(const struct ingress_maps *m,
		       const struct ingress_compiled *c, const __u32 *ifindex,
		       __u32 gen)
{
	int err = 0;

	for (size_t i = 0; i < c->nifaces; i++) {
		struct ingress_iface_key k = { gen, ifindex[i] };

		if (bpf_map_delete_elem(m->cfg, &k) && errno != ENOENT)
			err = -errno;
		err = for_prefix_batches(m, &c->ifaces[i], gen, ifindex[i], 4, true) ?:
		      for_prefix_batches(m, &c->ifaces[i], gen, ifindex[i], 6, true) ?:
		      err;
	}
	return err;
}

int ingress_counter_read(const struct ingress_maps *m, __u32 gen, __u32 id,
			 struct ingress_counter *sum)
{
	int ncpu = libbpf_num_possible_cpus();
	__u32 key = gen * INGRESS_MAX_RULES + id;
	struct ingress_counter *v;

	memset(sum, 0, sizeof(*sum));
	if (ncpu <= 0)
		return -EINVAL;
	v = calloc((size_t)ncpu, sizeof(*v));
	if (!v)
		return -ENOMEM;
	if (bpf_map_lookup_elem(m->counters, &key, v)) {
		free(v);
		return -errno;
	}
	for (int i = 0; i < ncpu; i++) {
		sum->packets += v[i].packets;
		sum->bytes += v[i].bytes;
	}
	free(v);
	return 0;
}

/* Delete every key of fd whose generation is gen: the __u32 at gen_off,
 * shifted right by shift (the scope keeps it in its top bit). Keys are
 * collected first, as deleting while walking could skip some. */
static int sweep_gen(int fd, size_t ksz, size_t gen_off, int shift, __u32 gen)
{
	size_t n = 0, cap = 0;
	char *keys = NULL, *nk;
	int err = 0;

	for (;;) {
		if (n == cap) {
			cap = cap ? 2 * cap : 256;
			nk = realloc(keys, cap * ksz);
			if (!nk) {
				err = -ENOMEM;
				break;
			}
			keys = nk;
		}
		if (bpf_map_get_next_key(fd, n ? keys + (n - 1) * ksz : NULL,
					 keys + n * ksz))
			break;
		n++;
	}
	for (size_t i = 0; i < n && !err; i++) {
		__u32 v;

		memcpy(&v, keys + i * ksz + gen_off, sizeof(v));
		if (v >> shift == gen)
			err = delete_many(fd, keys + i * ksz, ksz, 1);
	}
	free(keys);
	return err;
}

int ingress_maps_sweep(const struct ingress_maps *m, __u32 gen)
{
	return sweep_gen(m->cfg, sizeof(struct ingress_iface_key),
			 offsetof(struct ingress_iface_key, gen), 0, gen) ?:
	       sweep_gen(m->v4, sizeof(struct ingress_key4),
			 offsetof(struct ingress_key4, scope), 31, gen) ?:
	       sweep_gen(m->v6, sizeof(struct ingress_key6),
			 offsetof(struct ingress_key6, scope), 31, gen);
}
