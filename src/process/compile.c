/* Policy -> process map image: each selector value becomes a key whose
 * value is the bitmap of rules it satisfies; rule order is bit order, so
 * the kernel's lowest set bit is the first matching rule. Built for one
 * policy generation (every key carries it); maps.c writes it and the
 * caller flips to it when every module is ready. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>
#include "lib/cgroup.h"
#include "policy/policy.h"
#include "process/compile.h"
#include "process/syscalls.h"

#define GEN_AT(type, field) sizeof(type), offsetof(type, field)
const struct proc_map_desc proc_map_desc[PM__COUNT] = {
	[PM_BIN_FILE] = { "proc_bin_file", GEN_AT(struct file_id, gen) },
	[PM_BIN_DIR] = { "proc_bin_dir", GEN_AT(struct file_id, gen) },
	[PM_BIN_NAME] = { "proc_bin_name", GEN_AT(struct name_key, gen) },
	[PM_BIN_DIRENT] = { "proc_bin_dirent", GEN_AT(struct dirent_key, dir.gen) },
	[PM_ANCESTOR] = { "proc_ancestor", GEN_AT(struct file_id, gen) },
	[PM_PID] = { "proc_pid", GEN_AT(struct num_key, gen) },
	[PM_UID] = { "proc_uid", GEN_AT(struct num_key, gen) },
	[PM_CGROUP] = { "proc_cgroup", GEN_AT(struct num_key, gen) },
	[PM_TGT_FILE] = { "proc_tgt_file", GEN_AT(struct file_id, gen) },
	[PM_TGT_DIR] = { "proc_tgt_dir", GEN_AT(struct file_id, gen) },
	[PM_TGT_DIRENT] = { "proc_tgt_dirent", GEN_AT(struct dirent_key, dir.gen) },
	[PM_BIN_PATH] = { "proc_bin_path", GEN_AT(struct path_key, gen) },
	[PM_BIN_PDIR] = { "proc_bin_pdir", GEN_AT(struct path_key, gen) },
	[PM_CTR_ID] = { "proc_ctr_id", GEN_AT(struct ctr_key, gen) },
};

struct compile {
	struct process_image *img;
	__u32 gen;
	const char *cgroup_root;
	struct diags *d;
	bool binary_negated;	/* the rule's binaries are under not: */
	size_t tree_inodes[PM__COUNT];	/* files named by inode, per map */
	bool tree_full[PM__COUNT];	/* a prefix hit the bounds below */
};

/* Files under directory prefixes named by inode, per map and policy: the
 * exact-file maps hold 16,384 keys for both generations and the exact
 * paths too. */
#define PREFIX_INODES_MAX	4096
#define PREFIX_TREE_DEPTH	64

static void set_bit(struct rule_bits *b, int rule)
{
	b->w[rule / 64] |= 1ULL << (rule % 64);
}

/* ---- the image's maps: keys in insertion order, a hash index ---------- */

static __u32 hash_key(const void *key, size_t len)
{
	const unsigned char *p = key;
	__u32 h = 2166136261u;

	for (size_t i = 0; i < len; i++)
		h = (h ^ p[i]) * 16777619u;
	return h;
}

/* The slot holding key, or the empty slot where it would go. */
static size_t find_slot(const struct proc_entries *e, size_t ksz,
			const void *key)
{
	size_t mask = 2 * e->cap - 1, i = hash_key(key, ksz) & mask;

	while (e->slots[i] && memcmp(e->keys + (e->slots[i] - 1) * ksz, key, ksz))
		i = (i + 1) & mask;
	return i;
}

static int grow(struct proc_entries *e, size_t ksz)
{
	size_t cap = e->cap ? 2 * e->cap : 64;
	unsigned char *keys = realloc(e->keys, cap * ksz);
	struct rule_bits *bits;

	if (!keys)
		return -ENOMEM;
	e->keys = keys;
	bits = realloc(e->bits, cap * sizeof(*bits));
	if (!bits)
		return -ENOMEM;
	e->bits = bits;
	free(e->slots);
	e->slots = calloc(2 * cap, sizeof(*e->slots));
	if (!e->slots)
		return -ENOMEM;
	e->cap = cap;
	for (size_t i = 0; i < e->n; i++)
		e->slots[find_slot(e, ksz, e->keys + i * ksz)] = i + 1;
	return 0;
}

/* The bitmap of key in e, added (empty) if new; NULL when out of memory. */
static struct rule_bits *entry_of(struct proc_entries *e, size_t ksz,
				  const void *key)
{
	size_t slot;

	if (e->n == e->cap && grow(e, ksz))
		return NULL;
	slot = find_slot(e, ksz, key);
	if (!e->slots[slot]) {
		memcpy(e->keys + e->n * ksz, key, ksz);
		memset(&e->bits[e->n], 0, sizeof(e->bits[0]));
		e->slots[slot] = ++e->n;
	}
	return &e->bits[e->slots[slot] - 1];
}

const struct rule_bits *process_image_get(const struct process_image *img,
					  enum proc_rule_map m, const void *key)
{
	const struct proc_entries *e = &img->map[m];
	size_t ksz = proc_map_desc[m].key_size;
	size_t slot;

	if (!e->cap)
		return NULL;
	slot = find_slot(e, ksz, key);
	return e->slots[slot] ? &e->bits[e->slots[slot] - 1] : NULL;
}

static int or_rule(struct compile *c, enum proc_rule_map m, const void *key,
		   int rule)
{
	struct rule_bits *b = entry_of(&c->img->map[m],
				       proc_map_desc[m].key_size, key);

	if (!b)
		return -ENOMEM;
	set_bit(b, rule);
	return 0;
}

/* ---- selector values -------------------------------------------------- */

static __u32 kernel_dev(dev_t d)
{
	return (major(d) << 20) | minor(d);
}

static int stat_id(const char *path, struct file_id *id, bool *is_dir)
{
	struct stat st;

	if (stat(path, &st))
		return -errno;
	id->ino = st.st_ino;
	id->dev = kernel_dev(st.st_dev);
	*is_dir = S_ISDIR(st.st_mode);
	return 0;
}

static void warn_at(struct compile *c, const struct strv *s, size_t i,
		    const char *what, int err)
{
	diag_add(c->d, s->line[i], s->col[i], "warning: %s \"%s\": %s; the rule "
		 "cannot match it until it exists and the policy is reloaded",
		 what, s->v[i], strerror(-err));
}

static void warn_missing_binary(struct compile *c, const struct strv *s,
				size_t i, int err)
{
	diag_add(c->d, s->line[i], s->col[i], "warning: binary \"%s\": %s; "
		 "the rule matches a file created at that path, and links to "
		 "it after the policy is reloaded", s->v[i], strerror(-err));
}

/* The exact path's directory + name, so a file put there later (the binary
 * replaced after the policy loaded) matches too. */
static int add_dirent_to(struct compile *c, enum proc_rule_map m,
			 const char *path, int rule)
{
	struct dirent_key k = { 0 };
	const char *slash = strrchr(path, '/');
	char dir[PATH_MAX];
	bool is_dir;

	if (!slash || strlen(slash + 1) >= NAME_KEY_LEN || !slash[1])
		return 0;	/* the inode alone then */
	snprintf(dir, sizeof(dir), "%.*s", (int)(slash - path) ?: 1, path);
	if (stat_id(dir, &k.dir, &is_dir) || !is_dir)
		return 0;
	k.dir.gen = c->gen;
	memcpy(k.name, slash + 1, strlen(slash + 1));
	return or_rule(c, m, &k, rule);
}

static int add_dirent(struct compile *c, const char *path, int rule)
{
	return add_dirent_to(c, PM_BIN_DIRENT, path, rule);
}

/* ---- hard links out of a directory prefix ---------------------------- */

static int add_tree(struct compile *c, int dfd, enum proc_rule_map m,
		    int rule, int depth);

static int add_tree_entry(struct compile *c, int dfd, const char *name,
			  enum proc_rule_map m, int rule, int depth)
{
	struct file_id id = { .gen = c->gen };
	struct stat st;
	int fd;

	if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW))
		return 0;
	if (S_ISDIR(st.st_mode)) {
		if (depth >= PREFIX_TREE_DEPTH) {
			c->tree_full[m] = true;
			return 0;
		}
		fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		return fd < 0 ? 0 : add_tree(c, fd, m, rule, depth + 1);
	}
	if (!S_ISREG(st.st_mode))
		return 0;
	if (c->tree_inodes[m] >= PREFIX_INODES_MAX) {
		c->tree_full[m] = true;
		return 0;
	}
	c->tree_inodes[m]++;
	id.ino = st.st_ino;
	id.dev = kernel_dev(st.st_dev);
	return or_rule(c, m, &id, rule);
}

/* Every regular file below the directory dfd (which it closes), by inode:
 * symlinks are not followed. */
static int add_tree(struct compile *c, int dfd, enum proc_rule_map m,
		    int rule, int depth)
{
	DIR *d = fdopendir(dfd);
	struct dirent *e;
	int err = 0;

	if (!d) {
		close(dfd);
		return 0;
	}
	while (!err && !c->tree_full[m] && (e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			err = add_tree_entry(c, dirfd(d), e->d_name, m, rule, depth);
	closedir(d);
	return err;
}

/* A hard link made elsewhere of a file under a directory prefix is not
 * under the prefix (the walk up from the link never meets it), so the
 * files there at load are also named by inode, like exact files: a link
 * made after the load is caught. Bounded; the warning names the prefix
 * where the bound cut. */
static int add_prefix_files(struct compile *c, const struct strv *s, size_t i,
			    enum proc_rule_map m, int rule)
{
	int fd = open(s->v[i], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int err;

	if (fd < 0)
		return 0;
	if (c->tree_full[m]) {
		close(fd);
		return 0;
	}
	err = add_tree(c, fd, m, rule, 0);
	if (!err && c->tree_full[m])
		diag_add(c->d, s->line[i], s->col[i], "warning: directory \"%s\": "
			 "more than %d files (or %d levels) below the policy's "
			 "directory prefixes; hard links elsewhere of the files "
			 "past the limit are not recognised", s->v[i],
			 PREFIX_INODES_MAX, PREFIX_TREE_DEPTH);
	return err;
}

/* A file rule's target: exact file (inode and directory entry, so it may
 * not exist yet), or a directory prefix. */
static int add_target(struct compile *c, const struct strv *s, size_t i,
		      int rule)
{
	const char *v = s->v[i];
	struct file_id id = { .gen = c->gen };
	bool dir = false;
	int err = stat_id(v, &id, &dir);

	if (v[strlen(v) - 1] == '/' || (!err && dir)) {
		if (err) {
			warn_at(c, s, i, "files directory", err);
			return 0;
		}
		return or_rule(c, PM_TGT_DIR, &id, rule) ?:
		       add_prefix_files(c, s, i, PM_TGT_FILE, rule);
	}
	if (!err && (err = or_rule(c, PM_TGT_FILE, &id, rule)))
		return err;
	return add_dirent_to(c, PM_TGT_DIRENT, v, rule);
}

/* The path as text, for processes that see another file there (in a
 * container, a chroot): a directory's key ends with '/'. */
static int add_path_string(struct compile *c, const struct strv *s, size_t i,
			   bool dir, int rule)
{
	struct path_key k = { .gen = c->gen };
	const char *v = s->v[i];
	size_t n = strlen(v);
	bool slash = v[n - 1] == '/';

	if (n + (dir && !slash) >= sizeof(k.path)) {
		diag_add(c->d, s->line[i], s->col[i], "warning: binary \"%s\": "
			 "longer than %zu bytes; matched by inode on this host "
			 "only, not as the path a container sees", v,
			 sizeof(k.path) - 1);
		return 0;
	}
	memcpy(k.path, v, n);
	if (dir && !slash)
		k.path[n] = '/';
	c->img->hdr.path_rules = 1;
	return or_rule(c, dir ? PM_BIN_PDIR : PM_BIN_PATH, &k, rule);
}

static int add_binary(struct compile *c, const struct strv *s, size_t i,
		      int rule)
{
	const char *v = s->v[i];
	struct file_id id = { .gen = c->gen };
	struct name_key nk = { .gen = c->gen };
	bool dir;
	int err, perr;

	if (strcmp(v, FILELESS_BINARY) == 0) {
		set_bit(&c->img->hdr.fileless, rule);
		return 0;
	}
	if (v[0] != '/') {
		strncpy(nk.name, v, sizeof(nk.name) - 1);
		return or_rule(c, PM_BIN_NAME, &nk, rule);
	}
	err = stat_id(v, &id, &dir);
	dir = (!err && dir) || v[strlen(v) - 1] == '/';
	if ((perr = add_path_string(c, s, i, dir, rule)))
		return perr;
	if (err && !dir) {
		/* not there yet: its directory entry still catches it */
		warn_missing_binary(c, s, i, err);
		return add_dirent(c, v, rule);
	}
	if (err) {
		diag_add(c->d, s->line[i], s->col[i], "warning: binary "
			 "directory \"%s\": %s; on this host the rule matches "
			 "it once it exists and the policy is reloaded (in "
			 "containers it matches now)", v, strerror(-err));
		return 0;
	}
	if (dir) {
		c->img->hdr.dir_depth = MAX_DIR_DEPTH;
		err = or_rule(c, PM_BIN_DIR, &id, rule);
		/* Under not: (an allow-list) a link elsewhere is only refused;
		 * for an allow rule a link elsewhere is the same allowed file,
		 * so neither needs the walk (warden run's exec allow-list names
		 * all of /usr/lib/gcc/). */
		if (!err && !c->binary_negated &&
		    c->img->hdr.action[rule] != ACT_ALLOW)
			err = add_prefix_files(c, s, i, PM_BIN_FILE, rule);
		return err;
	}
	return or_rule(c, PM_BIN_FILE, &id, rule) ?: add_dirent(c, v, rule);
}

static int add_ancestor(struct compile *c, const struct strv *s, size_t i,
			int rule)
{
	struct file_id id = { .gen = c->gen };
	bool dir;
	int err = stat_id(s->v[i], &id, &dir);

	if (err) {
		warn_at(c, s, i, "ancestor", err);
		return 0;
	}
	return or_rule(c, PM_ANCESTOR, &id, rule);
}

static int add_num(struct compile *c, enum proc_rule_map m, uint64_t v,
		   int rule)
{
	struct num_key k = { .value = v, .gen = c->gen };

	return or_rule(c, m, &k, rule);
}

static int add_cgroup(struct compile *c, const struct strv *s, size_t i,
		      int rule)
{
	uint64_t id;
	int err = cgroup_id_below(c->cgroup_root, s->v[i], &id);

	if (err) {
		warn_at(c, s, i, "cgroup", err);
		return 0;
	}
	return add_num(c, PM_CGROUP, id, rule);
}

/* A container's workload, by id (its first CTR_KEY_LEN hex digits, as
 * the kernel keys the cgroups it marks) or any container: no cgroup is
 * looked up here, so containers started later are covered too. */
static int add_container(struct compile *c, const struct strv *s, size_t i,
			 int rule)
{
	struct ctr_key k = { .gen = c->gen };

	if (strcmp(s->v[i], CONTAINER_ANY) == 0) {
		set_bit(&c->img->hdr.any_container, rule);
		return 0;
	}
	memcpy(k.id, s->v[i], CTR_KEY_LEN);
	return or_rule(c, PM_CTR_ID, &k, rule);
}

typedef int (*add_fn)(struct compile *, const struct strv *, size_t, int);

static int add_all(struct compile *c, const struct strv *s, add_fn fn,
		   int rule)
{
	for (size_t i = 0; i < s->n; i++) {
		int err = fn(c, s, i, rule);

		if (err)
			return err;
	}
	return 0;
}

static int add_nums(struct compile *c, enum proc_rule_map m,
		    const struct u64v *v, int rule)
{
	for (size_t i = 0; i < v->n; i++) {
		int err = add_num(c, m, v->v[i], rule);

		if (err)
			return err;
	}
	return 0;
}

/* Syscalls to the same effect as a named one: a rule on the first holds
 * for the others. The new mount API does what mount does; clone/clone3
 * with CLONE_NEW* flags what unshare does (checked in the kernel: the
 * pseudo slot SYSCALL_CLONE_NS). setns joins an existing namespace: its
 * own rule. */
static const struct { const char *named, *also; } equivalents[] = {
	{ "mount", "fsopen" }, { "mount", "fsconfig" }, { "mount", "fsmount" },
	{ "mount", "fspick" }, { "mount", "move_mount" },
	{ "mount", "open_tree" }, { "mount", "mount_setattr" },
};

static void add_equivalents(struct compile *c, int nr, int rule)
{
	const char *name = syscall_name(nr);

	if (!name)
		return;
	if (strcmp(name, "unshare") == 0)
		set_bit(&c->img->syscall[SYSCALL_CLONE_NS], rule);
	for (size_t i = 0; i < sizeof(equivalents) / sizeof(equivalents[0]); i++) {
		int also = syscall_nr(equivalents[i].also);

		if (strcmp(name, equivalents[i].named) == 0 && also >= 0 &&
		    also < SYSCALL_SLOTS)
			set_bit(&c->img->syscall[also], rule);
	}
}

static int add_syscalls(struct compile *c, const struct rule *r, int rule)
{
	for (size_t i = 0; i < r->nsyscalls; i++) {
		int nr = r->syscalls[i];

		if (nr < 0 || nr >= SYSCALL_SLOTS || nr == SYSCALL_CLONE_NS)
			return -ERANGE;
		set_bit(&c->img->syscall[nr], rule);
		add_equivalents(c, nr, rule);
	}
	return 0;
}

void process_image_syscalls(const struct process_image *img,
			    bool wanted[SYSCALL_SLOTS])
{
	static const char *const clones[] = { "clone", "clone3" };

	for (int nr = 0; nr < SYSCALL_SLOTS; nr++) {
		wanted[nr] = false;
		for (int w = 0; w < RULE_WORDS; w++)
			wanted[nr] |= img->syscall[nr].w[w] != 0;
	}
	if (!wanted[SYSCALL_CLONE_NS])
		return;
	wanted[SYSCALL_CLONE_NS] = false;
	for (size_t i = 0; i < 2; i++) {
		int nr = syscall_nr(clones[i]);

		if (nr >= 0 && nr < SYSCALL_SLOTS)
			wanted[nr] = true;
	}
}

static void add_header_bits(struct compile *c, const struct rule *r, int i)
{
	for (int dim = 0; dim < DIM__COUNT; dim++) {
		if (!(r->sel.used & (1u << dim)))
			set_bit(&c->img->hdr.wild[dim], i);
		else
			c->img->hdr.used_dims |= 1u << dim;
		if (r->sel.negated & (1u << dim))
			set_bit(&c->img->hdr.neg[dim], i);
	}
	if (r->files.n) {
		if (r->access & FILE_ACCESS_READ)
			set_bit(&c->img->hdr.file_read, i);
		if (r->access & FILE_ACCESS_WRITE)
			set_bit(&c->img->hdr.file_write, i);
	} else if (!r->nsyscalls) {
		set_bit(&c->img->hdr.exec_rules, i);
	}
	c->img->hdr.action[i] = r->action;
}

static int compile_rule(struct compile *c, const struct rule *r, int i)
{
	int err;

	add_header_bits(c, r, i);
	c->binary_negated = r->sel.negated & (1u << DIM_BINARY);
	err = add_all(c, &r->sel.binary, add_binary, i);
	err = err ?: add_nums(c, PM_PID, &r->sel.pid, i);
	err = err ?: add_nums(c, PM_UID, &r->sel.uid, i);
	err = err ?: add_all(c, &r->sel.ancestor, add_ancestor, i);
	err = err ?: add_all(c, &r->sel.cgroup, add_cgroup, i);
	err = err ?: add_all(c, &r->sel.container, add_container, i);
	err = err ?: add_syscalls(c, r, i);
	err = err ?: add_all(c, &r->files, add_target, i);
	return err;
}

void process_file_rule_notes(const struct policy *p, struct diags *d)
{
	for (size_t i = 0; i < p->nrules; i++) {
		const struct rule *r = &p->rules[i];

		if (!r->files.n || r->action == ACT_ALLOW)
			continue;
		diag_add(d, r->line, r->col, "note: rule \"%s\": without BPF LSM, "
			 "io_uring operations that open, create, rename, link or "
			 "unlink a file by path, from a process in the rule's "
			 "scope, are %s whatever file they name: the ring resolves "
			 "the path where no tracepoint sees the file", r->name,
			 r->action == ACT_ALERT ? "reported" : "killed");
	}
}

void process_image_free(struct process_image *img)
{
	if (!img)
		return;
	for (int m = 0; m < PM__COUNT; m++) {
		free(img->map[m].keys);
		free(img->map[m].bits);
		free(img->map[m].slots);
	}
	free(img);
}

int process_compile(const struct policy *p, __u32 gen, const char *cgroup_root,
		    struct process_image **out, struct diags *d)
{
	struct compile c = { .gen = gen, .d = d,
			     .cgroup_root = cgroup_root ?: cgroup2_root() };
	int err = 0;

	*out = NULL;
	if (p->nrules > MAX_RULES)
		return -E2BIG;
	c.img = calloc(1, sizeof(*c.img));
	if (!c.img)
		return -ENOMEM;
	c.img->gen = gen;
	c.img->hdr.observe = p->observe;
	for (size_t i = 0; i < p->nrules && !err; i++)
		err = compile_rule(&c, &p->rules[i], i);
	if (err) {
		process_image_free(c.img);
		return err;
	}
	*out = c.img;
	return 0;
}
