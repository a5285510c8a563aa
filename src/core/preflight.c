/* What must hold before any BPF program can load, checked once at the
 * top so a user gets one line naming what is missing. */
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <sys/mount.h>
#include "lib/log.h"
#include "core/preflight.h"

/* Tracepoint ids are read from tracefs: mount it if nobody has. */
static void ensure_tracefs(void)
{
	if (access("/sys/kernel/tracing/events", F_OK) == 0 ||
	    access("/sys/kernel/debug/tracing/events", F_OK) == 0)
		return;
	if (mount("tracefs", "/sys/kernel/tracing", "tracefs", 0, NULL))
		log_warn("tracefs is not mounted and mounting it failed (%s): "
			 "syscall rules cannot attach", strerror(errno));
}

int check_can_load_bpf(void)
{
	if (geteuid() != 0) {
		log_err("must run as root: loading BPF programs needs "
			"CAP_BPF, CAP_PERFMON and CAP_SYS_ADMIN");
		return -EPERM;
	}
	if (access("/sys/kernel/btf/vmlinux", R_OK) != 0) {
		log_err("this kernel exposes no BTF (/sys/kernel/btf/vmlinux); "
			"warden's CO-RE programs need CONFIG_DEBUG_INFO_BTF=y");
		return -ENOENT;
	}
	ensure_tracefs();
	return 0;
}
