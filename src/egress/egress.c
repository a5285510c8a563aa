/* The egress module: loads bpf/egress.bpf.c, attaches its cgroup programs
 * where the policy says (the cgroup2 root by default), keeps two policy
 * generations, and once a second drains the aggregation, reloads changed
 * list files and picks up new containers' cgroups. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include "lib/cgroup.h"
#include "egress/egress.h"
#include "egress/internal.h"
#include "lib/log.h"
#include "lib/percpu.h"
#include "core/module.h"
#include "lib/prom.h"
#include "core/objload.h"
#include "core/pin.h"
#include "egress.skel.h"

/* The one instance: the module table's functions take no context. */
static struct egress_state st;

static int clear_generation(void *ctx, __u32 g);

/* Also to take down the hooks an earlier daemon pinned, when the new
 * policy has no egress section. */
static bool wanted(const struct policy *p)
{
	return p->egress != NULL || egress_pinned_hooks();
}

static const struct egress_policy *active_egress(void)
{
	const struct policy *p = st.gen_policy[gen_active(&st.gens)];

	return p ? p->egress : NULL;
}

/* ---- loading --------------------------------------------------------- */

/* With --pin: reuse the maps an earlier daemon pinned (true in *adopted),
 * or pin ours there. */
static int pin_egress_maps(bool *adopted)
{
	const char *path;
	int err;

	*adopted = false;
	if (!pin_root)
		return 0;
	err = pin_maps(st.skel->obj, "egress");
	if (err)
		return err;
	path = bpf_map__pin_path(st.skel->maps.egr_config);
	*adopted = path && access(path, F_OK) == 0;
	return 0;
}

/* Adopted maps hold an earlier daemon's generations, which this one has
 * no image of: both are cleared by a scan, the inactive one now (it is
 * staged next), the active one after the first switch. */
static int adopt_generations(void)
{
	__u32 inactive = !gen_active(&st.gens);

	st.foreign[0] = st.foreign[1] = true;
	gen_wait_readers();
	return clear_generation(&st, inactive);
}

/* TCP outcomes are a bonus: without the tracepoint, connects are still
 * decided and reported. */
static int attach_tcp_state(void)
{
	st.skel->links.egress_tcp_state =
		bpf_program__attach(st.skel->progs.egress_tcp_state);
	if (!st.skel->links.egress_tcp_state) {
		log_warn("TCP outcomes unavailable: cannot attach "
			 "sock:inet_sock_set_state: %s", strerror(errno));
		return 0;
	}
	return pin_link(st.skel->links.egress_tcp_state, "egress", "tcp_state");
}

static void collect_maps(void)
{
	st.maps = (struct egress_maps){
		.config = bpf_map__fd(st.skel->maps.egr_config),
		.suspect = bpf_map__fd(st.skel->maps.egr_suspect),
		.allow = bpf_map__fd(st.skel->maps.egr_allow),
		.cgroups = bpf_map__fd(st.skel->maps.egr_scope_cg),
		.binaries = bpf_map__fd(st.skel->maps.egr_scope_bin),
	};
}

static int egress_load(struct ring_buffer **rb)
{
	bool adopted;
	int err;

	st.skel = egress_bpf__open();
	if (!st.skel)
		return obj_load_failed(NULL, "the egress BPF object", -errno);
	err = pin_egress_maps(&adopted);
	if (err)
		return err;
	err = egress_bpf__load(st.skel);
	if (err)
		return obj_load_failed(st.skel->obj, "the egress programs", err);
	collect_maps();
	gen_init(&st.gens, (__u32 *)&st.skel->bss->active_gen, clear_generation, &st);
	if (adopted && (err = adopt_generations())) {
		log_err("cannot empty the adopted egress maps: %s", strerror(-err));
		return err;
	}
	err = attach_tcp_state();
	if (err)
		return err;
	return rb_add(rb, bpf_map__fd(st.skel->maps.egr_events), egress_event_cb, &st);
}

/* ---- policy switch --------------------------------------------------- */

/* gen_clear_fn: empty generation g (no program reads it any more). */
static int clear_generation(void *ctx, __u32 g)
{
	struct egress_state *s = ctx;
	int err = s->foreign[g] ? egress_maps_clear_gen(&s->maps, g) :
				  egress_maps_clear(&s->maps, g, &s->image[g]);

	if (err)
		return err;
	egress_image_reset(&s->image[g]);
	s->foreign[g] = false;
	return 0;
}

/* Compile ep into the staged generation and write it; 0 or -errno. */
static int stage(const struct policy *p, struct diags *d, __u32 *g)
{
	int err = gen_stage(&st.gens, g);

	if (err) {
		diag_add(d, 0, 0, "cannot empty the inactive egress generation: %s",
			 strerror(-err));
		return err;
	}
	err = egress_compile(p->egress, *g, &st.image[*g], d) ?:
	      egress_maps_write(&st.maps, *g, &st.image[*g]);
	if (err) {
		diag_add(d, 0, 0, "cannot write the egress maps: %s",
			 strerror(-err));
		gen_abort(&st.gens);
		return err;
	}
	st.gen_policy[*g] = p;
	return 0;
}

static void egress_abort(void);

/* On failure, this module undoes its own part (the agent aborts only
 * the modules that prepared before it). */
static int egress_prepare(const struct policy *p, struct diags *d)
{
	__u32 g;
	int err = egress_attach_wanted(&st, p->egress, d) ?: stage(p, d, &g);

	if (err)
		egress_abort();
	return err;
}

static void egress_commit(void)
{
	int err;

	if (!st.gens.staging)
		return;
	gen_commit(&st.gens);
	egress_detach_unwanted(&st, true);
	err = egress_watch_reset(&st.watch, active_egress());
	if (err)
		log_warn("cannot watch the egress list files: %s", strerror(-err));
}

static void egress_abort(void)
{
	if (st.gens.staging) {
		st.gen_policy[st.gens.staged] = NULL;
		gen_abort(&st.gens);
	}
	egress_attach_wanted(&st, active_egress(), NULL);
	egress_detach_unwanted(&st, false);
}

/* ---- once a second --------------------------------------------------- */

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000ULL + ts.tv_nsec / 1000000;
}

/* A list file changed: rebuild the active policy into the inactive
 * generation and switch, as a policy change does. */
static void reload_lists(void)
{
	const struct policy *p = st.gen_policy[gen_active(&st.gens)];
	uint64_t t0 = now_ms();
	struct diags d;
	__u32 g;
	int err;

	diags_init(&d, p->file);
	err = stage(p, &d, &g);
	diags_print(&d, stderr);
	diags_free(&d);
	if (err) {
		log_err("egress list files changed but cannot be loaded: %s; "
			"the previous lists stay in force", strerror(-err));
		return;
	}
	gen_commit(&st.gens);
	st.list_reloads++;
	log_info("egress lists reloaded: %zu entries in %llu ms",
		 st.image[g].entries, (unsigned long long)(now_ms() - t0));
}

/* New containers' cgroups join their scopes in the active generation. */
static void rescan(void)
{
	const struct egress_policy *ep = active_egress();
	__u32 g = gen_active(&st.gens);
	int err;

	if (!egress_needs_rescan(ep))
		return;
	err = egress_rescan(ep, g, &st.rescanned) ?:
	      egress_maps_add_cgroups(&st.maps, &st.image[g], &st.rescanned);
	if (err)
		log_warn("egress: cannot add new cgroups to their scopes: %s",
			 strerror(-err));
}

static uint64_t egress_lost(void)
{
	int fd = bpf_map__fd(st.skel->maps.egr_losses);

	/* a full aggregation table is not a loss: attempts then go one by one */
	return percpu_sum(fd, ELOSS_RINGBUF_FULL) +
	       percpu_sum(fd, ELOSS_OUTCOME_FULL);
}

/* Drain the epoch the kernel left a second ago, then switch epochs: the
 * one drained becomes the one filled. */
static void drain_and_flip(void)
{
	__u32 e = st.skel->bss->agg_epoch & 1;

	egress_drain(&st, bpf_map__fd(st.skel->maps.egr_agg),
		     bpf_map__fd(st.skel->maps.egr_outcomes), !e);
	__atomic_store_n(&st.skel->bss->agg_epoch, !e, __ATOMIC_SEQ_CST);
}

static void egress_tick(void)
{
	drain_and_flip();
	gen_tick(&st.gens, "egress");
	if (egress_watch_changed(&st.watch) && st.gen_policy[gen_active(&st.gens)])
		reload_lists();
	rescan();
	egress_verify_links(&st);
}

static void egress_stats(struct jbuf *j)
{
	int fd = bpf_map__fd(st.skel->maps.egr_losses);
	__u32 g = gen_active(&st.gens);

	jb_ku64(j, "egress_attempts_reported", st.counts.attempts);
	jb_ku64(j, "egress_events", st.counts.events);
	jb_ku64(j, "egress_summaries", st.counts.summaries);
	jb_ku64(j, "egress_ringbuf_full", percpu_sum(fd, ELOSS_RINGBUF_FULL));
	jb_ku64(j, "egress_agg_full", percpu_sum(fd, ELOSS_AGG_FULL));
	jb_ku64(j, "egress_outcome_lost", percpu_sum(fd, ELOSS_OUTCOME_FULL));
	jb_ku64(j, "egress_list_entries", st.image[g].entries);
	jb_ku64(j, "egress_list_bad_lines", st.image[g].bad_lines);
	jb_ku64(j, "egress_list_reloads", st.list_reloads);
}

static void egress_prom_losses(struct prom *p)
{
	int fd = bpf_map__fd(st.skel->maps.egr_losses);

	prom_sample_u64(p, "warden_losses_total", percpu_sum(fd, ELOSS_RINGBUF_FULL),
			"module", "egress", "cause", "ringbuf_full", NULL);
	prom_sample_u64(p, "warden_losses_total", percpu_sum(fd, ELOSS_AGG_FULL),
			"module", "egress", "cause", "agg_full", NULL);
	prom_sample_u64(p, "warden_losses_total", percpu_sum(fd, ELOSS_OUTCOME_FULL),
			"module", "egress", "cause", "outcome_lost", NULL);
}

static void egress_unload(void)
{
	/* report what both epochs still hold, so counts are complete */
	drain_and_flip();
	drain_and_flip();
	egress_watch_close(&st.watch);
	egress_detach_all(&st);
	for (int g = 0; g < EGRESS_GENS; g++)
		egress_image_free(&st.image[g]);
	free(st.rescanned.v);
	egress_bpf__destroy(st.skel);
	egress_events_free(&st);
	st = (struct egress_state){ 0 };
}

struct module egress_module = {
	.name = "egress",
	.wanted = wanted,
	.load = egress_load,
	.prepare = egress_prepare,
	.commit = egress_commit,
	.abort = egress_abort,
	.stats = egress_stats,
	.prom_losses = egress_prom_losses,
	.lost = egress_lost,
	.tick = egress_tick,
	.unload = egress_unload,
};
