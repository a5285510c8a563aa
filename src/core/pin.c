#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>
#include <bpf/bpf.h>
#include "lib/log.h"
#include "lib/safefile.h"
#include "core/pin.h"
#include "core/pinwatch.h"

const char *pin_root;
static char pin_canon[PATH_MAX];

struct layout_mark {
	__u32 magic, version;
};

/* bpf_obj_get of name in dirfd (the caller checked it is no symlink). */
static int obj_get_at(int dirfd, const char *name)
{
	LIBBPF_OPTS(bpf_obj_get_opts, o, .file_flags = BPF_F_PATH_FD, .path_fd = dirfd);
	int fd = bpf_obj_get_opts(name, &o);

	return fd < 0 ? -errno : fd;
}

static bool is_pinned_object(int dirfd, const char *name)
{
	struct stat st;

	/* pinned objects are regular inodes on bpffs; never a symlink */
	return !fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) && S_ISREG(st.st_mode);
}

/* 0 if dirfd holds warden's marker of this layout version, else -errno. */
static int check_marker(int dirfd)
{
	struct bpf_map_info info = { 0 };
	__u32 len = sizeof(info), key = 0;
	struct layout_mark m = { 0 };
	int fd, err = -ENOENT;

	if (!is_pinned_object(dirfd, PIN_MARKER))
		return -ENOENT;
	fd = obj_get_at(dirfd, PIN_MARKER);
	if (fd < 0)
		return fd;
	if (!bpf_map_get_info_by_fd(fd, &info, &len) &&
	    info.type == BPF_MAP_TYPE_ARRAY && info.key_size == 4 &&
	    info.value_size == sizeof(m) && info.max_entries == 1 &&
	    !strcmp(info.name, PIN_MARKER) && !bpf_map_lookup_elem(fd, &key, &m) &&
	    m.magic == PIN_LAYOUT_MAGIC)
		err = m.version == PIN_LAYOUT_VERSION ? 0 : -EPROTO;
	close(fd);
	return err;
}

static int write_marker(int dirfd)
{
	struct layout_mark m = { PIN_LAYOUT_MAGIC, PIN_LAYOUT_VERSION };
	LIBBPF_OPTS(bpf_obj_pin_opts, o, .file_flags = BPF_F_PATH_FD, .path_fd = dirfd);
	__u32 key = 0;
	int fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, PIN_MARKER, sizeof(key),
				sizeof(m), 1, NULL);
	int err;

	if (fd < 0)
		return -errno;
	err = bpf_map_update_elem(fd, &key, &m, BPF_ANY) || bpf_map_freeze(fd) ||
	      bpf_obj_pin_opts(fd, PIN_MARKER, &o) ? -errno : 0;
	close(fd);
	return err;
}

static bool is_empty_dir(int dirfd)
{
	DIR *d = fdopendir(dup(dirfd));
	struct dirent *e;
	bool empty = true;

	if (!d)
		return false;
	rewinddir(d);
	while (empty && (e = readdir(d)))
		empty = !strcmp(e->d_name, ".") || !strcmp(e->d_name, "..");
	closedir(d);
	return empty;
}

/* DIR itself: made here in an existing bpffs parent if missing (never
 * outside bpffs), no symlink anywhere. fd or -errno after a message. */
static int open_pin_dir(const char *dir)
{
	char tmp[PATH_MAX];
	int parent, fd = safe_open_dir(dir);

	if (fd != -ENOENT)
		goto opened;
	snprintf(tmp, sizeof(tmp), "%s", dir);
	parent = safe_open_dir(dirname(tmp));
	if (parent >= 0 && !safe_on_bpffs(parent)) {
		close(parent);
		log_err("--pin %s: not on a bpf filesystem (mount -t bpf bpf "
			"/sys/fs/bpf)", dir);
		return -EINVAL;
	}
	if (parent >= 0) {
		snprintf(tmp, sizeof(tmp), "%s", dir);
		fd = mkdirat(parent, basename(tmp), 0700) && errno != EEXIST ?
		     -errno : safe_open_dir_at(parent, basename(tmp));
		close(parent);
	} else {
		fd = parent;
	}
opened:
	if (fd < 0)
		log_err("--pin %s: %s", dir, safe_why(fd));
	return fd;
}

int pin_setup(const char *dir)
{
	char path[PATH_MAX + sizeof(PIN_MARKER) + 1];
	struct stat st;
	int fd = open_pin_dir(dir), err;

	if (fd < 0)
		return fd;
	err = -EINVAL;
	if (!safe_on_bpffs(fd))
		log_err("--pin %s: not on a bpf filesystem (mount -t bpf bpf "
			"/sys/fs/bpf)", dir);
	else if (fstat(fd, &st) || st.st_uid != 0 || (st.st_mode & 022))
		log_err("--pin %s: not owned by root or writable by others; "
			"refusing to pin there", dir);
	else if ((err = check_marker(fd)) == -ENOENT && is_empty_dir(fd))
		err = write_marker(fd);
	if (err == -ENOENT)
		log_err("--pin %s: holds entries warden did not make (no %s "
			"marker); refusing to pin there", dir, PIN_MARKER);
	else if (err == -EPROTO)
		log_err("--pin %s: pinned by a warden with another layout "
			"version; `warden cleanup` with that version first", dir);
	else if (err && err != -EINVAL)
		log_err("--pin %s: cannot write the %s marker: %s", dir,
			PIN_MARKER, strerror(-err));
	close(fd);
	if (err)
		return err;
	/* the one spelling the guard compares with (no "//", "..", relative) */
	if (!realpath(dir, pin_canon))
		return -errno;
	pin_root = pin_canon;
	snprintf(path, sizeof(path), "%s/%s", pin_root, PIN_MARKER);
	pin_watch_add(path, false);
	return 0;
}

/* DIR/<module>/<kind>, created if missing; 0 or -errno after a message. */
static int make_module_dir(const char *module, const char *kind,
			   char *dir, size_t len)
{
	int fd;

	snprintf(dir, len, "%s/%s/%s", pin_root, module, kind);
	fd = safe_mkdirs(dir, 0700);
	if (fd < 0) {
		log_err("cannot create %s: %s", dir, safe_why(fd));
		return fd;
	}
	close(fd);
	return 0;
}

/* Internal read-only data is set per load and frozen: never shared. */
static bool pinnable(const struct bpf_map *m)
{
	const char *name = bpf_map__name(m);

	return !strstr(name, ".rodata") && !strstr(name, ".kconfig");
}

int pin_maps(struct bpf_object *obj, const char *module)
{
	char dir[PATH_MAX], path[PATH_MAX + NAME_MAX + 2];
	struct bpf_map *m;
	int err;

	if (!pin_root)
		return 0;
	err = make_module_dir(module, "maps", dir, sizeof(dir));
	if (err)
		return err;
	bpf_object__for_each_map(m, obj) {
		if (!pinnable(m))
			continue;
		/* '.' is not allowed in bpffs names ("process_.bss") */
		snprintf(path, sizeof(path), "%s/%s", dir, bpf_map__name(m));
		for (char *p = path + strlen(dir) + 1; *p; p++)
			if (*p == '.')
				*p = '_';
		err = bpf_map__set_pin_path(m, path);
		if (err)
			return err;
		pin_watch_add(path, false);
	}
	return 0;
}

int pin_link_fd(int link_fd, const char *module, const char *name)
{
	char dir[PATH_MAX], path[PATH_MAX + NAME_MAX + 2];
	int err;

	if (!pin_root || link_fd < 0)
		return 0;
	err = make_module_dir(module, "links", dir, sizeof(dir));
	if (err)
		return err;
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	unlink(path);	/* the old link goes once its last holder does */
	err = bpf_obj_pin(link_fd, path) ? -errno : 0;
	if (err)
		log_err("cannot pin %s: %s", path, strerror(-err));
	else
		pin_watch_add(path, true);
	return err;
}

int pin_link(struct bpf_link *link, const char *module, const char *name)
{
	return link ? pin_link_fd(bpf_link__fd(link), module, name) : 0;
}

int pin_open_link(const char *module, const char *name)
{
	char path[PATH_MAX];
	int fd;

	if (!pin_root)
		return -ENOENT;
	snprintf(path, sizeof(path), "%s/%s/links/%s", pin_root, module, name);
	fd = bpf_obj_get(path);
	return fd < 0 ? -errno : fd;
}

void pin_unlink(const char *module, const char *name)
{
	char path[PATH_MAX];

	if (!pin_root)
		return;
	snprintf(path, sizeof(path), "%s/%s/links/%s", pin_root, module, name);
	pin_watch_drop(path);
	unlink(path);
}

void pin_each_link(const char *module, void (*fn)(const char *name, void *ctx),
		   void *ctx)
{
	char dir[PATH_MAX];
	struct dirent *e;
	DIR *d;

	if (!pin_root)
		return;
	snprintf(dir, sizeof(dir), "%s/%s/links", pin_root, module);
	d = opendir(dir);
	while (d && (e = readdir(d)))
		if (e->d_name[0] != '.')
			fn(e->d_name, ctx);
	if (d)
		closedir(d);
}

/* ---- warden cleanup ------------------------------------------------- */

#define MAX_IDS 512

/* A walk over the layout, first to check it all (and note the ids of
 * what the links hold), then to remove it. */
struct sweep {
	bool remove;
	char rel[PATH_MAX];	/* where the walk is, for messages */
	__u32 links[MAX_IDS], progs[MAX_IDS];
	size_t nlinks, nprogs;
	char *why;
	size_t why_len;
};

struct level {
	const char *const *names;	/* the directories allowed here */
	const struct level *child;	/* NULL: pinned objects */
};

static const char *const module_names[] = { "process", "egress", "ingress", NULL };
static const char *const kind_names[] = { "maps", "links", NULL };
static const struct level objects_level = { NULL, NULL };
static const struct level kinds_level = { kind_names, &objects_level };
static const struct level root_level = { module_names, &kinds_level };

static bool listed(const char *const *names, const char *name)
{
	for (; *names; names++)
		if (!strcmp(*names, name))
			return true;
	return false;
}

static int not_layout(struct sweep *s, const char *name)
{
	snprintf(s->why, s->why_len, "%s/%s is not part of warden's pin layout; "
		 "refusing (nothing removed)", s->rel, name);
	return -ENOTEMPTY;
}

static void note_id(__u32 *ids, size_t *n, __u32 id)
{
	if (id && *n < MAX_IDS)
		ids[(*n)++] = id;
}

/* A pinned map, or (in links/) a pinned link whose ids are noted. */
static int check_object(struct sweep *s, int dirfd, const char *name, bool link)
{
	struct bpf_link_info li = { 0 };
	struct bpf_map_info mi = { 0 };
	__u32 len = link ? sizeof(li) : sizeof(mi);
	int fd, err;

	if (!is_pinned_object(dirfd, name))
		return not_layout(s, name);
	fd = obj_get_at(dirfd, name);
	if (fd < 0)
		return not_layout(s, name);
	err = link ? bpf_link_get_info_by_fd(fd, &li, &len)
		   : bpf_map_get_info_by_fd(fd, &mi, &len);
	if (!err && link) {
		note_id(s->links, &s->nlinks, li.id);
		note_id(s->progs, &s->nprogs, li.prog_id);
	}
	close(fd);	/* ours must not keep what we wait for alive */
	return err ? not_layout(s, name) : 0;
}

/* Names in dirfd (without . and ..), read before anything is removed. */
static char **read_names(int dirfd, size_t *n)
{
	DIR *d = fdopendir(dup(dirfd));
	struct dirent *e;
	char **v = NULL, **nv;

	*n = 0;
	if (!d)
		return NULL;
	rewinddir(d);	/* the dup shares the offset of an earlier walk */
	while ((e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		nv = realloc(v, (*n + 1) * sizeof(*v));
		if (!nv)
			break;
		v = nv;
		v[(*n)++] = strdup(e->d_name);
	}
	closedir(d);
	return v;
}

static int sweep_dir(struct sweep *s, int dirfd, const struct level *lvl, bool links);

static int sweep_entry(struct sweep *s, int dirfd, const char *name,
		       const struct level *lvl, bool links)
{
	size_t at = strlen(s->rel);
	int fd, err;

	if (!lvl->names) {
		if (s->remove)
			return unlinkat(dirfd, name, 0) ? -errno : 0;
		return check_object(s, dirfd, name, links);
	}
	if (!listed(lvl->names, name))
		return not_layout(s, name);
	fd = safe_open_dir_at(dirfd, name);
	if (fd < 0)
		return not_layout(s, name);
	snprintf(s->rel + at, sizeof(s->rel) - at, "/%s", name);
	err = sweep_dir(s, fd, lvl->child, !strcmp(name, "links"));
	s->rel[at] = '\0';
	close(fd);
	if (!err && s->remove && unlinkat(dirfd, name, AT_REMOVEDIR))
		err = -errno;
	return err;
}

static int sweep_dir(struct sweep *s, int dirfd, const struct level *lvl, bool links)
{
	size_t n;
	char **names = read_names(dirfd, &n);
	int err = 0;

	for (size_t i = 0; i < n; i++) {
		if (!err && !(lvl == &root_level && !strcmp(names[i], PIN_MARKER)))
			err = sweep_entry(s, dirfd, names[i], lvl, links);
		free(names[i]);
	}
	free(names);
	if (err && s->remove && !*s->why)
		snprintf(s->why, s->why_len, "removing under %s: %s", s->rel,
			 strerror(-err));
	return err;
}

/* Whether the kernel still has any of ids; those gone are zeroed, so an
 * id the kernel hands out again later is not waited for. */
static bool any_left(__u32 *ids, size_t n, int (*get)(__u32))
{
	bool left = false;

	for (size_t i = 0; i < n; i++) {
		int fd = ids[i] ? get(ids[i]) : -1;

		if (fd >= 0) {
			close(fd);
			left = true;
		} else if (ids[i] && errno == ENOENT) {
			ids[i] = 0;
		}
	}
	return left;
}

/* The kernel releases an unpinned link (and then its program) from a
 * work queue, after an RCU grace period: wait until they are gone, so
 * that enforcement has ended when cleanup says so. */
static int wait_released(struct sweep *s, const char *dir)
{
	const struct timespec step = { 0, 5 * 1000 * 1000 };

	for (int i = 0; i < 1000; i++) {	/* 5 s */
		bool links = any_left(s->links, s->nlinks, bpf_link_get_fd_by_id);
		bool progs = any_left(s->progs, s->nprogs, bpf_prog_get_fd_by_id);

		if (!links && !progs)
			return 0;
		nanosleep(&step, NULL);
	}
	snprintf(s->why, s->why_len, "%s: pins removed, but their programs are "
		 "still loaded after 5 s (a daemon still running with --pin %s? "
		 "`warden stop` it)", dir, dir);
	return -EBUSY;
}

/* DIR opened through its parent (kept, for the final rmdir), or -errno
 * with the reason in s->why. */
static int open_layout(struct sweep *s, const char *dir, int *parent, char *base)
{
	char tmp[PATH_MAX];
	int fd, err;

	snprintf(tmp, sizeof(tmp), "%s", dir);
	for (size_t n = strlen(tmp); n > 1 && tmp[n - 1] == '/'; n--)
		tmp[n - 1] = '\0';
	snprintf(base, NAME_MAX + 1, "%s", basename(tmp));
	*parent = safe_open_dir(dirname(tmp));
	fd = *parent;
	if (fd >= 0 && (!strcmp(base, ".") || !strcmp(base, "..") || !strcmp(base, "/")))
		fd = -EINVAL;
	else if (fd >= 0)
		fd = safe_open_dir_at(*parent, base);
	if (fd < 0) {
		snprintf(s->why, s->why_len, "%s: %s", dir,
			 fd == -ENOENT ? "no such directory" :
			 fd == -EINVAL ? "not a pin directory" : safe_why(fd));
		return fd;
	}
	err = !safe_on_bpffs(fd) ? -EXDEV : check_marker(fd);
	if (err) {
		snprintf(s->why, s->why_len, "%s: %s; refusing (nothing removed)", dir,
			 err == -EXDEV ? "not on a bpf filesystem, so nothing warden pinned" :
			 err == -EPROTO ? "pinned by a warden with another layout version" :
			 "holds no warden pin layout (no " PIN_MARKER " marker)");
		close(fd);
		return err;
	}
	return fd;
}

int pin_remove_all(const char *dir, char *why, size_t len)
{
	struct sweep *s = calloc(1, sizeof(*s));
	char base[NAME_MAX + 1];
	int parent = -1, fd, err;

	if (!s)
		return -ENOMEM;
	s->why = why;
	s->why_len = len;
	*why = '\0';
	fd = open_layout(s, dir, &parent, base);
	err = fd < 0 ? fd : 0;
	snprintf(s->rel, sizeof(s->rel), "%s", dir);
	if (!err)
		err = sweep_dir(s, fd, &root_level, false);
	s->remove = true;
	if (!err)
		err = sweep_dir(s, fd, &root_level, false);
	if (!err && (unlinkat(fd, PIN_MARKER, 0) ||
		     unlinkat(parent, base, AT_REMOVEDIR))) {
		err = -errno;
		snprintf(why, len, "%s: %s", dir, strerror(errno));
	}
	if (fd >= 0)
		close(fd);
	if (parent >= 0)
		close(parent);
	if (!err)
		err = wait_released(s, dir);
	free(s);
	return err;
}
