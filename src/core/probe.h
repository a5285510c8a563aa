/* Kernel feature probing: which BPF program types, attach points, helpers
 * and maps really load AND attach on the running kernel. Config options and
 * version numbers lie (a kernel may be built with BPF LSM but not enable it,
 * or forbid trampolines by policy), so every probe loads a tiny program and
 * attaches it where that makes sense, then undoes everything it did. */
#ifndef WARDEN_PROBE_H
#define WARDEN_PROBE_H
#include <stdbool.h>
#include <stddef.h>

enum probe_feature {
	PF_LSM,			/* lsm/bprm_check_security loads, attaches, "bpf" LSM active */
	PF_FENTRY,		/* fentry on a common kernel function (trampolines) */
	PF_KPROBE,		/* kprobe via the perf kprobe PMU */
	PF_TRACEPOINT,		/* tp/sched/sched_process_exec */
	PF_RAW_TP,		/* raw_tp/sched_process_exec */
	PF_TP_BTF,		/* tp_btf/sched_process_exec */
	PF_CGROUP_SOCK_ADDR,	/* cgroup/connect4 on a scratch cgroup */
	/* Not PF_XDP: <sys/socket.h> defines that as the AF_XDP protocol
	 * family (44), which would silently turn ok[PF_XDP] into ok[44]. */
	PF_XDP_PROG,		/* XDP loads; generic attach through a BPF link on lo */
	PF_TCX,			/* tcx ingress link on lo (kernel 6.6+) */
	PF_RINGBUF,		/* BPF_MAP_TYPE_RINGBUF */
	PF_SEND_SIGNAL,		/* bpf_send_signal() from a tracepoint program */
	PF_LPM_TRIE,		/* BPF_MAP_TYPE_LPM_TRIE */
	PF__COUNT
};

struct probe_result {
	bool ok[PF__COUNT];
	/* Why a feature is missing ("load: EPERM", "attach: EINVAL", ...);
	 * when ok, an optional note ("generic mode on lo") or empty. */
	char why[PF__COUNT][96];
};

/* Run every probe once; later calls copy the cached result. Returns 0, or
 * a negative errno if the probing itself could not run. */
int probe_run(struct probe_result *r);
/* Probe (and cache) a single feature. */
bool probe_has(enum probe_feature f);
/* Why f is missing (after probe_has(f) or probe_run), or "". */
const char *probe_why(enum probe_feature f);
/* 0 when tracepoint category:name exists, -ENOENT when it does not,
 * -ENODEV when tracefs is not mounted (nothing can be told). */
int probe_tracepoint_exists(const char *category, const char *name);
/* The sys_enter tracepoint of a syscall into tp ("sys_enter_umount" for
 * umount2: some have the kernel function's name), and 0; or as
 * probe_tracepoint_exists, with tp the name it would have. */
int probe_syscall_tp(const char *syscall, char *tp, size_t len);
/* "lsm", "fentry", ...: the names used in text and JSON output. */
const char *probe_feature_name(enum probe_feature f);
#endif
