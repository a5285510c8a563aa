/* Egress events: check each record, add what the kernel did not know
 * (cgroup path, container, binary, ancestry, list names) and print it. The
 * kernel sends the first attempt of each (cgroup, destination, decision)
 * per epoch; the rest arrive here as counts when the epoch is drained. */
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include "lib/cgroup.h"
#include "egress/internal.h"
#include "policy/policy.h"
#include "lib/output.h"
#include "process/proctable.h"

#define DRAIN_BATCH	4096
#define MAX_ANC_OUT	16

/* A removed cgroup is simply not found. */
static const char *cgroup_path_cached(struct egress_state *st, uint64_t id)
{
	size_t slot = id % EGRESS_CG_CACHE;
	char buf[PATH_MAX];

	if (st->cg_cache[slot].id == id && st->cg_cache[slot].path)
		return st->cg_cache[slot].path;
	if (cgroup_path_of(id, buf, sizeof(buf)))
		return NULL;
	free(st->cg_cache[slot].path);
	st->cg_cache[slot].path = strdup(buf);
	st->cg_cache[slot].id = id;
	return st->cg_cache[slot].path;
}

void egress_events_free(struct egress_state *st)
{
	for (size_t i = 0; i < EGRESS_CG_CACHE; i++) {
		free(st->cg_cache[i].path);
		st->cg_cache[i].path = NULL;
	}
}

/* Name of list/scope id + 1 in the policy of generation gen. */
static const char *decider_name(const struct egress_state *st, __u8 gen,
				__u8 reason, __u32 id)
{
	const struct policy *p = st->gen_policy[gen & 1];
	const struct egress_policy *ep = p ? p->egress : NULL;

	if (!id-- || !ep)
		return NULL;
	if (reason == REASON_LIST)
		return id < ep->nlists ? ep->lists[id].name : NULL;
	if (reason != REASON_ALLOW && reason != REASON_DEFAULT)
		return NULL;
	return id < ep->nscopes ? ep->scopes[id].name : NULL;
}

static const char *verdict_word(__u8 v)
{
	switch (v) {
	case VERDICT_ALLOW: return "allow";
	case VERDICT_ALERT: return "alert";
	case VERDICT_BLOCK: return "block";
	default: return "pass";
	}
}

static const char *reason_word(__u8 r)
{
	switch (r) {
	case REASON_LIST: return "list";
	case REASON_ALLOW: return "allow-list";
	case REASON_DEFAULT: return "default";
	case REASON_SOCKET: return "socket-kind";
	default: return NULL;
	}
}

static void proto_word(char *buf, size_t len, __u8 proto)
{
	switch (proto) {
	case 6: snprintf(buf, len, "tcp"); break;
	case 17: snprintf(buf, len, "udp"); break;
	case 1: snprintf(buf, len, "icmp"); break;
	case 58: snprintf(buf, len, "icmpv6"); break;
	case 136: snprintf(buf, len, "udplite"); break;
	case 255: snprintf(buf, len, "raw"); break;
	default: snprintf(buf, len, "%u", proto);
	}
}

static bool is_v4_mapped(const __u8 *a)
{
	static const __u8 head[12] = { [10] = 0xff, [11] = 0xff };

	return memcmp(a, head, 12) == 0;
}

static void addr_text(const struct egress_event *ev, char *buf, size_t len)
{
	if (is_v4_mapped(ev->addr))
		inet_ntop(AF_INET, &ev->addr[12], buf, len);
	else
		inet_ntop(AF_INET6, ev->addr, buf, len);
}

/* ---- enrichment ------------------------------------------------------ */

struct who {
	const char *binary;
	struct pnode *proc;
	char exe[PATH_MAX];
};

/* The binary is read from /proc while the process lives: the process
 * table only learns of execs the process policy reports, so its entry can
 * still name the image before exec. Its exec_id is used when both agree. */
static void find_process(uint32_t pid, struct who *w)
{
	char link[64];
	ssize_t n;

	w->proc = proctable_by_pid(pid);
	w->binary = w->proc ? w->proc->binary : NULL;
	snprintf(link, sizeof(link), "/proc/%u/exe", pid);
	n = readlink(link, w->exe, sizeof(w->exe) - 1);
	if (n <= 0)
		return;
	w->exe[n] = '\0';
	if (w->binary && strcmp(w->binary, w->exe) != 0)
		w->proc = NULL;
	w->binary = w->exe;
}

static void json_process(struct jbuf *j, const struct egress_event *ev,
			 const struct who *w)
{
	const char *anc[MAX_ANC_OUT];
	char id[48];
	int n = 0;

	jb_ku64(j, "pid", ev->pid);
	if (ev->tid)
		jb_ku64(j, "tid", ev->tid);
	jb_ku64(j, "uid", ev->uid);
	jb_key(j, "comm");
	jb_strn(j, ev->comm, strnlen(ev->comm, EGRESS_COMM_LEN));
	jb_key(j, "binary");
	if (w->binary)
		jb_str(j, w->binary);
	else
		jb_null(j);
	jb_key(j, "exec_id");
	if (w->proc) {
		exec_id_format(w->proc->key, id, sizeof(id));
		jb_str(j, id);
		n = proctable_ancestors(w->proc->key, anc, MAX_ANC_OUT);
	} else {
		jb_null(j);
	}
	jb_key(j, "ancestors");
	jb_arr_open(j);
	for (int i = 0; i < n; i++)
		jb_str(j, anc[i]);
	jb_arr_close(j);
}

static const char *json_cgroup(struct egress_state *st, struct jbuf *j,
			       uint64_t cgid, char *cid)
{
	const char *path = cgroup_path_cached(st, cgid);

	jb_ku64(j, "cgroup_id", cgid);
	jb_key(j, "cgroup");
	if (path)
		jb_str(j, path);
	else
		jb_null(j);
	return output_container(j, path, cid);
}

static void json_destination(struct jbuf *j, const struct egress_event *ev)
{
	char addr[INET6_ADDRSTRLEN], proto[16];

	proto_word(proto, sizeof(proto), ev->proto);
	jb_kstr(j, "protocol", proto);
	jb_kstr(j, "socket_family", ev->family == 4 ? "ipv4" :
		ev->family == 6 ? "ipv6" : ev->family == 17 ? "packet" : "other");
	if (ev->type == EGRESS_EV_SOCKET) {
		jb_ku64(j, "socket_type", ev->sock_type);
		return;
	}
	addr_text(ev, addr, sizeof(addr));
	jb_kstr(j, "address", addr);
	jb_ku64(j, "port", ev->port);
	if (ev->family == 6 && is_v4_mapped(ev->addr))
		jb_kbool(j, "v4_mapped", true);
}

static const char *json_decision(const struct egress_state *st, struct jbuf *j,
				 const struct egress_event *ev)
{
	const char *reason = reason_word(ev->reason);
	const char *name = decider_name(st, ev->gen, ev->reason, ev->list);

	jb_kstr(j, "decision", verdict_word(ev->verdict));
	jb_kbool(j, "blocked", ev->verdict == VERDICT_BLOCK);
	if (reason)
		jb_kstr(j, "reason", reason);
	if (name)
		jb_kstr(j, ev->reason == REASON_LIST ? "list" : "scope", name);
	return name;
}

static void json_outcomes(struct jbuf *j, const uint64_t *o)
{
	static const char *const names[OUT__COUNT] = {
		"established", "refused", "timed_out", "unreachable", "other",
	};

	jb_key(j, "tcp_outcomes");
	jb_obj_open(j);
	for (int i = 0; i < OUT__COUNT; i++)
		jb_ku64(j, names[i], o[i]);
	jb_obj_close(j);
}

/* Print one report: a single attempt (count 1) or a summary. */
static void print_report(struct egress_state *st,
			 const struct egress_event *ev, uint64_t count,
			 const uint64_t *outcomes, bool summary,
			 uint64_t last_ktime)
{
	static struct jbuf j;	/* scratch: its buffer is reused per report */
	const char *type = ev->type == EGRESS_EV_SOCKET ? "socket" :
			   summary ? "connect_summary" : "connect";
	char cid[CONTAINER_ID_LEN + 1];
	struct who w;

	find_process(ev->pid, &w);
	output_begin(&j, type, summary ? last_ktime : ev->ktime);	/* 0: now */
	json_process(&j, ev, &w);
	json_cgroup(st, &j, ev->cgroup_id, cid);
	json_destination(&j, ev);
	json_decision(st, &j, ev);
	jb_ku64(&j, "count", count);
	if (summary && ev->ktime) {
		jb_ku64(&j, "first_ktime_ns", ev->ktime);
		jb_ku64(&j, "last_ktime_ns", last_ktime);
	}
	if (outcomes)
		json_outcomes(&j, outcomes);
	if (ev->flags & EGRESS_EVF_UNAGGREGATED)
		jb_kbool(&j, "unaggregated", true);
	output_emit(&j);
	st->counts.attempts += ev->type == EGRESS_EV_CONNECT ? count : 0;
}

int egress_event_cb(void *ctx, void *data, size_t size)
{
	struct egress_state *st = ctx;
	const struct egress_event *ev = data;

	if (size < sizeof(*ev)) {
		st->counts.bad_records++;
		return 0;
	}
	st->counts.events++;
	print_report(st, ev, 1, NULL, false, 0);
	return 0;
}

/* ---- aggregation summaries ------------------------------------------- */

static void event_of_entry(struct egress_event *ev, const struct egress_agg_key *k,
			   const struct egress_agg_val *v)
{
	memset(ev, 0, sizeof(*ev));
	ev->type = EGRESS_EV_CONNECT;
	ev->cgroup_id = k->cgroup_id;
	memcpy(ev->addr, k->addr, 16);
	ev->port = k->port;
	ev->proto = k->proto;
	ev->verdict = k->verdict;
	ev->reason = k->reason;
	ev->list = k->list;
	ev->gen = k->gen;
	if (!v)
		return;
	ev->pid = v->pid;
	ev->uid = v->uid;
	ev->family = v->family;
	ev->ktime = v->first_ktime;
	memcpy(ev->comm, v->comm, sizeof(ev->comm));
}

/* Keys of epoch from fd (at most max). */
static size_t collect(int fd, __u8 epoch, struct egress_agg_key *keys,
		      size_t max)
{
	struct egress_agg_key k, next;
	size_t n = 0;
	void *prev = NULL;

	while (n < max && bpf_map_get_next_key(fd, prev, &next) == 0) {
		if (next.epoch == epoch)
			keys[n++] = next;
		k = next;
		prev = &k;
	}
	return n;
}

static void summarize(struct egress_state *st, int agg_fd, int outcomes_fd,
		      const struct egress_agg_key *k)
{
	struct egress_outcomes o = { 0 };
	struct egress_agg_val v;
	struct egress_event ev;
	bool have_v = bpf_map_lookup_elem(agg_fd, k, &v) == 0;
	bool have_o = bpf_map_lookup_elem(outcomes_fd, k, &o) == 0;
	uint64_t rest = have_v ? v.count - v.reported : 0;

	if (have_v)
		bpf_map_delete_elem(agg_fd, k);
	if (have_o)
		bpf_map_delete_elem(outcomes_fd, k);
	if (!rest && !have_o)
		return;
	event_of_entry(&ev, k, have_v ? &v : NULL);
	st->counts.summaries++;
	print_report(st, &ev, rest, have_o ? (const uint64_t *)o.n : NULL, true,
		     have_v ? v.last_ktime : 0);
}

void egress_drain(struct egress_state *st, int agg_fd, int outcomes_fd,
		  __u8 epoch)
{
	static struct egress_agg_key keys[DRAIN_BATCH];	/* scratch, 160 KiB */
	size_t n;

	/* entries are deleted as they are reported: repeat while a batch
	 * came back full */
	do {
		n = collect(agg_fd, epoch, keys, DRAIN_BATCH);
		for (size_t i = 0; i < n; i++)
			summarize(st, agg_fd, outcomes_fd, &keys[i]);
	} while (n == DRAIN_BATCH);
	/* outcomes whose connect was counted in an earlier epoch */
	do {
		n = collect(outcomes_fd, epoch, keys, DRAIN_BATCH);
		for (size_t i = 0; i < n; i++)
			summarize(st, agg_fd, outcomes_fd, &keys[i]);
	} while (n == DRAIN_BATCH);
}
