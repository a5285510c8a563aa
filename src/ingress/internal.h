/* What the ingress module's own files share: its state, handed to the
 * ring-buffer callback as its context. */
#ifndef WARDEN_INGRESS_INTERNAL_H
#define WARDEN_INGRESS_INTERNAL_H
#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>
#include "core/generation.h"
#include "ingress/attach.h"
#include "ingress/ingress.h"
#include "ingress/maps.h"
#include "lib/json.h"

#define INGRESS_MAX_ATTACH	64

struct policy;

/* What one generation of the maps holds. */
struct ingress_gen {
	const struct policy *p;
	struct ingress_compiled c;
	__u32 *ifindex;		/* per compiled interface */
};

struct ingress_state {
	struct ingress_bpf *skel;
	struct ingress_maps maps;
	struct generation gen;
	struct ingress_gen gens[INGRESS_GENS];
	struct ingress_attachment att[INGRESS_MAX_ATTACH];
	bool deferred[INGRESS_MAX_ATTACH];	/* attach at commit (XDP mode swap) */
	int natt;
	bool sweep[INGRESS_GENS];	/* adopted from a pin: remove all of it */
	struct jbuf event;		/* the drop event being written */
};

/* Ring buffer callback for struct ingress_event; ctx is the state. */
int ingress_event_cb(void *ctx, void *data, size_t size);
/* Name of rule id in generation gen. */
const char *ingress_gen_rule_name(const struct ingress_state *s, __u32 gen,
				  __u32 id, char *buf, size_t len);

/* --pin (pin.c): take over the XDP link an earlier daemon pinned for a
 * (0, or -errno: none to take; -EXDEV: it runs in the other XDP mode,
 * and a now holds it as it is); pin a's link; remove a's pin; remove the
 * pins of interfaces no attachment names; are any pinned at all? */
int ingress_pin_adopt(struct ingress_attachment *a, int xdp_prog);
int ingress_pin_keep(const struct ingress_attachment *a);
void ingress_pin_drop(const struct ingress_attachment *a);
void ingress_pin_sweep_stale(const struct ingress_state *s);
bool ingress_pin_any(void);
#endif
