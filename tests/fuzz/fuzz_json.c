/* Fuzz the JSON writer (src/lib/json.c).
 *
 * First input byte even: the rest is one string given to jb_strn. The
 * output must be valid JSON on one line, and decoding it must give back
 * the input with each byte that is not valid UTF-8 replaced by U+FFFD.
 * First byte odd: the rest drives a sequence of writer calls (open, close,
 * key, string, numbers) that respects the API's contract; unless the
 * writer flagged the output as incomplete (oom), it must be valid JSON. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "lib/json.h"
#include "json_check.h"

/* What the writer promises for s: valid UTF-8 copied, every other byte
 * replaced by U+FFFD. out must hold 3 * n bytes. */
static size_t expected_text(const unsigned char *s, size_t n,
			    unsigned char *out)
{
	size_t o = 0;

	for (size_t i = 0; i < n;) {
		uint32_t cp;
		size_t l = utf8_decode(s + i, n - i, &cp);

		if (!l) {
			memcpy(out + o, "\xef\xbf\xbd", 3);
			o += 3, i++;
			continue;
		}
		memcpy(out + o, s + i, l);
		o += l, i += l;
	}
	return o;
}

static void check_string(const uint8_t *data, size_t size)
{
	size_t cap = 3 * size + 1;
	unsigned char *want = malloc(cap), *got = malloc(cap);
	struct jcheck c = { .dec = got, .dec_cap = cap };
	struct jbuf j;
	size_t want_len;

	if (!want || !got)
		abort();
	jb_init(&j);
	jb_strn(&j, (const char *)data, size);
	if (j.oom)
		abort();
	c.s = (const unsigned char *)j.buf;
	c.n = j.len;
	if (strlen(j.buf) != j.len || !jc_string(&c) || c.i != j.len)
		abort();	/* not one JSON string, or a NUL inside */
	want_len = expected_text(data, size, want);
	if (c.dec_len != want_len || memcmp(got, want, want_len))
		abort();	/* the text changed on the way through */
	jb_free(&j);
	free(want);
	free(got);
}

/* Reads bytes off the input; zeros once it runs out. */
struct src {
	const uint8_t *p;
	size_t n;
};

static uint8_t take(struct src *s)
{
	if (!s->n)
		return 0;
	s->n--;
	return *s->p++;
}

static size_t take_str(struct src *s, const char **str)
{
	size_t l = take(s);

	if (l > s->n)
		l = s->n;
	*str = (const char *)s->p;
	s->p += l;
	s->n -= l;
	return l;
}

/* One writer call chosen by op that is legal where we are: kinds[] says
 * for each open level whether it is an object ('{') or array ('['). */
static void one_op(struct jbuf *j, struct src *s, char *kinds, int *depth)
{
	uint8_t op = take(s) % 8;
	bool in_obj = *depth > 0 && kinds[*depth - 1] == '{';
	const char *str;
	char key[256];
	size_t l;

	if (in_obj) {	/* a key first, then any value */
		l = take_str(s, &str);
		memcpy(key, str, l);
		key[l] = '\0';
		jb_key(j, key);
	}
	switch (op) {
	case 0:
	case 1:
		if (*depth < 64) {
			kinds[(*depth)++] = op ? '[' : '{';
			op ? jb_arr_open(j) : jb_obj_open(j);
			return;
		}
		/* fall through */
	case 2:
		l = take_str(s, &str);
		jb_strn(j, str, l);
		return;
	case 3:
		jb_u64(j, (uint64_t)take(s) << 56 | take(s));
		return;
	case 4:
		jb_i64(j, -(int64_t)take(s) * 0x1000000000000LL);
		return;
	case 5:
		jb_bool(j, take(s) & 1);
		return;
	case 6:
		jb_null(j);
		return;
	default:
		jb_str(j, NULL);	/* written as null */
		return;
	}
}

static void close_one(struct jbuf *j, char *kinds, int *depth)
{
	if (kinds[--(*depth)] == '{')
		jb_obj_close(j);
	else
		jb_arr_close(j);
}

static void check_ops(const uint8_t *data, size_t size)
{
	struct src s = { data, size };
	char kinds[64];
	int depth = 0;
	struct jbuf j;

	jb_init(&j);
	jb_arr_open(&j);	/* a root that holds any number of values */
	kinds[depth++] = '[';
	while (s.n) {
		/* 0xff closes the current level (never the root) */
		if (s.p[0] == 0xff && depth > 1) {
			take(&s);
			close_one(&j, kinds, &depth);
			continue;
		}
		one_op(&j, &s, kinds, &depth);
	}
	while (depth)
		close_one(&j, kinds, &depth);
	/* past the writer's depth limit it flags oom; otherwise valid */
	if (!j.oom && (strlen(j.buf) != j.len || !json_check(j.buf, j.len)))
		abort();
	jb_free(&j);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!size)
		return 0;
	if (data[0] & 1)
		check_ops(data + 1, size - 1);
	else
		check_string(data + 1, size - 1);
	return 0;
}
