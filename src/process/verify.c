#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include "lib/log.h"
#include "lib/output.h"
#include "process/verify.h"

static void note_map(struct tamper *t, const char *name)
{
	size_t at = strlen(t->maps);

	if (!strstr(t->maps, name))
		snprintf(t->maps + at, sizeof(t->maps) - at, "%s%s",
			 at ? "," : "", name);
}

/* Keys to delete once the walk is over (deleting during get_next_key
 * can restart it). */
struct extras {
	char *keys;
	size_t n, cap;
};

static int add_extra(struct extras *x, const void *key, size_t ksz)
{
	if (x->n == x->cap) {
		char *k = realloc(x->keys, (x->cap = x->cap ? x->cap * 2 : 16) * ksz);

		if (!k)
			return -ENOMEM;
		x->keys = k;
	}
	memcpy(x->keys + x->n++ * ksz, key, ksz);
	return 0;
}

/* One entry of the generation walked: written back if changed, noted
 * for deletion if the image lacks it. Returns 1 if it matched. */
static int check_entry(int fd, const struct process_image *img, int i,
		       const void *key, struct extras *x, struct tamper *t)
{
	const struct rule_bits *want = process_image_get(img, i, key);
	struct rule_bits got;

	if (bpf_map_lookup_elem(fd, key, &got))
		return errno == ENOENT ? 0 : -errno;	/* gone meanwhile */
	if (!want) {
		t->added++;
		return add_extra(x, key, proc_map_desc[i].key_size);
	}
	if (!memcmp(&got, want, sizeof(got)))
		return 1;
	t->changed++;
	return bpf_map_update_elem(fd, key, want, BPF_ANY) ? -errno : 0;
}

/* The image's entries the map lacks, written back. */
static int restore_missing(int fd, const struct proc_entries *e, size_t ksz,
			   struct tamper *t)
{
	struct rule_bits got;

	for (size_t k = 0; k < e->n; k++) {
		const void *key = e->keys + k * ksz;

		if (!bpf_map_lookup_elem(fd, key, &got))
			continue;
		t->missing++;
		if (bpf_map_update_elem(fd, key, &e->bits[k], BPF_ANY))
			return -errno;
	}
	return 0;
}

static int verify_rule_map(int fd, const struct process_image *img, int i,
			   struct tamper *t)
{
	const struct proc_map_desc *md = &proc_map_desc[i];
	char cur[PROC_KEY_MAX], next[PROC_KEY_MAX];
	unsigned before = t->changed + t->missing + t->added, changed = t->changed;
	struct extras x = { 0 };
	size_t matched = 0;
	void *prev = NULL;
	__u32 g;
	int err = 0, r;

	while (!err && bpf_map_get_next_key(fd, prev, next) == 0) {
		memcpy(cur, next, md->key_size);
		prev = cur;
		memcpy(&g, cur + md->gen_off, sizeof(g));
		if (g != img->gen)
			continue;
		r = check_entry(fd, img, i, cur, &x, t);
		if (r < 0)
			err = r;
		matched += r > 0;
	}
	for (size_t k = 0; k < x.n && !err; k++)
		if (bpf_map_delete_elem(fd, x.keys + k * md->key_size) && errno != ENOENT)
			err = -errno;
	free(x.keys);
	/* every entry seen matched and there are as many: none is missing */
	if (!err && matched + (t->changed - changed) < img->map[i].n)
		err = restore_missing(fd, &img->map[i], md->key_size, t);
	if (t->changed + t->missing + t->added != before)
		note_map(t, md->name);
	return err;
}

static int verify_syscalls(int fd, const struct process_image *img,
			   struct tamper *t)
{
	struct rule_bits got;

	for (__u32 nr = 0; nr < SYSCALL_SLOTS; nr++) {
		__u32 key = img->gen * SYSCALL_SLOTS + nr;

		if (bpf_map_lookup_elem(fd, &key, &got))
			return -errno;
		if (!memcmp(&got, &img->syscall[nr], sizeof(got)))
			continue;
		t->changed++;
		note_map(t, "proc_syscall");
		if (bpf_map_update_elem(fd, &key, &img->syscall[nr], BPF_ANY))
			return -errno;
	}
	return 0;
}

static int verify_header(int fd, const struct process_image *img,
			 struct tamper *t)
{
	struct policy_hdr got;

	if (bpf_map_lookup_elem(fd, &img->gen, &got))
		return -errno;
	if (!memcmp(&got, &img->hdr, sizeof(got)))
		return 0;
	t->changed++;
	note_map(t, "proc_policy");
	return bpf_map_update_elem(fd, &img->gen, &img->hdr, BPF_ANY) ? -errno : 0;
}

int process_maps_verify(const struct process_maps *m,
			const struct process_image *img, struct tamper *t)
{
	struct tamper found = { 0 };
	int err = verify_header(m->policy, img, &found);

	err = err ?: verify_syscalls(m->syscall, img, &found);
	for (int i = 0; i < PM__COUNT && !err; i++)
		err = verify_rule_map(m->rules[i], img, i, &found);
	if (err)
		return err;
	if (found.changed + found.missing + found.added)
		*t = found;
	return (int)(found.changed + found.missing + found.added);
}

void process_report_tamper(const struct tamper *t)
{
	char text[512];
	struct jbuf j;

	snprintf(text, sizeof(text), "TAMPER self-protection: %s changed by "
		 "another process (%u changed, %u deleted, %u added); restored",
		 t->maps, t->changed, t->missing, t->added);
	log_warn("%s", text);
	jb_init(&j);
	output_begin(&j, "tamper", 0);
	jb_kstr(&j, "rule", "self-protection");
	jb_kstr(&j, "maps", t->maps);
	jb_ku64(&j, "changed", t->changed);
	jb_ku64(&j, "deleted", t->missing);
	jb_ku64(&j, "added", t->added);
	jb_kbool(&j, "restored", true);
	output_emit(&j);
	jb_free(&j);
	output_flush();
}
