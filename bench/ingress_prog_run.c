/* Benchmark helper for bench/ingress.sh.
 *
 *   ingress_prog_run warden N     ns/packet of warden's XDP program with N
 *                                 IPv4 prefixes loaded (BPF_PROG_TEST_RUN)
 *   ingress_prog_run prog ID      ns/packet of the loaded XDP program ID
 *                                 (e.g. xdp-filter's) on the same packet
 *   ingress_prog_run flood IFACE SECONDS
 *                                 send UDP frames from 10.99.0.2 through
 *                                 IFACE as fast as AF_PACKET allows
 *
 * The test packet is a UDP datagram from 10.99.0.2 to 10.99.0.1 port 9;
 * warden's table holds N prefixes plus 10.99.0.0/16 -> drop, so the
 * packet walks a full trie and is dropped. */
#define _GNU_SOURCE	/* sendmmsg */
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <linux/if_packet.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <sys/socket.h>
#include "warden/ingress_abi.h"
#include "ingress.skel.h"

#define REPEAT	2000000
#define BATCH	65536

static unsigned char pkt[64];

static void make_packet(void)
{
	static const unsigned char hdr[] = {
		0x02, 0, 0, 0, 0, 1, 0x02, 0, 0, 0, 0, 2, 0x08, 0x00,
		0x45, 0, 0, 50, 0, 1, 0, 0, 64, 17, 0, 0,
		10, 99, 0, 2, 10, 99, 0, 1,
		0x30, 0x39, 0, 9, 0, 30, 0, 0,
	};

	memcpy(pkt, hdr, sizeof(hdr));
}

static long run_prog(int fd)
{
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = pkt,
		    .data_size_in = sizeof(pkt), .repeat = REPEAT);

	if (bpf_prog_test_run_opts(fd, &o)) {
		fprintf(stderr, "BPF_PROG_TEST_RUN: %s\n", strerror(errno));
		return -1;
	}
	return (long)o.duration;	/* mean ns per run */
}

/* n prefixes spread over 1.0.0.0 - 99.x, /24 and /32 mixed */
static int fill_prefixes(int fd, long n)
{
	struct ingress_key4 *k = calloc(BATCH, sizeof(*k));
	__u32 *v = calloc(BATCH, sizeof(*v));

	if (!k || !v)
		return -ENOMEM;
	for (long i = 0; i < n;) {
		__u32 count = 0;

		for (; i < n && count < BATCH; i++, count++) {
			__u32 a = htonl(0x01000000u + (__u32)i * 257u);

			k[count].prefixlen = INGRESS_SCOPE_BITS + (i % 4 ? 32 : 24);
			k[count].scope = INGRESS_SCOPE(0, 1);
			memcpy(k[count].addr, &a, 4);
			if (i % 4 == 0)
				k[count].addr[3] = 0;
			v[count] = 0;
		}
		if (bpf_map_update_batch(fd, k, v, &count, NULL))
			return -errno;
	}
	free(k);
	free(v);
	return 0;
}

static int bench_warden(long n)
{
	struct ingress_iface_cfg cfg = { .default_action = INGRESS_PASS,
					 .default_rule = 0, .unparseable_rule = 1,
					 .non_ip_rule = 2 };
	struct ingress_iface_key ik = { 0, 1 };
	struct ingress_set allow = { 1, { { 3, INGRESS_PASS, 0, 0, 0 } } };
	struct ingress_set drop = { 1, { { 4, INGRESS_DROP, 0, 0, 0 } } };
	struct ingress_key4 k = { INGRESS_SCOPE_BITS + 16, INGRESS_SCOPE(0, 1),
				  { 10, 99, 0, 0 } };
	struct ingress_bpf *skel = ingress_bpf__open_and_load();
	__u32 one = 1, zero = 0;
	struct timespec t0, t1;
	long ns;

	if (!skel) {
		fprintf(stderr, "cannot load ingress.bpf.o: %s\n", strerror(errno));
		return 1;
	}
	bpf_map_update_elem(bpf_map__fd(skel->maps.ing_iface_cfg), &ik, &cfg, 0);
	bpf_map_update_elem(bpf_map__fd(skel->maps.ing_rule_sets), &zero, &allow, 0);
	bpf_map_update_elem(bpf_map__fd(skel->maps.ing_rule_sets), &one, &drop, 0);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (fill_prefixes(bpf_map__fd(skel->maps.ing_prefix_v4), n)) {
		fprintf(stderr, "filling the trie: %s\n", strerror(errno));
		return 1;
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	bpf_map_update_elem(bpf_map__fd(skel->maps.ing_prefix_v4), &k, &one, 0);
	/* ctx ingress_ifindex stays 0 in test runs: key the config on it */
	ik.ifindex = 0;
	bpf_map_update_elem(bpf_map__fd(skel->maps.ing_iface_cfg), &ik, &cfg, 0);
	k.scope = INGRESS_SCOPE(0, 0);
	bpf_map_update_elem(bpf_map__fd(skel->maps.ing_prefix_v4), &k, &one, 0);
	ns = run_prog(bpf_program__fd(skel->progs.ingress_xdp));
	printf("%ld %.3f\n", ns, (double)(t1.tv_sec - t0.tv_sec) +
	       (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
	ingress_bpf__destroy(skel);
	return ns < 0;
}

static int bench_prog_id(__u32 id)
{
	int fd = bpf_prog_get_fd_by_id(id);
	long ns;

	if (fd < 0) {
		fprintf(stderr, "program %u: %s\n", id, strerror(errno));
		return 1;
	}
	ns = run_prog(fd);
	printf("%ld\n", ns);
	return ns < 0;
}

static int flood(const char *ifname, int seconds)
{
	struct sockaddr_ll sll = { .sll_family = AF_PACKET,
				   .sll_ifindex = (int)if_nametoindex(ifname),
				   .sll_halen = 6 };
	struct mmsghdr msgs[256];
	struct iovec iov = { pkt, sizeof(pkt) };
	int s = socket(AF_PACKET, SOCK_RAW, 0);
	time_t end = time(NULL) + seconds;
	unsigned long sent = 0;

	if (s < 0 || !sll.sll_ifindex ||
	    bind(s, (struct sockaddr *)&sll, sizeof(sll))) {
		fprintf(stderr, "flood %s: %s\n", ifname, strerror(errno));
		return 1;
	}
	memset(msgs, 0, sizeof(msgs));
	for (int i = 0; i < 256; i++) {
		msgs[i].msg_hdr.msg_iov = &iov;
		msgs[i].msg_hdr.msg_iovlen = 1;
	}
	while (time(NULL) < end) {
		int n = sendmmsg(s, msgs, 256, 0);

		if (n > 0)
			sent += (unsigned long)n;
	}
	printf("%lu\n", sent);
	return 0;
}

int main(int argc, char **argv)
{
	make_packet();
	libbpf_set_print(NULL);
	if (argc == 3 && !strcmp(argv[1], "warden"))
		return bench_warden(atol(argv[2]));
	if (argc == 3 && !strcmp(argv[1], "prog"))
		return bench_prog_id((__u32)atol(argv[2]));
	if (argc == 4 && !strcmp(argv[1], "flood"))
		return flood(argv[2], atoi(argv[3]));
	fprintf(stderr, "usage: ingress_prog_run warden N | prog ID | "
		"flood IFACE SECONDS\n");
	return 2;
}
