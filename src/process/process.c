/* The process module: loads bpf/process/, switches policy generations
 * (core/generation.h), and attaches the syscall program only where rules
 * need it. Its state is one struct; the event decoder gets its part as
 * the ring buffer's ctx. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/stat.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include "lib/log.h"
#include "core/module.h"
#include "lib/prom.h"
#include "core/objload.h"
#include "policy/policy.h"
#include "process/process.h"
#include "process/events.h"
#include "process/compile.h"
#include "process/maps.h"
#include "process/verify.h"
#include "core/generation.h"
#include "process/guard.h"
#include "lib/percpu.h"
#include "core/pin.h"
#include "core/probe.h"
#include "process.skel.h"
#include "process/syscalls.h"
#include "process/containers.h"
#include "lib/cgroup.h"

/* Without LSM, file rules are checked when an open returns (and the caller
 * killed before it uses the descriptor); attached only while a policy has
 * file rules, so opens cost nothing otherwise. open_by_handle_at names no
 * path at all, but returns a descriptor like the others. */
static const char *const open_syscalls[] = {
	"open", "openat", "openat2", "creat", "open_by_handle_at",
};
#define N_OPEN (sizeof(open_syscalls) / sizeof(open_syscalls[0]))

/* The programs only some policies need: syscall rules, file rules
 * without LSM (open's return, io_uring), the ia32 entry, guarded
 * syscalls. Verifying them all took three quarters of the start-up, so
 * the object loads without them and each is loaded the first time a
 * policy needs it (lazy_prog). */
enum lazy { LZ_SYSCALL, LZ_GUARD, LZ_OPEN_EXIT, LZ_SYS32_ENTER,
	    LZ_SYS32_EXIT, LZ_URING, LZ__COUNT };

/* Everything the module keeps between calls. */
static struct process_state {
	struct process_bpf *skel;
	/* per lazy program: its own instance of the object, every map
	 * shared with skel's, only that program loaded */
	struct process_bpf *lazy[LZ__COUNT];
	struct process_maps maps;
	struct generation gens;
	bool staged;			/* prepared, not yet committed */
	__u8 staged_guard;		/* self-protection of the staged policy */
	bool lsm_active;		/* deny rules use BPF LSM */
	/* Per syscall: the link of on_syscall to its sys_enter tracepoint. */
	struct bpf_link *sys_links[SYSCALL_SLOTS];
	/* The syscalls each generation's policy needs watched. */
	bool sys_wanted[POLICY_GENS][SYSCALL_SLOTS];
	struct bpf_link *open_links[N_OPEN];
	/* The ia32 entry: every syscall's raw sys_enter/sys_exit. */
	struct bpf_link *sys32_enter, *sys32_exit;
	bool staged_guard_syscalls;
	struct bpf_link *uring_link;	/* on_uring_submit, with open_links */
	bool uring_tp;			/* the kernel has io_uring_submit_req */
	bool uring_probed;		/* uring_tp is known */
	struct guard guard;
	struct process_events ev;	/* the ring buffer's ctx */
	/* What each generation was written with, and what the programs must
	 * see, for the tamper check (process/verify.h) */
	struct process_image *img[POLICY_GENS];
	bool committed;			/* a policy is active: check it */
	__u32 active;			/* its generation */
	__u8 active_guard;		/* its self-protection */
	__u32 wake_bytes;		/* process_set_wake_batch */
	uint64_t tampered;		/* differences found and put back */
} st;

static bool always(const struct policy *p)
{
	return true;
}

static int clear_gen(void *ctx, __u32 g)
{
	return process_maps_clear(ctx, g);
}

/* The maps, and the generation switch over them. Pinned maps may still
 * hold an earlier daemon's policy in the inactive generation: cleared
 * once its programs are done, before anything is st.staged there. */
static int open_generations(void)
{
	__u32 *active = (__u32 *)&st.skel->bss->active_gen;
	int err = process_maps_open(&st.maps, st.skel->obj);

	if (err) {
		log_err("the process object lacks a policy map: %s",
			strerror(-err));
		return err;
	}
	gen_init(&st.gens, active, clear_gen, &st.maps);
	if (!pin_root)
		return 0;	/* new maps: both generations empty */
	gen_wait_readers();
	err = process_maps_clear(&st.maps, !gen_active(&st.gens));
	if (err)
		log_err("cannot clear the process policy maps: %s",
			strerror(-err));
	return err;
}

/* The host's mount namespace: a process in a container's cgroup that
 * runs a program in another one is the container's workload. pid 1's
 * (the agent may run in a container of its own, with the host's pids),
 * else the agent's own. */
static __u32 host_mntns(void)
{
	struct stat sb;

	if (stat("/proc/1/ns/mnt", &sb) == 0 || stat("/proc/self/ns/mnt", &sb) == 0)
		return sb.st_ino;
	log_warn("cannot read the host's mount namespace (/proc/1/ns/mnt: %s); "
		 "container rules see every process in a container's cgroup "
		 "as its workload", strerror(errno));
	return 0;
}

/* After the cgroup_mkdir program is attached: the containers already
 * there. A cgroup2 tree that cannot be read leaves them unscoped, said. */
static int mark_containers(void)
{
	const char *root = cgroup2_root();
	int n;

	/* No cgroup2 mount in this mount namespace (`ip netns exec` mounts a
	 * sysfs of its own): nothing to scan; containers made from now on
	 * are still marked by on_cgroup_mkdir. */
	if (!root) {
		log_info("no cgroup2 mount here: containers started before "
			 "warden are not recognised as containers");
		return 0;
	}
	n = containers_mark_existing(bpf_map__fd(st.skel->maps.proc_ctr_cg), root);
	if (n < 0)
		log_err("cannot mark the running containers' cgroups: %s",
			strerror(-n));
	return n < 0 ? n : 0;
}

static long read_sysctl(const char *path, long dflt)
{
	FILE *f = fopen(path, "r");
	long v;

	if (!f)
		return dflt;
	if (fscanf(f, "%ld", &v) != 1)
		v = dflt;
	fclose(f);
	return v;
}

/* The kernel's process table holds every live thread group, so it cannot
 * fill: there are never more than pid_max pids nor threads-max tasks.
 * Bounded to [4096, 1M] (an empty hash map costs 16 bytes a bucket: 16 MiB
 * at the top); beyond that, decisions fall back to the live task and are
 * counted (process_table_full). WARDEN_PROC_TABLE_MAX overrides it, for
 * the test that fills it. */
static __u32 proc_table_size(void)
{
	long n = read_sysctl("/proc/sys/kernel/pid_max", 65536);
	long threads = read_sysctl("/proc/sys/kernel/threads-max", n);
	const char *env = getenv("WARDEN_PROC_TABLE_MAX");

	if (threads < n)
		n = threads;
	if (n < 4096)
		n = 4096;
	if (n > (1L << 20))
		n = 1L << 20;
	if (env && atol(env) >= 16)
		n = atol(env);
	return n;
}

/* One overflow entry per CPU, for decisions while the table is full. */
static int add_overflow_entries(void)
{
	int fd = bpf_map__fd(st.skel->maps.proc_table);
	struct proc_info zero = { 0 };

	for (int cpu = 0; cpu < libbpf_num_possible_cpus(); cpu++) {
		__u32 key = PROC_OVERFLOW_KEY + cpu;

		if (bpf_map_update_elem(fd, &key, &zero, BPF_ANY)) {
			int err = -errno;

			log_err("cannot add the process table's overflow "
				"entries: %s", strerror(-err));
			return err;
		}
	}
	return 0;
}

/* The ia32 number -> native number map of on_sys32_*. */
static int fill_sys32(void)
{
	static const char *const opens[] = { "open", "openat", "openat2", "creat" };
	int fd = bpf_map__fd(st.skel->maps.proc_sys32);

	for (__u32 nr32 = 0; nr32 < SYSCALL_SLOTS; nr32++) {
		int nr = syscall_native_of32(nr32);
		struct sys32_info v = { 0 };

		if (nr < 0 || nr >= SYSCALL_SLOTS)
			continue;
		v.native1 = nr + 1;
		for (size_t i = 0; i < sizeof(opens) / sizeof(opens[0]); i++)
			if (strcmp(syscall_name32(nr32), opens[i]) == 0)
				v.flags |= SYS32_OPEN;
		if (bpf_map_update_elem(fd, &nr32, &v, BPF_ANY)) {
			int err = -errno;

			log_err("cannot fill the ia32 syscall map: %s", strerror(-err));
			return err;
		}
	}
	return 0;
}

static struct bpf_program *lazy_prog_of(struct process_bpf *s, enum lazy w)
{
	struct bpf_program *const progs[LZ__COUNT] = {
		[LZ_SYSCALL] = s->progs.on_syscall,
		[LZ_GUARD] = s->progs.on_guard,
		[LZ_OPEN_EXIT] = s->progs.on_open_exit,
		[LZ_SYS32_ENTER] = s->progs.on_sys32_enter,
		[LZ_SYS32_EXIT] = s->progs.on_sys32_exit,
		[LZ_URING] = s->progs.on_uring_submit,
	};

	return progs[w];
}

/* Every map of obj is the same-named map of the loaded object. */
static int share_maps(struct bpf_object *obj)
{
	struct bpf_map *m;

	bpf_object__for_each_map(m, obj) {
		struct bpf_map *from = bpf_object__find_map_by_name(
			st.skel->obj, bpf_map__name(m));
		int err = from ? bpf_map__reuse_fd(m, bpf_map__fd(from)) : -ENOENT;

		if (err)
			return err;
	}
	return 0;
}

/* Program w, loaded now if no policy needed it before; NULL (and errno)
 * if the kernel refuses it. */
static struct bpf_program *lazy_prog(enum lazy w)
{
	struct bpf_program *prog, *q;
	struct process_bpf *s;
	struct timespec t0;
	int err;

	if (st.lazy[w])
		return lazy_prog_of(st.lazy[w], w);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	s = process_bpf__open();
	if (!s) {
		obj_load_failed(NULL, "the process BPF object", -errno);
		return NULL;
	}
	prog = lazy_prog_of(s, w);
	bpf_object__for_each_program(q, s->obj)
		bpf_program__set_autoload(q, q == prog);
	err = share_maps(s->obj) ?: process_bpf__load(s);
	if (err) {
		obj_load_failed(s->obj, bpf_program__name(prog), err);
		process_bpf__destroy(s);
		errno = -err;
		return NULL;
	}
	st.lazy[w] = s;
	log_debug("process: %s loaded in %.1f ms (the first policy that "
		  "needs it)", bpf_program__name(prog), log_phase_ms(&t0));
	return prog;
}

static int lazy_failed(struct diags *d, const char *what)
{
	int err = -errno;

	diag_add(d, 0, 0, "cannot load the program %s need: %s", what,
		 strerror(-err));
	return err;
}

static void unload_lazy(void)
{
	for (int w = 0; w < LZ__COUNT; w++) {
		process_bpf__destroy(st.lazy[w]);
		st.lazy[w] = NULL;
	}
}

static int process_load(struct ring_buffer **rb)
{
	struct timespec t0;
	__u32 size;
	int err;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	st.skel = process_bpf__open();
	if (!st.skel)
		return obj_load_failed(NULL, "the process BPF object", -errno);
	st.skel->rodata->agent_tgid = getpid();
	st.skel->rodata->host_mntns = host_mntns();
	st.skel->rodata->nr_clone = syscall_nr("clone");
	st.skel->rodata->nr_clone3 = syscall_nr("clone3");
	/* deny rules fail execve with EPERM where LSM programs attach; the
	 * tracepoint falls back to SIGKILL elsewhere */
	st.lsm_active = probe_has(PF_LSM);
	bpf_program__set_autoload(st.skel->progs.deny_exec, st.lsm_active);
	bpf_program__set_autoload(st.skel->progs.deny_file_open, st.lsm_active);
	bpf_program__set_autoload(st.skel->progs.deny_file_create, st.lsm_active);
	bpf_program__set_autoload(st.skel->progs.deny_file_truncate, st.lsm_active);
	bpf_program__set_autoload(st.skel->progs.deny_file_unlink, st.lsm_active);
	size = proc_table_size();
	err = bpf_map__set_max_entries(st.skel->maps.proc_table,
				       size + libbpf_num_possible_cpus());
	if (err)
		return obj_load_failed(st.skel->obj, "the process table", err);
	log_debug("process table: %u entries (and one overflow entry per CPU)", size);
	/* loaded and attached only while a policy needs them (prepare_gen) */
	for (int w = 0; w < LZ__COUNT; w++)
		bpf_program__set_autoload(lazy_prog_of(st.skel, w), false);
	if (pin_root && (err = pin_maps(st.skel->obj, "process")))
		return err;
	log_debug("process: object opened in %.1f ms", log_phase_ms(&t0));
	err = process_bpf__load(st.skel);
	if (err)
		return obj_load_failed(st.skel->obj, "the process programs", err);
	log_debug("process: maps created, programs verified in %.1f ms",
		  log_phase_ms(&t0));
	st.skel->bss->wake_bytes = st.wake_bytes;
	err = open_generations() ?: fill_sys32() ?: add_overflow_entries();
	if (err)
		return err;
	log_debug("process: maps filled in %.1f ms", log_phase_ms(&t0));
	err = process_bpf__attach(st.skel);
	if (err) {
		log_err("attaching the process tracepoints failed: %s",
			strerror(-err));
		return err;
	}
	err = guard_init(st.skel);
	if (err) {
		log_err("setting up self-protection failed: %s", strerror(-err));
		return err;
	}
	err = pin_link(st.skel->links.on_exec, "process", "on_exec") ?:
	      pin_link(st.skel->links.on_fork, "process", "on_fork") ?:
	      pin_link(st.skel->links.on_exit, "process", "on_exit") ?:
	      pin_link(st.skel->links.deny_exec, "process", "deny_exec") ?:
	      pin_link(st.skel->links.deny_file_open, "process", "deny_file_open") ?:
	      pin_link(st.skel->links.deny_file_create, "process", "deny_file_create") ?:
	      pin_link(st.skel->links.deny_file_truncate, "process", "deny_file_truncate") ?:
	      pin_link(st.skel->links.deny_file_unlink, "process", "deny_file_unlink") ?:
	      pin_link(st.skel->links.on_cgroup_mkdir, "process", "on_cgroup_mkdir") ?:
	      pin_link(st.skel->links.on_cgroup_rmdir, "process", "on_cgroup_rmdir") ?:
	      mark_containers();
	if (err)
		return err;
	log_debug("process: programs attached in %.1f ms", log_phase_ms(&t0));
	return rb_add(rb, bpf_map__fd(st.skel->maps.proc_events),
		      process_event_cb, &st.ev);
}

static int attach_syscall(int nr, struct diags *d)
{
	struct bpf_program *prog;
	const char *name = syscall_name(nr);
	char tp[96], pin[32];
	int err;

	/* No tracepoint for a syscall this kernel was built without
	 * (init_module with CONFIG_MODULES=n): calls fail with ENOSYS, so
	 * the rule can never trigger; preflight_policy() said so. */
	if (probe_syscall_tp(name, tp, sizeof(tp)) == -ENOENT)
		return 0;
	if (!(prog = lazy_prog(LZ_SYSCALL)))
		return lazy_failed(d, "syscall rules");
	st.sys_links[nr] = bpf_program__attach_tracepoint(prog, "syscalls", tp);
	if (st.sys_links[nr]) {
		snprintf(pin, sizeof(pin), "sys_%d", nr);
		return pin_link(st.sys_links[nr], "process", pin);
	}
	err = -errno;
	diag_add(d, 0, 0, "cannot watch syscall %s (tracepoint syscalls:%s): %s",
		 name, tp, strerror(-err));
	return err;
}

static bool has_file_rules(const struct policy *p)
{
	for (size_t i = 0; p && i < p->nrules; i++)
		if (p->rules[i].files.n)
			return true;
	return false;
}

/* Does p need the ia32 entry's sys_enter (syscall rules, guarded
 * syscalls)? Its sys_exit (file rules decided at open's return)? */
static bool needs_sys32_enter(const struct policy *p)
{
	for (size_t i = 0; p && i < p->nrules; i++)
		if (p->rules[i].nsyscalls)
			return true;
	return p && p->guard_syscalls;
}

static bool needs_sys32_exit(const struct policy *p)
{
	return !st.lsm_active && has_file_rules(p);
}

/* Pinned like the sys_N links, so a restart keeps the ia32 entry closed. */
static int attach_sys32(struct bpf_link **l, enum lazy w,
			const char *pin, struct diags *d)
{
	struct bpf_program *prog;
	int err;

	if (*l)
		return 0;
	if (!(prog = lazy_prog(w)))
		return lazy_failed(d, "the ia32 syscall entry");
	*l = bpf_program__attach(prog);
	if (*l)
		return pin_link(*l, "process", pin);
	err = -errno;
	diag_add(d, 0, 0, "cannot watch the ia32 syscall entry "
		 "(raw_syscalls:%s): %s", pin, strerror(-err));
	return err;
}

static void detach_sys32(struct bpf_link **l, const char *pin)
{
	pin_unlink("process", pin);
	bpf_link__destroy(*l);
	*l = NULL;
}

static int attach_open_fallback(struct diags *d)
{
	struct bpf_program *prog = lazy_prog(LZ_OPEN_EXIT);
	char tp[64];

	if (!prog)
		return lazy_failed(d, "file rules");
	for (size_t i = 0; i < N_OPEN; i++) {
		if (st.open_links[i])
			continue;
		snprintf(tp, sizeof(tp), "sys_exit_%s", open_syscalls[i]);
		st.open_links[i] = bpf_program__attach_tracepoint(prog,
								  "syscalls", tp);
		if (!st.open_links[i] && errno != ENOENT) {
			int err = -errno;

			diag_add(d, 0, 0, "cannot watch %s for file rules: %s",
				 tp, strerror(-err));
			return err;
		}
	}
	/* io_uring ring operations, for file rules without LSM (uring.h);
	 * a kernel built without io_uring has no ring to watch. Asked once
	 * here, not at start: it parses the kernel's whole BTF. */
	if (!st.uring_probed) {
		st.uring_tp = libbpf_find_vmlinux_btf_id("io_uring_submit_req",
							 BPF_TRACE_RAW_TP) > 0;
		st.uring_probed = true;
	}
	if (st.uring_tp && !st.uring_link) {
		if (!(prog = lazy_prog(LZ_URING)))
			return lazy_failed(d, "file rules (io_uring)");
		st.uring_link = bpf_program__attach(prog);
		if (!st.uring_link) {
			int err = -errno;

			diag_add(d, 0, 0, "cannot watch io_uring_submit_req for "
				 "file rules: %s", strerror(-err));
			return err;
		}
	}
	return 0;
}

static void detach_open_fallback(void)
{
	for (size_t i = 0; i < N_OPEN; i++) {
		bpf_link__destroy(st.open_links[i]);
		st.open_links[i] = NULL;
	}
	bpf_link__destroy(st.uring_link);
	st.uring_link = NULL;
}

/* Compile p into generation g and write it there. */
static int write_policy(const struct policy *p, __u32 g, struct diags *d)
{
	struct process_image *img;
	int err = process_compile(p, g, NULL, &img, d);

	if (err) {
		diag_add(d, 0, 0, "cannot compile the process policy: %s",
			 strerror(-err));
		return err;
	}
	process_image_syscalls(img, st.sys_wanted[g]);
	err = process_maps_write(&st.maps, img);
	if (err) {
		process_image_free(img);
		if (err == -ENOSPC)
			diag_add(d, 0, 0, "ancestor rules have named more than %d distinct "
				 "binaries since the agent started; restart it to "
				 "renumber them", ANC_WATCH_MAX);
		else
			diag_add(d, 0, 0, "cannot write the process policy maps: %s",
				 strerror(-err));
		return err;
	}
	process_image_free(st.img[g]);
	st.img[g] = img;	/* kept: what the tamper check compares with */
	return 0;
}

static int prepare_gen(const struct policy *p, __u32 g, struct diags *d)
{
	int err = write_policy(p, g, d);

	if (err)
		return err;
	/* Attach new syscalls before the switch so no window opens. */
	for (int nr = 0; nr < SYSCALL_SLOTS; nr++)
		if (st.sys_wanted[g][nr] && !st.sys_links[nr] && (err = attach_syscall(nr, d)))
			return err;
	if (!st.lsm_active && has_file_rules(p) &&
	    (err = attach_open_fallback(d)))
		return err;
	if (needs_sys32_enter(p) &&
	    (err = attach_sys32(&st.sys32_enter, LZ_SYS32_ENTER,
				"sys_enter", d)))
		return err;
	if (needs_sys32_exit(p) &&
	    (err = attach_sys32(&st.sys32_exit, LZ_SYS32_EXIT,
				"sys_exit", d)))
		return err;
	if (p->guard_syscalls && !st.guard.attached) {
		struct bpf_program *prog = lazy_prog(LZ_GUARD);

		if (!prog)
			return lazy_failed(d, "guarded syscalls");
		err = guard_attach(&st.guard, prog);
	}
	if (err) {
		diag_add(d, 0, 0, "cannot watch the self-protection syscalls: %s",
			 strerror(-err));
		return err;
	}
	return 0;
}

static int process_prepare(const struct policy *p, struct diags *d)
{
	__u32 g;
	/* what this kernel cannot enforce was reported by preflight_policy() */
	int err = gen_stage(&st.gens, &g);

	if (err) {
		diag_add(d, 0, 0, "cannot clear the process policy maps: %s",
			 strerror(-err));
		return err;
	}
	err = prepare_gen(p, g, d);
	if (err) {
		/* the agent aborts only the modules that prepared */
		gen_abort(&st.gens);
		return err;
	}
	st.ev.gen_policy[g] = p;
	st.staged_guard = p->self_protection;
	st.staged_guard_syscalls = p->guard_syscalls;
	st.staged = true;
	return 0;
}

static void detach_unwanted_syscalls(const bool *wanted)
{
	char name[32];

	for (int nr = 0; nr < SYSCALL_SLOTS; nr++) {
		if (wanted[nr])
			continue;
		/* also one an earlier daemon pinned */
		snprintf(name, sizeof(name), "sys_%d", nr);
		pin_unlink("process", name);
		if (st.sys_links[nr]) {
			bpf_link__destroy(st.sys_links[nr]);
			st.sys_links[nr] = NULL;
		}
	}
}

/* Detach what the active policy does not need (after a switch, or after
 * an aborted one attached more). */
static void keep_only_active(void)
{
	__u32 g = gen_active(&st.gens);
	const struct policy *active = st.ev.gen_policy[g];

	if (!active)	/* nothing enforced yet: nothing needed */
		memset(st.sys_wanted[g], 0, sizeof(st.sys_wanted[g]));
	detach_unwanted_syscalls(st.sys_wanted[g]);
	if (!has_file_rules(active))
		detach_open_fallback();
	if (!active || !active->guard_syscalls)
		guard_detach(&st.guard);
	if (!needs_sys32_enter(active))
		detach_sys32(&st.sys32_enter, "sys_enter");
	if (!needs_sys32_exit(active))
		detach_sys32(&st.sys32_exit, "sys_exit");
}

static void process_commit(void)
{
	if (!st.staged)
		return;
	gen_commit(&st.gens);
	guard_set_action(st.skel, st.staged_guard);
	st.skel->bss->guard_syscalls = st.staged_guard_syscalls;
	st.staged = false;
	st.committed = true;
	st.active = gen_active(&st.gens);
	st.active_guard = st.staged_guard;
	keep_only_active();
}

static void process_abort(void)
{
	if (st.staged)
		st.ev.gen_policy[!gen_active(&st.gens)] = NULL;
	gen_abort(&st.gens);
	st.staged = false;
	keep_only_active();
}

/* The .bss switches the agent wrote (active generation, self-protection
 * action); put back if changed. Returns the number that differed. */
static unsigned verify_switches(struct tamper *t)
{
	unsigned n = 0;

	if ((st.skel->bss->active_gen & (POLICY_GENS - 1)) != st.active) {
		__atomic_store_n(&st.skel->bss->active_gen, st.active, __ATOMIC_SEQ_CST);
		n++;
	}
	if (st.skel->bss->guard_action != st.active_guard) {
		guard_set_action(st.skel, st.active_guard);
		n++;
	}
	if (st.skel->bss->wake_bytes != st.wake_bytes) {
		st.skel->bss->wake_bytes = st.wake_bytes;
		n++;
	}
	if (n) {
		t->changed += n;
		snprintf(t->maps + strlen(t->maps), sizeof(t->maps) - strlen(t->maps),
			 "%sprocess_.bss", *t->maps ? "," : "");
	}
	return n;
}

/* Once a second: the active policy is still what the agent wrote. */
static void verify_policy(void)
{
	struct tamper t = { 0 };
	int n;

	if (!st.committed || st.staged || !st.img[st.active])
		return;
	n = process_maps_verify(&st.maps, st.img[st.active], &t);
	if (n < 0) {
		log_warn("cannot verify the process policy maps: %s", strerror(-n));
		return;
	}
	n += verify_switches(&t);
	if (!n)
		return;
	st.tampered += n;
	process_report_tamper(&t);
}

/* The generation switched away from is cleared once no program reads it. */
static void process_tick(void)
{
	gen_tick(&st.gens, "process");
	verify_policy();
}

void process_losses(struct process_losses *l)
{
	int fd = bpf_map__fd(st.skel->maps.proc_losses);

	l->ringbuf_full = percpu_sum(fd, LOSS_RINGBUF_FULL);
	l->proc_map_full = percpu_sum(fd, LOSS_PROC_MAP_FULL);
	l->track_full = percpu_sum(fd, LOSS_TRACK_FULL);
	l->ctr_map_full = percpu_sum(fd, LOSS_CTR_MAP_FULL);
}

static uint64_t process_lost(void)
{
	struct process_losses l;

	process_losses(&l);
	return l.ringbuf_full;
}

static void process_stats(struct jbuf *j)
{
	struct process_losses l;

	process_losses(&l);
	jb_ku64(j, "process_ringbuf_full", l.ringbuf_full);
	jb_ku64(j, "process_table_full", l.proc_map_full);
	jb_ku64(j, "process_track_lost", l.track_full);
	jb_ku64(j, "process_containers_unmarked", l.ctr_map_full);
	jb_kstr(j, "exec_deny_mechanism", st.lsm_active ? "lsm" : "sigkill");
	jb_ku64(j, "process_tampered", st.tampered);
}

static void process_prom_losses(struct prom *p)
{
	struct process_losses l;

	process_losses(&l);
	prom_sample_u64(p, "warden_losses_total", l.ringbuf_full, "module",
			"process", "cause", "ringbuf_full", NULL);
	prom_sample_u64(p, "warden_losses_total", l.proc_map_full, "module",
			"process", "cause", "table_full", NULL);
	prom_sample_u64(p, "warden_losses_total", l.track_full, "module",
			"process", "cause", "track_lost", NULL);
	prom_sample_u64(p, "warden_losses_total", l.ctr_map_full, "module",
			"process", "cause", "containers_unmarked", NULL);
}

/* Set by `warden run`, which keeps events for its report instead. */
void process_set_wake_batch(uint32_t bytes)
{
	st.wake_bytes = bytes;
	if (st.skel)
		st.skel->bss->wake_bytes = bytes;
}

void process_set_event_sink(process_sink_fn fn)
{
	st.ev.sink = fn;
}

static void process_unload(void)
{
	guard_detach(&st.guard);
	detach_open_fallback();
	bpf_link__destroy(st.sys32_enter);
	bpf_link__destroy(st.sys32_exit);
	st.sys32_enter = st.sys32_exit = NULL;
	for (int nr = 0; nr < SYSCALL_SLOTS; nr++) {
		bpf_link__destroy(st.sys_links[nr]);
		st.sys_links[nr] = NULL;
	}
	unload_lazy();
	process_bpf__destroy(st.skel);
	st.skel = NULL;
	for (int g = 0; g < POLICY_GENS; g++) {
		process_image_free(st.img[g]);
		st.img[g] = NULL;
	}
	st.committed = false;
	/* the agent frees the policies next; the sink is the caller's */
	memset(st.ev.gen_policy, 0, sizeof(st.ev.gen_policy));
	jb_free(&st.ev.j);
}

struct module process_module = {
	.name = "process",
	.wanted = always,
	.load = process_load,
	.prepare = process_prepare,
	.commit = process_commit,
	.abort = process_abort,
	.tick = process_tick,
	.stats = process_stats,
	.prom_losses = process_prom_losses,
	.lost = process_lost,
	.unload = process_unload,
};
