/* The ingress module: loads bpf/ingress/ingress.bpf.c, writes each policy
 * into the generation not in use, attaches to the interfaces the policy
 * names and switches generations at commit (core/generation.c). */
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
#include "core/generation.h"
#include "core/module.h"
#include "lib/prom.h"
#include "core/objload.h"
#include "core/pin.h"
#include "policy/policy.h"
#include "ingress.skel.h"

static struct ingress_state st;

/* Also without network.ingress while an earlier daemon's filters are
 * pinned: loading is what removes them. */
static bool wanted(const struct policy *p)
{
	return p->ingress != NULL || ingress_pin_any();
}

static void free_gen(struct ingress_gen *g)
{
	ingress_compiled_free(&g->c);
	free(g->ifindex);
	memset(g, 0, sizeof(*g));
}

/* The generation protocol's clear callback. */
static int clear_gen(void *ctx, __u32 gen)
{
	struct ingress_state *s = ctx;
	struct ingress_gen *g = &s->gens[gen];
	int err = 0;

	if (s->sweep[gen])
		err = ingress_maps_sweep(&s->maps, gen);
	else if (g->ifindex)
		err = ingress_maps_clear(&s->maps, &g->c, g->ifindex, gen);
	if (err)
		return err;	/* kept, for the retry at the next tick */
	s->sweep[gen] = false;
	free_gen(g);
	return 0;
}

static int ingress_load(struct ring_buffer **rb)
{
	struct ingress_bpf *skel = ingress_bpf__open();
	int err;

	if (!skel)
		return obj_load_failed(NULL, "the ingress filter programs", -errno);
	err = pin_maps(skel->obj, "ingress");
	if (err) {
		ingress_bpf__destroy(skel);
		return err;
	}
	err = ingress_bpf__load(skel);
	if (err) {
		obj_load_failed(skel->obj, "the ingress filter programs", err);
		ingress_bpf__destroy(skel);
		return err;
	}
	st.skel = skel;
	st.maps = (struct ingress_maps){
		.cfg = bpf_map__fd(skel->maps.ing_iface_cfg),
		.v4 = bpf_map__fd(skel->maps.ing_prefix_v4),
		.v6 = bpf_map__fd(skel->maps.ing_prefix_v6),
		.sets = bpf_map__fd(skel->maps.ing_rule_sets),
		.counters = bpf_map__fd(skel->maps.ing_counters),
		.losses = bpf_map__fd(skel->maps.ing_losses),
	};
	gen_init(&st.gen, &skel->bss->active_gen, clear_gen, &st);
	if (pin_root) {
		/* maps an earlier daemon may have filled: its active generation
		 * goes after the first switch, the other before it */
		st.sweep[0] = st.sweep[1] = true;
		st.gen.dirty[!gen_active(&st.gen)] = true;
	}
	return rb_add(rb, bpf_map__fd(skel->maps.ing_events),
		      ingress_event_cb, &st);
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
	for (int i = 0; i < st.natt; i++)
		if (st.att[i].ifindex == ifindex &&
		    (mode < 0 || st.att[i].mode == (enum ingress_mode)mode))
			return &st.att[i];
	return NULL;
}

/* unpin: the policy no longer names the interface (not at daemon exit,
 * where pinned filters stay). */
static void drop_att(int i, bool unpin)
{
	if (unpin)
		ingress_pin_drop(&st.att[i]);
	ingress_detach(&st.att[i]);
	st.att[i] = st.att[--st.natt];
	st.deferred[i] = st.deferred[st.natt];
}

static int attach_filter(struct ingress_attachment *a)
{
	return ingress_attach(a, bpf_program__fd(st.skel->progs.ingress_xdp),
			      bpf_program__fd(st.skel->progs.ingress_tc));
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
	if (st.natt == INGRESS_MAX_ATTACH) {
		diag_add(d, f->line, f->col, "more than %d interfaces",
			 INGRESS_MAX_ATTACH);
		return -E2BIG;
	}
	a = &st.att[st.natt];
	memset(a, 0, sizeof(*a));
	snprintf(a->name, sizeof(a->name), "%s", f->name);
	a->ifindex = ifindex;
	a->mode = f->mode;
	a->in_staged = true;
	/* an earlier daemon's pinned filter, unless this one has the
	 * interface already (a mode swap) */
	err = find_att(ifindex, -1) ? -EEXIST :
	      ingress_pin_adopt(a, bpf_program__fd(st.skel->progs.ingress_xdp));
	if (err == -EXDEV) {
		/* it filters as it is until the switch swaps the mode */
		a->in_active = true;
		a->in_staged = false;
		st.deferred[st.natt++] = false;
		return stage_iface(f, ifindex, d);
	}
	if (err)
		err = attach_filter(a);
	if (!err && (err = ingress_pin_keep(a))) {
		diag_add(d, f->line, f->col, "cannot pin the ingress filter of "
			 "%s: %s", f->name, strerror(-err));
		ingress_detach(a);
		return err;
	}
	st.deferred[st.natt] = false;
	if (err && find_att(ifindex, -1) && f->mode != MODE_TC) {
		/* native and generic XDP cannot coexist: swap at commit */
		st.deferred[st.natt++] = true;
		return 0;
	}
	if (err) {
		diag_add(d, f->line, f->col, "cannot attach the ingress filter "
			 "to %s in mode %s: %s", f->name,
			 ingress_mode_name(f->mode), strerror(-err));
		return err;
	}
	st.natt++;
	return 0;
}

static int stage_policy(const struct policy *p, __u32 gen, struct diags *d)
{
	const struct ingress_policy *ip = p->ingress;
	struct ingress_gen *g = &st.gens[gen];
	int err;

	g->ifindex = calloc(ip->n ? ip->n : 1, sizeof(*g->ifindex));
	if (!g->ifindex)
		return -ENOMEM;
	err = resolve_ifindexes(ip, g->ifindex, d) ?:
	      ingress_compile(ip, &g->c, d);
	if (err)
		return err;
	err = ingress_maps_write(&st.maps, &g->c, g->ifindex, gen);
	if (err) {
		diag_add(d, 0, 0, "cannot write the ingress maps: %s",
			 strerror(-err));
		return err;
	}
	for (size_t i = 0; i < ip->n && !err; i++)
		err = stage_iface(&ip->ifaces[i], g->ifindex[i], d);
	return err;
}

static void ingress_abort(void)
{
	if (!st.gen.staging)
		return;
	for (int i = st.natt - 1; i >= 0; i--)
		if (!st.att[i].in_active)
			drop_att(i, false);	/* a pin it made still filters by the active policy */
	gen_abort(&st.gen);	/* its maps are cleared on the next tick */
}

static int ingress_prepare(const struct policy *p, struct diags *d)
{
	struct timespec t0, t1;
	__u32 gen;
	int err = gen_stage(&st.gen, &gen);

	if (err) {
		diag_add(d, 0, 0, "cannot clear the old ingress maps: %s",
			 strerror(-err));
		return err;
	}
	for (int i = 0; i < st.natt; i++)
		st.att[i].in_staged = false;
	st.gens[gen].p = p;
	if (!p->ingress)
		return 0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	err = stage_policy(p, gen, d);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	if (err) {
		ingress_abort();	/* the agent aborts only modules that staged */
		return err;
	}
	log_info("ingress: policy staged in %.3f s",
		 (double)(t1.tv_sec - t0.tv_sec) +
		 (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
	return 0;
}

/* After the switch: detach what the new policy no longer names, finish
 * the XDP mode swaps, and say which mode each interface runs in. */
static void settle_attachments(void)
{
	for (int i = st.natt - 1; i >= 0; i--)
		if (!st.att[i].in_staged)
			drop_att(i, true);
	for (int i = 0; i < st.natt; i++) {
		struct ingress_attachment *a = &st.att[i];
		int err;

		if (st.deferred[i]) {
			st.deferred[i] = false;
			err = attach_filter(a) ?: ingress_pin_keep(a);
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
	ingress_pin_sweep_stale(&st);	/* also what an earlier daemon left */
}

static void ingress_commit(void)
{
	if (!st.gen.staging)
		return;
	gen_commit(&st.gen);
	settle_attachments();
}

static void ingress_tick(void)
{
	gen_tick(&st.gen, "ingress");
}

static void ingress_unload(void)
{
	while (st.natt)
		drop_att(st.natt - 1, false);	/* pinned filters stay */
	for (int g = 0; g < INGRESS_GENS; g++)
		free_gen(&st.gens[g]);
	ingress_bpf__destroy(st.skel);
	jb_free(&st.event);
	memset(&st, 0, sizeof(st));
}

/* ---- stats ------------------------------------------------------------- */

static void stats_rule(struct jbuf *j, __u32 gen, __u32 id, __u8 action)
{
	struct ingress_counter sum;
	char name[80];

	ingress_counter_read(&st.maps, gen, id, &sum);
	jb_obj_open(j);
	jb_kstr(j, "rule", ingress_gen_rule_name(&st, gen, id, name, sizeof(name)));
	jb_kstr(j, "action", ingress_action_name(action));
	jb_ku64(j, "packets", sum.packets);
	jb_ku64(j, "bytes", sum.bytes);
	jb_obj_close(j);
}

static void stats_iface(struct jbuf *j, __u32 gen, size_t i)
{
	const struct ingress_gen *g = &st.gens[gen];
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
	return percpu_sum(st.maps.losses, INGRESS_LOSS_RINGBUF);
}

static void ingress_stats(struct jbuf *j)
{
	__u32 gen = gen_active(&st.gen);
	const struct ingress_gen *g = &st.gens[gen];

	jb_ku64(j, "ingress_ringbuf_full", percpu_sum(st.maps.losses, INGRESS_LOSS_RINGBUF));
	jb_ku64(j, "ingress_events_rate_limited", percpu_sum(st.maps.losses, INGRESS_LOSS_RATE));
	jb_key(j, "ingress");
	jb_arr_open(j);
	for (size_t i = 0; g->p && g->p->ingress && i < g->c.nifaces; i++)
		stats_iface(j, gen, i);
	jb_arr_close(j);
}

static void ingress_prom_losses(struct prom *p)
{
	prom_sample_u64(p, "warden_losses_total",
			percpu_sum(st.maps.losses, INGRESS_LOSS_RINGBUF), "module",
			"ingress", "cause", "ringbuf_full", NULL);
}

static void prom_rule(struct prom *p, const char *iface, __u32 gen, __u32 id,
		      __u8 action)
{
	struct ingress_counter sum;
	char name[80];

	ingress_counter_read(&st.maps, gen, id, &sum);
	prom_sample_u64(p, "warden_rule_matches_total", sum.packets, "module",
			"ingress", "rule", ingress_gen_rule_name(&st, gen, id, name,
			sizeof(name)), "action", ingress_action_name(action),
			"interface", iface, NULL);
}

/* Packets per rule, from the kernel's counters: exact, unlike the
 * rate-limited drop events. */
static void ingress_prom_matches(struct prom *p)
{
	__u32 gen = gen_active(&st.gen);
	const struct ingress_gen *g = &st.gens[gen];

	for (size_t i = 0; g->p && g->p->ingress && i < g->c.nifaces; i++) {
		const struct ingress_iface *f = &g->p->ingress->ifaces[i];
		const struct ingress_compiled_iface *ci = &g->c.ifaces[i];

		prom_rule(p, f->name, gen, ci->cfg.default_rule, f->default_action);
		prom_rule(p, f->name, gen, ci->cfg.unparseable_rule, f->unparseable_action);
		prom_rule(p, f->name, gen, ci->cfg.non_ip_rule, f->non_ip_action);
		for (size_t r = 0; r < f->nrules; r++)
			prom_rule(p, f->name, gen, ci->first_rule + r, f->rules[r].action);
	}
}

struct module ingress_module = {
	.name = "ingress",
	.wanted = wanted,
	.load = ingress_load,
	.prepare = ingress_prepare,
	.commit = ingress_commit,
	.abort = ingress_abort,
	.stats = ingress_stats,
	.prom_losses = ingress_prom_losses,
	.prom_matches = ingress_prom_matches,
	.lost = ingress_lost,
	.tick = ingress_tick,
	.unload = ingress_unload,
};
