/* Where the egress hooks run: one set of cgroup links per attach point
 * the policy names (the cgroup2 root by default). New points are attached
 * before a switch, old ones detached after it, so no connect goes
 * unchecked in between. With --pin, every link is pinned as
 * DIR/egress/links/cg<cgroup id>_<hook>: the hooks outlive the daemon, and
 * a new daemon's links replace the pinned ones one by one. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <bpf/bpf.h>
#include "core/pin.h"
#include "core/tamper.h"
#include "egress/internal.h"
#include "lib/cgroup.h"
#include "egress.skel.h"

static const char *const hook_names[EGRESS_CG_PROGS] = {
	"connect4", "connect6", "sendmsg4", "sendmsg6", "sock_create",
};

static struct bpf_program *cg_prog(struct egress_state *st, int i)
{
	struct bpf_program *progs[EGRESS_CG_PROGS] = {
		st->skel->progs.egress_connect4, st->skel->progs.egress_connect6,
		st->skel->progs.egress_sendmsg4, st->skel->progs.egress_sendmsg6,
		st->skel->progs.egress_sock_create,
	};

	return progs[i];
}

static void link_name(char *buf, size_t len, uint64_t cg_id, int hook)
{
	snprintf(buf, len, "cg%llu_%s", (unsigned long long)cg_id,
		 hook_names[hook]);
}

/* unpin: also remove the pins (detaching the hooks for good); without,
 * pinned hooks keep enforcing after the daemon. */
static void detach(struct egress_attach *a, bool unpin)
{
	char name[64];

	for (int i = 0; i < EGRESS_CG_PROGS; i++) {
		if (unpin && a->cg_id) {
			link_name(name, sizeof(name), a->cg_id, i);
			pin_unlink("egress", name);
		}
		bpf_link__destroy(a->links[i]);
	}
	if (a->cg_fd > 0)
		close(a->cg_fd);
	memset(a, 0, sizeof(*a));
}

static int open_cgroup(struct egress_attach *a, const char *rel,
		       struct diags *d)
{
	const char *root = cgroup2_root();
	char full[PATH_MAX];
	struct stat s;

	if (!root) {
		diag_add(d, 0, 0, "network.egress: no cgroup2 mount to attach to");
		return -ENOENT;
	}
	snprintf(a->path, sizeof(a->path), "%s", rel);
	snprintf(full, sizeof(full), "%s%s", root, strcmp(rel, "/") ? rel : "");
	a->cg_fd = open(full, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (a->cg_fd < 0 || fstat(a->cg_fd, &s)) {
		int err = -errno;

		diag_add(d, 0, 0, "network.egress: cannot open cgroup %s: %s",
			 full, strerror(-err));
		return err;
	}
	a->cg_id = s.st_ino;
	return 0;
}

static void same_name(const char *name, void *ctx)
{
	const char **want = ctx;

	if (*want && !strcmp(name, *want))
		*want = NULL;
}

/* Did an earlier daemon pin a link by this name? */
static bool pinned(const char *name)
{
	const char *want = name;

	pin_each_link("egress", same_name, &want);
	return want == NULL;
}

static int attach_hook(struct egress_state *st, struct egress_attach *a,
		       int i, struct diags *d)
{
	char name[64];
	int err;

	a->links[i] = bpf_program__attach_cgroup(cg_prog(st, i), a->cg_fd);
	if (!a->links[i]) {
		err = -errno;
		diag_add(d, 0, 0, "network.egress: cannot attach %s to cgroup "
			 "%s: %s", bpf_program__section_name(cg_prog(st, i)),
			 a->path, strerror(-err));
		return err;
	}
	link_name(name, sizeof(name), a->cg_id, i);
	a->adopted |= pinned(name);
	err = pin_link(a->links[i], "egress", name);
	if (err)
		diag_add(d, 0, 0, "network.egress: cannot pin the %s hook of "
			 "cgroup %s: %s", hook_names[i], a->path, strerror(-err));
	return err;
}

static int attach(struct egress_state *st, struct egress_attach *a,
		  const char *rel, struct diags *d)
{
	int err = open_cgroup(a, rel, d);

	for (int i = 0; !err && i < EGRESS_CG_PROGS; i++)
		err = attach_hook(st, a, i, d);
	if (err) {
		detach(a, !a->adopted);
		return err;
	}
	a->wanted = true;
	return 0;
}

static struct egress_attach *find_attach(struct egress_state *st,
					 const char *rel)
{
	for (int i = 0; i < EGRESS_MAX_ATTACH; i++)
		if (st->att[i].cg_fd > 0 && !strcmp(st->att[i].path, rel))
			return &st->att[i];
	return NULL;
}

static int want_attach(struct egress_state *st, const char *rel,
		       struct diags *d)
{
	struct egress_attach *a = find_attach(st, rel);

	if (a) {
		a->wanted = true;
		return 0;
	}
	for (int i = 0; i < EGRESS_MAX_ATTACH; i++)
		if (st->att[i].cg_fd <= 0)
			return attach(st, &st->att[i], rel, d);
	diag_add(d, 0, 0, "network.egress: more than %d attach points",
		 EGRESS_MAX_ATTACH);
	return -E2BIG;
}

int egress_attach_wanted(struct egress_state *st,
			 const struct egress_policy *ep, struct diags *d)
{
	int err = 0;

	for (int i = 0; i < EGRESS_MAX_ATTACH; i++)
		st->att[i].wanted = false;
	if (!ep)
		return 0;
	if (!ep->attach.n)
		return want_attach(st, "/", d);
	for (size_t i = 0; i < ep->attach.n && !err; i++)
		err = want_attach(st, ep->attach.v[i], d);
	return err;
}

/* Is name the pin of a hook at a point still attached? */
static bool ours(const struct egress_state *st, const char *name)
{
	char mine[64];

	for (int i = 0; i < EGRESS_MAX_ATTACH; i++)
		for (int h = 0; st->att[i].cg_fd > 0 && h < EGRESS_CG_PROGS; h++) {
			link_name(mine, sizeof(mine), st->att[i].cg_id, h);
			if (!strcmp(mine, name))
				return true;
		}
	return false;
}

/* A hook an earlier daemon pinned at a point this policy does not name. */
static void unpin_stale(const char *name, void *ctx)
{
	if (!strncmp(name, "cg", 2) && !ours(ctx, name))
		pin_unlink("egress", name);
}

/* After a switch the points not wanted go, pins and all, with those an
 * earlier daemon left. After an abort, a point whose pins an earlier
 * daemon made keeps them: they hold what was enforced before. */
void egress_detach_unwanted(struct egress_state *st, bool switched)
{
	for (int i = 0; i < EGRESS_MAX_ATTACH; i++) {
		struct egress_attach *a = &st->att[i];

		if (a->cg_fd > 0 && !a->wanted)
			detach(a, switched || !a->adopted);
		else if (switched)
			a->adopted = false;
	}
	if (switched)
		pin_each_link("egress", unpin_stale, st);
}

void egress_detach_all(struct egress_state *st)
{
	for (int i = 0; i < EGRESS_MAX_ATTACH; i++)
		if (st->att[i].cg_fd > 0)
			detach(&st->att[i], false);
}

static void count_hook(const char *name, void *ctx)
{
	if (!strncmp(name, "cg", 2))
		++*(int *)ctx;
}

bool egress_pinned_hooks(void)
{
	int n = 0;

	pin_each_link("egress", count_hook, &n);
	return n > 0;
}

/* Whether link still holds a cgroup: BPF_LINK_DETACH by another root
 * process leaves the link with none (its info says cgroup id 0). */
static bool detached(struct bpf_link *link)
{
	struct bpf_link_info li = { 0 };
	__u32 len = sizeof(li);

	return !bpf_link_get_info_by_fd(bpf_link__fd(link), &li, &len) &&
	       li.type == BPF_LINK_TYPE_CGROUP && li.cgroup.cgroup_id == 0;
}

int egress_verify_links(struct egress_state *st)
{
	char name[64];
	int n = 0;

	for (int i = 0; i < EGRESS_MAX_ATTACH; i++) {
		struct egress_attach *a = &st->att[i];

		for (int h = 0; a->cg_fd > 0 && h < EGRESS_CG_PROGS; h++) {
			struct diags d;

			if (!a->links[h] || !detached(a->links[h]))
				continue;
			bpf_link__destroy(a->links[h]);
			a->links[h] = NULL;
			diags_init(&d, "network.egress");
			link_name(name, sizeof(name), a->cg_id, h);
			tamper_event("link", name, attach_hook(st, a, h, &d) == 0);
			diags_print(&d, stderr);
			diags_free(&d);
			n++;
		}
	}
	return n;
}
