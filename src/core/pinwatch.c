#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "core/pinwatch.h"
#include "core/tamper.h"
#include "lib/safefile.h"

struct watched {
	char *path;
	bool link;
	__u32 id;	/* 0: not learnt yet */
	int fd;		/* a map's, kept: the marker has no other holder */
	dev_t dev;
	ino_t ino;
};

static struct watched *w;
static size_t n_w, cap_w;

static struct watched *find(const char *path)
{
	for (size_t i = 0; i < n_w; i++)
		if (!strcmp(w[i].path, path))
			return &w[i];
	return NULL;
}

/* The id and inode of what is pinned at e->path now; false if nothing. */
static bool learn(struct watched *e)
{
	struct bpf_link_info li = { 0 };
	struct bpf_map_info mi = { 0 };
	__u32 len = e->link ? sizeof(li) : sizeof(mi);
	struct stat st;
	int fd, err;

	if (lstat(e->path, &st) || !S_ISREG(st.st_mode))
		return false;
	fd = bpf_obj_get(e->path);
	if (fd < 0)
		return false;
	err = e->link ? bpf_link_get_info_by_fd(fd, &li, &len)
		      : bpf_map_get_info_by_fd(fd, &mi, &len);
	/* a link's fd is not kept: destroying the daemon's link must detach */
	if (err || e->link) {
		close(fd);
		if (err)
			return false;
	} else {
		if (e->fd >= 0)
			close(e->fd);
		e->fd = fd;
	}
	e->id = e->link ? li.id : mi.id;
	e->dev = st.st_dev;
	e->ino = st.st_ino;
	return true;
}

void pin_watch_add(const char *path, bool link)
{
	struct watched *e = find(path);

	if (!e) {
		if (n_w == cap_w) {
			struct watched *nw = realloc(w, (cap_w = cap_w ? 2 * cap_w : 32) * sizeof(*w));

			if (!nw)
				return;
			w = nw;
		}
		e = &w[n_w];
		*e = (struct watched){ .path = strdup(path), .link = link, .fd = -1 };
		if (!e->path)
			return;
		n_w++;
	}
	e->id = 0;
	learn(e);
}

void pin_watch_drop(const char *path)
{
	struct watched *e = find(path);

	if (!e)
		return;
	if (e->fd >= 0)
		close(e->fd);
	free(e->path);
	*e = w[--n_w];
}

/* Pin the object e->id at e->path again, its directories made first
 * (no symlink followed: a directory swapped for a link is refused). */
static bool restore(struct watched *e)
{
	char dir[PATH_MAX], base[PATH_MAX];
	int fd, dfd;
	bool ok;

	fd = e->link ? bpf_link_get_fd_by_id(e->id) : dup(e->fd);
	if (fd < 0)
		return false;
	snprintf(dir, sizeof(dir), "%s", e->path);
	snprintf(base, sizeof(base), "%s", basename(dir));
	snprintf(dir, sizeof(dir), "%s", e->path);
	dfd = safe_mkdirs(dirname(dir), 0700);
	/* only ever unlink inside a bpffs directory (pins are nowhere else) */
	ok = dfd >= 0 && safe_on_bpffs(dfd);
	if (ok) {
		LIBBPF_OPTS(bpf_obj_pin_opts, o, .file_flags = BPF_F_PATH_FD,
			    .path_fd = dfd);

		unlinkat(dfd, base, 0);	/* another object planted there */
		ok = bpf_obj_pin_opts(fd, base, &o) == 0;
	}
	if (dfd >= 0)
		close(dfd);
	close(fd);
	return ok && learn(e);
}

int pin_watch_check(void)
{
	struct stat st;
	int n = 0;

	for (size_t i = 0; i < n_w; i++) {
		struct watched *e = &w[i];

		if (!e->id) {
			learn(e);	/* a map pinned at load; missing: not yet */
			continue;
		}
		if (!lstat(e->path, &st) && st.st_ino == e->ino &&
		    st.st_dev == e->dev && S_ISREG(st.st_mode))
			continue;
		tamper_event("pin", e->path, restore(e));
		n++;
	}
	return n;
}

void pin_watch_free(void)
{
	for (size_t i = 0; i < n_w; i++) {
		if (w[i].fd >= 0)
			close(w[i].fd);
		free(w[i].path);
	}
	free(w);
	w = NULL;
	n_w = cap_w = 0;
}
