/* A YAML document loaded into a small tree that remembers where each node
 * stood in the file, so every policy error can name FILE:LINE:COL. */
#ifndef WARDEN_YAML_TREE_H
#define WARDEN_YAML_TREE_H
#include <stddef.h>
#include <stdbool.h>
#include "policy/diag.h"

enum ynode_kind { YN_SCALAR, YN_SEQ, YN_MAP };

struct ynode;
struct ypair {
	struct ynode *key;	/* always a scalar */
	struct ynode *value;
};

struct ynode {
	enum ynode_kind kind;
	int line, col;		/* 1-based position of the node's first char */
	char *scalar;		/* YN_SCALAR: NUL-terminated text */
	bool quoted;		/* YN_SCALAR: written in quotes (never a number) */
	size_t n;		/* YN_SEQ: items; YN_MAP: pairs */
	struct ynode **items;
	struct ypair *pairs;
};

/* Parse text (len bytes, need not be NUL-terminated). Returns the root
 * (an empty YN_MAP for an empty document) or NULL after adding at least one
 * diagnostic to d. Anchors/aliases, tags and multi-document streams are
 * refused with a diagnostic; duplicate map keys are a diagnostic too. */
struct ynode *ytree_parse(const char *text, size_t len, struct diags *d);
struct ynode *ytree_load_file(const char *path, struct diags *d);
void ytree_free(struct ynode *root);

/* Value for key in a YN_MAP, or NULL. */
struct ynode *ymap_get(const struct ynode *map, const char *key);

/* Adds a diagnostic for every key of map not in allowed (NULL-terminated),
 * naming the allowed keys. Returns the number of unknown keys. */
int ymap_check_keys(const struct ynode *map, const char *const allowed[],
		    struct diags *d);

/* Typed readers: on a wrong type they add a diagnostic at the node and
 * return -EINVAL; on success 0. */
int ynode_bool(const struct ynode *n, bool *out, struct diags *d);
int ynode_u64(const struct ynode *n, unsigned long long min,
	      unsigned long long max, unsigned long long *out, struct diags *d);
int ynode_str(const struct ynode *n, const char **out, struct diags *d);
/* A scalar or a sequence of scalars: calls fn for each scalar node. */
int ynode_each_scalar(const struct ynode *n, struct diags *d,
		      int (*fn)(const struct ynode *s, void *arg), void *arg);

/* s as a double-quoted string safe to print in a diagnostic: control bytes
 * as \xNN, cut with "..." to fit len bytes. Returns buf. */
const char *ytext_quote(const char *s, char *buf, size_t len);
#endif
