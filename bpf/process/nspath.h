/* Binaries by the path the process sees. Inodes (proc_bin_file/dir) hold
 * on the host, across links and renames; inside a container (overlayfs,
 * its own root) the same path names another file, so exact paths and
 * directory prefixes are also matched as strings against the executed
 * file's path from the process's root (proc_bin_path, proc_bin_pdir), and
 * names against the name it was executed by (comm: a busybox applet is a
 * symlink to /bin/busybox, executed as "nc") and its argv[0] (busybox's
 * own shell runs an applet as /proc/self/exe with argv[0] "nc": for a
 * multi-call binary argv[0] is what runs). */
#ifndef WARDEN_PROCESS_NSPATH_H
#define WARDEN_PROCESS_NSPATH_H
#include "process/maps.h"
#include "process/paths.h"

RULE_MAP(proc_bin_path, struct path_key, 16384);	/* exact, as seen */
RULE_MAP(proc_bin_pdir, struct path_key, 16384);	/* prefixes, as seen */

#define ARGV0_MAX	256

struct nspath_scratch {
	struct path_key key;
	struct name_key name;
	char argv0[ARGV0_MAX];
};
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct nspath_scratch);
} proc_nsp_scr SEC(".maps");

#define PATH_KEY_CHARS	(PATH_KEY_LEN - 4 - 1)	/* and a NUL */
/* path & 255 stays inside the scratch value that holds the key */
_Static_assert(4 + 255 <= sizeof(struct nspath_scratch), "masked copies fit");

struct pscan_ctx {
	const char *buf;	/* the path: buf[start .. start + len) */
	__u32 start, len;
	struct path_key *key;	/* zeroed; each prefix overwrites the last */
	struct rule_bits *acc;
};

/* At each '/', the prefix up to and with it is a directory rule's key. */
static long pscan_step(__u64 i, void *arg)
{
	struct pscan_ctx *c = arg;
	__u64 n = i + 1;

	barrier_var(n);
	if (i >= c->len || n > PATH_KEY_CHARS)
		return 1;
	if (c->buf[(c->start + i) & PATH_MASK] != '/')
		return 0;
	/* n <= PATH_KEY_CHARS; the mask keeps the verifier's bound */
	bpf_probe_read_kernel(c->key->path, n & 255, &c->buf[c->start & PATH_MASK]);
	lookup_or(&proc_bin_pdir, c->key, c->acc);
	return 0;
}

/* The rules the path buf[start..PATH_MAX_LEN) satisfies, as a string. */
static __always_inline void path_string_bits(const char *buf, __u32 start,
					     __u32 gen, struct rule_bits *acc)
{
	__u32 zero = 0;
	struct nspath_scratch *s = bpf_map_lookup_elem(&proc_nsp_scr, &zero);
	struct pscan_ctx c = { .buf = buf, .start = start, .acc = acc };
	__u64 len = PATH_MAX_LEN - start;

	if (!s || start >= PATH_MAX_LEN)
		return;
	__builtin_memset(&s->key, 0, sizeof(s->key));
	s->key.gen = gen;
	c.key = &s->key;
	c.len = len;
	bpf_loop(PATH_KEY_CHARS, pscan_step, &c, 0);
	barrier_var(len);	/* check len itself, not start */
	if (len > PATH_KEY_CHARS)
		return;
	bpf_probe_read_kernel(s->key.path, len & 255, &buf[start & PATH_MASK]);
	lookup_or(&proc_bin_path, &s->key, acc);
}

/* The name it was executed by: the kernel sets comm to the basename of
 * the name passed to execve (15 characters kept). */
static __always_inline void exec_name_bits(struct task_struct *t, __u32 gen,
					   struct rule_bits *acc)
{
	__u32 zero = 0;
	struct nspath_scratch *s = bpf_map_lookup_elem(&proc_nsp_scr, &zero);

	if (!s)
		return;
	__builtin_memset(&s->name, 0, sizeof(s->name));
	s->name.gen = gen;
	BPF_CORE_READ_STR_INTO(&s->name.name, t, comm);
	lookup_or(&proc_bin_name, &s->name, acc);
}

struct argv0_ctx {
	const char *buf;
	__u32 len, base;	/* base: where the last component starts */
};

static long argv0_step(__u64 i, void *arg)
{
	struct argv0_ctx *c = arg;

	if (i >= c->len)
		return 1;
	if (c->buf[i & (ARGV0_MAX - 1)] == '/')
		c->base = i + 1;
	return 0;
}

/* The basename of argv[0] (t is current: its memory is the one read). */
static __always_inline void argv0_name_bits(struct task_struct *t, __u32 gen,
					    struct rule_bits *acc)
{
	__u32 zero = 0;
	struct nspath_scratch *s = bpf_map_lookup_elem(&proc_nsp_scr, &zero);
	struct argv0_ctx c = {};
	__u64 n;
	long got;

	if (!s)
		return;
	got = bpf_probe_read_user_str(s->argv0, ARGV0_MAX,
				      (void *)BPF_CORE_READ(t, mm, arg_start));
	if (got <= 1)
		return;
	c.buf = s->argv0;
	c.len = got - 1;
	bpf_loop(ARGV0_MAX, argv0_step, &c, 0);
	n = c.len - c.base;
	barrier_var(n);
	if (n == 0 || n >= NAME_KEY_LEN)	/* no name, or longer than any key */
		return;
	__builtin_memset(&s->name, 0, sizeof(s->name));
	s->name.gen = gen;
	bpf_probe_read_kernel(s->name.name, n & (NAME_KEY_LEN - 1),
			      &s->argv0[c.base & (ARGV0_MAX - 1)]);
	lookup_or(&proc_bin_name, &s->name, acc);
}

/* Set the walk up to record where it crosses t's root. */
static __always_inline void walk_from_root(struct path_walk *w,
					   struct task_struct *t)
{
	struct fs_struct *fs = BPF_CORE_READ(t, fs);

	w->root_d = BPF_CORE_READ(fs, root.dentry);
	w->root_mnt = BPF_CORE_READ(fs, root.mnt);
}

/* After the walk: the path from the process's root (the whole path when
 * the file lies outside it) against the string rules. */
static __always_inline void nspath_bits(const struct path_walk *w,
					struct policy_hdr *ph, __u32 gen,
					struct rule_bits *acc)
{
	if (!ph->path_rules)
		return;
	if (w->root_ok)
		path_string_bits(w->buf, w->root_off, gen, acc);
	else if (!w->truncated)
		path_string_bits(w->buf, w->off, gen, acc);
}
#endif
