/* The egress image -> the kernel. Updates and deletes go in batches of a
 * few thousand: one syscall each keeps a 100,000-entry reload well under
 * a second. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include "egress/maps.h"

#define BATCH	4096

/* Update n entries of keys/vals, one batch call per BATCH where the
 * kernel supports it, one by one where not. */
static int update_all(int fd, const char *keys, size_t ksz, const char *vals,
		      size_t vsz, size_t n)
{
	LIBBPF_OPTS(bpf_map_batch_opts, opts);

	for (size_t at = 0; at < n;) {
		__u32 count = n - at > BATCH ? BATCH : (__u32)(n - at);

		if (bpf_map_update_batch(fd, keys + at * ksz, vals + at * vsz,
					 &count, &opts)) {
			if (bpf_map_update_elem(fd, keys + at * ksz,
						vals + at * vsz, BPF_ANY))
				return -errno;
			count = 1;
		}
		at += count;
	}
	return 0;
}

/* A batch stops at the first missing key: step over it. */
static void delete_all(int fd, const char *keys, size_t ksz, size_t n)
{
	LIBBPF_OPTS(bpf_map_batch_opts, opts);

	for (size_t at = 0; at < n;) {
		__u32 count = n - at > BATCH ? BATCH : (__u32)(n - at);

		if (bpf_map_delete_batch(fd, keys + at * ksz, &count, &opts)) {
			bpf_map_delete_elem(fd, keys + (at + count) * ksz);
			count++;
		}
		at += count;
	}
}

/* Entries are (key, value) pairs; the batch calls want one array of
 * keys and one of values: the field at off of each of n entries. */
static char *gather(const struct vec *v, size_t esz, size_t off, size_t sz)
{
	char *out = malloc(v->n ? v->n * sz : 1);

	for (size_t i = 0; out && i < v->n; i++)
		memcpy(out + i * sz, (const char *)v->v + i * esz + off, sz);
	return out;
}

static int write_entries(int fd, const struct vec *v, size_t esz, size_t ksz,
			 size_t voff, size_t vsz)
{
	char *keys = gather(v, esz, 0, ksz), *vals = gather(v, esz, voff, vsz);
	int err = keys && vals ? update_all(fd, keys, ksz, vals, vsz, v->n) :
				 -ENOMEM;

	free(keys);
	free(vals);
	return err;
}

static int clear_entries(int fd, const struct vec *v, size_t esz, size_t ksz)
{
	char *keys = gather(v, esz, 0, ksz);

	if (!keys)
		return -ENOMEM;
	delete_all(fd, keys, ksz, v->n);
	free(keys);
	return 0;
}

#define WRITE(fd, vec, type, key, val)					\
	write_entries(fd, vec, sizeof(type), sizeof(((type *)0)->key),	\
		      offsetof(type, val), sizeof(((type *)0)->val))
#define CLEAR(fd, vec, type, key)					\
	clear_entries(fd, vec, sizeof(type), sizeof(((type *)0)->key))

int egress_maps_write(const struct egress_maps *m, __u32 gen,
		      const struct egress_image *img)
{
	int err;

	err = WRITE(m->suspect, &img->nets[EGRESS_SUSPECT],
		    struct egress_net_entry, key, val) ?:
	      WRITE(m->allow, &img->nets[EGRESS_ALLOW],
		    struct egress_net_entry, key, val) ?:
	      WRITE(m->cgroups, &img->cgroups, struct egress_cg_entry, key, bits) ?:
	      WRITE(m->binaries, &img->binaries, struct egress_bin_entry, key, bits);
	if (!err && bpf_map_update_elem(m->config, &gen, &img->config, BPF_ANY))
		err = -errno;
	return err;
}

static int clear_config(const struct egress_maps *m, __u32 gen)
{
	struct egress_config none = { 0 };

	return bpf_map_update_elem(m->config, &gen, &none, BPF_ANY) ? -errno : 0;
}

int egress_maps_clear(const struct egress_maps *m, __u32 gen,
		      const struct egress_image *img)
{
	return CLEAR(m->suspect, &img->nets[EGRESS_SUSPECT],
		     struct egress_net_entry, key) ?:
	       CLEAR(m->allow, &img->nets[EGRESS_ALLOW],
		     struct egress_net_entry, key) ?:
	       CLEAR(m->cgroups, &img->cgroups, struct egress_cg_entry, key) ?:
	       CLEAR(m->binaries, &img->binaries, struct egress_bin_entry, key) ?:
	       clear_config(m, gen);
}

/* Keys of fd whose 32-bit generation field at gen_off is gen. */
static int collect_gen(int fd, size_t ksz, size_t gen_off, __u32 gen,
		       struct vec *out)
{
	char *cur = malloc(ksz), *next = malloc(ksz);
	void *prev = NULL;
	int err = 0;

	if (!cur || !next)
		err = -ENOMEM;
	while (!err && bpf_map_get_next_key(fd, prev, next) == 0) {
		__u32 g;

		memcpy(&g, next + gen_off, sizeof(g));
		if (g == gen)
			err = egress_vec_push(out, next, ksz);
		memcpy(cur, next, ksz);
		prev = cur;
	}
	free(cur);
	free(next);
	return err;
}

static int clear_gen_of(int fd, size_t ksz, size_t gen_off, __u32 gen)
{
	struct vec keys = { 0 };
	int err = collect_gen(fd, ksz, gen_off, gen, &keys);

	if (!err)
		delete_all(fd, keys.v, ksz, keys.n);
	free(keys.v);
	return err;
}

int egress_maps_clear_gen(const struct egress_maps *m, __u32 gen)
{
	const size_t net = sizeof(struct egress_net_key);

	return clear_gen_of(m->suspect, net, offsetof(struct egress_net_key, gen), gen) ?:
	       clear_gen_of(m->allow, net, offsetof(struct egress_net_key, gen), gen) ?:
	       clear_gen_of(m->cgroups, sizeof(struct egress_cg_key),
			    offsetof(struct egress_cg_key, gen), gen) ?:
	       clear_gen_of(m->binaries, sizeof(struct egress_bin_key),
			    offsetof(struct egress_bin_key, gen), gen) ?:
	       clear_config(m, gen);
}

static int cmp_cg_key(const void *a, const void *b)
{
	return memcmp(a, b, sizeof(struct egress_cg_key));
}

/* Merge one found entry into the sorted img->cgroups: 1 if it changed. */
static int merge_cgroup(struct vec *cgs, struct egress_cg_entry *e)
{
	struct egress_cg_entry *have = bsearch(e, cgs->v, cgs->n, sizeof(*e),
					       cmp_cg_key);

	if (have) {
		if ((have->bits & e->bits) == e->bits)
			return 0;
		have->bits |= e->bits;
		e->bits = have->bits;
		return 1;
	}
	if (egress_vec_push(cgs, e, sizeof(*e)))
		return -ENOMEM;
	qsort(cgs->v, cgs->n, sizeof(*e), cmp_cg_key);
	return 1;
}

int egress_maps_add_cgroups(const struct egress_maps *m,
			    struct egress_image *img, const struct vec *found)
{
	const struct egress_cg_entry *f = found->v;

	for (size_t i = 0; i < found->n; i++) {
		struct egress_cg_entry e = f[i];
		int changed = merge_cgroup(&img->cgroups, &e);

		if (changed < 0)
			return changed;
		if (changed && bpf_map_update_elem(m->cgroups, &e.key, &e.bits,
						   BPF_ANY))
			return -errno;
	}
	return 0;
}
