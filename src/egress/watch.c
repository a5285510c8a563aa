/* Watching list files with inotify. The directory is watched, not the
 * file, so editors and feed updaters that write a new file and rename it
 * over the old one are seen as well as in-place writes. */
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/inotify.h>
#include "egress/watch.h"
#include "lib/log.h"

struct watched {
	int wd;
	char *base;
};

void egress_watch_close(struct egress_watch *w)
{
	if (w->open)
		close(w->fd);
	for (size_t i = 0; i < w->nfiles; i++)
		free(w->files[i].base);
	free(w->files);
	*w = (struct egress_watch){ 0 };
}

static int watch_file(struct egress_watch *w, const char *path)
{
	char d[PATH_MAX], b[PATH_MAX];
	struct watched *v;
	int wd;

	snprintf(d, sizeof(d), "%s", path);
	snprintf(b, sizeof(b), "%s", path);
	wd = inotify_add_watch(w->fd, dirname(d), IN_CLOSE_WRITE | IN_MOVED_TO);
	if (wd < 0) {
		log_warn("cannot watch list file %s: %s (edits need SIGHUP)",
			 path, strerror(errno));
		return 0;
	}
	v = realloc(w->files, (w->nfiles + 1) * sizeof(*v));
	if (!v)
		return -ENOMEM;
	w->files = v;
	v[w->nfiles].wd = wd;
	v[w->nfiles].base = strdup(basename(b));
	if (!v[w->nfiles].base)
		return -ENOMEM;
	w->nfiles++;
	return 0;
}

static int watch_source(struct egress_watch *w, const struct egress_source *s)
{
	for (size_t i = 0; i < s->files.n; i++) {
		int err = watch_file(w, s->files.v[i]);

		if (err)
			return err;
	}
	return 0;
}

int egress_watch_reset(struct egress_watch *w, const struct egress_policy *ep)
{
	int err = 0;

	egress_watch_close(w);
	if (!ep)
		return 0;
	w->fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (w->fd < 0)
		return -errno;
	w->open = true;
	for (size_t i = 0; !err && i < ep->nlists; i++)
		err = watch_source(w, &ep->lists[i].src);
	for (size_t i = 0; !err && i < ep->nscopes; i++)
		err = watch_source(w, &ep->scopes[i].src);
	return err;
}

static bool is_watched(const struct egress_watch *w, const struct inotify_event *e)
{
	for (size_t i = 0; i < w->nfiles; i++)
		if (w->files[i].wd == e->wd && e->len &&
		    !strcmp(w->files[i].base, e->name))
			return true;
	return false;
}

bool egress_watch_changed(struct egress_watch *w)
{
	char buf[4096] __attribute__((aligned(8)));
	bool changed = false;
	ssize_t n;

	if (!w->open)
		return false;
	while ((n = read(w->fd, buf, sizeof(buf))) > 0) {
		for (char *p = buf; p < buf + n;) {
			struct inotify_event *e = (void *)p;

			changed |= is_watched(w, e);
			p += sizeof(*e) + e->len;
		}
	}
	return changed;
}
