/* Load YAML into a ynode tree with the libyaml event API, keeping the
 * 1-based position of every node for diagnostics. Anything that would make
 * the tree mean something other than what it looks like (anchors, aliases,
 * tags, several documents, duplicate keys, NULs in scalars) is refused. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>
#include "policy/yaml_tree.h"

#define YTREE_MAX_DEPTH	64		/* nested sequences/maps */
#define YTREE_MAX_FILE	(16 << 20)	/* a policy, not a data set */

struct yctx {
	yaml_parser_t parser;
	const char *text;
	size_t len;
	struct diags *d;
	bool failed;	/* a diagnostic was added: the result is NULL */
};

static int mark_line(yaml_mark_t m)
{
	return (int)m.line + 1;
}

static int mark_col(yaml_mark_t m)
{
	return (int)m.column + 1;
}

const char *ytext_quote(const char *s, char *buf, size_t len)
{
	size_t o = 0;

	if (len < 8) {
		if (len)
			buf[0] = '\0';
		return buf;
	}
	buf[o++] = '"';
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		/* room for the widest escape, then ..." and the NUL */
		if (o + 4 + 5 > len)
			break;
		if (c == '"' || c == '\\') {
			buf[o++] = '\\';
			buf[o++] = (char)c;
		} else if (c < 0x20 || c == 0x7f) {
			snprintf(buf + o, 5, "\\x%02x", c);
			o += 4;
		} else {
			buf[o++] = (char)c;
		}
	}
	if (*s) {
		memcpy(buf + o, "...", 3);
		o += 3;
	}
	buf[o++] = '"';
	buf[o] = '\0';
	return buf;
}

static void ynode_free(struct ynode *n)
{
	if (!n)
		return;
	for (size_t i = 0; n->items && i < n->n; i++)
		ynode_free(n->items[i]);
	for (size_t i = 0; n->pairs && i < n->n; i++) {
		ynode_free(n->pairs[i].key);
		ynode_free(n->pairs[i].value);
	}
	free(n->items);
	free(n->pairs);
	free(n->scalar);
	free(n);
}

void ytree_free(struct ynode *root)
{
	ynode_free(root);
}

static struct ynode *node_new(struct yctx *c, enum ynode_kind kind,
			      yaml_mark_t at)
{
	struct ynode *n = calloc(1, sizeof(*n));

	if (!n) {
		diag_add(c->d, mark_line(at), mark_col(at), "out of memory");
		c->failed = true;
		return NULL;
	}
	n->kind = kind;
	n->line = mark_line(at);
	n->col = mark_col(at);
	return n;
}

/* Line and column of a byte offset, for reader errors that carry no mark. */
static void offset_position(const struct yctx *c, size_t off, int *line,
			    int *col)
{
	int l = 1, k = 1;

	for (size_t i = 0; i < off && i < c->len; i++) {
		if (c->text[i] == '\n')
			l++, k = 1;
		else
			k++;
	}
	*line = l;
	*col = k;
}

static void report_parser_error(struct yctx *c)
{
	yaml_parser_t *p = &c->parser;
	const char *problem = p->problem ? p->problem : "invalid YAML";
	int line, col;

	c->failed = true;
	if (p->error == YAML_MEMORY_ERROR) {
		diag_add(c->d, 0, 0, "out of memory");
	} else if (p->error == YAML_READER_ERROR) {
		offset_position(c, p->problem_offset, &line, &col);
		if (p->problem_value != -1)
			diag_add(c->d, line, col, "%s (byte 0x%02x)", problem,
				 (unsigned)p->problem_value & 0xff);
		else
			diag_add(c->d, line, col, "%s", problem);
	} else if (p->context) {
		diag_add(c->d, mark_line(p->problem_mark),
			 mark_col(p->problem_mark), "%s (%s at line %d col %d)",
			 problem, p->context, mark_line(p->context_mark),
			 mark_col(p->context_mark));
	} else {
		diag_add(c->d, mark_line(p->problem_mark),
			 mark_col(p->problem_mark), "%s", problem);
	}
}

/* Next event; false (with a diagnostic) on a syntax error. */
static bool next_event(struct yctx *c, yaml_event_t *ev)
{
	if (yaml_parser_parse(&c->parser, ev))
		return true;
	report_parser_error(c);
	return false;
}

/* Anchors and tags change what a node means in ways a reader of the policy
 * cannot see at the node itself, so neither is accepted. */
static void refuse_anchor_and_tag(struct yctx *c, const yaml_event_t *ev)
{
	const yaml_char_t *anchor = NULL, *tag = NULL;
	int line = mark_line(ev->start_mark), col = mark_col(ev->start_mark);

	switch (ev->type) {
	case YAML_SCALAR_EVENT:
		anchor = ev->data.scalar.anchor;
		tag = ev->data.scalar.tag;
		break;
	case YAML_SEQUENCE_START_EVENT:
		anchor = ev->data.sequence_start.anchor;
		tag = ev->data.sequence_start.tag;
		break;
	case YAML_MAPPING_START_EVENT:
		anchor = ev->data.mapping_start.anchor;
		tag = ev->data.mapping_start.tag;
		break;
	default:
		return;
	}
	if (anchor) {
		diag_add(c->d, line, col, "anchors (&name) are not supported");
		c->failed = true;
	}
	if (tag) {
		diag_add(c->d, line, col, "tags (!tag) are not supported");
		c->failed = true;
	}
}

static struct ynode *parse_scalar(struct yctx *c, const yaml_event_t *ev)
{
	const char *val = (const char *)ev->data.scalar.value;
	size_t len = ev->data.scalar.length;
	struct ynode *n = node_new(c, YN_SCALAR, ev->start_mark);

	if (!n)
		return NULL;
	/* Block scalars (| and >) count as quoted: they are text, never
	 * numbers or booleans. */
	n->quoted = ev->data.scalar.style != YAML_PLAIN_SCALAR_STYLE &&
		    ev->data.scalar.style != YAML_ANY_SCALAR_STYLE;
	/* "\0" in a double-quoted scalar would silently cut the C string. */
	if (memchr(val, '\0', len)) {
		diag_add(c->d, n->line, n->col,
			 "NUL characters in scalars are not allowed");
		c->failed = true;
	}
	n->scalar = strndup(val, len);
	if (!n->scalar) {
		diag_add(c->d, n->line, n->col, "out of memory");
		c->failed = true;
		free(n);
		return NULL;
	}
	return n;
}

static struct ynode *parse_node(struct yctx *c, yaml_event_t *ev, int depth);

/* Grow an array of elem-sized entries so one more fits. */
static bool grow(struct yctx *c, void **arr, size_t n, size_t *cap,
		 size_t elem, const struct ynode *at)
{
	size_t ncap;
	void *p;

	if (n < *cap)
		return true;
	ncap = *cap ? *cap * 2 : 4;
	p = reallocarray(*arr, ncap, elem);
	if (!p) {
		diag_add(c->d, at->line, at->col, "out of memory");
		c->failed = true;
		return false;
	}
	*arr = p;
	*cap = ncap;
	return true;
}

static struct ynode *parse_seq(struct yctx *c, const yaml_event_t *start,
			       int depth)
{
	struct ynode *seq = node_new(c, YN_SEQ, start->start_mark);
	size_t cap = 0;
	yaml_event_t ev;

	if (!seq)
		return NULL;
	for (;;) {
		struct ynode *item;

		if (!next_event(c, &ev))
			goto fatal;
		if (ev.type == YAML_SEQUENCE_END_EVENT) {
			yaml_event_delete(&ev);
			return seq;
		}
		item = parse_node(c, &ev, depth + 1);
		if (!item)
			goto fatal;
		if (!grow(c, (void **)&seq->items, seq->n, &cap,
			  sizeof(*seq->items), seq)) {
			ynode_free(item);
			goto fatal;
		}
		seq->items[seq->n++] = item;
	}
fatal:
	ynode_free(seq);
	return NULL;
}

struct key_ref {
	const char *key;
	size_t idx;
};

static int key_ref_cmp(const void *a, const void *b)
{
	const struct key_ref *x = a, *y = b;
	int r = strcmp(x->key, y->key);

	if (r)
		return r;
	return x->idx < y->idx ? -1 : x->idx > y->idx;
}

/* Report every key that repeats an earlier one in the same map. Sorting
 * keeps this O(n log n) so a hostile map with many keys stays cheap. */
static void check_duplicate_keys(struct yctx *c, const struct ynode *map)
{
	struct key_ref *refs;
	size_t *first;

	if (map->n < 2)
		return;
	refs = calloc(map->n, sizeof(*refs));
	first = calloc(map->n, sizeof(*first));	/* 0: not a duplicate */
	if (!refs || !first) {
		diag_add(c->d, map->line, map->col, "out of memory");
		c->failed = true;
		goto out;
	}
	for (size_t i = 0; i < map->n; i++)
		refs[i] = (struct key_ref){ map->pairs[i].key->scalar, i };
	qsort(refs, map->n, sizeof(*refs), key_ref_cmp);
	for (size_t i = 1, head = 0; i < map->n; i++) {
		if (strcmp(refs[i].key, refs[head].key))
			head = i;
		else
			first[refs[i].idx] = refs[head].idx + 1;
	}
	for (size_t i = 0; i < map->n; i++) {
		const struct ynode *k = map->pairs[i].key, *f;
		char q[80];

		if (!first[i])
			continue;
		f = map->pairs[first[i] - 1].key;
		diag_add(c->d, k->line, k->col,
			 "duplicate key %s (first at line %d col %d)",
			 ytext_quote(k->scalar, q, sizeof(q)), f->line, f->col);
		c->failed = true;
	}
out:
	free(refs);
	free(first);
}

/* One key: value pair. Returns false on a fatal error. A non-scalar key is
 * reported and the pair dropped, so pairs[].key is always a scalar. */
static bool parse_pair(struct yctx *c, struct ynode *map, yaml_event_t *kev,
		       size_t *cap, int depth)
{
	struct ynode *key, *value;
	yaml_event_t vev;

	key = parse_node(c, kev, depth + 1);
	if (!key)
		return false;
	if (!next_event(c, &vev)) {
		ynode_free(key);
		return false;
	}
	value = parse_node(c, &vev, depth + 1);
	if (!value) {
		ynode_free(key);
		return false;
	}
	if (key->kind != YN_SCALAR) {
		diag_add(c->d, key->line, key->col, "map keys must be scalars");
		c->failed = true;
		ynode_free(key);
		ynode_free(value);
		return true;
	}
	if (!grow(c, (void **)&map->pairs, map->n, cap, sizeof(*map->pairs),
		  map)) {
		ynode_free(key);
		ynode_free(value);
		return false;
	}
	map->pairs[map->n++] = (struct ypair){ key, value };
	return true;
}

static struct ynode *parse_map(struct yctx *c, const yaml_event_t *start,
			       int depth)
{
	struct ynode *map = node_new(c, YN_MAP, start->start_mark);
	size_t cap = 0;
	yaml_event_t ev;

	if (!map)
		return NULL;
	for (;;) {
		if (!next_event(c, &ev))
			goto fatal;
		if (ev.type == YAML_MAPPING_END_EVENT) {
			yaml_event_delete(&ev);
			break;
		}
		if (!parse_pair(c, map, &ev, &cap, depth))
			goto fatal;
	}
	check_duplicate_keys(c, map);
	return map;
fatal:
	ynode_free(map);
	return NULL;
}

/* Build the node that starts with *ev (consumed). NULL means parsing must
 * stop; recoverable problems add a diagnostic, set c->failed and still
 * return a node so later problems get reported too. */
static struct ynode *parse_node(struct yctx *c, yaml_event_t *ev, int depth)
{
	struct ynode *n = NULL;
	yaml_mark_t at = ev->start_mark;

	refuse_anchor_and_tag(c, ev);
	switch (ev->type) {
	case YAML_SCALAR_EVENT:
		n = parse_scalar(c, ev);
		break;
	case YAML_ALIAS_EVENT:
		diag_add(c->d, mark_line(at), mark_col(at),
			 "aliases (*name) are not supported");
		c->failed = true;
		n = node_new(c, YN_SCALAR, at);
		if (n && !(n->scalar = strdup(""))) {
			free(n);
			n = NULL;
		}
		break;
	case YAML_SEQUENCE_START_EVENT:
	case YAML_MAPPING_START_EVENT:
		if (depth >= YTREE_MAX_DEPTH) {
			diag_add(c->d, mark_line(at), mark_col(at),
				 "nesting deeper than %d levels",
				 YTREE_MAX_DEPTH);
			c->failed = true;
			break;
		}
		if (ev->type == YAML_SEQUENCE_START_EVENT)
			n = parse_seq(c, ev, depth);
		else
			n = parse_map(c, ev, depth);
		break;
	default:
		diag_add(c->d, mark_line(at), mark_col(at),
			 "unexpected YAML event %d", (int)ev->type);
		c->failed = true;
		break;
	}
	yaml_event_delete(ev);
	return n;
}

static bool is_null_scalar(const struct ynode *n)
{
	return n->kind == YN_SCALAR && !n->quoted && !n->scalar[0];
}

/* The document's root node; "---" with nothing after it is an empty map. */
static struct ynode *parse_root(struct yctx *c)
{
	struct ynode *root, *map;
	yaml_event_t ev;

	if (!next_event(c, &ev))
		return NULL;
	root = parse_node(c, &ev, 0);
	if (!root || !is_null_scalar(root))
		return root;
	map = calloc(1, sizeof(*map));
	if (map) {
		map->kind = YN_MAP;
		map->line = root->line;
		map->col = root->col;
	} else {
		diag_add(c->d, root->line, root->col, "out of memory");
		c->failed = true;
	}
	ynode_free(root);
	return map;
}

/* After the root: DOCUMENT-END, then the stream must end. */
static bool expect_stream_end(struct yctx *c)
{
	yaml_event_t ev;
	bool ok;

	if (!next_event(c, &ev))
		return false;
	yaml_event_delete(&ev);
	if (!next_event(c, &ev))
		return false;
	ok = ev.type == YAML_STREAM_END_EVENT;
	if (!ok) {
		diag_add(c->d, mark_line(ev.start_mark),
			 mark_col(ev.start_mark),
			 "only one YAML document is allowed");
		c->failed = true;
	}
	yaml_event_delete(&ev);
	return ok;
}

static struct ynode *parse_stream(struct yctx *c)
{
	struct ynode *root;
	yaml_event_t ev;

	if (!next_event(c, &ev))			/* STREAM-START */
		return NULL;
	yaml_event_delete(&ev);
	if (!next_event(c, &ev))
		return NULL;
	if (ev.type == YAML_STREAM_END_EVENT) {	/* empty or comments only */
		root = node_new(c, YN_MAP, (yaml_mark_t){ 0 });
		yaml_event_delete(&ev);
		return root;
	}
	yaml_event_delete(&ev);				/* DOCUMENT-START */
	root = parse_root(c);
	if (root && !expect_stream_end(c)) {
		ynode_free(root);
		return NULL;
	}
	return root;
}

struct ynode *ytree_parse(const char *text, size_t len, struct diags *d)
{
	struct yctx c = { .text = text, .len = len, .d = d };
	struct ynode *root;

	if (!yaml_parser_initialize(&c.parser)) {
		diag_add(d, 0, 0, "out of memory");
		return NULL;
	}
	yaml_parser_set_input_string(&c.parser, (const unsigned char *)text,
				     len);
	root = parse_stream(&c);
	yaml_parser_delete(&c.parser);
	if (c.failed || !root) {
		if (!c.failed)
			diag_add(d, 0, 0, "invalid YAML");
		ytree_free(root);
		return NULL;
	}
	return root;
}

static char *read_all(FILE *f, size_t *len, struct diags *d)
{
	size_t cap = 4096, n = 0, got;
	char *buf = malloc(cap), *p;

	while (buf) {
		got = fread(buf + n, 1, cap - n, f);
		n += got;
		if (n < cap)
			break;
		if (cap >= YTREE_MAX_FILE) {
			diag_add(d, 0, 0, "file larger than %d bytes",
				 YTREE_MAX_FILE);
			free(buf);
			return NULL;
		}
		p = realloc(buf, cap * 2);
		if (!p)
			free(buf);
		buf = p;
		cap *= 2;
	}
	if (!buf) {
		diag_add(d, 0, 0, "out of memory");
		return NULL;
	}
	if (ferror(f)) {
		diag_add(d, 0, 0, "read error: %s", strerror(errno));
		free(buf);
		return NULL;
	}
	*len = n;
	return buf;
}

struct ynode *ytree_load_file(const char *path, struct diags *d)
{
	struct ynode *root;
	size_t len = 0;
	char *text;
	FILE *f;

	f = fopen(path, "re");
	if (!f) {
		diag_add(d, 0, 0, "cannot open %s: %s", path, strerror(errno));
		return NULL;
	}
	text = read_all(f, &len, d);
	fclose(f);
	if (!text)
		return NULL;
	root = ytree_parse(text, len, d);
	free(text);
	return root;
}
