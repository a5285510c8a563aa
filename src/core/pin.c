#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <linux/magic.h>
#include "lib/log.h"
#include "core/pin.h"

const char *pin_root;

static int mkdirs(const char *path)
{
	char tmp[PATH_MAX];

	snprintf(tmp, sizeof(tmp), "%s", path);
	for (char *p = tmp + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(tmp, 0700) && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	return mkdir(tmp, 0700) && errno != EEXIST ? -errno : 0;
}

static int check_bpffs(const char *dir)
{
	struct statfs st;

	if (statfs(dir, &st) || st.f_type != BPF_FS_MAGIC) {
		log_err("--pin %s: not on a bpf filesystem (mount -t bpf bpf "
			"/sys/fs/bpf)", pin_root);
		return -EINVAL;
	}
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

	snprintf(dir, sizeof(dir), "%s/%s/maps", pin_root, module);
	err = mkdirs(dir);
	if (err) {
		log_err("cannot create %s: %s", dir, strerror(-err));
		return err;
	}
	err = check_bpffs(dir);
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
	}
	return 0;
}

int pin_link(struct bpf_link *link, const char *module, const char *name)
{
	char dir[PATH_MAX], path[PATH_MAX + NAME_MAX + 2];
	int err;

	if (!pin_root || !link)
		return 0;
	snprintf(dir, sizeof(dir), "%s/%s/links", pin_root, module);
	err = mkdirs(dir);
	if (err)
		return err;
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	unlink(path);	/* the old link goes once its last holder does */
	err = bpf_link__pin(link, path);
	if (err)
		log_err("cannot pin %s: %s", path, strerror(-err));
	return err;
}

void pin_unlink(const char *module, const char *name)
{
	char path[PATH_MAX];

	if (!pin_root)
		return;
	snprintf(path, sizeof(path), "%s/%s/links/%s", pin_root, module, name);
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

static int remove_tree(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char path[PATH_MAX];
	int err = 0;

	if (!d)
		return errno == ENOENT ? 0 : -errno;
	while ((e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		if (e->d_type == DT_DIR)
			err = remove_tree(path) ?: err;
		else if (unlink(path))
			err = -errno;
	}
	closedir(d);
	return rmdir(dir) ? -errno : err;
}

int pin_remove_all(const char *dir)
{
	return remove_tree(dir);
}
