/* The ingress module: loads bpf/ingress.bpf.c, writes each policy into the
 * generation not in use, attaches to the interfaces the policy names and
 * flips the generation at commit. The old generation is cleared a tick
 * later, when no packet can still be using it. */
#include <errno.h>
#include <net/if.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <bpf/bpf.h>
#include "ingress/ingress.h"
#include "ingress/attach.h"
#include "ingress/maps.h"
#include "ingress/internal.h"
#include "lib/log.h"
#include "lib/percpu.h"
#include "core/module.h"
#include "policy/policy.h"
#include "ingress.skel.h"

#define MAX_ATTACH	64

struct gen_state {
	const struct policy *p;
	struct ingress_compiled c;
	__u32 *ifindex;		/* per compiled interface */
};

static struct ingress_bpf *skel;
static struct ingress_maps maps;
static struct ingress_attachment att[MAX_ATTACH];
static bool deferred[MAX_ATTACH];	/* attach at commit (XDP mode swap) */
static int natt;
static struct gen_state gens[INGRESS_GENS];
static __u32 staged_gen;
static bool staged, clear_pending;

static bool wanted(const struct policy *p)
{
	return p->ingress != NULL;
}

static __u32 active_gen(void)
{
	return skel->bss->active_gen & 1;
}

static int ingress_load(struct ring_buffer **rb)
{
	int err;

	skel = ingress_bpf__open_and_load();
	if (!skel) {
		err = -errno;
		log_err("loading the ingress filter programs failed: %s; run "
			"with -vv for the verifier log", strerror(-err));
		return err;
	}
	maps = (struct ingress_maps){
		.cfg = bpf_map__fd(skel->maps.iface_cfg),
		.v4 = bpf_map__fd(skel->maps.prefixes_v4),
		.v6 = bpf_map__fd(skel->maps.prefixes_v6),
		.sets = bpf_map__fd(skel->maps.rule_sets),
		.counters = bpf_map__fd(skel->maps.rule_counters),
		.losses = bpf_map__fd(skel->maps.ingress_losses),
	};
	return rb_add(rb, bpf_map__fd(skel->maps.drop_events),
		      ingress_event_cb, NULL);
}

static void clear_gen(__u32 gen)
{
	struct gen_state *g = &gens[gen];

	if (g->ifindex)
		ingress_maps_clear(&maps, &g->c, g->ifindex, gen);
	ingress_compiled_free(&g->c);
	free(g->ifindex);
	memset(g, 0, sizeof(*g));
}

static int resolve_ifindexes(const struct ingress_policy *ip, __u32 *out,
			     struct diags *d)
{
	int err = 0;

	for (size_t i = 0; i < ip->n; i++) {
		const struct ingress_iface *f = &ip->ifaces[i];

		out[i] = if_nametoindex(f->name);
		if (!out[i]) {
			diag_add(d, f->line, f->col, "interface %s: %s",
				 f->name, strerror(errno));
			err = -ENODEV;
		}
	}
	return err;
}

static struct ingress_attachment *find_att(__u32 ifindex, int mode)
{
	for (int i = 0; i < natt; i++)
		if (att[i].ifindex == ifindex &&
		    (mode < 0 || att[i].mode == (enum ingress_mode)mode))
			return &att[i];
	return NULL;
}

static void drop_att(int i)
{
	ingress_detach(&att[i]);
	att[i] = att[--natt];
	deferred[i] = deferred[natt];
}

/* Keep, or newly attach, the filter on f's interface for the staged gen. */
static int stage_iface(const struct ingress_iface *f, __u32 ifindex,
		       struct diags *d)
{
	struct ingress_attachment *a = find_att(ifindex, (int)f->mode);
	int err;

	if (a) {
		a->in_staged = true;
		return 0;
	}
	if (natt == MAX_ATTACH) {
		diag_add(d, f->line, f->col, "more than %d interfaces", MAX_ATTACH);
		return -E2BIG;
	}
	a = &att[natt];
	memset(a, 0, sizeof(*a));
	snprintf(a->name, sizeof(a->name), "%s", f->name);
	a->ifindex = ifindex;
	a->mode = f->mode;
	a->in_staged = true;
	err = ingress_attach(a, bpf_program__fd(skel->progs.ingress_xdp),
			     bpf_program__fd(skel->progs.ingress_tc));
	deferred[natt] = false;
	if (err && find_att(ifindex, -1) && f->mode != MODE_TC) {
		/* native and generic XDP cannot coexist: swap at commit */
		deferred[natt++] = true;
		return 0;
	}
	if (err) {
		diag_add(d, f->line, f->col, "cannot attach the ingress filter "
			 "to %s in mode %s: %s", f->name,
			 ingress_mode_name(f->mode), strerror(-err));
		return err;
	}
	natt++;
	return 0;
}

static int stage_policy(const struct policy *p, struct diags *d)
{
	const struct ingress_policy *ip = p->ingress;
	struct gen_state *g = &gens[staged_gen];
	int err;

	g->ifindex = calloc(ip->n ? ip->n : 1, sizeof(*g->ifindex));
	if (!g->ifindex)
		return -ENOMEM;
	err = resolve_ifindexes(ip, g->ifindex, d) ?:
	      ingress_compile(ip, &g->c, d);
	if (err)
		return err;
	err = ingress_maps_write(&maps, &g->c, g->ifindex, staged_gen);
	if (err) {
		diag_add(d, 0, 0, "cannot write the ingress maps: %s",
			 strerror(-err));
		return err;
	}
	for (size_t i = 0; i < ip->n && !err; i++)
		err = stage_iface(&ip->ifaces[i], g->ifindex[i], d);
	return err;
}

static int ingress_prepare(const struct policy *p, struct diags *d)
{
	struct timespec t0, t1;
	int err;

	if (clear_pending) {
		clear_gen(!active_gen());
		clear_pending = false;
	}
	staged_gen = !active_gen();
	for (int i = 0; i < natt; i++)
		att[i].in_staged = false;
	gens[staged_gen].p = p;
	staged = true;
	if (!p->ingress)
		return 0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	err = stage_policy(p, d);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	if (!err)
		log_info("ingress: policy staged in %.3f s",
			 (double)(t1.tv_sec - t0.tv_sec) +
			 (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
	return err;
}

/* After the flip: detach what the new policy no longer names, finish the
 * XDP mode swaps, and say which mode each interface runs in. */
static void settle_attachments(void)
{
	for (int i = natt - 1; i >= 0; i--)
		if (!att[i].in_staged)
			drop_att(i);
	for (int i = 0; i < natt; i++) {
		struct ingress_attachment *a = &att[i];
		int err;

		if (deferred[i]) {
			deferred[i] = false;
			err = ingress_attach(a, bpf_program__fd(skel->progs.ingress_xdp),
					     bpf_program__fd(skel->progs.ingress_tc));
			if (err)
				log_err("ingress: cannot attach to %s in mode %s: %s",
					a->name, ingress_mode_name(a->mode),
					strerror(-err));
		}
		if (!a->in_active && a->used)
			log_info("ingress: filtering %s (ifindex %u) with %s",
				 a->name, a->ifindex, a->used);
		a->in_active = true;
	}
}

static void ingress_commit(void)
{
	if (!staged)
		return;
	__atomic_store_n(&skel->bss->active_gen, staged_gen, __ATOMIC_SEQ_CST);
	staged = false;
	settle_attachments();
	clear_pending = true;
}

static void ingress_abort(void)
{
	if (!staged)
		return;
	staged = false;
	for (int i = natt - 1; i >= 0; i--)
		if (!att[i].in_active)
			drop_att(i);
	clear_gen(staged_gen);
}

static void ingress_tick(void)
{
	if (clear_pending && !staged) {
		clear_gen(!active_gen());
		clear_pending = false;
	}
}

static void ingress_unload(void)
{
	while (natt)
		drop_att(natt - 1);
	for (int g = 0; g < INGRESS_GENS; g++) {
		ingress_compiled_free(&gens[g].c);
		free(gens[g].ifindex);
		memset(&gens[g], 0, sizeof(gens[g]));
	}
	ingress_bpf__destroy(skel);
	skel = NULL;
	clear_pending = staged = false;
}

/* ---- for events and stats ---------------------------------------------- */

const char *ingress_iface_name(__u32 ifindex, char *buf)
{
	for (int i = 0; i < natt; i++)
		if (att[i].ifindex == ifindex)
			return att[i].name;
	if (!if_indextoname(ifindex, buf))
		snprintf(buf, IF_NAMESIZE, "if%u", ifindex);
	return buf;
}

const char *ingress_rule_name_of_gen(__u32 gen, __u32 id, char *buf,
				     size_t len)
{
	const struct gen_state *g = &gens[gen & 1];

	return ingress_rule_name(g->p ? g->p->ingress : NULL,
				 g->c.rules ? &g->c : NULL, id, buf, len);
}

static void stats_rule(struct jbuf *j, __u32 gen, __u32 id, __u8 action)
{
	struct ingress_counter sum;
	char name[80];

	ingress_counter_read(&maps, gen, id, &sum);
	jb_obj_open(j);
	jb_kstr(j, "rule", ingress_rule_name_of_gen(gen, id, name, sizeof(name)));
	jb_kstr(j, "action", ingress_action_name(action));
	jb_ku64(j, "packets", sum.packets);
	jb_ku64(j, "bytes", sum.bytes);
	jb_obj_close(j);
}

static void stats_iface(struct jbuf *j, __u32 gen, size_t i)
{
	const struct gen_state *g = &gens[gen];
	const struct ingress_iface *f = &g->p->ingress->ifaces[i];
	const struct ingress_compiled_iface *ci = &g->c.ifaces[i];
	struct ingress_attachment *a = find_att(g->ifindex[i], (int)f->mode);

	jb_obj_open(j);
	jb_kstr(j, "interface", f->name);
	jb_ku64(j, "ifindex", g->ifindex[i]);
	jb_kstr(j, "mode", a && a->used ? a->used : "detached");
	jb_ku64(j, "prefixes", ci->nprefixes);
	jb_key(j, "rules");
	jb_arr_open(j);
	stats_rule(j, gen, ci->cfg.default_rule, f->default_action);
	stats_rule(j, gen, ci->cfg.unparseable_rule, f->unparseable_action);
	stats_rule(j, gen, ci->cfg.non_ip_rule, f->non_ip_action);
	for (size_t r = 0; r < f->nrules; r++)
		stats_rule(j, gen, ci->first_rule + r, f->rules[r].action);
	jb_arr_close(j);
	jb_obj_close(j);
}

/* Drop events held back by the rate limit are sampling, not loss. */
static uint64_t ingress_lost(void)
{
	return percpu_sum(maps.losses, INGRESS_LOSS_RINGBUF);
}

static void ingress_stats(struct jbuf *j)
{
	__u32 gen = active_gen();
	const struct gen_state *g = &gens[gen];

	jb_ku64(j, "ingress_ringbuf_full", percpu_sum(maps.losses, INGRESS_LOSS_RINGBUF));
	jb_ku64(j, "ingress_events_rate_limited", percpu_sum(maps.losses, INGRESS_LOSS_RATE));
	jb_key(j, "ingress");
	jb_arr_open(j);
	for (size_t i = 0; g->p && g->p->ingress && i < g->c.nifaces; i++)
		stats_iface(j, gen, i);
	jb_arr_close(j);
}

struct module ingress_module = {
	.name = "ingress",
	.wanted = wanted,
	.load = ingress_load,
	.prepare = ingress_prepare,
	.commit = ingress_commit,
	.abort = ingress_abort,
	.stats = ingress_stats,
	.lost = ingress_lost,
	.tick = ingress_tick,
	.unload = ingress_unload,
};
