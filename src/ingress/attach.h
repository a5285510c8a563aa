/* One interface's filter attachment. */
#ifndef WARDEN_INGRESS_ATTACH_H
#define WARDEN_INGRESS_ATTACH_H
#include <stdbool.h>
#include "ingress/ingress.h"

struct ingress_attachment {
	char name[16];
	__u32 ifindex;
	enum ingress_mode mode;	/* asked for */
	const char *used;	/* in use: xdp-native, xdp-generic, tcx, tc-clsact */
	int link_fd;		/* XDP or tcx link; -1 for tc-clsact */
	__u32 tc_handle, tc_priority;
	bool own_qdisc;		/* we created clsact: remove it at detach */
	bool in_active, in_staged;
};

/* Attach in a->mode (a->ifindex set); fills link and used. -errno. */
int ingress_attach(struct ingress_attachment *a, int xdp_prog, int tc_prog);
void ingress_detach(struct ingress_attachment *a);
#endif
