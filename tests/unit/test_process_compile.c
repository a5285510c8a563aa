/* Unit tests for the process compiler (src/process/compile.c): policy text
 * -> the in-memory map image, without root or a kernel. Paths are temp
 * files and directories, so the keys hold their real inodes. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <cmocka.h>
#include "policy/policy.h"
#include "process/compile.h"
#include "process/syscalls.h"

/* A temp tree: dir/, dir/tool (a file), dir/sub/, and a cgroup root
 * cg/ with cg/ci/job and a container's cgroup. */
#define CID "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
static char dir[64], tool[96], sub[96], cg[96];

static int setup(void **state)
{
	char path[256];
	FILE *f;

	strcpy(dir, "/tmp/warden-compile.XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	snprintf(tool, sizeof(tool), "%s/tool", dir);
	snprintf(sub, sizeof(sub), "%s/sub", dir);
	snprintf(cg, sizeof(cg), "%s/cg", dir);
	f = fopen(tool, "w");
	if (!f)
		return -1;
	fclose(f);
	snprintf(path, sizeof(path), "%s/ci", cg);
	if (mkdir(sub, 0700) || mkdir(cg, 0700) || mkdir(path, 0700))
		return -1;
	snprintf(path, sizeof(path), "%s/ci/job", cg);
	if (mkdir(path, 0700))
		return -1;
	snprintf(path, sizeof(path), "%s/docker-%s.scope", cg, CID);
	return mkdir(path, 0700);
}

static int teardown(void **state)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static struct file_id id_of(const char *path, __u32 gen)
{
	struct stat st;
	struct file_id id = { .gen = gen };

	assert_int_equal(stat(path, &st), 0);
	id.ino = st.st_ino;
	id.dev = (major(st.st_dev) << 20) | minor(st.st_dev);
	return id;
}

static bool bit(const struct rule_bits *b, int rule)
{
	return b && (b->w[rule / 64] >> (rule % 64) & 1);
}

static int nbits(const struct rule_bits *b)
{
	int n = 0;

	for (int i = 0; b && i < MAX_RULES; i++)
		n += bit(b, i);
	return n;
}

struct fixture {
	struct diags d;
	struct policy *p;
	struct process_image *img;
};

/* Parse text (with %s replaced by the temp dir) and compile it for gen. */
static int compile(struct fixture *f, const char *fmt, __u32 gen)
{
	char text[2048];
	int err;

	snprintf(text, sizeof(text), fmt, dir, dir, dir, dir);
	diags_init(&f->d, "p.yaml");
	f->p = policy_parse(text, strlen(text), "p.yaml", &f->d);
	if (!f->p) {
		diags_print(&f->d, stderr);
		fail_msg("policy did not parse");
	}
	err = process_compile(f->p, gen, cg, &f->img, &f->d);
	return err;
}

static void done(struct fixture *f)
{
	process_image_free(f->img);
	policy_free(f->p);
	diags_free(&f->d);
}

static bool has_msg(const struct diags *d, const char *want)
{
	for (int i = 0; i < d->n; i++)
		if (strstr(d->v[i].msg, want))
			return true;
	return false;
}

static void t_exact_binary_by_inode_and_dirent(void **state)
{
	struct fixture f;
	struct file_id id = id_of(tool, 1);
	struct dirent_key dk = { .dir = id_of(dir, 1), .name = "tool" };

	assert_int_equal(compile(&f, "rules:\n"
		"  - {name: a, action: kill, match: {binary: %s/tool}}\n", 1), 0);
	assert_int_equal(f.d.n, 0);
	assert_int_equal(f.img->gen, 1);
	assert_true(bit(process_image_get(f.img, PM_BIN_FILE, &id), 0));
	assert_true(bit(process_image_get(f.img, PM_BIN_DIRENT, &dk), 0));
	/* the key carries the generation: gen 0 has nothing */
	id.gen = 0;
	assert_null(process_image_get(f.img, PM_BIN_FILE, &id));
	assert_int_equal(f.img->map[PM_BIN_FILE].n, 1);
	assert_int_equal(f.img->hdr.dir_depth, 0);	/* no prefix rule */
	assert_int_equal(f.img->hdr.action[0], ACT_KILL);
	assert_true(bit(&f.img->hdr.exec_rules, 0));
	done(&f);
}

static void t_prefix_basename_fileless(void **state)
{
	struct fixture f;
	struct file_id d = id_of(sub, 0);
	struct name_key nk = { .gen = 0, .name = "curl" };

	assert_int_equal(compile(&f, "rules:\n"
		"  - {name: a, action: alert, match: {binary: %s/sub/}}\n"
		"  - {name: b, action: alert, match: {binary: curl}}\n"
		"  - {name: c, action: kill, match: {binary: '@fileless'}}\n", 0), 0);
	assert_true(bit(process_image_get(f.img, PM_BIN_DIR, &d), 0));
	assert_int_equal(f.img->hdr.dir_depth, MAX_DIR_DEPTH);
	assert_int_equal(nbits(process_image_get(f.img, PM_BIN_NAME, &nk)), 1);
	assert_true(bit(process_image_get(f.img, PM_BIN_NAME, &nk), 1));
	assert_int_equal(nbits(&f.img->hdr.fileless), 1);
	assert_true(bit(&f.img->hdr.fileless, 2));
	done(&f);
}

/* A value shared by rules holds each rule's bit, in rule order, so the
 * kernel's lowest set bit is the first rule written. */
static struct path_key path_key(const char *fmt, const char *arg)
{
	struct path_key k = { .gen = 0 };

	snprintf(k.path, sizeof(k.path), fmt, arg);
	return k;
}

/* Paths also as text, for the file a container sees there: an exact path,
 * a directory (known as one on this host, or written with a '/'), and a
 * path that exists only in a container (no inode here). */
static void t_paths_as_seen(void **state)
{
	struct fixture f;
	struct path_key exact = path_key("%s/tool", dir);
	struct path_key sub_dir = path_key("%s/sub/", dir);
	struct path_key in_ctr = path_key("%s", "/usr/bin/not-on-this-host");
	struct path_key ctr_dir = path_key("%s", "/opt/not-on-this-host/");

	assert_int_equal(compile(&f, "rules:\n"
		"  - {name: a, action: kill, match: {binary: %s/tool}}\n"
		"  - {name: b, action: kill, match: {binary: %s/sub}}\n"
		"  - {name: c, action: kill, match: {binary: /usr/bin/not-on-this-host}}\n"
		"  - {name: d, action: kill, match: {binary: /opt/not-on-this-host/}}\n"
		"  - {name: e, action: kill, match: {binary: nc}}\n", 0), 0);
	assert_true(f.img->hdr.path_rules);
	assert_true(bit(process_image_get(f.img, PM_BIN_PATH, &exact), 0));
	assert_true(bit(process_image_get(f.img, PM_BIN_PDIR, &sub_dir), 1));
	assert_true(bit(process_image_get(f.img, PM_BIN_PATH, &in_ctr), 2));
	assert_true(bit(process_image_get(f.img, PM_BIN_PDIR, &ctr_dir), 3));
	assert_int_equal(f.img->map[PM_BIN_PATH].n, 2);
	assert_int_equal(f.img->map[PM_BIN_PDIR].n, 2);
	done(&f);
}

static void t_first_match_is_lowest_bit(void **state)
{
	struct fixture f;
	struct file_id id = id_of(tool, 0);
	const struct rule_bits *b;

	assert_int_equal(compile(&f, "rules:\n"
		"  - {name: ok, action: allow, match: {binary: %s/tool, uid: 0}}\n"
		"  - {name: other, action: alert, match: {binary: curl}}\n"
		"  - {name: all, action: kill, match: {binary: %s/tool}}\n", 0), 0);
	b = process_image_get(f.img, PM_BIN_FILE, &id);
	assert_int_equal(b->w[0], 0x5);		/* rules 0 and 2 */
	assert_int_equal(f.img->hdr.action[0], ACT_ALLOW);
	assert_int_equal(f.img->hdr.action[1], ACT_ALERT);
	assert_int_equal(f.img->hdr.action[2], ACT_KILL);
	assert_int_equal(f.img->hdr.exec_rules.w[0], 0x7);
	done(&f);
}

static void t_wild_and_negated_dimensions(void **state)
{
	struct fixture f;
	struct num_key uid = { .value = 1000, .gen = 0 };
	struct num_key pid = { .value = 42, .gen = 0 };
	const struct policy_hdr *h;

	assert_int_equal(compile(&f, "rules:\n"
		"  - name: a\n"
		"    action: kill\n"
		"    match: {binary: curl}\n"
		"    not: {uid: [1000]}\n"
		"  - {name: b, action: alert, match: {pid: 42}}\n", 0), 0);
	h = &f.img->hdr;
	/* rule 0 constrains binary and uid, rule 1 only pid */
	assert_false(bit(&h->wild[DIM_BINARY], 0));
	assert_false(bit(&h->wild[DIM_UID], 0));
	assert_true(bit(&h->wild[DIM_PID], 0));
	assert_true(bit(&h->wild[DIM_ANCESTOR], 0));
	assert_true(bit(&h->wild[DIM_CGROUP], 0));
	assert_true(bit(&h->wild[DIM_BINARY], 1));
	assert_false(bit(&h->wild[DIM_PID], 1));
	assert_true(bit(&h->neg[DIM_UID], 0));
	assert_int_equal(nbits(&h->neg[DIM_UID]), 1);
	assert_int_equal(nbits(&h->neg[DIM_BINARY]), 0);
	assert_int_equal(h->used_dims, (1u << DIM_BINARY) | (1u << DIM_UID) |
				       (1u << DIM_PID));
	assert_true(bit(process_image_get(f.img, PM_UID, &uid), 0));
	assert_true(bit(process_image_get(f.img, PM_PID, &pid), 1));
	done(&f);
}

static void t_syscall_rules(void **state)
{
	struct fixture f;
	int ptrace = syscall_nr("ptrace"), bpf = syscall_nr("bpf");

	assert_true(ptrace > 0 && bpf > 0);
	assert_int_equal(compile(&f, "rules:\n"
		"  - {name: a, action: kill, syscalls: [ptrace]}\n"
		"  - {name: b, action: alert, syscalls: [ptrace, bpf]}\n", 0), 0);
	assert_int_equal(f.img->syscall[ptrace].w[0], 0x3);
	assert_int_equal(f.img->syscall[bpf].w[0], 0x2);
	/* syscall rules are not exec rules */
	assert_int_equal(nbits(&f.img->hdr.exec_rules), 0);
	done(&f);
}

/* A rule on unshare also holds for clone/clone3 making a namespace (the
 * pseudo slot, checked in the kernel); mount for the new mount API. */
static void t_syscall_equivalents(void **state)
{
	static const char *const mount_api[] = { "fsopen", "fsconfig", "fsmount",
		"fspick", "move_mount", "open_tree", "mount_setattr" };
	int unshare = syscall_nr("unshare"), clone = syscall_nr("clone");
	int clone3 = syscall_nr("clone3"), setns = syscall_nr("setns");
	int mount = syscall_nr("mount");
	bool wanted[SYSCALL_SLOTS];
	struct fixture f;

	assert_null(syscall_name(SYSCALL_CLONE_NS));	/* no real syscall */
	assert_int_equal(compile(&f, "rules:\n"
		"  - {name: a, action: kill, syscalls: [unshare]}\n"
		"  - {name: b, action: alert, syscalls: [mount]}\n"
		"  - {name: c, action: alert, syscalls: [setns]}\n", 0), 0);
	assert_int_equal(f.img->syscall[unshare].w[0], 0x1);
	assert_int_equal(f.img->syscall[SYSCALL_CLONE_NS].w[0], 0x1);
	/* clone itself is not a rule's: only with namespace flags */
	assert_int_equal(f.img->syscall[clone].w[0], 0);
	assert_int_equal(f.img->syscall[mount].w[0], 0x2);
	for (size_t i = 0; i < sizeof(mount_api) / sizeof(mount_api[0]); i++)
		assert_int_equal(f.img->syscall[syscall_nr(mount_api[i])].w[0], 0x2);
	assert_int_equal(f.img->syscall[setns].w[0], 0x4);
	process_image_syscalls(f.img, wanted);
	assert_true(wanted[unshare] && wanted[clone] && wanted[clone3]);
	assert_true(wanted[syscall_nr("fsopen")] && wanted[setns]);
	assert_false(wanted[SYSCALL_CLONE_NS]);
	assert_false(wanted[syscall_nr("ptrace")]);
	done(&f);
}

/* The ia32 table: other numbers, the same syscalls; aliases by meaning. */
static void t_ia32_names(void **state)
{
	assert_string_equal(syscall_name32(310), "unshare");
	assert_int_equal(syscall_native_of32(310), syscall_nr("unshare"));
	assert_int_equal(syscall_native_of32(5), syscall_nr("open"));
	assert_int_equal(syscall_native_of32(300), syscall_nr("newfstatat"));
	assert_int_equal(syscall_native_of32(102), -1);	/* socketcall */
	assert_null(syscall_name32(100000));
}

static void t_file_rules_targets_and_access(void **state)
{
	struct fixture f;
	struct file_id file = id_of(tool, 0), d = id_of(sub, 0);
	struct dirent_key dk = { .dir = id_of(dir, 0), .name = "new" };

	assert_int_equal(compile(&f, "rules:\n"
		"  - {name: r, action: alert, files: [%s/tool], access: read}\n"
		"  - {name: w, action: kill, files: [%s/sub/, %s/new], access: write}\n",
		0), 0);
	assert_true(bit(process_image_get(f.img, PM_TGT_FILE, &file), 0));
	assert_true(bit(process_image_get(f.img, PM_TGT_DIR, &d), 1));
	/* not there yet: caught by its directory entry */
	assert_true(bit(process_image_get(f.img, PM_TGT_DIRENT, &dk), 1));
	assert_int_equal(f.img->hdr.file_read.w[0], 0x1);
	assert_int_equal(f.img->hdr.file_write.w[0], 0x2);
	assert_int_equal(nbits(&f.img->hdr.exec_rules), 0);
	assert_int_equal(f.d.n, 0);	/* a missing exact target is no warning */
	done(&f);
}

/* A hard link elsewhere of a file under a prefix: named by inode too. */
static void t_prefix_files_by_inode(void **state)
{
	struct fixture f;
	struct file_id file = id_of(tool, 0);

	assert_int_equal(compile(&f, "rules:\n"
		"  - {name: b, action: kill, match: {binary: %s/}}\n"
		"  - {name: f, action: kill, files: [%s/]}\n", 0), 0);
	assert_true(bit(process_image_get(f.img, PM_BIN_FILE, &file), 0));
	assert_true(bit(process_image_get(f.img, PM_TGT_FILE, &file), 1));
	assert_int_equal(f.d.n, 0);
	done(&f);
	/* an allow-list (not:) only refuses a link elsewhere: no inodes */
	assert_int_equal(compile(&f, "rules:\n"
		"  - {name: b, action: kill, not: {binary: %s/}}\n", 0), 0);
	assert_null(process_image_get(f.img, PM_BIN_FILE, &file));
	done(&f);
}

/* Past the bound, a warning names the prefix where it cut. */
static void t_prefix_files_bounded(void **state)
{
	char big[128], path[160];
	struct fixture f;
	FILE *fp;

	snprintf(big, sizeof(big), "%s/big", dir);
	assert_int_equal(mkdir(big, 0700), 0);
	for (int i = 0; i < 4097; i++) {
		snprintf(path, sizeof(path), "%s/f%d", big, i);
		fp = fopen(path, "w");
		assert_non_null(fp);
		fclose(fp);
	}
	assert_int_equal(compile(&f, "rules:\n"
		"  - {name: f, action: kill, files: [%s/big/]}\n", 0), 0);
	assert_int_equal(f.img->map[PM_TGT_FILE].n, 4096);
	assert_true(has_msg(&f.d, "p.yaml:2:37: warning: directory"));
	assert_true(has_msg(&f.d, "more than 4096 files"));
	done(&f);
	snprintf(path, sizeof(path), "rm -rf '%s'", big);
	assert_int_equal(system(path), 0);
}

static void t_ancestor_cgroup_container(void **state)
{
	struct fixture f;
	struct file_id anc = id_of(tool, 0);
	char path[256];
	struct num_key job = { .gen = 0 };
	struct ctr_key ctr = { .gen = 0 };

	snprintf(path, sizeof(path), "%s/ci/job", cg);
	job.value = id_of(path, 0).ino;
	memcpy(ctr.id, CID, CTR_KEY_LEN);
	assert_int_equal(compile(&f, "rules:\n"
		"  - {name: a, action: kill, match: {ancestor: %s/tool}}\n"
		"  - {name: c, action: kill, match: {cgroup: /ci/job}}\n"
		"  - {name: k, action: kill, match: {container: " CID "}}\n"
		"  - {name: y, action: kill, match: {container: any}}\n", 0), 0);
	assert_int_equal(f.d.n, 0);
	assert_true(bit(process_image_get(f.img, PM_ANCESTOR, &anc), 0));
	assert_int_equal(nbits(process_image_get(f.img, PM_CGROUP, &job)), 1);
	assert_true(bit(process_image_get(f.img, PM_CGROUP, &job), 1));
	/* containers by id, without looking for their cgroups: a container
	 * started later is covered with no reload */
	assert_int_equal(f.img->map[PM_CGROUP].n, 1);
	assert_int_equal(nbits(process_image_get(f.img, PM_CTR_ID, &ctr)), 1);
	assert_true(bit(process_image_get(f.img, PM_CTR_ID, &ctr), 2));
	assert_int_equal(f.img->hdr.any_container.w[0], 1u << 3);
	assert_true(bit(&f.img->hdr.wild[DIM_CONTAINER], 0));
	assert_false(bit(&f.img->hdr.wild[DIM_CONTAINER], 2));
	done(&f);
}

/* Missing paths are warnings at the value's line:col; the rule still
 * compiles, matching what it can. */
static void t_missing_paths_warn_with_position(void **state)
{
	struct fixture f;
	struct dirent_key dk = { .dir = id_of(dir, 0), .name = "gone" };

	assert_int_equal(compile(&f, "rules:\n"
		"  - name: a\n"
		"    action: kill\n"
		"    match:\n"
		"      binary: [%s/gone]\n"
		"      ancestor: [/nonexistent/warden/x]\n"
		"  - {name: c, action: kill, match: {cgroup: /no/such}}\n"
		"  - {name: f, action: kill, files: [/nonexistent/warden/]}\n"
		"  - {name: k, action: kill, match: {container: aaaaaaaaaaaa}}\n",
		0), 0);
	assert_int_equal(f.d.n, 4);
	assert_true(has_msg(&f.d, "p.yaml:5:16: warning: binary \""));
	assert_true(has_msg(&f.d, "p.yaml:6:18: warning: ancestor "
			    "\"/nonexistent/warden/x\": No such file"));
	assert_true(has_msg(&f.d, "p.yaml:7:45: warning: cgroup \"/no/such\""));
	assert_true(has_msg(&f.d, "p.yaml:8:37: warning: files directory "
			    "\"/nonexistent/warden/\""));
	/* a container not running yet is no warning: covered when it starts */
	/* the missing binary is still caught by its directory entry */
	assert_true(bit(process_image_get(f.img, PM_BIN_DIRENT, &dk), 0));
	assert_int_equal(f.img->map[PM_ANCESTOR].n, 0);
	done(&f);
}

/* 1,024 rules, the limit: the last one is bit 63 of the last word. */
static void t_rule_limit(void **state)
{
	size_t cap = 64 + MAX_RULES * 64;
	char *text = malloc(cap), *p = text;
	struct name_key nk = { .gen = 0, .name = "sh" };
	const struct rule_bits *b;
	struct diags d;
	struct policy *pol;
	struct process_image *img;

	p += sprintf(p, "rules:\n");
	for (int i = 0; i < MAX_RULES; i++)
		p += sprintf(p, "  - {name: r%d, action: alert, match: {binary: sh}}\n", i);
	diags_init(&d, "p.yaml");
	pol = policy_parse(text, strlen(text), "p.yaml", &d);
	assert_non_null(pol);
	assert_int_equal(process_compile(pol, 0, cg, &img, &d), 0);
	b = process_image_get(img, PM_BIN_NAME, &nk);
	assert_int_equal(nbits(b), MAX_RULES);
	assert_true(bit(b, MAX_RULES - 1));
	assert_int_equal(b->w[RULE_WORDS - 1], ~0ULL);
	process_image_free(img);
	/* more rules than bits: refused, nothing built */
	pol->nrules = MAX_RULES + 1;
	assert_int_equal(process_compile(pol, 0, cg, &img, &d), -E2BIG);
	assert_null(img);
	pol->nrules = MAX_RULES;
	policy_free(pol);
	diags_free(&d);
	free(text);
}

static void t_syscall_outside_slots_refused(void **state)
{
	struct fixture f;
	int saved;

	assert_int_equal(compile(&f, "rules:\n"
		"  - {name: a, action: kill, syscalls: [ptrace]}\n", 0), 0);
	process_image_free(f.img);
	saved = f.p->rules[0].syscalls[0];
	f.p->rules[0].syscalls[0] = SYSCALL_SLOTS;
	assert_int_equal(process_compile(f.p, 0, cg, &f.img, &f.d), -ERANGE);
	assert_null(f.img);
	f.p->rules[0].syscalls[0] = saved;
	done(&f);
}

/* Many distinct values: the image's index keeps every one findable. */
static void t_many_values(void **state)
{
	char text[64 + 300 * 16], *p = text;
	struct diags d;
	struct policy *pol;
	struct process_image *img;

	p += sprintf(p, "rules:\n  - {name: a, action: alert, match: {pid: [");
	for (int i = 1; i <= 300; i++)
		p += sprintf(p, "%s%d", i > 1 ? ", " : "", i);
	sprintf(p, "]}}\n");
	diags_init(&d, "p.yaml");
	pol = policy_parse(text, strlen(text), "p.yaml", &d);
	assert_non_null(pol);
	assert_int_equal(process_compile(pol, 0, cg, &img, &d), 0);
	assert_int_equal(img->map[PM_PID].n, 300);
	for (int i = 1; i <= 300; i++) {
		struct num_key k = { .value = i, .gen = 0 };

		assert_true(bit(process_image_get(img, PM_PID, &k), 0));
	}
	{
		struct num_key k = { .value = 301, .gen = 0 };

		assert_null(process_image_get(img, PM_PID, &k));
	}
	process_image_free(img);
	policy_free(pol);
	diags_free(&d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(t_exact_binary_by_inode_and_dirent),
		cmocka_unit_test(t_prefix_basename_fileless),
		cmocka_unit_test(t_paths_as_seen),
		cmocka_unit_test(t_first_match_is_lowest_bit),
		cmocka_unit_test(t_wild_and_negated_dimensions),
		cmocka_unit_test(t_syscall_rules),
		cmocka_unit_test(t_file_rules_targets_and_access),
		cmocka_unit_test(t_prefix_files_by_inode),
		cmocka_unit_test(t_prefix_files_bounded),
		cmocka_unit_test(t_ancestor_cgroup_container),
		cmocka_unit_test(t_missing_paths_warn_with_position),
		cmocka_unit_test(t_rule_limit),
		cmocka_unit_test(t_syscall_equivalents),
		cmocka_unit_test(t_ia32_names),
		cmocka_unit_test(t_syscall_outside_slots_refused),
		cmocka_unit_test(t_many_values),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
