/* network.egress -> the image of one generation. Lists become LPM
 * entries keyed (gen, class, address); scopes become bits on cgroup ids
 * and on binaries' (dev, inode). Nothing here touches the kernel: the
 * image is written by maps.c, so compiling is testable without root. */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include "lib/cgroup.h"
#include "egress/compile.h"

#define MAX_FILE_WARNINGS 5	/* bad lines named per list file */

int egress_vec_push(struct vec *vec, const void *item, size_t size)
{
	if (vec->n == vec->cap) {
		size_t cap = vec->cap ? vec->cap * 2 : 256;
		void *v = realloc(vec->v, cap * size);

		if (!v)
			return -ENOMEM;
		vec->v = v;
		vec->cap = cap;
	}
	memcpy((char *)vec->v + vec->n * size, item, size);
	vec->n++;
	return 0;
}

void egress_image_reset(struct egress_image *img)
{
	for (int i = 0; i < 2; i++)
		img->nets[i].n = 0;
	img->cgroups.n = 0;
	img->binaries.n = 0;
	memset(&img->config, 0, sizeof(img->config));
	img->entries = 0;
	img->bad_lines = 0;
}

void egress_image_free(struct egress_image *img)
{
	for (int i = 0; i < 2; i++)
		free(img->nets[i].v);
	free(img->cgroups.v);
	free(img->binaries.v);
	memset(img, 0, sizeof(*img));
}

/* ---- one entry per key ----------------------------------------------- */

static int cmp_net(const void *a, const void *b)
{
	const struct egress_net_entry *x = a, *y = b;
	int c = memcmp(&x->key, &y->key, sizeof(x->key));

	return c ? c : (x->seq > y->seq) - (x->seq < y->seq);
}

/* Sorted by key then seq: of equal keys, keep the last (read last). */
static void unique_nets(struct vec *vec)
{
	struct egress_net_entry *e = vec->v;
	size_t out = 0;

	if (vec->n < 2)
		return;
	qsort(e, vec->n, sizeof(*e), cmp_net);
	for (size_t i = 0; i < vec->n; i++) {
		if (i + 1 < vec->n && !memcmp(&e[i].key, &e[i + 1].key, sizeof(e[i].key)))
			continue;
		e[out++] = e[i];
	}
	vec->n = out;
}

static int cmp_cg(const void *a, const void *b)
{
	return memcmp(a, b, sizeof(struct egress_cg_key));
}

static int cmp_bin(const void *a, const void *b)
{
	return memcmp(a, b, sizeof(struct egress_bin_key));
}

/* Both kinds of bit entry are a key followed by 64 scope bits. */
_Static_assert(sizeof(struct egress_cg_entry) ==
	       sizeof(struct egress_cg_key) + sizeof(__u64), "no padding");
_Static_assert(sizeof(struct egress_bin_entry) ==
	       sizeof(struct egress_bin_key) + sizeof(__u64), "no padding");

/* Sorted by key; entries of one key merge their scope bits. */
static void unique_bits(struct vec *vec, size_t size,
			int (*cmp)(const void *, const void *))
{
	size_t key_size = size - sizeof(__u64), out = 0;
	char *e = vec->v;

	if (vec->n < 2)
		return;
	qsort(e, vec->n, size, cmp);
	for (size_t i = 0; i < vec->n; i++) {
		char *cur = e + i * size;
		__u64 bits, more;

		if (out && !cmp(e + (out - 1) * size, cur)) {
			char *last = e + (out - 1) * size;

			memcpy(&bits, last + key_size, sizeof(bits));
			memcpy(&more, cur + key_size, sizeof(more));
			bits |= more;
			memcpy(last + key_size, &bits, sizeof(bits));
			continue;
		}
		memmove(e + out++ * size, cur, size);
	}
	vec->n = out;
}

static void unique_cgroups(struct vec *vec)
{
	unique_bits(vec, sizeof(struct egress_cg_entry), cmp_cg);
}

/* ---- entries --------------------------------------------------------- */

static void net_key(struct egress_net_key *k, __u32 gen, __u32 class,
		    const struct cidr *c)
{
	memset(k, 0, sizeof(*k));
	k->gen = gen;
	k->class = class;
	if (c->family == 4) {
		k->addr[10] = k->addr[11] = 0xff;
		memcpy(&k->addr[12], c->addr, 4);
		k->prefixlen = EGRESS_NET_KEY_BITS + EGRESS_V4_PREFIX + c->prefix_len;
	} else {
		memcpy(k->addr, c->addr, 16);
		k->prefixlen = EGRESS_NET_KEY_BITS + c->prefix_len;
	}
}

/* which: EGRESS_SUSPECT (class = action) or EGRESS_ALLOW (class = scope). */
static int put_net(struct egress_image *img, int which, __u32 gen,
		   __u32 class, __u32 id, const struct cidr *c)
{
	struct egress_net_entry e = { .val.list = id, .seq = (__u32)img->entries };

	if (img->nets[which].n >= EGRESS_NET_ENTRIES)
		return -E2BIG;
	net_key(&e.key, gen, class, c);
	img->entries++;
	return egress_vec_push(&img->nets[which], &e, sizeof(e));
}

static int put_cgroup(struct vec *cgroups, __u32 gen, uint64_t id, int scope)
{
	struct egress_cg_entry e = {
		.key = { .cgroup_id = id, .gen = gen }, .bits = 1ULL << scope,
	};

	return egress_vec_push(cgroups, &e, sizeof(e));
}

/* ---- list files ---------------------------------------------------- */

struct file_ctx {
	struct egress_image *img;
	struct diags *d;
	const struct strv *files;
	size_t file;
	int which;
	__u32 gen, class, id;
	int warnings;
};

static int file_entry(const struct cidr *c, int line, void *arg)
{
	struct file_ctx *f = arg;

	return put_net(f->img, f->which, f->gen, f->class, f->id, c);
}

static void file_error(int line, int col, const char *msg, void *arg)
{
	struct file_ctx *f = arg;

	f->img->bad_lines++;
	if (f->d && f->warnings++ < MAX_FILE_WARNINGS)
		diag_add(f->d, 0, 0, "warning: %s:%d:%d: %s (line skipped)",
			 f->files->v[f->file], line, col, msg);
}

static int read_list_file(struct file_ctx *f, const struct strv *files)
{
	const char *path = files->v[f->file];
	long n;

	f->warnings = 0;
	n = cidr_read_file(path, file_entry, file_error, f);
	if (n == -ENOMEM || n == -ENOSPC || n == -E2BIG)
		return (int)n;
	if (n < 0 && f->d)
		diag_add(f->d, files->line[f->file], files->col[f->file],
			 "warning: list file \"%s\": %s; it counts as empty",
			 path, strerror((int)-n));
	if (f->d && f->warnings > MAX_FILE_WARNINGS)
		diag_add(f->d, 0, 0, "warning: %s: %d more bad lines skipped",
			 path, f->warnings - MAX_FILE_WARNINGS);
	return 0;
}

static int put_source(struct file_ctx *f, const struct egress_source *src)
{
	int err;

	for (size_t i = 0; i < src->nnets; i++) {
		err = put_net(f->img, f->which, f->gen, f->class, f->id,
			      &src->nets[i]);
		if (err)
			return err;
	}
	f->files = &src->files;
	for (f->file = 0; f->file < src->files.n; f->file++) {
		err = read_list_file(f, &src->files);
		if (err)
			return err;
	}
	return 0;
}

/* ---- scopes -------------------------------------------------------- */

static __u32 kernel_dev(dev_t d)
{
	return (major(d) << 20) | minor(d);
}

static int put_binary(struct egress_image *img, __u32 gen, const char *path,
		      int scope)
{
	struct egress_bin_entry e = { .key.gen = gen, .bits = 1ULL << scope };
	struct stat st;

	if (stat(path, &st))
		return -errno;
	e.key.ino = st.st_ino;
	e.key.dev = kernel_dev(st.st_dev);
	return egress_vec_push(&img->binaries, &e, sizeof(e));
}

/* Does the cgroup at rel (from the cgroup2 root, "/a/b") belong to s? */
static bool scope_has_cgroup(const struct egress_scope *s, const char *rel)
{
	char id[CONTAINER_ID_LEN + 1];

	for (size_t i = 0; i < s->cgroups.n; i++) {
		const char *want = s->cgroups.v[i];
		size_t n = strlen(want);

		while (n > 1 && want[n - 1] == '/')
			n--;
		if (strncmp(rel, want, n) == 0 && rel[n] == '\0')
			return true;
	}
	if (!s->containers.n || !container_id_from_path(rel, id))
		return false;
	/* the container's own cgroup only; its children inherit via the
	 * kernel's walk up the ancestors */
	for (size_t i = 0; i < s->containers.n; i++)
		if (!strncmp(id, s->containers.v[i], strlen(s->containers.v[i])))
			return true;
	return false;
}

struct scan_ctx {
	const struct egress_policy *ep;
	struct vec *cgroups;
	__u32 gen;
	unsigned long long found;	/* selector bits seen, per scope */
	int err;
};

static void scan_one(struct scan_ctx *c, const char *rel, uint64_t id)
{
	for (size_t s = 0; s < c->ep->nscopes; s++) {
		if (!scope_has_cgroup(&c->ep->scopes[s], rel))
			continue;
		c->found |= 1ULL << s;
		if (!c->err)
			c->err = put_cgroup(c->cgroups, c->gen, id, (int)s);
	}
}

static void scan_dir(struct scan_ctx *c, char *path, size_t root_len,
		     int depth)
{
	size_t len = strlen(path);
	struct dirent *e;
	struct stat st;
	DIR *dir;

	if (depth > EGRESS_CG_LEVELS || !(dir = opendir(path)))
		return;
	while ((e = readdir(dir))) {
		if (e->d_type != DT_DIR || e->d_name[0] == '.')
			continue;
		if (len + 1 + strlen(e->d_name) >= PATH_MAX)
			continue;
		snprintf(path + len, PATH_MAX - len, "/%s", e->d_name);
		if (stat(path, &st) == 0)
			scan_one(c, path + root_len, st.st_ino);
		scan_dir(c, path, root_len, depth + 1);
		path[len] = '\0';
	}
	closedir(dir);
}

/* cgroup ids are the inode numbers of the cgroup2 directories. */
static unsigned long long scan_cgroups(struct scan_ctx *c)
{
	const char *root = cgroup2_root();
	char path[PATH_MAX];
	struct stat st;

	if (!root)
		return 0;
	snprintf(path, sizeof(path), "%s", root);
	if (stat(path, &st) == 0)
		scan_one(c, "/", st.st_ino);
	scan_dir(c, path, strlen(root), 0);
	return c->found;
}

bool egress_needs_rescan(const struct egress_policy *ep)
{
	for (size_t s = 0; ep && s < ep->nscopes; s++)
		if (ep->scopes[s].containers.n || ep->scopes[s].cgroups.n)
			return true;
	return false;
}

int egress_rescan(const struct egress_policy *ep, __u32 gen,
		  struct vec *found)
{
	struct scan_ctx c = { .ep = ep, .cgroups = found, .gen = gen };

	found->n = 0;
	if (ep)
		scan_cgroups(&c);
	unique_cgroups(found);
	return c.err;
}

static int put_binaries(struct egress_image *img, __u32 gen,
			const struct egress_scope *s, int id, struct diags *d)
{
	for (size_t i = 0; i < s->binaries.n; i++) {
		int err = put_binary(img, gen, s->binaries.v[i], id);

		if (err == -ENOENT || err == -EACCES || err == -ENOTDIR) {
			if (d)
				diag_add(d, s->binaries.line[i], s->binaries.col[i],
					 "warning: binary \"%s\": %s; the allow "
					 "entry \"%s\" cannot match it",
					 s->binaries.v[i], strerror(-err), s->name);
		} else if (err) {
			return err;
		}
	}
	return 0;
}

static void config_scope(struct egress_config *cf, int id, uint8_t deflt,
			 bool by_cgroup, bool by_binary)
{
	__u64 bit = 1ULL << id;

	cf->scopes |= bit;
	if (!by_cgroup)
		cf->cg_wild |= bit;
	if (!by_binary)
		cf->bin_wild |= bit;
	cf->uses_cgroup |= by_cgroup;
	cf->uses_binary |= by_binary;
	if (deflt == VERDICT_BLOCK)
		cf->default_block |= bit;
	else if (deflt == VERDICT_ALERT)
		cf->default_alert |= bit;
}

static int put_scope_cgroups(const struct egress_policy *ep, __u32 gen,
			     struct egress_image *img, struct diags *d)
{
	struct scan_ctx c = { .ep = ep, .cgroups = &img->cgroups, .gen = gen };

	if (egress_needs_rescan(ep))
		scan_cgroups(&c);
	for (size_t i = 0; i < ep->nscopes && !c.err && d; i++)
		if ((ep->scopes[i].containers.n || ep->scopes[i].cgroups.n) &&
		    !(c.found & (1ULL << i)))
			diag_add(d, ep->scopes[i].line, ep->scopes[i].col,
				 "warning: allow entry \"%s\": no such cgroup or "
				 "container yet; it applies once one appears",
				 ep->scopes[i].name);
	return c.err;
}

static int put_scopes(const struct egress_policy *ep, __u32 gen,
		      struct egress_image *img, struct diags *d)
{
	struct file_ctx f = { .img = img, .d = d, .which = EGRESS_ALLOW,
			      .gen = gen };
	int err;

	for (size_t i = 0; i < ep->nscopes; i++) {
		const struct egress_scope *s = &ep->scopes[i];

		config_scope(&img->config, (int)i, s->deflt,
			     s->containers.n || s->cgroups.n, s->binaries.n);
		f.class = f.id = (__u32)i;
		err = put_source(&f, &s->src);
		err = err ?: put_binaries(img, gen, s, (int)i, d);
		if (err)
			return err;
	}
	return put_scope_cgroups(ep, gen, img, d);
}

static int put_lists(const struct egress_policy *ep, __u32 gen,
		     struct egress_image *img, struct diags *d)
{
	struct file_ctx f = { .img = img, .d = d, .which = EGRESS_SUSPECT,
			      .gen = gen };
	int err = 0;

	for (size_t i = 0; i < ep->nlists && !err; i++) {
		f.class = ep->lists[i].action;
		f.id = (__u32)i;
		err = put_source(&f, &ep->lists[i].src);
	}
	return err;
}

int egress_compile(const struct egress_policy *ep, __u32 gen,
		   struct egress_image *img, struct diags *d)
{
	int err = 0;

	egress_image_reset(img);
	if (ep) {
		img->config.report = ep->report;
		img->config.raw_action = ep->raw_action;
		err = put_lists(ep, gen, img, d) ?: put_scopes(ep, gen, img, d);
	}
	if (err)
		return err;
	for (int i = 0; i < 2; i++)
		unique_nets(&img->nets[i]);
	unique_cgroups(&img->cgroups);
	unique_bits(&img->binaries, sizeof(struct egress_bin_entry), cmp_bin);
	return 0;
}
