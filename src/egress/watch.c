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

static int ino_fd = -1;
static struct watched *files;
static size_t nfiles;

void egress_watch_close(void)
{
	if (ino_fd >= 0)
		close(ino_fd);
	ino_fd = -1;
	for (size_t i = 0; i < nfiles; i++)
		free(files[i].base);
	free(files);
	files = NULL;
	nfiles = 0;
}

static int watch_file(const char *path)
{
	char d[PATH_MAX], b[PATH_MAX];
	struct watched *v;
	int wd;

	snprintf(d, sizeof(d), "%s", path);
	snprintf(b, sizeof(b), "%s", path);
	wd = inotify_add_watch(ino_fd, dirname(d), IN_CLOSE_WRITE | IN_MOVED_TO);
	if (wd < 0) {
		log_warn("cannot watch list file %s: %s (edits need SIGHUP)",
			 path, strerror(errno));
		return 0;
	}
	v = realloc(files, (nfiles + 1) * sizeof(*v));
	if (!v)
		return -ENOMEM;
	files = v;
	files[nfiles].wd = wd;
	files[nfiles].base = strdup(basename(b));
	if (!files[nfiles].base)
		return -ENOMEM;
	nfiles++;
	return 0;
}

static int watch_source(const struct egress_source *s)
{
	for (size_t i = 0; i < s->files.n; i++) {
		int err = watch_file(s->files.v[i]);

		if (err)
			return err;
	}
	return 0;
}

int egress_watch_reset(const struct egress_policy *ep)
{
	int err = 0;

	egress_watch_close();
	if (!ep)
		return 0;
	ino_fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (ino_fd < 0)
		return -errno;
	for (size_t i = 0; !err && i < ep->nlists; i++)
		err = watch_source(&ep->lists[i].src);
	for (size_t i = 0; !err && i < ep->nscopes; i++)
		err = watch_source(&ep->scopes[i].src);
	return err;
}

static bool is_watched(const struct inotify_event *e)
{
	for (size_t i = 0; i < nfiles; i++)
		if (files[i].wd == e->wd && e->len && !strcmp(files[i].base, e->name))
			return true;
	return false;
}

bool egress_watch_changed(void)
{
	char buf[4096] __attribute__((aligned(8)));
	bool changed = false;
	ssize_t n;

	if (ino_fd < 0)
		return false;
	while ((n = read(ino_fd, buf, sizeof(buf))) > 0) {
		for (char *p = buf; p < buf + n;) {
			struct inotify_event *e = (void *)p;

			changed |= is_watched(e);
			p += sizeof(*e) + e->len;
		}
	}
	return changed;
}
