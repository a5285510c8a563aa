/* files.secrets by file, not only by path: the inodes of the secret files
 * (and of every file below a secret directory) at the start of the run.
 * A hard link the step makes elsewhere, or one that was there before,
 * names the same inode, so an open through it is caught although its
 * path is under no secret prefix. A file the step would add below a
 * secret directory is refused by path already (a write there is a
 * secret access), so the set made at the start is the whole set. */
#include <errno.h>
#include <ftw.h>
#include <stdlib.h>
#include <sys/stat.h>
#include "lib/log.h"
#include "run/internal.h"

#define SECRET_FILES_MAX 65536	/* below that, a secret is matched by path only */
#define WALK_FDS 16

struct file_key {
	dev_t dev;
	ino_t ino;
};

static struct file_key *keys;
static size_t nkeys, cap;
static bool bound_hit;
static int walk_err;

static int add_key(const struct stat *st)
{
	struct file_key *k;

	if (nkeys == SECRET_FILES_MAX) {
		bound_hit = true;
		return 0;
	}
	if (nkeys == cap) {
		size_t n = cap ? cap * 2 : 64;

		if (!(k = realloc(keys, n * sizeof(*k))))
			return -ENOMEM;
		keys = k;
		cap = n;
	}
	keys[nkeys++] = (struct file_key){ st->st_dev, st->st_ino };
	return 0;
}

static int add_walked(const char *path, const struct stat *st, int type,
		      struct FTW *ftw)
{
	if (type != FTW_F || !S_ISREG(st->st_mode))
		return FTW_CONTINUE;	/* directories, symlinks: by path */
	walk_err = add_key(st);
	return walk_err || bound_hit ? FTW_STOP : FTW_CONTINUE;
}

static int cmp_key(const void *a, const void *b)
{
	const struct file_key *x = a, *y = b;

	if (x->dev != y->dev)
		return x->dev < y->dev ? -1 : 1;
	return x->ino < y->ino ? -1 : x->ino > y->ino;
}

int run_secrets_load(const struct strv *paths)
{
	struct stat st;
	int err = 0;

	for (size_t i = 0; i < paths->n && !err; i++) {
		if (stat(paths->v[i], &st))
			continue;	/* not there: its path still is a secret */
		if (S_ISDIR(st.st_mode)) {
			walk_err = 0;	/* unreadable below: by path only */
			nftw(paths->v[i], add_walked, WALK_FDS,
			     FTW_PHYS | FTW_ACTIONRETVAL);
			err = walk_err;
		} else if (S_ISREG(st.st_mode))
			err = add_key(&st);
		if (bound_hit) {
			log_warn("run: files.secrets: more than %d files; past "
				 "%s they are matched by path only, not through "
				 "their other names", SECRET_FILES_MAX, paths->v[i]);
			break;
		}
	}
	if (nkeys)
		qsort(keys, nkeys, sizeof(*keys), cmp_key);
	return err;
}

bool run_secret_file(const struct stat *st)
{
	struct file_key k = { st->st_dev, st->st_ino };

	return nkeys && S_ISREG(st->st_mode) &&
	       bsearch(&k, keys, nkeys, sizeof(k), cmp_key);
}

void run_secrets_free(void)
{
	free(keys);
	keys = NULL;
	nkeys = cap = 0;
	bound_hit = false;
}
