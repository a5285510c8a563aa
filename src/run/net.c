/* Egress allow-list of `warden run`: loads bpf/run_net.bpf.c, attaches it
 * to the run's cgroup only, fills the allowed prefixes and turns its
 * events into the report. */
#include <errno.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "lib/log.h"
#include "core/module.h"
#include "core/objload.h"
#include "run/internal.h"
#include "warden/run_net_abi.h"
#include "run_net.skel.h"

static struct run_net_bpf *skel;
static struct bpf_link *links[6];
static uint32_t last_dns_pid;

static int add_prefix(const struct cidr *c)
{
	__u8 one = 1;

	if (c->family == 4) {
		struct lpm4 k = { .prefixlen = c->prefix_len };

		memcpy(k.addr, c->addr, 4);
		return bpf_map_update_elem(bpf_map__fd(skel->maps.run_allow4), &k,
					   &one, BPF_ANY) ? -errno : 0;
	} else {
		struct lpm6 k = { .prefixlen = c->prefix_len };

		memcpy(k.addr, c->addr, 16);
		return bpf_map_update_elem(bpf_map__fd(skel->maps.run_allow6), &k,
					   &one, BPF_ANY) ? -errno : 0;
	}
}

int run_net_allow_addr(int family, const uint8_t *a)
{
	struct cidr c = { .family = family, .prefix_len = family == 4 ? 32 : 128 };

	if (!skel)
		return 0;
	memcpy(c.addr, a, family == 4 ? 4 : 16);
	return add_prefix(&c);
}

static int fill_allowed(const struct run_policy *rp)
{
	struct cidr lo4 = { .family = 4, .prefix_len = 8, .addr = { 127 } };
	struct cidr lo6 = { .family = 6, .prefix_len = 128, .addr = { [15] = 1 } };
	int err = 0;

	for (size_t i = 0; i < rp->nnets && !err; i++)
		err = add_prefix(&rp->nets[i]);
	if (!err && rp->allow_loopback)
		err = add_prefix(&lo4) ?: add_prefix(&lo6);
	return err;
}

static int on_net_event(void *ctx, void *data, size_t size)
{
	const struct net_event *e = data;

	if (size < sizeof(*e))
		return 0;
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

int run_net_dns_upstream(int *family, uint8_t *addr, uint16_t *port_be)
{
	struct dns_dest d;
	__u32 zero = 0;

	if (!skel || bpf_map_lookup_elem(bpf_map__fd(skel->maps.run_dns_up),
					 &zero, &d) || !d.family)
		return -ENOENT;
	*family = d.family;
	memcpy(addr, d.addr, 16);
	*port_be = d.port;
	return 0;
}

static int attach_all(int cgroup_fd)
{
	struct bpf_program *progs[] = {
		skel->progs.run_connect4, skel->progs.run_connect6,
		skel->progs.run_sendmsg4, skel->progs.run_sendmsg6,
		skel->progs.run_recvmsg4, skel->progs.run_recvmsg6,
	};

	for (int i = 0; i < 6; i++) {
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

int run_net_start(const struct run_policy *rp, int cgroup_fd, bool enforce,
		  uint16_t port4_be, uint16_t port6_be, struct ring_buffer **rb)
{
	int err;

	skel = run_net_bpf__open();
	if (!skel)
		return obj_load_failed(NULL, "the run's network programs", -errno);
	skel->rodata->enforce = enforce;
	skel->rodata->redirect_dns = port4_be || port6_be;
	skel->rodata->proxy_port4 = port4_be;
	skel->rodata->proxy_port6 = port6_be;
	err = run_net_bpf__load(skel);
	if (err)
		return obj_load_failed(skel->obj, "the run's network programs", err);
	err = fill_allowed(rp);
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
	for (int i = 0; i < 6; i++) {
		bpf_link__destroy(links[i]);
		links[i] = NULL;
	}
	run_net_bpf__destroy(skel);
	skel = NULL;
}
