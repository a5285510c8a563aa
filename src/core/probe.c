/* Kernel feature probing with hand-built instructions: no BPF object, no
 * skeleton, so a probe cannot fail for a reason unrelated to the feature
 * (a relocation, a missing map type in the same object, ...). Each probe
 * loads a program of two or three instructions, attaches it where the
 * feature is about attaching, and closes every fd it opened. */
#include "core/probe.h"
#include "lib/cgroup.h"
#include "lib/log.h"

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <fcntl.h>
#include <limits.h>
#include <net/if.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <linux/bpf.h>
#include <linux/if_link.h>
#include <linux/perf_event.h>

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

/* The tracepoint every hooking probe uses: present since 3.x, and the one
 * warden's exec monitoring needs anyway. */
#define PROBE_TP_CAT	"sched"
#define PROBE_TP_NAME	"sched_process_exec"
/* A kernel function that exists, is traceable and is not inlined on every
 * kernel warden targets (5.x .. 6.18). */
#define PROBE_KFUNC	"vfs_read"
#define PROBE_LSM_HOOK	"bprm_check_security"

static const char *const feature_names[PF__COUNT] = {
	[PF_LSM] = "lsm",
	[PF_FENTRY] = "fentry",
	[PF_KPROBE] = "kprobe",
	[PF_TRACEPOINT] = "tracepoint",
	[PF_RAW_TP] = "raw_tp",
	[PF_TP_BTF] = "tp_btf",
	[PF_CGROUP_SOCK_ADDR] = "cgroup_sock_addr",
	[PF_XDP_PROG] = "xdp",
	[PF_TCX] = "tcx",
	[PF_RINGBUF] = "ringbuf",
	[PF_SEND_SIGNAL] = "send_signal",
	[PF_LPM_TRIE] = "lpm_trie",
};

const char *probe_feature_name(enum probe_feature f)
{
	if ((unsigned int)f >= PF__COUNT)
		return "?";
	return feature_names[f];
}

/* ---- small helpers ------------------------------------------------------ */

/* Write "what: ENAME" into the feature's reason; err is a negative errno. */
static void set_why(struct probe_result *r, enum probe_feature f,
		    const char *what, int err)
{
	const char *name = strerrorname_np(-err);

	if (name)
		snprintf(r->why[f], sizeof(r->why[f]), "%s: %s", what, name);
	else
		snprintf(r->why[f], sizeof(r->why[f]), "%s: errno %d", what, -err);
}

static void set_note(struct probe_result *r, enum probe_feature f,
		     const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void set_note(struct probe_result *r, enum probe_feature f,
		     const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(r->why[f], sizeof(r->why[f]), fmt, ap);
	va_end(ap);
}

static void close_fd(int fd)
{
	if (fd >= 0)
		close(fd);
}

#define INSN(c, d, s, o, i) \
	((struct bpf_insn){ .code = (c), .dst_reg = (d), .src_reg = (s), \
			    .off = (o), .imm = (i) })
#define MOV64_IMM(d, i)	INSN(BPF_ALU64 | BPF_MOV | BPF_K, d, 0, 0, i)
#define CALL(fn)	INSN(BPF_JMP | BPF_CALL, 0, 0, 0, fn)
#define EXIT()		INSN(BPF_JMP | BPF_EXIT, 0, 0, 0, 0)

/* Load "r0 = ret; exit". Returns the prog fd or a negative errno. */
static int load_ret(enum bpf_prog_type type, enum bpf_attach_type eat,
		    __u32 btf_id, int ret)
{
	const struct bpf_insn insns[] = { MOV64_IMM(BPF_REG_0, ret), EXIT() };
	LIBBPF_OPTS(bpf_prog_load_opts, opts,
		    .expected_attach_type = eat,
		    .attach_btf_id = btf_id);

	return bpf_prog_load(type, "warden_probe", "GPL", insns,
			     sizeof(insns) / sizeof(insns[0]), &opts);
}

/* Attach a BTF-based program (fentry, tp_btf, lsm). BPF links for these
 * arrived in 5.11; older kernels only know raw_tracepoint_open. */
static int attach_btf_prog(int prog_fd, enum bpf_attach_type type)
{
	int fd = bpf_link_create(prog_fd, 0, type, NULL);

	if (fd == -EINVAL)
		fd = bpf_raw_tracepoint_open(NULL, prog_fd);
	return fd;
}

/* Hook a program to a perf event: a BPF link on 5.15+, else the ioctl. */
static int attach_perf_event(int prog_fd, int pfd)
{
	int fd = bpf_link_create(prog_fd, pfd, BPF_PERF_EVENT, NULL);

	if (fd >= 0) {
		close(fd);
		return 0;
	}
	if (ioctl(pfd, PERF_EVENT_IOC_SET_BPF, prog_fd) < 0)
		return -errno;
	return 0;
}

static int perf_open(struct perf_event_attr *attr)
{
	int fd = syscall(SYS_perf_event_open, attr, -1 /* any pid */, 0 /* cpu */,
			 -1, PERF_FLAG_FD_CLOEXEC);

	return fd < 0 ? -errno : fd;
}

/* Read one unsigned number from a sysfs/tracefs file. */
static int read_u32_file(const char *path, __u32 *val)
{
	unsigned int v;
	FILE *f = fopen(path, "re");
	int n;

	if (!f)
		return -errno;
	n = fscanf(f, "%u", &v);
	fclose(f);
	if (n != 1)
		return -EINVAL;
	*val = v;
	return 0;
}

/* Make sure a pseudo file system is mounted at path. Returns 1 if this call
 * mounted it (the caller unmounts it again: probing leaves no trace), 0 if
 * it was already there, or a negative errno. */
static int ensure_mounted(const char *path, const char *fstype,
			  const char *probe_file)
{
	char file[256];

	snprintf(file, sizeof(file), "%s/%s", path, probe_file);
	if (access(file, F_OK) == 0)
		return 0;
	if (mount(fstype, path, fstype, 0, NULL) < 0)
		return -errno;
	return 1;
}

/* ---- BTF ids ------------------------------------------------------------ */

/* Loaded on first use during one probe_run(), freed at its end. */
static struct btf *probe_btf;
static bool probe_btf_tried;

static struct btf *vmlinux_btf(void)
{
	if (!probe_btf_tried) {
		probe_btf_tried = true;
		probe_btf = btf__load_vmlinux_btf();	/* NULL + errno if none */
	}
	return probe_btf;
}

static void vmlinux_btf_free(void)
{
	btf__free(probe_btf);
	probe_btf = NULL;
	probe_btf_tried = false;
}

/* BTF id of name with the given kind, or a negative errno. */
static int btf_id_of(const char *name, __u32 kind)
{
	struct btf *btf = vmlinux_btf();

	if (!btf)
		return -ENOENT;
	return btf__find_by_name_kind(btf, name, kind);
}

/* ---- the probes ----------------------------------------------------------
 * Each returns 0 when the feature works, else a negative errno after
 * writing the reason with set_why(). */

/* "bpf" must be in the active LSM list, or attached programs never run:
 * a kernel built with CONFIG_BPF_LSM but booted without lsm=...,bpf loads
 * and attaches LSM programs happily and then ignores them. */
static int lsm_active(void)
{
	const char *dir = "/sys/kernel/security";
	char buf[512], *tok, *save;
	int mounted, found = 0;
	FILE *f;
	size_t n;

	mounted = ensure_mounted(dir, "securityfs", "lsm");
	if (mounted < 0)
		return mounted;
	f = fopen("/sys/kernel/security/lsm", "re");
	if (!f) {
		found = -errno;
		goto out;
	}
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	for (tok = strtok_r(buf, ",\n", &save); tok; tok = strtok_r(NULL, ",\n", &save))
		if (strcmp(tok, "bpf") == 0)
			found = 1;
out:
	if (mounted == 1)
		umount2(dir, MNT_DETACH);
	return found;
}

static int probe_lsm(struct probe_result *r)
{
	int id, prog, link, active;

	id = btf_id_of("bpf_lsm_" PROBE_LSM_HOOK, BTF_KIND_FUNC);
	if (id < 0) {
		set_why(r, PF_LSM, "btf bpf_lsm_" PROBE_LSM_HOOK, id);
		return id;
	}
	prog = load_ret(BPF_PROG_TYPE_LSM, BPF_LSM_MAC, id, 0);
	if (prog < 0) {
		set_why(r, PF_LSM, "load", prog);
		return prog;
	}
	link = attach_btf_prog(prog, BPF_LSM_MAC);
	close(prog);
	if (link < 0) {
		set_why(r, PF_LSM, "attach", link);
		return link;
	}
	close(link);
	active = lsm_active();
	if (active < 0) {
		set_why(r, PF_LSM, "read /sys/kernel/security/lsm", active);
		return active;
	}
	if (!active) {
		set_note(r, PF_LSM, "\"bpf\" not in active LSMs (boot with lsm=...,bpf)");
		return -ENOENT;
	}
	return 0;
}

/* Shared by fentry and tp_btf: both are BPF_PROG_TYPE_TRACING programs
 * bound to a BTF id, but a kernel may allow one and refuse the other
 * (trampolines can be forbidden while BTF tracepoints are not). */
static int probe_tracing(struct probe_result *r, enum probe_feature f,
			 const char *btf_name, __u32 kind,
			 enum bpf_attach_type type)
{
	int id, prog, link;

	id = btf_id_of(btf_name, kind);
	if (id < 0) {
		set_why(r, f, "no BTF for target", id);
		return id;
	}
	prog = load_ret(BPF_PROG_TYPE_TRACING, type, id, 0);
	if (prog < 0) {
		set_why(r, f, "load", prog);
		return prog;
	}
	link = attach_btf_prog(prog, type);
	close(prog);
	if (link < 0) {
		set_why(r, f, "attach", link);
		return link;
	}
	close(link);
	return 0;
}

static int probe_fentry(struct probe_result *r)
{
	return probe_tracing(r, PF_FENTRY, PROBE_KFUNC, BTF_KIND_FUNC,
			     BPF_TRACE_FENTRY);
}

static int probe_tp_btf(struct probe_result *r)
{
	return probe_tracing(r, PF_TP_BTF, "btf_trace_" PROBE_TP_NAME,
			     BTF_KIND_TYPEDEF, BPF_TRACE_RAW_TP);
}

/* kprobes through the perf "kprobe" PMU (4.17+); no PMU means the kernel
 * was built without CONFIG_KPROBES, or it is too old to matter. */
static int probe_kprobe(struct probe_result *r)
{
	struct perf_event_attr attr = { .size = sizeof(attr) };
	__u32 type;
	int prog, pfd, err;

	err = read_u32_file("/sys/bus/event_source/devices/kprobe/type", &type);
	if (err) {
		set_why(r, PF_KPROBE, "no kprobe PMU", err);
		return err;
	}
	prog = load_ret(BPF_PROG_TYPE_KPROBE, 0, 0, 0);
	if (prog < 0) {
		set_why(r, PF_KPROBE, "load", prog);
		return prog;
	}
	attr.type = type;
	attr.config1 = (__u64)(unsigned long)PROBE_KFUNC;	/* function name */
	attr.config2 = 0;					/* offset */
	pfd = perf_open(&attr);
	if (pfd < 0) {
		close(prog);
		set_why(r, PF_KPROBE, "perf_event_open " PROBE_KFUNC, pfd);
		return pfd;
	}
	err = attach_perf_event(prog, pfd);
	close(pfd);
	close(prog);
	if (err)
		set_why(r, PF_KPROBE, "attach", err);
	return err;
}

/* The tracepoint's perf id from tracefs, mounting tracefs if needed. */
static int tracepoint_id(__u32 *id)
{
	static const char *const dirs[] = { "/sys/kernel/tracing",
					    "/sys/kernel/debug/tracing" };
	const char *rel = "events/" PROBE_TP_CAT "/" PROBE_TP_NAME "/id";
	char path[256];
	int mounted, err = -ENOENT;
	size_t i;

	for (i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", dirs[i], rel);
		err = read_u32_file(path, id);
		if (!err)
			return 0;
	}
	/* Not mounted anywhere: mount tracefs for the read only. */
	mounted = ensure_mounted(dirs[0], "tracefs", "events");
	if (mounted < 0)
		return mounted;
	snprintf(path, sizeof(path), "%s/%s", dirs[0], rel);
	err = read_u32_file(path, id);
	if (mounted == 1)
		umount2(dirs[0], MNT_DETACH);
	return err;
}

static int probe_tracepoint(struct probe_result *r)
{
	struct perf_event_attr attr = {
		.size = sizeof(attr),
		.type = PERF_TYPE_TRACEPOINT,
		.sample_period = 1,
		.wakeup_events = 1,
	};
	__u32 id;
	int prog, pfd, err;

	err = tracepoint_id(&id);
	if (err) {
		set_why(r, PF_TRACEPOINT, "tracefs " PROBE_TP_NAME " id", err);
		return err;
	}
	prog = load_ret(BPF_PROG_TYPE_TRACEPOINT, 0, 0, 0);
	if (prog < 0) {
		set_why(r, PF_TRACEPOINT, "load", prog);
		return prog;
	}
	attr.config = id;
	pfd = perf_open(&attr);
	if (pfd < 0) {
		close(prog);
		set_why(r, PF_TRACEPOINT, "perf_event_open", pfd);
		return pfd;
	}
	err = attach_perf_event(prog, pfd);
	close(pfd);
	close(prog);
	if (err)
		set_why(r, PF_TRACEPOINT, "attach", err);
	return err;
}

static int probe_raw_tp(struct probe_result *r)
{
	int prog, link;

	prog = load_ret(BPF_PROG_TYPE_RAW_TRACEPOINT, 0, 0, 0);
	if (prog < 0) {
		set_why(r, PF_RAW_TP, "load", prog);
		return prog;
	}
	link = bpf_raw_tracepoint_open(PROBE_TP_NAME, prog);
	close(prog);
	if (link < 0) {
		set_why(r, PF_RAW_TP, "attach", link);
		return link;
	}
	close(link);
	return 0;
}

/* Attach connect4 to a fresh, empty child cgroup, so the probe cannot
 * touch a single real connection, then remove the cgroup. */
static int probe_cgroup_sock_addr(struct probe_result *r)
{
	const char *root = cgroup2_root();
	char cg[PATH_MAX];
	int prog, cgfd, link, err;

	if (!root) {
		set_why(r, PF_CGROUP_SOCK_ADDR, "no cgroup2 mount", -ENOENT);
		return -ENOENT;
	}
	prog = load_ret(BPF_PROG_TYPE_CGROUP_SOCK_ADDR, BPF_CGROUP_INET4_CONNECT,
			0, 1 /* allow */);
	if (prog < 0) {
		set_why(r, PF_CGROUP_SOCK_ADDR, "load", prog);
		return prog;
	}
	snprintf(cg, sizeof(cg), "%s/warden-probe.%d", root, (int)getpid());
	if (mkdir(cg, 0700) < 0 && errno != EEXIST) {
		err = -errno;
		close(prog);
		set_why(r, PF_CGROUP_SOCK_ADDR, "mkdir cgroup", err);
		return err;
	}
	cgfd = open(cg, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (cgfd < 0) {
		err = -errno;
		goto out;
	}
	link = bpf_link_create(prog, cgfd, BPF_CGROUP_INET4_CONNECT, NULL);
	if (link == -EINVAL) {	/* no cgroup links before 5.7 */
		err = bpf_prog_attach(prog, cgfd, BPF_CGROUP_INET4_CONNECT, 0);
		if (!err)
			bpf_prog_detach2(prog, cgfd, BPF_CGROUP_INET4_CONNECT);
	} else {
		err = link < 0 ? link : 0;
		close_fd(link);
	}
	close(cgfd);
out:
	close(prog);
	rmdir(cg);
	if (err)
		set_why(r, PF_CGROUP_SOCK_ADDR, "attach", err);
	return err;
}

/* XDP: the program must load, and a generic-mode BPF link must attach to
 * lo (a scratch namespace's: in_scratch_netns). Native mode depends on the NIC driver, which is a per-interface
 * question the loader answers when it attaches for real. */
static int probe_xdp_here(struct probe_result *r)
{
	LIBBPF_OPTS(bpf_link_create_opts, opts, .flags = XDP_FLAGS_SKB_MODE);
	int prog, link, lo;

	prog = load_ret(BPF_PROG_TYPE_XDP, BPF_XDP, 0, XDP_PASS);
	if (prog < 0) {
		set_why(r, PF_XDP_PROG, "load", prog);
		return prog;
	}
	lo = if_nametoindex("lo");
	if (!lo) {
		close(prog);
		set_note(r, PF_XDP_PROG, "loads; no lo to test attach");
		return 0;
	}
	link = bpf_link_create(prog, lo, BPF_XDP, &opts);
	close(prog);
	if (link == -EBUSY || link == -EEXIST) {
		/* cannot happen on a fresh lo; kept for a kernel that says so */
		set_note(r, PF_XDP_PROG, "loads; lo busy, link not tried");
		return 0;
	}
	if (link < 0) {
		set_why(r, PF_XDP_PROG, "link attach (generic, lo)", link);
		return link;
	}
	close(link);
	set_note(r, PF_XDP_PROG, "generic link on a scratch netns's lo; native depends on the driver");
	return 0;
}

/* tcx: a BPF link on lo's ingress that returns TCX_NEXT, so even while it
 * is attached it passes every packet on to whatever comes after it. */
static int probe_tcx_here(struct probe_result *r)
{
	int prog, link, lo;

	prog = load_ret(BPF_PROG_TYPE_SCHED_CLS, BPF_TCX_INGRESS, 0, -1 /* TCX_NEXT */);
	if (prog < 0) {
		set_why(r, PF_TCX, "load", prog);
		return prog;
	}
	lo = if_nametoindex("lo");
	if (!lo) {
		close(prog);
		set_why(r, PF_TCX, "no lo interface", -ENODEV);
		return -ENODEV;
	}
	link = bpf_link_create(prog, lo, BPF_TCX_INGRESS, NULL);
	close(prog);
	if (link < 0) {
		set_why(r, PF_TCX, "link attach (lo ingress)", link);
		return link;
	}
	close(link);
	return 0;
}

/* The attach probes run on the lo of a network namespace of their own,
 * made for the probe by a thread of its own (a namespace is per thread),
 * so not even for a moment does a probe program sit on the host's lo. */
struct netns_probe {
	int (*fn)(struct probe_result *r);
	struct probe_result *r;
	int err;
	bool no_netns;		/* err is unshare's, not the probe's */
};

static void *netns_probe_thread(void *arg)
{
	struct netns_probe *np = arg;

	if (unshare(CLONE_NEWNET)) {
		np->err = -errno;
		np->no_netns = true;
	} else
		np->err = np->fn(np->r);
	return NULL;
}

static int in_scratch_netns(int (*fn)(struct probe_result *r),
			    struct probe_result *r, enum probe_feature f)
{
	struct netns_probe np = { .fn = fn, .r = r };
	pthread_t t;
	int err = pthread_create(&t, NULL, netns_probe_thread, &np);

	if (err) {
		set_why(r, f, "thread for a scratch network namespace", -err);
		return -err;
	}
	pthread_join(t, NULL);
	if (np.no_netns)
		set_why(r, f, "scratch network namespace (unshare)", np.err);
	return np.err;
}

static int probe_xdp(struct probe_result *r)
{
	return in_scratch_netns(probe_xdp_here, r, PF_XDP_PROG);
}

static int probe_tcx(struct probe_result *r)
{
	return in_scratch_netns(probe_tcx_here, r, PF_TCX);
}

static int probe_map(struct probe_result *r, enum probe_feature f,
		     enum bpf_map_type type, __u32 key, __u32 val, __u32 max,
		     __u32 flags)
{
	LIBBPF_OPTS(bpf_map_create_opts, opts, .map_flags = flags);
	int fd = bpf_map_create(type, "warden_probe", key, val, max, &opts);

	if (fd < 0) {
		set_why(r, f, "map create", fd);
		return fd;
	}
	close(fd);
	return 0;
}

static int probe_ringbuf(struct probe_result *r)
{
	long page = sysconf(_SC_PAGESIZE);

	return probe_map(r, PF_RINGBUF, BPF_MAP_TYPE_RINGBUF, 0, 0,
			 page > 0 ? page : 4096, 0);
}

static int probe_lpm_trie(struct probe_result *r)
{
	/* key: 32-bit prefix length + an IPv4 address */
	return probe_map(r, PF_LPM_TRIE, BPF_MAP_TYPE_LPM_TRIE, 8, 4, 1,
			 BPF_F_NO_PREALLOC);
}

/* The verifier rejects a helper call the program type may not make, so a
 * successful load is the answer; the program is never attached. */
static int probe_send_signal(struct probe_result *r)
{
	const struct bpf_insn insns[] = {
		MOV64_IMM(BPF_REG_1, SIGKILL),
		CALL(BPF_FUNC_send_signal),
		MOV64_IMM(BPF_REG_0, 0),
		EXIT(),
	};
	int prog = bpf_prog_load(BPF_PROG_TYPE_TRACEPOINT, "warden_probe", "GPL",
				 insns, sizeof(insns) / sizeof(insns[0]), NULL);

	if (prog < 0) {
		set_why(r, PF_SEND_SIGNAL, "load", prog);
		return prog;
	}
	close(prog);
	return 0;
}

/* ---- driver ------------------------------------------------------------- */

typedef int (*probe_fn)(struct probe_result *r);

static const probe_fn probes[PF__COUNT] = {
	[PF_LSM] = probe_lsm,
	[PF_FENTRY] = probe_fentry,
	[PF_KPROBE] = probe_kprobe,
	[PF_TRACEPOINT] = probe_tracepoint,
	[PF_RAW_TP] = probe_raw_tp,
	[PF_TP_BTF] = probe_tp_btf,
	[PF_CGROUP_SOCK_ADDR] = probe_cgroup_sock_addr,
	[PF_XDP_PROG] = probe_xdp,
	[PF_TCX] = probe_tcx,
	[PF_RINGBUF] = probe_ringbuf,
	[PF_SEND_SIGNAL] = probe_send_signal,
	[PF_LPM_TRIE] = probe_lpm_trie,
};

static struct probe_result cache;
static bool cache_valid;
static bool feature_known[PF__COUNT];

/* One feature only: what a module needs at load, without the cost of the
 * whole table (BTF parsing, scratch cgroups, XDP on lo). */
bool probe_has(enum probe_feature f)
{
	if (cache_valid || feature_known[f])
		return cache.ok[f];
	log_libbpf_quiet(true);
	cache.ok[f] = probes[f](&cache) == 0;
	vmlinux_btf_free();
	log_libbpf_quiet(false);
	feature_known[f] = true;
	return cache.ok[f];
}

const char *probe_why(enum probe_feature f)
{
	return cache.why[f];
}

/* ---- tracepoints a policy names ----------------------------------------- */

int probe_tracepoint_exists(const char *category, const char *name)
{
	static const char *const dirs[] = { "/sys/kernel/tracing",
					    "/sys/kernel/debug/tracing" };
	bool tracefs = false;
	char path[256];

	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		snprintf(path, sizeof(path), "%s/events", dirs[i]);
		if (access(path, F_OK))
			continue;
		tracefs = true;
		snprintf(path, sizeof(path), "%s/events/%s/%s", dirs[i],
			 category, name);
		if (access(path, F_OK) == 0)
			return 0;
	}
	return tracefs ? -ENOENT : -ENODEV;
}

/* Syscalls whose tracepoint has the name of the kernel function rather
 * than the syscall's: the ABI kept an old name for a newer call. */
static const struct {
	const char *syscall, *tp;
} tp_aliases[] = {
	{ "stat", "sys_enter_newstat" },
	{ "lstat", "sys_enter_newlstat" },
	{ "fstat", "sys_enter_newfstat" },
	{ "uname", "sys_enter_newuname" },
	{ "umount2", "sys_enter_umount" },
	{ "sendfile", "sys_enter_sendfile64" },
};

int probe_syscall_tp(const char *syscall, char *tp, size_t len)
{
	for (size_t i = 0; i < sizeof(tp_aliases) / sizeof(tp_aliases[0]); i++) {
		if (strcmp(syscall, tp_aliases[i].syscall))
			continue;
		snprintf(tp, len, "%s", tp_aliases[i].tp);
		if (probe_tracepoint_exists("syscalls", tp) == 0)
			return 0;
	}
	snprintf(tp, len, "sys_enter_%s", syscall);
	return probe_tracepoint_exists("syscalls", tp);
}

int probe_run(struct probe_result *r)
{
	int f;

	if (!cache_valid) {
		/* Failing probes are the point here: keep libbpf quiet. */
		log_libbpf_quiet(true);
		memset(&cache, 0, sizeof(cache));
		for (f = 0; f < PF__COUNT; f++)
			cache.ok[f] = probes[f](&cache) == 0;
		vmlinux_btf_free();
		log_libbpf_quiet(false);
		cache_valid = true;
	}
	if (r)
		*r = cache;
	return 0;
}
