/* Attaching the ingress program to an interface in the mode asked for,
 * reporting the mode in use, and detaching so the interface is left as it
 * was found: links (XDP, tcx) go away with their fd; a clsact qdisc is
 * removed only if we created it. */
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <linux/if_link.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "ingress/attach.h"
#include "lib/log.h"

static int attach_xdp(struct ingress_attachment *a, int prog, __u32 flags)
{
	LIBBPF_OPTS(bpf_link_create_opts, o, .flags = flags);
	int fd = bpf_link_create(prog, (int)a->ifindex, BPF_XDP, &o);

	if (fd < 0)
		return -errno;
	a->link_fd = fd;
	a->used = flags == XDP_FLAGS_DRV_MODE ? "xdp-native" : "xdp-generic";
	return 0;
}

static int attach_tc_legacy(struct ingress_attachment *a, int prog)
{
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = (int)a->ifindex,
		    .attach_point = BPF_TC_INGRESS);
	LIBBPF_OPTS(bpf_tc_opts, o, .prog_fd = prog);
	int err = bpf_tc_hook_create(&hook);

	if (err && err != -EEXIST)
		return err;
	a->own_qdisc = !err;
	err = bpf_tc_attach(&hook, &o);
	if (err) {
		if (a->own_qdisc)
			bpf_tc_hook_destroy(&hook);
		a->own_qdisc = false;
		return err;
	}
	a->tc_handle = o.handle;
	a->tc_priority = o.priority;
	a->used = "tc-clsact";
	return 0;
}

static int attach_tc(struct ingress_attachment *a, int prog)
{
	int fd = bpf_link_create(prog, (int)a->ifindex, BPF_TCX_INGRESS, NULL);

	if (fd >= 0) {
		a->link_fd = fd;
		a->used = "tcx";
		return 0;
	}
	/* kernels before 6.6 have no tcx */
	return attach_tc_legacy(a, prog);
}

int ingress_attach(struct ingress_attachment *a, int xdp_prog, int tc_prog)
{
	int err;

	a->link_fd = -1;
	switch (a->mode) {
	case MODE_XDP_NATIVE:
		return attach_xdp(a, xdp_prog, XDP_FLAGS_DRV_MODE);
	case MODE_XDP_GENERIC:
		return attach_xdp(a, xdp_prog, XDP_FLAGS_SKB_MODE);
	case MODE_TC:
		return attach_tc(a, tc_prog);
	case MODE_XDP:
		err = attach_xdp(a, xdp_prog, XDP_FLAGS_DRV_MODE);
		if (err == -EOPNOTSUPP || err == -EINVAL)
			err = attach_xdp(a, xdp_prog, XDP_FLAGS_SKB_MODE);
		return err;
	}
	return -EINVAL;
}

void ingress_detach(struct ingress_attachment *a)
{
	if (a->link_fd >= 0) {
		close(a->link_fd);
	} else if (a->used && !strcmp(a->used, "tc-clsact")) {
		LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = (int)a->ifindex,
			    .attach_point = BPF_TC_INGRESS);
		LIBBPF_OPTS(bpf_tc_opts, o, .handle = a->tc_handle,
			    .priority = a->tc_priority);

		bpf_tc_detach(&hook, &o);
		if (a->own_qdisc) {
			hook.attach_point = BPF_TC_INGRESS | BPF_TC_EGRESS;
			bpf_tc_hook_destroy(&hook);
		}
	}
	a->link_fd = -1;
	a->used = NULL;
	a->own_qdisc = false;
}
