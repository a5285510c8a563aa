/* network.egress -> maps, for one generation. Lists become LPM entries
 * keyed (gen, class, address); scopes become bits on cgroup ids and on
 * binaries' (dev, inode). The kernel switches generations with one store,
 * so a generation is written completely before anything reads it. */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <bpf/bpf.h>
#include "lib/cgroup.h"
#include "egress/compile.h"

#define MAX_FILE_WARNINGS 5	/* bad lines named per list file */

static int keyvec_push(struct keyvec *kv, const void *key, size_t size)
{
	if (kv->n == kv->cap) {
		size_t cap = kv->cap ? kv->cap * 2 : 256;
		void *v = realloc(kv->v, cap * size);

		if (!v)
			return -ENOMEM;
		kv->v = v;
		kv->cap = cap;
	}
	kv->size = size;
	memcpy((char *)kv->v + kv->n * size, key, size);
	kv->n++;
	return 0;
}

static void keyvec_clear(int fd, struct keyvec *kv)
{
	LIBBPF_OPTS(bpf_map_batch_opts, opts);
	size_t at = 0;

	while (at < kv->n) {
		__u32 n = kv->n - at > 4096 ? 4096 : kv->n - at;

		/* a batch stops at the first missing key: step over it */
		if (bpf_map_delete_batch(fd, (char *)kv->v + at * kv->size, &n,
					 &opts)) {
			bpf_map_delete_elem(fd, (char *)kv->v + (at + n) * kv->size);
			n++;
		}
		at += n;
	}
	kv->n = 0;
}

void egress_clear(const struct egress_maps *m, struct egress_written *w)
{
	keyvec_clear(m->suspect, &w->nets[0]);
	keyvec_clear(m->allow, &w->nets[1]);
	for (int i = 0; i < 2; i++) {
		w->vals[i].n = 0;
		w->flushed[i] = 0;
	}
	keyvec_clear(m->cgroups, &w->cgs);
	keyvec_clear(m->binaries, &w->bins);
	w->entries = 0;
	w->bad_lines = 0;
}

void egress_written_free(struct egress_written *w)
{
	for (int i = 0; i < 2; i++) {
		free(w->nets[i].v);
		free(w->vals[i].v);
	}
	free(w->cgs.v);
	free(w->bins.v);
	memset(w, 0, sizeof(*w));
}

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

/* Write the entries queued since the last flush, in batches: one syscall
 * per few thousand entries instead of one each keeps a 100,000-entry
 * reload well under a second. */
static int flush_nets(const struct egress_maps *m, struct egress_written *w)
{
	LIBBPF_OPTS(bpf_map_batch_opts, opts);

	for (int i = 0; i < 2; i++) {
		int fd = i ? m->allow : m->suspect;
		struct keyvec *k = &w->nets[i], *v = &w->vals[i];

		while (w->flushed[i] < k->n) {
			size_t at = w->flushed[i];
			__u32 n = k->n - at > 4096 ? 4096 : k->n - at;

			if (bpf_map_update_batch(fd, (char *)k->v + at * k->size,
						 (char *)v->v + at * v->size, &n,
						 &opts)) {
				/* no batch support: one by one */
				if (bpf_map_update_elem(fd, (char *)k->v + at * k->size,
							(char *)v->v + at * v->size,
							BPF_ANY))
					return -errno;
				n = 1;
			}
			w->flushed[i] += n;
		}
	}
	return 0;
}

/* which: 0 egr_suspect (class = action), 1 egr_allow (class = scope).
 * Queued; flush_nets() writes them. */
static int put_net(const struct egress_maps *m, int which, __u32 gen,
		   __u32 class, __u32 id, const struct cidr *c,
		   struct egress_written *w)
{
	struct egress_net_val v = { .list = id };
	struct egress_net_key k;

	net_key(&k, gen, class, c);
	w->entries++;
	return keyvec_push(&w->nets[which], &k, sizeof(k)) ?:
	       keyvec_push(&w->vals[which], &v, sizeof(v));
}

static int or_bits(int fd, const void *key, size_t size, __u64 bits,
		   struct keyvec *kv)
{
	__u64 v = 0;

	if (bpf_map_lookup_elem(fd, key, &v) == 0 && (v & bits) == bits)
		return 0;
	v |= bits;
	if (bpf_map_update_elem(fd, key, &v, BPF_ANY))
		return -errno;
	return keyvec_push(kv, key, size);
}

int egress_put_cgroup(const struct egress_maps *m, __u32 gen, uint64_t id,
		      int scope, struct egress_written *w)
{
	struct egress_cg_key k = { .cgroup_id = id, .gen = gen };

	return or_bits(m->cgroups, &k, sizeof(k), 1ULL << scope, &w->cgs);
}

/* ---- list files ---------------------------------------------------- */

struct file_ctx {
	const struct egress_maps *m;
	struct egress_written *w;
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

	return put_net(f->m, f->which, f->gen, f->class, f->id, c, f->w);
}

static void file_error(int line, int col, const char *msg, void *arg)
{
	struct file_ctx *f = arg;

	f->w->bad_lines++;
	if (f->d && f->warnings++ < MAX_FILE_WARNINGS)
		diag_add(f->d, 0, 0, "warning: %s:%d:%d: %s (line skipped)",
			 f->files->v[f->file], line, col, msg);
}

static int write_source(struct file_ctx *f, const struct egress_source *src)
{
	long n;
	int err;

	for (size_t i = 0; i < src->nnets; i++) {
		err = put_net(f->m, f->which, f->gen, f->class, f->id,
			      &src->nets[i], f->w);
		if (err)
			return err;
	}
	f->files = &src->files;
	for (f->file = 0; f->file < src->files.n; f->file++) {
		f->warnings = 0;
		n = cidr_read_file(src->files.v[f->file], file_entry, file_error, f);
		if (n == -ENOMEM || n == -ENOSPC || n == -E2BIG)
			return (int)n;
		if (n < 0 && f->d)
			diag_add(f->d, src->files.line[f->file], src->files.col[f->file],
				 "warning: list file \"%s\": %s; it counts as empty",
				 src->files.v[f->file], strerror((int)-n));
		if (f->d && f->warnings > MAX_FILE_WARNINGS)
			diag_add(f->d, 0, 0, "warning: %s: %d more bad lines skipped",
				 src->files.v[f->file], f->warnings - MAX_FILE_WARNINGS);
	}
	return 0;
}

/* ---- scopes -------------------------------------------------------- */

static __u32 kernel_dev(dev_t d)
{
	return (major(d) << 20) | minor(d);
}

static int put_binary(const struct egress_maps *m, __u32 gen, const char *path,
		      int scope, struct egress_written *w)
{
	struct egress_bin_key k = { .gen = gen };
	struct stat st;

	if (stat(path, &st))
		return -errno;
	k.ino = st.st_ino;
	k.dev = kernel_dev(st.st_dev);
	return or_bits(m->binaries, &k, sizeof(k), 1ULL << scope, &w->bins);
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
	const struct egress_maps *m;
	const struct egress_policy *ep;
	struct egress_written *w;
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
			c->err = egress_put_cgroup(c->m, c->gen, id, (int)s, c->w);
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

int egress_rescan(const struct egress_maps *m, const struct egress_policy *ep,
		  __u32 gen, struct egress_written *w)
{
	struct scan_ctx c = { .m = m, .ep = ep, .w = w, .gen = gen };

	scan_cgroups(&c);
	return c.err;
}

static int write_binaries(const struct egress_maps *m, __u32 gen,
			  const struct egress_scope *s, int id,
			  struct egress_written *w, struct diags *d)
{
	for (size_t i = 0; i < s->binaries.n; i++) {
		int err = put_binary(m, gen, s->binaries.v[i], id, w);

		if (err == -ENOENT || err == -EACCES || err == -ENOTDIR)
			diag_add(d, s->binaries.line[i], s->binaries.col[i],
				 "warning: binary \"%s\": %s; the allow entry "
				 "\"%s\" cannot match it", s->binaries.v[i],
				 strerror(-err), s->name);
		else if (err)
			return err;
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

static int write_scopes(const struct egress_maps *m, const struct egress_policy *ep,
			__u32 gen, struct egress_config *cf,
			struct egress_written *w, struct diags *d)
{
	struct scan_ctx c = { .m = m, .ep = ep, .w = w, .gen = gen };
	struct file_ctx f = { .m = m, .w = w, .d = d, .which = 1, .gen = gen };
	int err;

	for (size_t i = 0; i < ep->nscopes; i++) {
		const struct egress_scope *s = &ep->scopes[i];

		config_scope(cf, (int)i, s->deflt,
			     s->containers.n || s->cgroups.n, s->binaries.n);
		f.class = f.id = (__u32)i;
		err = write_source(&f, &s->src);
		err = err ?: write_binaries(m, gen, s, (int)i, w, d);
		if (err)
			return err;
	}
	if (egress_needs_rescan(ep))
		scan_cgroups(&c);
	for (size_t i = 0; i < ep->nscopes && !c.err; i++)
		if ((ep->scopes[i].containers.n || ep->scopes[i].cgroups.n) &&
		    !(c.found & (1ULL << i)))
			diag_add(d, ep->scopes[i].line, ep->scopes[i].col,
				 "warning: allow entry \"%s\": no such cgroup or "
				 "container yet; it applies once one appears",
				 ep->scopes[i].name);
	return c.err;
}

int egress_compile(const struct egress_maps *m, const struct egress_policy *ep,
		   __u32 gen, struct egress_written *w, struct diags *d)
{
	struct egress_config cf = { 0 };
	struct file_ctx f = { .m = m, .w = w, .d = d, .gen = gen };
	int err = 0;

	egress_clear(m, w);
	if (ep) {
		cf.report = ep->report;
		cf.raw_action = ep->raw_action;
		for (size_t i = 0; i < ep->nlists && !err; i++) {
			f.class = ep->lists[i].action;
			f.id = (__u32)i;
			err = write_source(&f, &ep->lists[i].src);
		}
		err = err ?: write_scopes(m, ep, gen, &cf, w, d);
	}
	err = err ?: flush_nets(m, w);
	if (!err && bpf_map_update_elem(m->config, &gen, &cf, BPF_ANY))
		err = -errno;
	return err;
}
