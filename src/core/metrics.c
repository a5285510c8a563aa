#include <arpa/inet.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "core/agent.h"
#include "core/metrics.h"
#include "core/module.h"
#include "lib/jscan.h"
#include "lib/log.h"
#include "lib/output.h"
#include "lib/prom.h"

/* One counter with up to three label values. */
struct counter {
	char *l[3];
	uint64_t n;
};

struct counters {
	struct counter *v;
	size_t n, cap;
};

static struct {
	bool on;
	struct counters by_type;	/* type */
	struct counters matches;	/* module, rule, action */
	struct MHD_Daemon *httpd;
	pthread_mutex_t lock;		/* guards page */
	char *page;
	size_t page_len;
} mx = { .lock = PTHREAD_MUTEX_INITIALIZER };

bool metrics_enabled(void)
{
	return mx.on;
}

static bool same(const char *a, const char *b)
{
	return strcmp(a ? a : "", b ? b : "") == 0;
}

static void count(struct counters *c, const char *a, const char *b,
		  const char *d, uint64_t by)
{
	struct counter *e;

	for (size_t i = 0; i < c->n; i++) {
		e = &c->v[i];
		if (same(e->l[0], a) && same(e->l[1], b) && same(e->l[2], d)) {
			e->n += by;
			return;
		}
	}
	if (c->n == c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 16;
		struct counter *v = realloc(c->v, cap * sizeof(*v));

		if (!v)
			return;
		c->v = v;
		c->cap = cap;
	}
	e = &c->v[c->n++];
	e->l[0] = a ? strdup(a) : NULL;
	e->l[1] = b ? strdup(b) : NULL;
	e->l[2] = d ? strdup(d) : NULL;
	e->n = by;
}

static void counters_free(struct counters *c)
{
	for (size_t i = 0; i < c->n; i++)
		for (int k = 0; k < 3; k++)
			free(c->v[i].l[k]);
	free(c->v);
	*c = (struct counters){ 0 };
}

static const char *module_of(const char *type)
{
	static const char *const process[] = {
		"exec", "exit", "fork", "syscall", "file", NULL,
	};

	for (int i = 0; process[i]; i++)
		if (!strcmp(type, process[i]))
			return "process";
	if (!strncmp(type, "connect", 7) || !strcmp(type, "socket"))
		return "egress";
	return NULL;
}

enum { K_TYPE, K_RULE, K_IDX, K_ACTION, K_DECISION, K_LIST, K_SCOPE, K_COUNT };

/* Process rules report each match as one event; egress reports matches
 * as events or summaries with a count. Ingress drop events are sampled
 * (rate-limited): its matches come from the kernel's counters instead. */
void metrics_observe(const char *line, size_t len)
{
	static const char *const keys[] = {
		"type", "rule", "rule_index", "action", "decision", "list",
		"scope", "count", NULL,
	};
	struct jval v[8];
	char type[32], rule[256], action[32], num[24];
	const char *mod;

	if (!mx.on || jscan(line, len, keys, v) || !v[K_TYPE].found)
		return;
	jscan_str(&v[K_TYPE], type, sizeof(type));
	count(&mx.by_type, type, NULL, NULL, 1);
	mod = module_of(type);
	if (!mod)
		return;
	if (!strcmp(mod, "process") && v[K_ACTION].found &&
	    (v[K_RULE].found || v[K_IDX].found)) {
		if (v[K_RULE].found)
			jscan_str(&v[K_RULE], rule, sizeof(rule));
		else
			snprintf(rule, sizeof(rule), "#%s",
				 jscan_str(&v[K_IDX], num, sizeof(num)));
		count(&mx.matches, mod, rule, jscan_str(&v[K_ACTION], action,
				 sizeof(action)), 1);
	} else if (!strcmp(mod, "egress") && v[K_DECISION].found &&
		   (v[K_LIST].found || v[K_SCOPE].found)) {
		jscan_str(v[K_LIST].found ? &v[K_LIST] : &v[K_SCOPE], rule,
			  sizeof(rule));
		jscan_str(&v[K_DECISION], action, sizeof(action));
		count(&mx.matches, mod, rule, action,
		      v[K_COUNT].found ? strtoull(jscan_str(&v[K_COUNT], num,
				 sizeof(num)), NULL, 10) : 1);
	}
}

/* ---- rendering (the daemon's thread) -------------------------------- */

static void render_events(struct prom *p)
{
	prom_family(p, "warden_events_total", "counter",
		    "Events produced, by type (each goes to every output; "
		    "what an output could not take is in "
		    "warden_output_write_failed_total).");
	for (size_t i = 0; i < mx.by_type.n; i++)
		prom_sample_u64(p, "warden_events_total", mx.by_type.v[i].n,
				"type", mx.by_type.v[i].l[0], NULL);
	prom_family(p, "warden_output_write_failed_total", "counter",
		    "Event lines lost because the output could not be written.");
	prom_sample_u64(p, "warden_output_write_failed_total", out.failed, NULL);
}

static void render_matches(struct prom *p)
{
	prom_family(p, "warden_rule_matches_total", "counter",
		    "Rule matches by module, rule and action (ingress: packets "
		    "counted in the kernel).");
	for (size_t i = 0; i < mx.matches.n; i++) {
		struct counter *c = &mx.matches.v[i];

		prom_sample_u64(p, "warden_rule_matches_total", c->n, "module",
				c->l[0], "rule", c->l[1], "action", c->l[2], NULL);
	}
	for (int i = 0; i < n_modules; i++)
		if (modules[i]->loaded && modules[i]->prom_matches)
			modules[i]->prom_matches(p);
}

static void render_losses(struct prom *p)
{
	prom_family(p, "warden_losses_total", "counter",
		    "Events or records lost, by module and cause.");
	prom_sample_u64(p, "warden_losses_total", out.failed, "module", "output",
			"cause", "write_failed", NULL);
	for (int i = 0; i < n_modules; i++)
		if (modules[i]->loaded && modules[i]->prom_losses)
			modules[i]->prom_losses(p);
}

static void render_modules(struct prom *p)
{
	prom_family(p, "warden_module_loaded", "gauge",
		    "1 when the module's BPF programs are loaded and attached.");
	for (int i = 0; i < n_modules; i++)
		prom_sample_u64(p, "warden_module_loaded", modules[i]->loaded,
				"module", modules[i]->name, NULL);
}

static void render_policy(struct prom *p, const struct metrics_policy *pol)
{
	prom_family(p, "warden_policy_generation", "gauge",
		    "Policies loaded successfully since the start (the running one's number).");
	prom_sample_u64(p, "warden_policy_generation", pol->generation, NULL);
	prom_family(p, "warden_policy_loads_total", "counter",
		    "Policy loads, by result.");
	prom_sample_u64(p, "warden_policy_loads_total", pol->loaded, "result",
			"loaded", NULL);
	prom_sample_u64(p, "warden_policy_loads_total", pol->rejected, "result",
			"rejected", NULL);
	prom_family(p, "warden_policy_load_duration_seconds", "gauge",
		    "How long the last successful policy load took.");
	prom_sample(p, "warden_policy_load_duration_seconds",
		    pol->last_load_seconds, NULL);
	prom_family(p, "warden_policy_last_load_timestamp_seconds", "gauge",
		    "When the running policy was loaded (Unix time).");
	prom_sample(p, "warden_policy_last_load_timestamp_seconds",
		    pol->last_load_time, NULL);
	prom_family(p, "warden_policy_rules", "gauge",
		    "Process rules in the running policy.");
	prom_sample_u64(p, "warden_policy_rules", pol->rules, NULL);
}

/* The name of the ring buffer's map (its label), or its index. */
static void ring_name(struct ring *r, unsigned i, char *buf, size_t len)
{
	struct bpf_map_info info = { 0 };
	__u32 ilen = sizeof(info);

	if (bpf_map_get_info_by_fd(ring__map_fd(r), &info, &ilen) == 0 &&
	    info.name[0])
		snprintf(buf, len, "%s", info.name);
	else
		snprintf(buf, len, "%u", i);
}

static void render_rings(struct prom *p, struct agent *a)
{
	struct ring *r;
	char name[BPF_OBJ_NAME_LEN + 8];

	prom_family(p, "warden_ringbuf_used_bytes", "gauge",
		    "Bytes waiting in each BPF ring buffer for the daemon to read.");
	for (unsigned i = 0; a->rb && (r = ring_buffer__ring(a->rb, i)); i++) {
		ring_name(r, i, name, sizeof(name));
		prom_sample_u64(p, "warden_ringbuf_used_bytes",
				ring__avail_data_size(r), "ring", name, NULL);
	}
	prom_family(p, "warden_ringbuf_size_bytes", "gauge",
		    "Size of each BPF ring buffer.");
	for (unsigned i = 0; a->rb && (r = ring_buffer__ring(a->rb, i)); i++) {
		ring_name(r, i, name, sizeof(name));
		prom_sample_u64(p, "warden_ringbuf_size_bytes", ring__size(r),
				"ring", name, NULL);
	}
}

void metrics_publish(struct agent *a, const struct metrics_policy *pol)
{
	struct prom p;
	char *old;

	if (!mx.on)
		return;
	prom_init(&p);
	render_events(&p);
	render_matches(&p);
	render_losses(&p);
	render_modules(&p);
	render_policy(&p, pol);
	render_rings(&p, a);
	if (p.oom) {
		prom_free(&p);
		return;		/* the last page stays: stale, not wrong */
	}
	pthread_mutex_lock(&mx.lock);
	old = mx.page;
	mx.page = p.buf;
	mx.page_len = p.len;
	pthread_mutex_unlock(&mx.lock);
	free(old);
}

/* ---- the HTTP server (libmicrohttpd's thread) ------------------------ */

#ifndef WARDEN_NO_METRICS
#include <microhttpd.h>

static enum MHD_Result reply(struct MHD_Connection *c, unsigned status,
			     char *body, size_t len, const char *type)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(len, body,
						MHD_RESPMEM_MUST_FREE);
	enum MHD_Result ret;

	if (!r) {
		free(body);
		return MHD_NO;
	}
	MHD_add_response_header(r, "Content-Type", type);
	ret = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c,
				  const char *url, const char *method,
				  const char *version, const char *upload,
				  size_t *upload_len, void **state)
{
	char *body;
	size_t len;

	if (strcmp(method, "GET") && strcmp(method, "HEAD"))
		return reply(c, MHD_HTTP_METHOD_NOT_ALLOWED,
			     strdup("only GET\n"), 9, "text/plain");
	if (strcmp(url, "/metrics"))
		return reply(c, MHD_HTTP_NOT_FOUND, strdup("see /metrics\n"),
			     13, "text/plain");
	pthread_mutex_lock(&mx.lock);
	len = mx.page_len;
	body = malloc(len ? len : 1);
	if (body)
		memcpy(body, mx.page, len);
	pthread_mutex_unlock(&mx.lock);
	if (!body)
		return MHD_NO;
	return reply(c, MHD_HTTP_OK, body, len,
		     "text/plain; version=0.0.4; charset=utf-8");
}

static int parse_addr(const char *addr, struct sockaddr_storage *ss)
{
	char host[64];
	const char *colon = strrchr(addr, ':');
	struct sockaddr_in *v4 = (void *)ss;
	struct sockaddr_in6 *v6 = (void *)ss;
	char *end;
	unsigned long port;
	size_t hl;

	if (!colon)
		return -EINVAL;
	port = strtoul(colon + 1, &end, 10);
	hl = (size_t)(colon - addr);
	if (!colon[1] || *end || port > 65535 || hl >= sizeof(host))
		return -EINVAL;
	memcpy(host, addr, hl);
	host[hl] = '\0';
	memset(ss, 0, sizeof(*ss));
	if (hl > 2 && host[0] == '[' && host[hl - 1] == ']') {
		host[hl - 1] = '\0';
		v6->sin6_family = AF_INET6;
		v6->sin6_port = htons(port);
		return inet_pton(AF_INET6, host + 1, &v6->sin6_addr) == 1 ? 0 : -EINVAL;
	}
	v4->sin_family = AF_INET;
	v4->sin_port = htons(port);
	return inet_pton(AF_INET, hl ? host : "0.0.0.0", &v4->sin_addr) == 1 ?
	       0 : -EINVAL;
}

int metrics_start(const char *addr)
{
	struct sockaddr_storage ss;
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG;

	if (parse_addr(addr, &ss)) {
		log_err("--metrics: expected HOST:PORT or [IPV6]:PORT, not \"%s\"", addr);
		return -EINVAL;
	}
	if (ss.ss_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	mx.on = true;
	mx.httpd = MHD_start_daemon(flags, 0, NULL, NULL, on_request, NULL,
				    MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
				    MHD_OPTION_CONNECTION_LIMIT, 16u,
				    MHD_OPTION_CONNECTION_TIMEOUT, 10u,
				    MHD_OPTION_END);
	if (!mx.httpd) {
		mx.on = false;
		log_err("--metrics: cannot listen on %s", addr);
		return -EADDRNOTAVAIL;
	}
	log_info("metrics: serving http://%s/metrics", addr);
	return 0;
}

static void stop_server(void)
{
	if (mx.httpd)
		MHD_stop_daemon(mx.httpd);
	mx.httpd = NULL;
}
#else
int metrics_start(const char *addr)
{
	log_err("--metrics: this build has no HTTP server (built with "
		"STATIC=1, without libmicrohttpd)");
	return -ENOTSUP;
}

static void stop_server(void)
{
}
#endif

void metrics_stop(void)
{
	stop_server();
	mx.on = false;
	counters_free(&mx.by_type);
	counters_free(&mx.matches);
	free(mx.page);
	mx.page = NULL;
	mx.page_len = 0;
}
