/* The process image -> the kernel's maps, and clearing a generation. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "process/maps.h"

static int fd_of(const struct bpf_object *obj, const char *name, int *fd)
{
	*fd = bpf_object__find_map_fd_by_name(obj, name);
	return *fd < 0 ? -ENOENT : 0;
}

/* A pinned proc_anc_watch from an earlier daemon: keep its indices. */
static int adopt_watched(struct process_maps *m)
{
	struct file_id key, *prev = NULL;
	__u32 idx;

	m->nwatched = 0;
	memset(m->watched, 0, sizeof(m->watched));
	while (bpf_map_get_next_key(m->anc_watch, prev, &key) == 0) {
		prev = &key;
		if (bpf_map_lookup_elem(m->anc_watch, &key, &idx) == 0 &&
		    idx < ANC_WATCH_MAX) {
			m->watched[idx] = key;
			if (idx >= m->nwatched)
				m->nwatched = idx + 1;
		}
	}
	return errno == ENOENT ? 0 : -errno;
}

int process_maps_open(struct process_maps *m, const struct bpf_object *obj)
{
	int err = fd_of(obj, "proc_policy", &m->policy) ?:
		  fd_of(obj, "proc_syscall", &m->syscall) ?:
		  fd_of(obj, "proc_anc_watch", &m->anc_watch) ?:
		  fd_of(obj, "proc_anc_rules", &m->anc_rules);

	for (int i = 0; i < PM__COUNT && !err; i++)
		err = fd_of(obj, proc_map_desc[i].name, &m->rules[i]);
	return err ?: adopt_watched(m);
}

/* The keys of generation gen in fd, collected first: deleting while
 * iterating with get_next_key can restart the walk. */
static int collect_gen(int fd, const struct proc_map_desc *md, __u32 gen,
		       char **keys, size_t *n)
{
	char cur[PROC_KEY_MAX], next[PROC_KEY_MAX];
	size_t cap = 0, ksz = md->key_size;
	void *prev = NULL;
	__u32 g;

	*keys = NULL;
	*n = 0;
	while (bpf_map_get_next_key(fd, prev, next) == 0) {
		memcpy(cur, next, ksz);
		prev = cur;
		memcpy(&g, cur + md->gen_off, sizeof(g));
		if (g != gen)
			continue;
		if (*n == cap) {
			char *k = realloc(*keys, (cap = cap ? cap * 2 : 64) * ksz);

			if (!k)
				return -ENOMEM;
			*keys = k;
		}
		memcpy(*keys + (*n)++ * ksz, cur, ksz);
	}
	return errno == ENOENT ? 0 : -errno;
}

static int clear_map(int fd, const struct proc_map_desc *md, __u32 gen)
{
	char *keys;
	size_t n;
	int err = collect_gen(fd, md, gen, &keys, &n);

	for (size_t i = 0; i < n && !err; i++)
		if (bpf_map_delete_elem(fd, keys + i * md->key_size) &&
		    errno != ENOENT)
			err = -errno;
	free(keys);
	return err;
}

int process_maps_clear(const struct process_maps *m, __u32 gen)
{
	struct rule_bits zero = { 0 };
	int err = 0;

	for (int i = 0; i < PM__COUNT && !err; i++)
		err = clear_map(m->rules[i], &proc_map_desc[i], gen);
	for (__u32 nr = 0; nr < SYSCALL_SLOTS && !err; nr++) {
		__u32 key = gen * SYSCALL_SLOTS + nr;

		if (bpf_map_update_elem(m->syscall, &key, &zero, BPF_ANY))
			err = -errno;
	}
	for (__u32 i = 0; i < m->nwatched && !err; i++) {
		__u32 key = gen * ANC_WATCH_MAX + i;

		if (bpf_map_update_elem(m->anc_rules, &key, &zero, BPF_ANY))
			err = -errno;
	}
	return err;
}

/* The watch index of ancestor binary id (gen 0), given now if new. */
static int watch_index(struct process_maps *m, const struct file_id *id,
		       __u32 *idx)
{
	for (*idx = 0; *idx < m->nwatched; (*idx)++)
		if (m->watched[*idx].ino == id->ino && m->watched[*idx].dev == id->dev)
			return 0;
	if (m->nwatched == ANC_WATCH_MAX)
		return -ENOSPC;
	if (bpf_map_update_elem(m->anc_watch, id, idx, BPF_NOEXIST))
		return -errno;
	m->watched[m->nwatched++] = *id;
	return 0;
}

/* Ancestor rules by watch index, for the depth-free ancestry bits. */
static int write_watched(struct process_maps *m, const struct process_image *img)
{
	const struct proc_entries *e = &img->map[PM_ANCESTOR];

	for (size_t i = 0; i < e->n; i++) {
		struct file_id id;
		__u32 idx, key;
		int err;

		memcpy(&id, e->keys + i * sizeof(id), sizeof(id));
		id.gen = 0;
		err = watch_index(m, &id, &idx);
		if (err)
			return err;
		key = img->gen * ANC_WATCH_MAX + idx;
		if (bpf_map_update_elem(m->anc_rules, &key, &e->bits[i], BPF_ANY))
			return -errno;
	}
	return 0;
}

static int write_entries(int fd, const struct proc_entries *e, size_t ksz)
{
	for (size_t i = 0; i < e->n; i++)
		if (bpf_map_update_elem(fd, e->keys + i * ksz, &e->bits[i], BPF_ANY))
			return -errno;
	return 0;
}

static bool empty(const struct rule_bits *b)
{
	for (int i = 0; i < RULE_WORDS; i++)
		if (b->w[i])
			return false;
	return true;
}

/* Only the syscalls some rule names: the cleared generation holds zeros. */
static int write_syscalls(int fd, const struct process_image *img)
{
	for (__u32 nr = 0; nr < SYSCALL_SLOTS; nr++) {
		__u32 key = img->gen * SYSCALL_SLOTS + nr;

		if (!empty(&img->syscall[nr]) &&
		    bpf_map_update_elem(fd, &key, &img->syscall[nr], BPF_ANY))
			return -errno;
	}
	return 0;
}

int process_maps_write(struct process_maps *m, const struct process_image *img)
{
	int err = 0;

	for (int i = 0; i < PM__COUNT && !err; i++)
		err = write_entries(m->rules[i], &img->map[i],
				    proc_map_desc[i].key_size);
	err = err ?: write_syscalls(m->syscall, img);
	err = err ?: write_watched(m, img);
	if (!err && bpf_map_update_elem(m->policy, &img->gen, &img->hdr, BPF_ANY))
		err = -errno;
	return err;
}
