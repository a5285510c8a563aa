#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/stat.h>
#include "container/identity.h"
#include "container/runtime.h"
#include "lib/cgroup.h"
#include "lib/json.h"
#include "lib/log.h"

#define BUCKETS		1024	/* hash chains, by id */
#define QUEUE_LEN	64	/* lookups waiting for the thread */
#define RETRY_S		10	/* a failed lookup is tried again after */
#define CGPATH_KEEP	512	/* longer cgroup paths: evicted by age only */

enum state { PENDING, KNOWN, FAILED };

struct entry {
	struct entry *next;		/* in its bucket */
	char id[CONTAINER_ID_LEN + 1];
	char runtime[16];
	char cgpath[CGPATH_KEEP];	/* "" when too long to keep */
	enum state state;		/* written by the thread, under lock */
	bool queued;
	time_t retry_at;
	uint64_t last_seen;		/* for eviction when the cache is full */
	struct ctr_identity ident;
};

struct request {
	char id[CONTAINER_ID_LEN + 1];
	char runtime[16];
};

/* Only the main thread adds or removes entries (it may walk the chains
 * unlocked); the lookup thread finds them under lock and fills them. */
static struct {
	pthread_mutex_t lock;
	pthread_cond_t wake;
	pthread_t thread;
	bool running, stop;
	struct ctr_sockets sock;
	struct entry *bucket[BUCKETS];
	size_t count;
	uint64_t seen;
	struct request queue[QUEUE_LEN];
	size_t qhead, qlen;
	int ticks;
} ci = { .lock = PTHREAD_MUTEX_INITIALIZER, .wake = PTHREAD_COND_INITIALIZER };

static size_t hash(const char *id)
{
	uint32_t h = 2166136261u;

	for (; *id; id++)
		h = (h ^ (unsigned char)*id) * 16777619u;
	return h % BUCKETS;
}

static struct entry *find(const char *id)
{
	for (struct entry *e = ci.bucket[hash(id)]; e; e = e->next)
		if (!strcmp(e->id, id))
			return e;
	return NULL;
}

/* Ask the runtime's own socket first, then the other one (a bare id in
 * the cgroup path does not say whose it is). */
static int lookup(const struct request *r, struct ctr_identity *out)
{
	const char *order[2] = { ci.sock.docker, ci.sock.podman };
	int err = -ENOENT;

	if (!strcmp(r->runtime, "podman")) {
		order[0] = ci.sock.podman;
		order[1] = ci.sock.docker;
	}
	for (int i = 0; i < 2; i++) {
		if (!order[i] || !*order[i])
			continue;
		err = ctr_inspect(order[i], r->id, out);
		if (!err)
			return 0;
		log_debug("container %.12s: %s: %s", r->id, order[i], strerror(-err));
	}
	return err;
}

static void settle(const struct request *r, int err, const struct ctr_identity *id)
{
	struct entry *e;

	pthread_mutex_lock(&ci.lock);
	e = find(r->id);	/* it may have gone meanwhile */
	if (e) {
		e->queued = false;
		if (err) {
			e->state = FAILED;
			e->retry_at = time(NULL) + RETRY_S;
		} else {
			e->ident = *id;
			e->state = KNOWN;
		}
	}
	pthread_mutex_unlock(&ci.lock);
}

static void *worker(void *arg)
{
	struct ctr_identity id;
	struct request r;
	int err;

	pthread_mutex_lock(&ci.lock);
	while (!ci.stop) {
		if (!ci.qlen) {
			pthread_cond_wait(&ci.wake, &ci.lock);
			continue;
		}
		r = ci.queue[ci.qhead];
		ci.qhead = (ci.qhead + 1) % QUEUE_LEN;
		ci.qlen--;
		pthread_mutex_unlock(&ci.lock);
		err = lookup(&r, &id);
		settle(&r, err, &id);
		pthread_mutex_lock(&ci.lock);
	}
	pthread_mutex_unlock(&ci.lock);
	return NULL;
}

/* Under lock. A full queue leaves the entry unqueued: its next event
 * tries again. */
static void enqueue(struct entry *e)
{
	struct request *r;

	if (e->queued || ci.qlen == QUEUE_LEN)
		return;
	r = &ci.queue[(ci.qhead + ci.qlen++) % QUEUE_LEN];
	memcpy(r->id, e->id, sizeof(r->id));
	memcpy(r->runtime, e->runtime, sizeof(r->runtime));
	e->queued = true;
	pthread_cond_signal(&ci.wake);
}

/* Main thread only. */
static void unlink_entry(struct entry *victim)
{
	struct entry **pp = &ci.bucket[hash(victim->id)];

	pthread_mutex_lock(&ci.lock);
	while (*pp && *pp != victim)
		pp = &(*pp)->next;
	if (*pp)
		*pp = victim->next;
	ci.count--;
	pthread_mutex_unlock(&ci.lock);
	free(victim);
}

static void evict_oldest(void)
{
	struct entry *old = NULL;

	for (size_t b = 0; b < BUCKETS; b++)
		for (struct entry *e = ci.bucket[b]; e; e = e->next)
			if (!old || e->last_seen < old->last_seen)
				old = e;
	if (old)
		unlink_entry(old);
}

static struct entry *add(const char *runtime, const char *id, const char *cgpath)
{
	struct entry *e;
	size_t b;

	if (ci.count >= CTR_CACHE_MAX)
		evict_oldest();
	e = calloc(1, sizeof(*e));
	if (!e)
		return NULL;
	snprintf(e->id, sizeof(e->id), "%s", id);
	snprintf(e->runtime, sizeof(e->runtime), "%s", runtime);
	if (cgpath && strlen(cgpath) < sizeof(e->cgpath))
		strcpy(e->cgpath, cgpath);
	e->state = PENDING;
	b = hash(id);
	pthread_mutex_lock(&ci.lock);
	e->next = ci.bucket[b];
	ci.bucket[b] = e;
	ci.count++;
	pthread_mutex_unlock(&ci.lock);
	return e;
}

static void put_known(struct jbuf *j, const struct ctr_identity *id)
{
	static const struct { const char *key; size_t off; } f[] = {
		{ "container_name", offsetof(struct ctr_identity, name) },
		{ "container_image", offsetof(struct ctr_identity, image) },
		{ "pod_name", offsetof(struct ctr_identity, pod_name) },
		{ "pod_namespace", offsetof(struct ctr_identity, pod_namespace) },
		{ "pod_uid", offsetof(struct ctr_identity, pod_uid) },
	};

	for (size_t i = 0; i < sizeof(f) / sizeof(f[0]); i++) {
		const char *v = (const char *)id + f[i].off;

		if (*v)		/* jb_str escapes whatever the runtime said */
			jb_kstr(j, f[i].key, v);
	}
}

void ctr_ident_json(struct jbuf *j, const char *runtime, const char *id,
		    const char *cgroup_path)
{
	struct ctr_identity known;
	struct entry *e;
	enum state st;

	if (!ci.running)
		return;
	e = find(id) ?: add(runtime, id, cgroup_path);
	if (!e) {
		jb_kstr(j, "container_lookup", "failed");
		return;
	}
	e->last_seen = ++ci.seen;
	pthread_mutex_lock(&ci.lock);
	st = e->state;
	if (st == KNOWN)
		known = e->ident;
	else if (st == PENDING || time(NULL) >= e->retry_at)
		enqueue(e);
	pthread_mutex_unlock(&ci.lock);
	if (st == KNOWN)
		put_known(j, &known);
	else
		jb_kstr(j, "container_lookup", st == PENDING ? "pending" : "failed");
}

static bool cgroup_gone(const struct entry *e)
{
	const char *root = cgroup2_root();
	char path[CGPATH_KEEP + 4096];
	struct stat st;

	if (!e->cgpath[0] || !root)
		return false;
	snprintf(path, sizeof(path), "%s%s", root, e->cgpath);
	return stat(path, &st) && errno == ENOENT;
}

void ctr_ident_tick(void)
{
	if (!ci.running || ++ci.ticks % 5)
		return;
	for (size_t b = 0; b < BUCKETS; b++) {
		struct entry *e = ci.bucket[b], *next;

		for (; e; e = next) {
			next = e->next;
			if (cgroup_gone(e))
				unlink_entry(e);
		}
	}
}

int ctr_ident_start(const struct ctr_sockets *s)
{
	int err;

	ci.sock = *s;
	ci.stop = false;
	err = pthread_create(&ci.thread, NULL, worker, NULL);
	if (err)
		return -err;
	ci.running = true;
	return 0;
}

void ctr_ident_stop(void)
{
	if (!ci.running)
		return;
	pthread_mutex_lock(&ci.lock);
	ci.stop = true;
	pthread_cond_signal(&ci.wake);
	pthread_mutex_unlock(&ci.lock);
	/* a lookup under way ends within the socket timeout */
	pthread_join(ci.thread, NULL);
	ci.running = false;
	for (size_t b = 0; b < BUCKETS; b++) {
		while (ci.bucket[b]) {
			struct entry *e = ci.bucket[b];

			ci.bucket[b] = e->next;
			free(e);
		}
	}
	ci.count = 0;
	ci.qlen = 0;
}
