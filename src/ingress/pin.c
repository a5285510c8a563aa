/* --pin for the ingress module: each interface's link is pinned as
 * DIR/ingress/links/if<ifindex>_{xdp,tc}, so the filter keeps dropping
 * after the daemon dies. A new daemon takes the pinned XDP link over by
 * swapping its program in (an interface holds one XDP link, so attaching
 * anew would fail, and detaching first would open a gap); a tcx link is
 * attached beside the old one, whose pin it then replaces. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <linux/if_link.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "core/pin.h"
#include "ingress/internal.h"

#define MODULE "ingress"

static bool is_xdp(enum ingress_mode m)
{
	return m != MODE_TC;
}

static void link_name(const struct ingress_attachment *a, char *buf,
		      size_t len)
{
	snprintf(buf, len, "if%u_%s", a->ifindex, is_xdp(a->mode) ? "xdp" : "tc");
}

/* The mode the kernel runs an adopted XDP link in. */
static enum ingress_mode xdp_mode_in_use(__u32 ifindex)
{
	LIBBPF_OPTS(bpf_xdp_query_opts, q);

	if (bpf_xdp_query((int)ifindex, 0, &q) == 0 &&
	    q.attach_mode == XDP_ATTACHED_DRV)
		return MODE_XDP_NATIVE;
	return MODE_XDP_GENERIC;
}

int ingress_pin_adopt(struct ingress_attachment *a, int xdp_prog)
{
	enum ingress_mode in_use;
	char name[32];
	int fd;

	if (!is_xdp(a->mode))
		return -ENOENT;
	link_name(a, name, sizeof(name));
	fd = pin_open_link(MODULE, name);
	if (fd < 0)
		return fd;
	in_use = xdp_mode_in_use(a->ifindex);
	if (a->mode != MODE_XDP && a->mode != in_use) {
		/* the other XDP mode: a holds the link as it is, and the
		 * switch replaces it with one in the mode asked */
		a->link_fd = fd;
		a->mode = in_use;
		a->used = ingress_mode_name(in_use);
		return -EXDEV;
	}
	if (bpf_link_update(fd, xdp_prog, NULL)) {
		int err = -errno;

		close(fd);	/* a link whose interface is gone, say */
		return err;
	}
	a->link_fd = fd;
	a->used = ingress_mode_name(in_use);
	return 0;
}

int ingress_pin_keep(const struct ingress_attachment *a)
{
	char name[32];

	if (a->link_fd < 0)
		return 0;	/* tc-clsact has no link to pin */
	link_name(a, name, sizeof(name));
	return pin_link_fd(a->link_fd, MODULE, name);
}

void ingress_pin_drop(const struct ingress_attachment *a)
{
	char name[32];

	link_name(a, name, sizeof(name));
	pin_unlink(MODULE, name);
}

static void unpin_stale(const char *name, void *ctx)
{
	const struct ingress_state *s = ctx;
	char mine[32];

	for (int i = 0; i < s->natt; i++) {
		link_name(&s->att[i], mine, sizeof(mine));
		if (!strcmp(mine, name))
			return;
	}
	pin_unlink(MODULE, name);
}

void ingress_pin_sweep_stale(const struct ingress_state *s)
{
	pin_each_link(MODULE, unpin_stale, (void *)s);
}

static void count(const char *name, void *ctx)
{
	++*(int *)ctx;
}

bool ingress_pin_any(void)
{
	int n = 0;

	pin_each_link(MODULE, count, &n);
	return n > 0;
}
