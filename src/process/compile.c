/* Policy -> process maps: each selector value becomes a key whose value is
 * the bitmap of rules it satisfies; rule order is bit order, so the kernel's
 * lowest set bit is the first matching rule. Written into one policy
 * generation; the caller flips to it when every module is ready. */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <bpf/bpf.h>
#include "lib/cgroup.h"
#include "policy/policy.h"
#include "process/compile.h"

struct compile {
	const struct process_maps *m;
	__u32 gen;
	struct diags *d;
	struct policy_hdr hdr;
};

static void set_bit(struct rule_bits *b, int rule)
{
	b->w[rule / 64] |= 1ULL << (rule % 64);
}

static int or_rule(int fd, const void *key, int rule)
{
	struct rule_bits bits;

	if (bpf_map_lookup_elem(fd, key, &bits))
		memset(&bits, 0, sizeof(bits));
	set_bit(&bits, rule);
	return bpf_map_update_elem(fd, key, &bits, BPF_ANY) ? -errno : 0;
}

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
static int add_dirent_to(struct compile *c, int map_fd, const char *path,
			 int rule)
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
	return or_rule(map_fd, &k, rule);
}

static int add_dirent(struct compile *c, const char *path, int rule)
{
	return add_dirent_to(c, c->m->dirent_rules, path, rule);
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
		return or_rule(c->m->target_dir_rules, &id, rule);
	}
	if (!err && (err = or_rule(c->m->target_file_rules, &id, rule)))
		return err;
	return add_dirent_to(c, c->m->target_dirent_rules, v, rule);
}

static int add_binary(struct compile *c, const struct strv *s, size_t i,
		      int rule)
{
	const char *v = s->v[i];
	struct file_id id = { .gen = c->gen };
	struct name_key nk = { .gen = c->gen };
	bool dir;
	int err;

	if (strcmp(v, FILELESS_BINARY) == 0) {
		set_bit(&c->hdr.fileless, rule);
		return 0;
	}
	if (v[0] != '/') {
		strncpy(nk.name, v, sizeof(nk.name) - 1);
		return or_rule(c->m->name_rules, &nk, rule);
	}
	err = stat_id(v, &id, &dir);
	if (err && v[strlen(v) - 1] != '/') {
		/* not there yet: its directory entry still catches it */
		warn_missing_binary(c, s, i, err);
		return add_dirent(c, v, rule);
	}
	if (err) {
		warn_at(c, s, i, "binary directory", err);
		return 0;
	}
	if (dir || v[strlen(v) - 1] == '/') {
		c->hdr.dir_depth = MAX_DIR_DEPTH;
		return or_rule(c->m->dir_rules, &id, rule);
	}
	return or_rule(c->m->file_rules, &id, rule) ?: add_dirent(c, v, rule);
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
	return or_rule(c->m->ancestor_rules, &id, rule);
}

static int add_num(int fd, __u32 gen, uint64_t v, int rule)
{
	struct num_key k = { .value = v, .gen = gen };

	return or_rule(fd, &k, rule);
}

static int add_cgroup(struct compile *c, const struct strv *s, size_t i,
		      int rule)
{
	uint64_t id;
	int err = cgroup_id_of(s->v[i], &id);

	if (err) {
		warn_at(c, s, i, "cgroup", err);
		return 0;
	}
	return add_num(c->m->cgroup_rules, c->gen, id, rule);
}

/* Every cgroup whose directory name holds the container id. */
static int add_container_dir(struct compile *c, const char *dir,
			     const char *cid, int rule, int depth, int *found)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char path[PATH_MAX];
	int err = 0;

	if (!d || depth > MAX_CG_DEPTH) {
		if (d)
			closedir(d);
		return 0;
	}
	while (!err && (e = readdir(d))) {
		struct stat st;

		if (e->d_type != DT_DIR || e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		if (strstr(e->d_name, cid) && stat(path, &st) == 0) {
			err = add_num(c->m->cgroup_rules, c->gen, st.st_ino, rule);
			(*found)++;
			continue;	/* descendants are covered by the walk */
		}
		err = add_container_dir(c, path, cid, rule, depth + 1, found);
	}
	closedir(d);
	return err;
}

static int add_container(struct compile *c, const struct strv *s, size_t i,
			 int rule)
{
	const char *root = cgroup2_root();
	int found = 0, err;

	if (!root)
		return 0;
	err = add_container_dir(c, root, s->v[i], rule, 0, &found);
	if (!err && !found)
		warn_at(c, s, i, "container", -ESRCH);
	return err;
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

static int add_nums(struct compile *c, int fd, const struct u64v *v, int rule)
{
	for (size_t i = 0; i < v->n; i++) {
		int err = add_num(fd, c->gen, v->v[i], rule);

		if (err)
			return err;
	}
	return 0;
}

static int add_syscalls(struct compile *c, const struct rule *r, int rule)
{
	for (size_t i = 0; i < r->nsyscalls; i++) {
		__u32 key = c->gen * SYSCALL_SLOTS + r->syscalls[i];
		int err = or_rule(c->m->syscall_rules, &key, rule);

		if (err)
			return err;
	}
	return 0;
}

static void add_header_bits(struct compile *c, const struct rule *r, int i)
{
	for (int dim = 0; dim < DIM__COUNT; dim++) {
		if (!(r->sel.used & (1u << dim)))
			set_bit(&c->hdr.wild[dim], i);
		else
			c->hdr.used_dims |= 1u << dim;
		if (r->sel.negated & (1u << dim))
			set_bit(&c->hdr.neg[dim], i);
	}
	if (r->files.n) {
		if (r->access & FILE_ACCESS_READ)
			set_bit(&c->hdr.file_read, i);
		if (r->access & FILE_ACCESS_WRITE)
			set_bit(&c->hdr.file_write, i);
	} else if (!r->nsyscalls) {
		set_bit(&c->hdr.exec_rules, i);
	}
	c->hdr.action[i] = r->action;
}

static int compile_rule(struct compile *c, const struct rule *r, int i)
{
	const struct process_maps *m = c->m;
	int err;

	add_header_bits(c, r, i);
	err = add_all(c, &r->sel.binary, add_binary, i);
	err = err ?: add_nums(c, m->pid_rules, &r->sel.pid, i);
	err = err ?: add_nums(c, m->uid_rules, &r->sel.uid, i);
	err = err ?: add_all(c, &r->sel.ancestor, add_ancestor, i);
	err = err ?: add_all(c, &r->sel.cgroup, add_cgroup, i);
	err = err ?: add_all(c, &r->sel.container, add_container, i);
	err = err ?: add_syscalls(c, r, i);
	err = err ?: add_all(c, &r->files, add_target, i);
	return err;
}

/* Delete every key of generation gen: collect them first, since deleting
 * while iterating with get_next_key can restart the walk. */
static int clear_gen(int fd, size_t key_size, size_t gen_off, __u32 gen)
{
	char cur[128], next[128], *keys = NULL;
	size_t n = 0, cap = 0;
	void *prev = NULL;
	__u32 g;

	while (bpf_map_get_next_key(fd, prev, next) == 0) {
		memcpy(cur, next, key_size);
		prev = cur;
		memcpy(&g, cur + gen_off, sizeof(g));
		if (g != gen)
			continue;
		if (n == cap) {
			char *k = realloc(keys, (cap = cap ? cap * 2 : 64) * key_size);

			if (!k) {
				free(keys);
				return -ENOMEM;
			}
			keys = k;
		}
		memcpy(keys + n++ * key_size, cur, key_size);
	}
	for (size_t i = 0; i < n; i++)
		bpf_map_delete_elem(fd, keys + i * key_size);
	free(keys);
	return 0;
}

static void clear_generation(const struct process_maps *m, __u32 gen)
{
	struct rule_bits zero = { 0 };

	clear_gen(m->file_rules, sizeof(struct file_id), offsetof(struct file_id, gen), gen);
	clear_gen(m->dir_rules, sizeof(struct file_id), offsetof(struct file_id, gen), gen);
	clear_gen(m->ancestor_rules, sizeof(struct file_id), offsetof(struct file_id, gen), gen);
	clear_gen(m->name_rules, sizeof(struct name_key), offsetof(struct name_key, gen), gen);
	clear_gen(m->dirent_rules, sizeof(struct dirent_key), offsetof(struct dirent_key, dir.gen), gen);
	clear_gen(m->target_file_rules, sizeof(struct file_id), offsetof(struct file_id, gen), gen);
	clear_gen(m->target_dir_rules, sizeof(struct file_id), offsetof(struct file_id, gen), gen);
	clear_gen(m->target_dirent_rules, sizeof(struct dirent_key), offsetof(struct dirent_key, dir.gen), gen);
	clear_gen(m->pid_rules, sizeof(struct num_key), offsetof(struct num_key, gen), gen);
	clear_gen(m->uid_rules, sizeof(struct num_key), offsetof(struct num_key, gen), gen);
	clear_gen(m->cgroup_rules, sizeof(struct num_key), offsetof(struct num_key, gen), gen);
	for (__u32 nr = 0; nr < SYSCALL_SLOTS; nr++) {
		__u32 key = gen * SYSCALL_SLOTS + nr;

		bpf_map_update_elem(m->syscall_rules, &key, &zero, BPF_ANY);
	}
}

int process_compile(const struct process_maps *m, const struct policy *p,
		    __u32 gen, struct diags *d)
{
	struct compile *c = calloc(1, sizeof(*c));
	int err = 0;

	if (!c)
		return -ENOMEM;
	c->m = m;
	c->gen = gen;
	c->d = d;
	clear_generation(m, gen);
	c->hdr.observe = p->observe;
	for (size_t i = 0; i < p->nrules && !err; i++)
		err = compile_rule(c, &p->rules[i], i);
	if (!err && bpf_map_update_elem(m->policy, &gen, &c->hdr, BPF_ANY))
		err = -errno;
	free(c);
	return err;
}
