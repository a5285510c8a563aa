/* A streaming JSON writer into a growable buffer. Strings are escaped so the
 * output is always valid UTF-8 JSON on one line, whatever bytes go in:
 * control characters become \uXXXX, invalid UTF-8 bytes become U+FFFD
 * ("\ufffd") so no byte is silently dropped and none can break the line. */
#ifndef WARDEN_JSON_H
#define WARDEN_JSON_H
#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

struct jbuf {
	char *buf;
	size_t len, cap;
	int depth;
	bool need_comma[32];	/* per nesting level */
	bool oom;		/* an allocation failed: output is incomplete */
};

/* Length of the valid UTF-8 multi-byte sequence at s (2..4), or 0. */
size_t utf8_seq_len(const unsigned char *s, size_t avail);

void jb_init(struct jbuf *j);
void jb_free(struct jbuf *j);
void jb_reset(struct jbuf *j);		/* empty, keep the allocation */

void jb_obj_open(struct jbuf *j);
void jb_obj_close(struct jbuf *j);
void jb_arr_open(struct jbuf *j);
void jb_arr_close(struct jbuf *j);
void jb_key(struct jbuf *j, const char *key);	/* inside an object */

void jb_str(struct jbuf *j, const char *s);
void jb_strn(struct jbuf *j, const char *s, size_t n);	/* may hold NULs */
void jb_u64(struct jbuf *j, uint64_t v);
/* The decimal digits of v written backwards from end (up to 20 bytes
 * before it, no NUL); returns the first. */
char *u64_digits(uint64_t v, char *end);
void jb_i64(struct jbuf *j, int64_t v);
void jb_bool(struct jbuf *j, bool v);
void jb_null(struct jbuf *j);

/* key + value in one call, for the common case */
void jb_kstr(struct jbuf *j, const char *key, const char *s);
void jb_ku64(struct jbuf *j, const char *key, uint64_t v);
void jb_ki64(struct jbuf *j, const char *key, int64_t v);
void jb_kbool(struct jbuf *j, const char *key, bool v);
#endif
