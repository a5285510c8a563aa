#include <ctype.h>
#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "lib/json.h"
#include "process/proctable.h"

#define BUCKETS		16384
#define DEAD_KEEP	8192	/* exited entries remembered for ancestry */

static struct pnode *buckets[BUCKETS];
static struct pnode *dead_head, *dead_tail;
static unsigned dead_count;

static unsigned bucket_of(uint32_t pid)
{
	return (pid * 2654435761u) % BUCKETS;
}

static bool key_eq(struct exec_key a, struct exec_key b)
{
	return a.pid == b.pid && a.ktime == b.ktime;
}

void proctable_init(void)
{
	memset(buckets, 0, sizeof(buckets));
	dead_head = dead_tail = NULL;
	dead_count = 0;
}

static void unlink_node(struct pnode *n)
{
	struct pnode **pp = &buckets[bucket_of(n->key.pid)];

	while (*pp && *pp != n)
		pp = &(*pp)->next;
	if (*pp)
		*pp = n->next;
}

void proctable_free(void)
{
	for (unsigned i = 0; i < BUCKETS; i++) {
		struct pnode *n = buckets[i], *next;

		for (; n; n = next) {
			next = n->next;
			free(n->binary);
			free(n);
		}
		buckets[i] = NULL;
	}
	dead_head = dead_tail = NULL;
	dead_count = 0;
}

struct pnode *proctable_get(struct exec_key key)
{
	struct pnode *n = buckets[bucket_of(key.pid)];

	while (n && !key_eq(n->key, key))
		n = n->next;
	return n;
}

struct pnode *proctable_by_pid(uint32_t pid)
{
	struct pnode *n = buckets[bucket_of(pid)], *best = NULL;

	for (; n; n = n->next)
		if (n->key.pid == pid && !n->exited &&
		    (!best || n->key.ktime > best->key.ktime))
			best = n;
	return best;
}

struct pnode *proctable_put(struct exec_key key, struct exec_key parent,
			    const char *binary)
{
	struct pnode *n = proctable_get(key);

	if (!n) {
		n = calloc(1, sizeof(*n));
		if (!n)
			return NULL;
		n->key = key;
		n->next = buckets[bucket_of(key.pid)];
		buckets[bucket_of(key.pid)] = n;
	}
	n->parent = parent;
	if (binary && (!n->binary || strcmp(n->binary, binary) != 0)) {
		free(n->binary);
		n->binary = strdup(binary);
	}
	return n;
}

static void evict_oldest_dead(void)
{
	struct pnode *n = dead_head;

	dead_head = n->dead_next;
	if (!dead_head)
		dead_tail = NULL;
	dead_count--;
	unlink_node(n);
	free(n->binary);
	free(n);
}

void proctable_exit(struct exec_key key)
{
	struct pnode *n = proctable_get(key);

	if (!n || n->exited)
		return;
	n->exited = true;
	n->dead_next = NULL;
	if (dead_tail)
		dead_tail->dead_next = n;
	else
		dead_head = n;
	dead_tail = n;
	if (++dead_count > DEAD_KEEP)
		evict_oldest_dead();
}

int proctable_ancestors(struct exec_key key, const char **out, int max)
{
	struct pnode *n = proctable_get(key);
	int count = 0;

	while (n && count < max) {
		struct pnode *p = proctable_get(n->parent);

		if (!p || p == n)
			break;
		out[count++] = p->binary ? p->binary : "?";
		n = p;
	}
	return count;
}

/* "PID:KTIME", twice in every event: without snprintf, which was a tenth
 * of the encoder's time. */
void exec_id_format(struct exec_key k, char *buf, int len)
{
	char tmp[48], *p = u64_digits(k.ktime, tmp + sizeof(tmp));
	size_t n;

	if (len <= 0)
		return;
	*--p = ':';
	p = u64_digits(k.pid, p);
	n = tmp + sizeof(tmp) - p;
	if (n >= (size_t)len)
		n = len - 1;
	memcpy(buf, p, n);
	buf[n] = '\0';
}

struct proc_stat {
	uint32_t ppid;
	uint64_t start_ns;
};

/* /proc/PID/stat: comm may hold spaces and ')', so parse after the last ')'. */
static int read_stat(uint32_t pid, struct proc_stat *st)
{
	char path[64], buf[1024], *p;
	unsigned long long start;
	FILE *f;
	size_t n;
	int ppid;

	snprintf(path, sizeof(path), "/proc/%u/stat", pid);
	f = fopen(path, "r");
	if (!f)
		return -1;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	p = strrchr(buf, ')');
	if (!p || sscanf(p + 2, "%*c %d %*s %*s %*s %*s %*s %*s %*s %*s %*s "
			 "%*s %*s %*s %*s %*s %*s %*s %*s %llu", &ppid, &start) != 2)
		return -1;
	st->ppid = ppid;
	/* starttime is in clock ticks; the kernel side uses the same unit */
	st->start_ns = start * (1000000000ULL / sysconf(_SC_CLK_TCK));
	return 0;
}

static void snapshot_one(uint32_t pid)
{
	struct proc_stat st, pst = { 0 };
	char path[64], exe[PATH_MAX];
	ssize_t n;
	struct exec_key key, parent;

	if (read_stat(pid, &st))
		return;
	if (st.ppid)
		read_stat(st.ppid, &pst);
	snprintf(path, sizeof(path), "/proc/%u/exe", pid);
	n = readlink(path, exe, sizeof(exe) - 1);
	exe[n > 0 ? n : 0] = '\0';
	key = (struct exec_key){ pid, st.start_ns };
	parent = (struct exec_key){ st.ppid, pst.start_ns };
	proctable_put(key, parent, n > 0 ? exe : NULL);
}

int proctable_snapshot(void)
{
	DIR *d = opendir("/proc");
	struct dirent *e;
	int count = 0;

	if (!d)
		return -1;
	while ((e = readdir(d))) {
		if (!isdigit((unsigned char)e->d_name[0]))
			continue;
		snapshot_one(strtoul(e->d_name, NULL, 10));
		count++;
	}
	closedir(d);
	return count;
}
