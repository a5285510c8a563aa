/* The daemon: load, enforce, stream events until told to stop (the
 * command line is src/cmd/daemon.c). */
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/inotify.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <time.h>
#include "container/identity.h"
#include "core/agent.h"
#include "core/daemon.h"
#include "lib/cgroup.h"
#include "core/control.h"
#include "core/metrics.h"
#include "core/notify.h"
#include "lib/log.h"
#include "core/preflight.h"
#include "lib/output.h"
#include "core/pin.h"
#include "core/pinwatch.h"
#include "policy/policy.h"
#include "process/process.h"
#include "process/proctable.h"
#include "policy/trust.h"

struct daemon {
	struct agent agent;
	struct daemon_opts o;
	int epfd, sigfd, inofd, timerfd;
	char policy_dir[PATH_MAX], policy_base[NAME_MAX + 1];
	uint64_t last_lost;
	uint64_t *cg_ids;	/* what the policy's cgroup selectors resolve to */
	size_t n_cg;
	int ticks;
	bool reload_pending;
	bool recompile_pending;	/* the active policy's cgroups changed */
	bool stopping;
	time_t started;
	struct metrics_policy mp;
};

static bool allow_untrusted;

/* Append every diagnostic of d to why (one per line), for a client. */
static void join_diags(const struct diags *d, char *why, size_t len)
{
	for (int i = 0; why && i < d->n; i++) {
		size_t o = strlen(why);

		snprintf(why + o, len - o, "%s%s", o ? "\n" : "", d->v[i].msg);
	}
}

/* Load and check a policy file. A file that cannot be read or is not
 * trusted is reported here in one line ending with stays; a file with
 * errors is reported by its FILE:LINE:COL messages. The same text goes to
 * why (when not NULL) for `warden policy apply`. */
static struct policy *load_policy(const char *path, const char *stays,
				  char *why, size_t wlen)
{
	struct diags d;
	struct policy *p;
	char untrusted[PATH_MAX + 64];

	if (!path)
		return policy_builtin();
	if (access(path, R_OK)) {
		int err = errno;

		log_err("cannot read policy %s: %s%s", path, strerror(err), stays);
		if (why)
			snprintf(why, wlen, "cannot read policy %s: %s", path, strerror(err));
		return NULL;
	}
	if (!allow_untrusted && file_trusted(path, untrusted, sizeof(untrusted))) {
		log_err("refusing policy %s: %s (fix the permissions, or pass "
			"--allow-untrusted-policy)%s", path, untrusted, stays);
		if (why)
			snprintf(why, wlen, "refusing policy %s: %s", path, untrusted);
		return NULL;
	}
	diags_init(&d, path);
	p = policy_load_file(path, &d);
	diags_print(&d, stderr);
	join_diags(&d, why, wlen);
	diags_free(&d);
	if (!p && *stays)
		log_err("policy %s rejected%s", path, stays);
	return p;
}

static void emit_policy_event(const char *status, const struct policy *p,
			      const struct diags *d)
{
	struct jbuf j;

	jb_init(&j);
	output_begin(&j, "policy", 0);
	jb_kstr(&j, "status", status);
	if (p) {
		jb_kstr(&j, "name", p->name ? p->name : p->file);
		jb_ku64(&j, "rules", p->nrules);
	}
	if (d && d->n) {
		jb_key(&j, "messages");
		jb_arr_open(&j);
		for (int i = 0; i < d->n; i++)
			jb_str(&j, d->v[i].msg);
		jb_arr_close(&j);
	}
	output_emit(&j);
	jb_free(&j);
}

/* The ids the active policy's cgroup selectors resolve to now (0: no
 * such cgroup), in rule order. Returns the count, or -1 without memory. */
static ssize_t policy_cgroup_ids(const struct policy *p, uint64_t **ids)
{
	size_t n = 0, k = 0;

	for (size_t i = 0; i < p->nrules; i++)
		n += p->rules[i].sel.cgroup.n;
	*ids = calloc(n ? n : 1, sizeof(**ids));
	if (!*ids)
		return -1;
	for (size_t i = 0; i < p->nrules; i++)
		for (size_t j = 0; j < p->rules[i].sel.cgroup.n; j++, k++)
			if (cgroup_id_of(p->rules[i].sel.cgroup.v[j], &(*ids)[k]))
				(*ids)[k] = 0;
	return (ssize_t)n;
}

/* A cgroup a rule names was removed or created again since the policy
 * was compiled (a new cgroup has a new id): recompile, or the rule
 * would keep pointing at the old id. Checked every tick; reported when
 * it happens, not again until something changes once more. */
static void check_policy_cgroups(struct daemon *dm)
{
	uint64_t *ids;
	ssize_t n;

	if (!dm->agent.active)
		return;
	n = policy_cgroup_ids(dm->agent.active, &ids);
	if (n < 0)
		return;
	if ((size_t)n == dm->n_cg && (!n || !memcmp(ids, dm->cg_ids, n * sizeof(*ids)))) {
		free(ids);
		return;
	}
	free(dm->cg_ids);
	dm->cg_ids = ids;
	dm->n_cg = (size_t)n;
	log_info("a cgroup named by policy %s was removed or created: "
		 "recompiling it", dm->agent.active->file);
	dm->recompile_pending = true;
}

/* The active policy, not the file: `policy apply` holds until something
 * replaces it. */
static void recompile(struct daemon *dm)
{
	struct diags d;
	int err;

	dm->recompile_pending = false;
	diags_init(&d, dm->agent.active->file);
	err = agent_recompile(&dm->agent, &d);
	diags_print(&d, stderr);
	diags_free(&d);
	if (err) {
		log_err("policy %s could not be recompiled (%s); its previous "
			"compilation stays in force", dm->agent.active->file,
			strerror(-err));
	} else {
		size_t missing = 0;

		for (size_t i = 0; i < dm->n_cg; i++)
			missing += !dm->cg_ids[i];
		log_info("policy %s recompiled: %zu of its %zu cgroups exist",
			 dm->agent.active->file, dm->n_cg - missing, dm->n_cg);
	}
	output_flush();
}

static double now_s(clockid_t c)
{
	struct timespec ts;

	clock_gettime(c, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void count_load(struct daemon *dm, int err, double t0)
{
	if (err) {
		dm->mp.rejected++;
	} else {
		dm->mp.loaded++;
		dm->mp.generation++;
		dm->mp.last_load_seconds = now_s(CLOCK_MONOTONIC) - t0;
		dm->mp.last_load_time = now_s(CLOCK_REALTIME);
		dm->mp.rules = dm->agent.active->nrules;
	}
	metrics_publish(&dm->agent, &dm->mp);
}

static int apply_policy(struct daemon *dm, struct policy *p, char *why,
			size_t wlen)
{
	struct diags d;
	int err;
	double t0 = now_s(CLOCK_MONOTONIC);

	uint64_t *ids;
	/* before compiling: a cgroup recreated meanwhile is seen next tick */
	ssize_t n = policy_cgroup_ids(p, &ids);

	if (n < 0)
		return -ENOMEM;
	diags_init(&d, p->file);
	/* what cannot hold on this kernel, as `warden policy check` says it */
	err = preflight_policy(p, &this_kernel, &d) ?:
	      agent_apply(&dm->agent, p, &d);
	diags_print(&d, stderr);
	join_diags(&d, why, wlen);
	emit_policy_event(err ? "rejected" : "loaded", p, &d);
	diags_free(&d);
	count_load(dm, err, t0);
	if (err) {
		policy_free(p);
		free(ids);
		return err;
	}
	free(dm->cg_ids);
	dm->cg_ids = ids;
	dm->n_cg = (size_t)n;
	dm->recompile_pending = false;
	return 0;
}

static void reload(struct daemon *dm)
{
	struct policy *p;

	dm->reload_pending = false;
	if (!dm->o.policy_path) {
		log_info("SIGHUP: running the built-in policy, nothing to reload");
		return;
	}
	p = load_policy(dm->o.policy_path, "; the running policy stays in force",
			NULL, 0);
	if (!p) {
		emit_policy_event("rejected", NULL, NULL);
		output_flush();
		count_load(dm, -EINVAL, 0);
		return;
	}
	if (apply_policy(dm, p, NULL, 0) == 0)
		log_info("policy %s reloaded (%zu rules)", dm->o.policy_path,
			 dm->agent.active->nrules);
	else
		log_err("policy %s could not be applied; the running policy "
			"stays in force", dm->o.policy_path);
	output_flush();
}

static uint64_t total_lost(struct daemon *dm)
{
	return agent_lost(&dm->agent) + out.failed;
}

static void emit_stats(struct daemon *dm, bool final)
{
	struct jbuf j;
	uint64_t lost;

	output_flush();		/* events_written then counts every line before */
	lost = total_lost(dm);
	/* also after the output recovered: the stats line that told of the
	 * loss may itself have been lost */
	if (!final && lost == dm->last_lost && !out.resumed)
		return;
	out.resumed = false;
	if (lost > dm->last_lost)
		log_warn("%llu events lost since the last report (see the "
			 "stats event); the consumer is too slow or the ring "
			 "buffer too small", (unsigned long long)(lost - dm->last_lost));
	dm->last_lost = lost;
	jb_init(&j);
	output_begin(&j, "stats", 0);
	jb_kbool(&j, "final", final);
	jb_ku64(&j, "events_written", out.events);
	jb_ku64(&j, "output_write_failed", out.failed);
	agent_stats_json(&dm->agent, &j);
	jb_ku64(&j, "lost_total", lost);
	output_emit(&j);
	jb_free(&j);
	output_flush();
}

static char *control_status(void *ctx)
{
	struct daemon *dm = ctx;
	struct policy *p = dm->agent.active;
	struct jbuf j;

	jb_init(&j);
	jb_obj_open(&j);
	jb_ku64(&j, "pid", getpid());
	jb_ku64(&j, "uptime_s", time(NULL) - dm->started);
	jb_kstr(&j, "policy", p->name ? p->name : p->file);
	jb_kstr(&j, "policy_file", dm->o.policy_path ? dm->o.policy_path : "<builtin>");
	jb_ku64(&j, "rules", p->nrules);
	jb_key(&j, "stats");
	jb_obj_open(&j);
	jb_ku64(&j, "events_written", out.events);
	jb_ku64(&j, "output_write_failed", out.failed);
	agent_stats_json(&dm->agent, &j);
	jb_ku64(&j, "lost_total", total_lost(dm));
	jb_obj_close(&j);
	jb_obj_close(&j);
	return j.oom ? (jb_free(&j), NULL) : j.buf;
}

/* The reply names the reasons, one per line: the FILE:LINE:COL errors
 * and warnings the daemon printed, or why the file was refused. */
static int control_apply(void *ctx, const char *path, char *msg, size_t len)
{
	struct daemon *dm = ctx;
	char why[CONTROL_MSG_MAX - 256] = "";
	struct policy *p = load_policy(path, "", why, sizeof(why));

	if (!p) {
		count_load(dm, -EINVAL, 0);
		snprintf(msg, len, "policy %s rejected; the running policy "
			 "stays:\n%s", path, why);
		return -EINVAL;
	}
	if (apply_policy(dm, p, why, sizeof(why))) {
		snprintf(msg, len, "policy %s could not be applied; the running "
			 "policy stays:\n%s", path, why);
		return -EINVAL;
	}
	snprintf(msg, len, "enforcing %s (%zu rules)%s%s", path,
		 dm->agent.active->nrules, *why ? "\n" : "", why);
	output_flush();
	return 0;
}

static void control_stop(void *ctx)
{
	((struct daemon *)ctx)->stopping = true;
}

static int open_control(struct daemon *dm)
{
	struct control_handlers h = {
		.status = control_status, .apply = control_apply,
		.stop = control_stop, .ctx = dm,
	};
	int fd = control_listen(dm->o.socket_path, dm->o.control_gid, &h);

	if (fd < 0) {
		log_err("cannot open the control socket %s: %s", dm->o.socket_path,
			strerror(-fd));
		return fd;
	}
	out.tap = control_broadcast;
	return 0;
}

static int watch_policy_file(struct daemon *dm)
{
	char tmp[PATH_MAX];

	if (!dm->o.policy_path)
		return 0;
	snprintf(tmp, sizeof(tmp), "%s", dm->o.policy_path);
	snprintf(dm->policy_dir, sizeof(dm->policy_dir), "%s", dirname(tmp));
	snprintf(tmp, sizeof(tmp), "%s", dm->o.policy_path);
	snprintf(dm->policy_base, sizeof(dm->policy_base), "%s", basename(tmp));
	dm->inofd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (dm->inofd < 0)
		return -errno;
	/* the directory, so editors that write a new file and rename it
	 * over the old one are seen too */
	if (inotify_add_watch(dm->inofd, dm->policy_dir,
			      IN_CLOSE_WRITE | IN_MOVED_TO | IN_CREATE) < 0)
		log_warn("cannot watch %s for policy changes: %s (SIGHUP still "
			 "reloads)", dm->policy_dir, strerror(errno));
	return 0;
}

static void on_inotify(struct daemon *dm)
{
	char buf[4096] __attribute__((aligned(8)));
	ssize_t n;

	while ((n = read(dm->inofd, buf, sizeof(buf))) > 0) {
		for (char *p = buf; p < buf + n;) {
			struct inotify_event *e = (void *)p;

			if (e->len && strcmp(e->name, dm->policy_base) == 0 &&
			    !(e->mask & IN_CREATE))
				dm->reload_pending = true;
			p += sizeof(*e) + e->len;
		}
	}
}

static void handled_signals(sigset_t *mask)
{
	sigemptyset(mask);
	sigaddset(mask, SIGINT);
	sigaddset(mask, SIGTERM);
	sigaddset(mask, SIGHUP);
	sigaddset(mask, SIGUSR1);
}

/* Blocked from the start (read through the signalfd later), so threads
 * the daemon starts (the metrics server) inherit a mask without them. */
static void block_signals(void)
{
	sigset_t mask;

	handled_signals(&mask);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	signal(SIGPIPE, SIG_IGN);
}

static int setup_fds(struct daemon *dm)
{
	struct itimerspec its = { { 1, 0 }, { 1, 0 } };
	sigset_t mask;
	int fds[5], n = 0;

	handled_signals(&mask);
	dm->sigfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
	dm->timerfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	dm->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (dm->sigfd < 0 || dm->timerfd < 0 || dm->epfd < 0)
		return -errno;
	timerfd_settime(dm->timerfd, 0, &its, NULL);
	fds[n++] = dm->sigfd;
	fds[n++] = dm->timerfd;
	fds[n++] = ring_buffer__epoll_fd(dm->agent.rb);
	if (dm->inofd >= 0)
		fds[n++] = dm->inofd;
	if (control_fd() >= 0)
		fds[n++] = control_fd();
	for (int i = 0; i < n; i++) {
		struct epoll_event ev = { .events = EPOLLIN, .data.fd = fds[i] };

		if (epoll_ctl(dm->epfd, EPOLL_CTL_ADD, fds[i], &ev))
			return -errno;
	}
	return 0;
}

static void on_tick(struct daemon *dm)
{
	uint64_t expirations;

	if (read(dm->timerfd, &expirations, sizeof(expirations)) < 0)
		return;
	agent_tick(&dm->agent);
	pin_watch_check();
	control_expire();
	output_tick();
	ctr_ident_tick();
	check_policy_cgroups(dm);
	if (dm->reload_pending)
		reload(dm);
	else if (dm->recompile_pending)
		recompile(dm);
	metrics_publish(&dm->agent, &dm->mp);
	if (++dm->ticks % dm->o.stats_interval == 0) {
		output_sync_clock();
		emit_stats(dm, false);
	}
}

/* Returns true to keep running. */
static bool on_signal(struct daemon *dm)
{
	struct signalfd_siginfo si;

	while (read(dm->sigfd, &si, sizeof(si)) == sizeof(si)) {
		if (si.ssi_signo == SIGHUP) {
			notify_reloading();
			reload(dm);
			notify_ready();	/* the old policy, if the new one failed */
		} else if (si.ssi_signo == SIGUSR1) {
			output_reopen();	/* logrotate moved the file */
		} else
			return false;
	}
	return true;
}

/* Process events are read in batches (process_set_wake_batch): the
 * kernel wakes the daemon once WAKE_BATCH bytes wait, and the daemon
 * looks by itself POLL_MIN_MS after the last record it found, backing off
 * to POLL_MAX_MS while nothing comes. A wake-up per event cost every fork
 * and exec on the host two context switches (bench/results.md). Verdicts
 * are made in the kernel; only the report waits. */
#define WAKE_BATCH (64u << 10)
#define POLL_MIN_MS 10
#define POLL_MAX_MS 160

static int next_timeout(int ms, int records)
{
	if (records > 0)
		return POLL_MIN_MS;
	return ms * 2 > POLL_MAX_MS ? POLL_MAX_MS : ms * 2;
}

static int event_loop(struct daemon *dm)
{
	struct epoll_event evs[8];
	bool running = true;
	int timeout = POLL_MIN_MS;

	while (running) {
		int n = epoll_wait(dm->epfd, evs, 8, timeout);

		if (n < 0 && errno != EINTR)
			return -errno;
		for (int i = 0; i < n; i++) {
			int fd = evs[i].data.fd;

			if (fd == dm->sigfd)
				running = on_signal(dm) && running;
			else if (fd == dm->timerfd)
				on_tick(dm);
			else if (fd == dm->inofd)
				on_inotify(dm);
			else if (fd == control_fd())
				control_serve();
		}
		timeout = next_timeout(timeout, ring_buffer__consume(dm->agent.rb));
		output_flush();
		if (dm->stopping)
			running = false;
	}
	ring_buffer__consume(dm->agent.rb);	/* drain what is left */
	return 0;
}

static int start(struct daemon *dm)
{
	struct timespec t0;
	struct policy *p;
	int err;

	err = check_can_load_bpf();
	/* A second daemon on a busy socket is refused here, before it pins,
	 * loads or emits anything; clients wait in the backlog until the
	 * event loop runs. */
	err = err ?: open_control(dm);
	if (err)
		return err;
	/* before any module loads: they pin under the canonical path */
	if (dm->o.pin_dir && (err = pin_setup(dm->o.pin_dir)))
		return err;
	p = load_policy(dm->o.policy_path, "", NULL, 0);
	if (!p)
		return -EINVAL;
	err = output_open(dm->o.outputs, dm->o.noutputs, dm->o.fmt);
	if (err) {
		policy_free(p);
		return err;
	}
	proctable_init();
	process_set_wake_batch(WAKE_BATCH);
	err = apply_policy(dm, p, NULL, 0);
	if (err)
		return err;
	/* after attaching, so no process can start unseen in between */
	clock_gettime(CLOCK_MONOTONIC, &t0);
	proctable_snapshot();
	log_debug("process table snapshot of /proc in %.1f ms",
		  log_phase_ms(&t0));
	err = watch_policy_file(dm);
	return err ?: setup_fds(dm);
}

/* Containers' names and images from their runtimes' sockets, unless
 * both sockets are "". After block_signals: the thread must not take
 * the daemon's signals. */
static int start_identity(const struct daemon_opts *o)
{
	struct ctr_sockets s = { o->docker_socket, o->podman_socket };
	int err;

	if ((!s.docker || !*s.docker) && (!s.podman || !*s.podman))
		return 0;
	err = ctr_ident_start(&s);
	if (err) {
		log_err("cannot start the container lookup thread: %s", strerror(-err));
		return err;
	}
	out.container = ctr_ident_json;
	return 0;
}

int daemon_run(const struct daemon_opts *o)
{
	struct daemon dm = { .o = *o, .inofd = -1, .sigfd = -1, .timerfd = -1,
			     .epfd = -1 };
	int err = 0;

	allow_untrusted = dm.o.allow_untrusted;
	dm.started = time(NULL);
	log_setup_libbpf();
	block_signals();
	/* a busy or bad address is refused before any program loads */
	if (dm.o.metrics_addr && !(err = metrics_start(dm.o.metrics_addr)))
		out.observe = metrics_observe;
	err = err ?: start_identity(&dm.o);
	err = err ?: start(&dm);
	if (!err) {
		log_info("ready: enforcing policy \"%s\" (%zu rules)",
			 dm.agent.active->name ? dm.agent.active->name : dm.agent.active->file,
			 dm.agent.active->nrules);
		notify_ready();
		err = event_loop(&dm);
		notify_stopping();
		emit_stats(&dm, true);
	}
	metrics_stop();
	out.container = NULL;
	ctr_ident_stop();
	control_close();
	agent_unload(&dm.agent);
	pin_watch_free();
	free(dm.cg_ids);
	output_close();
	proctable_free();
	return err ? 1 : 0;
}
