/* The network of `warden run`: loads bpf/run/run_net.bpf.c, attaches it
 * to the run's cgroup only, fills the allowed prefixes and the resolvers
 * whose DNS goes to the proxy, and turns its events into the report. */
#include <errno.h>
#include <string.h>
#include <time.h>
#include <sys/socket.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "lib/log.h"
#include "core/module.h"
#include "core/objload.h"
#include "run/internal.h"
#include "run/report.h"
#include "warden/run_net_abi.h"
#include "run_net.skel.h"

static struct run_net_bpf *skel;
#define NLINKS 9
static struct bpf_link *links[NLINKS];
static uint32_t last_dns_pid;

/* The LPM key of c in buf; the map's fd. */
static int prefix_key(const struct cidr *c, void *buf)
{
	if (c->family == 4) {
		struct lpm4 *k = buf;

		k->prefixlen = c->prefix_len;
		memcpy(k->addr, c->addr, 4);
		return bpf_map__fd(skel->maps.run_allow4);
	} else {
		struct lpm6 *k = buf;

		k->prefixlen = c->prefix_len;
		memcpy(k->addr, c->addr, 16);
		return bpf_map__fd(skel->maps.run_allow6);
	}
}

/* until: CLOCK_MONOTONIC ns when the entry ends, 0 = the whole run. */
static int add_prefix(const struct cidr *c, __u64 until)
{
	struct lpm6 key;	/* the larger of the two */
	int fd = prefix_key(c, &key);

	return bpf_map_update_elem(fd, &key, &until, BPF_ANY) ? -errno : 0;
}

static __u64 now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);	/* = bpf_ktime_get_ns() */
	return (__u64)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

int run_net_allow_addr(int family, const uint8_t *a, uint32_t ttl)
{
	struct cidr c = { .family = family, .prefix_len = family == 4 ? 32 : 128 };
	struct lpm6 key;
	__u64 until;
	int fd;

	if (!skel)
		return 0;
	memcpy(c.addr, a, family == 4 ? 4 : 16);
	fd = prefix_key(&c, &key);
	/* a prefix of the policy covers it for the whole run already: a /32
	 * that ends would shadow it, the trie returns the longest match */
	if (bpf_map_lookup_elem(fd, &key, &until) == 0 && until == 0)
		return 0;
	if (ttl < RUN_DNS_TTL_MIN)
		ttl = RUN_DNS_TTL_MIN;
	if (ttl > RUN_DNS_TTL_MAX)
		ttl = RUN_DNS_TTL_MAX;
	return add_prefix(&c, now_ns() + ttl * 1000000000ull);
}

static int fill_allowed(const struct run_policy *rp)
{
	struct cidr lo4 = { .family = 4, .prefix_len = 8, .addr = { 127 } };
	struct cidr lo6 = { .family = 6, .prefix_len = 128, .addr = { [15] = 1 } };
	int err = 0;

	for (size_t i = 0; i < rp->nnets && !err; i++)
		err = add_prefix(&rp->nets[i], 0);
	if (!err && rp->allow_loopback)
		err = add_prefix(&lo4, 0) ?: add_prefix(&lo6, 0);
	return err;
}

static int fill_resolvers(const struct cidr *res, size_t n)
{
	__u8 one = 1;

	for (size_t i = 0; i < n; i++) {
		struct resolver_key k = { 0 };

		memcpy(k.addr, res[i].addr, res[i].family == 4 ? 4 : 16);
		if (bpf_map_update_elem(bpf_map__fd(skel->maps.run_resolv), &k,
					&one, BPF_ANY))
			return -errno;
	}
	return 0;
}

static void on_bypass(const struct net_event *e)
{
	char what[96];

	rep_addr_text(e->family, e->addr, what, sizeof(what));
	snprintf(what + strlen(what), sizeof(what) - strlen(what),
		 " port %u/%s", e->port, rep_proto_name(e->proto));
	rep_violation(V_DNS_BYPASS, e->pid, "network.dns", what,
		      e->verdict == NET_BLOCKED);
}

static void on_socket(const struct net_event *e)
{
	char what[96];

	rep_sock_text(what, sizeof(what), e->sock_kind,
		      e->family == 6 ? AF_INET6 : AF_INET, e->sock_type,
		      e->sock_kind == SK_MPTCP ? 262 : e->proto);	/* > 8 bits */
	rep_violation(V_SOCKET, e->pid, "network.sockets", what,
		      e->verdict == NET_BLOCKED);
}

static int on_net_event(void *ctx, void *data, size_t size)
{
	const struct net_event *e = data;

	if (size < sizeof(*e))
		return 0;
	if (e->kind == NK_DNS_BYPASS) {
		on_bypass(e);
		return 0;
	}
	if (e->kind == NK_SOCKET) {
		on_socket(e);
		return 0;
	}
	if (e->verdict == NET_DNS_PROXIED) {
		last_dns_pid = e->pid;
		return 0;
	}
	rep_conn(e->pid, e->family, e->addr, e->port, e->proto,
		 e->verdict == NET_ALLOWED);
	return 0;
}

uint32_t run_net_last_dns_pid(void)
{
	return last_dns_pid;
}

static int attach_all(int cgroup_fd)
{
	struct bpf_program *progs[] = {
		skel->progs.run_connect4, skel->progs.run_connect6,
		skel->progs.run_sendmsg4, skel->progs.run_sendmsg6,
		skel->progs.run_recvmsg4, skel->progs.run_recvmsg6,
		skel->progs.run_getpeername4, skel->progs.run_getpeername6,
		skel->progs.run_sock_create,
	};

	for (int i = 0; i < NLINKS; i++) {
		links[i] = bpf_program__attach_cgroup(progs[i], cgroup_fd);
		if (!links[i]) {
			int err = -errno;

			log_err("cannot attach %s to the run's cgroup: %s",
				bpf_program__section_name(progs[i]), strerror(-err));
			return err;
		}
	}
	return 0;
}

int run_net_start(const struct run_policy *rp, const struct net_plan *np,
		  int cgroup_fd, bool enforce, struct ring_buffer **rb)
{
	int err;

	skel = run_net_bpf__open();
	if (!skel)
		return obj_load_failed(NULL, "the run's network programs", -errno);
	skel->rodata->enforce = enforce;
	skel->rodata->redirect_dns = np->port4_be || np->port6_be;
	skel->rodata->proxy_port4 = np->port4_be;
	skel->rodata->proxy_port6 = np->port6_be;
	skel->rodata->proxy_tcp4 = np->tcp4_be;
	skel->rodata->proxy_tcp6 = np->tcp6_be;
	skel->rodata->sock_allow = rp->sock_allow;
	err = run_net_bpf__load(skel);
	if (err)
		return obj_load_failed(skel->obj, "the run's network programs", err);
	err = fill_allowed(rp) ?: fill_resolvers(np->resolvers, np->nresolvers);
	if (err) {
		log_err("cannot fill the egress allow-list: %s", strerror(-err));
		return err;
	}
	err = attach_all(cgroup_fd);
	if (err)
		return err;
	return rb_add(rb, bpf_map__fd(skel->maps.run_events), on_net_event, NULL);
}

uint64_t run_net_lost(void)
{
	__u32 zero = 0;
	__u64 v = 0;

	if (skel)
		bpf_map_lookup_elem(bpf_map__fd(skel->maps.run_lost), &zero, &v);
	return v;
}

void run_net_stop(void)
{
	for (int i = 0; i < NLINKS; i++) {
		bpf_link__destroy(links[i]);
		links[i] = NULL;
	}
	run_net_bpf__destroy(skel);
	skel = NULL;
}
