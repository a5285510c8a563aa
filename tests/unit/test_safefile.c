/* Unit tests for lib/safefile: opening paths someone else may have planted
 * links at, and escaping text a step chose. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <cmocka.h>
#include "lib/safefile.h"

static char dir[64];

static char *at(const char *name)
{
	static char buf[4][160];
	static int k;

	k = (k + 1) % 4;
	snprintf(buf[k], sizeof(buf[k]), "%s/%s", dir, name);
	return buf[k];
}

static void put_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

/* The file's content, and (through ino) which file it is. */
static void expect_file(const char *path, const char *text, ino_t ino)
{
	char buf[256] = "";
	struct stat st;
	FILE *f = fopen(path, "r");

	assert_non_null(f);
	buf[fread(buf, 1, sizeof(buf) - 1, f)] = '\0';
	fclose(f);
	assert_string_equal(buf, text);
	assert_int_equal(stat(path, &st), 0);
	if (ino)
		assert_int_equal(st.st_ino, ino);
}

static ino_t ino_of(const char *path)
{
	struct stat st;

	assert_int_equal(stat(path, &st), 0);
	return st.st_ino;
}

static int setup(void **state)
{
	snprintf(dir, sizeof(dir), "/tmp/warden-safefile.XXXXXX");
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[96];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd);
}

static void new_file_created_with_mode(void **state)
{
	int fd = safe_open_write(at("new"), SAFE_REPLACE, 0640);
	struct stat st;

	assert_true(fd >= 0);
	assert_int_equal(safe_rewrite(fd, "abc", 3), 0);
	assert_true(safe_still_at(fd, at("new")));
	close(fd);
	assert_int_equal(stat(at("new"), &st), 0);
	assert_int_equal(st.st_mode & 0777, 0640 & ~022 & 0777);
	expect_file(at("new"), "abc", 0);
}

static void existing_file_appended_or_rewritten(void **state)
{
	int fd;

	put_file(at("log"), "old\n");
	fd = safe_open_write(at("log"), SAFE_APPEND, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "new\n", 4), 4);
	close(fd);
	expect_file(at("log"), "old\nnew\n", 0);
	fd = safe_open_write(at("log"), SAFE_REPLACE, 0600);
	assert_true(fd >= 0);
	expect_file(at("log"), "old\nnew\n", 0);	/* open does not truncate */
	assert_int_equal(safe_rewrite(fd, "x", 1), 0);
	close(fd);
	expect_file(at("log"), "x", 0);
}

static void symlink_at_path_refused(void **state)
{
	ino_t ino;

	put_file(at("victim"), "secret");
	ino = ino_of(at("victim"));
	assert_int_equal(symlink(at("victim"), at("link")), 0);
	assert_int_equal(safe_open_write(at("link"), SAFE_REPLACE, 0600), -ELOOP);
	assert_int_equal(safe_open_write(at("link"), SAFE_APPEND, 0600), -ELOOP);
	/* a dangling one would have been created through */
	assert_int_equal(symlink(at("nothing"), at("dangling")), 0);
	assert_int_equal(safe_open_write(at("dangling"), SAFE_APPEND, 0600), -ELOOP);
	assert_int_equal(access(at("nothing"), F_OK), -1);
	expect_file(at("victim"), "secret", ino);
	assert_non_null(strstr(safe_why(-ELOOP), "symbolic link"));
}

static void symlink_in_directory_refused(void **state)
{
	assert_int_equal(mkdir(at("real"), 0700), 0);
	assert_int_equal(symlink(at("real"), at("dirlink")), 0);
	assert_int_equal(safe_open_write(at("dirlink/f"), SAFE_APPEND, 0600), -ELOOP);
	assert_int_equal(access(at("real/f"), F_OK), -1);
	assert_int_equal(safe_open_dir(at("dirlink")), -ELOOP);
	assert_int_equal(safe_open_dir(at("dirlink/")), -ELOOP);
	assert_int_equal(safe_mkdirs(at("dirlink/sub"), 0700), -ELOOP);
	assert_int_equal(access(at("real/sub"), F_OK), -1);
}

static void hard_link_refused_untouched(void **state)
{
	ino_t ino;

	put_file(at("hl-victim"), "keep");
	ino = ino_of(at("hl-victim"));
	assert_int_equal(link(at("hl-victim"), at("hl")), 0);
	assert_int_equal(safe_open_write(at("hl"), SAFE_REPLACE, 0600), -EMLINK);
	assert_int_equal(safe_open_write(at("hl"), SAFE_APPEND, 0600), -EMLINK);
	expect_file(at("hl-victim"), "keep", ino);
	assert_non_null(strstr(safe_why(-EMLINK), "hard links"));
}

static void other_owner_refused(void **state)
{
	if (geteuid() != 0)
		skip();
	put_file(at("theirs"), "theirs");
	assert_int_equal(chown(at("theirs"), 65534, 65534), 0);
	assert_int_equal(safe_open_write(at("theirs"), SAFE_REPLACE, 0600), -EOWNERDEAD);
	expect_file(at("theirs"), "theirs", 0);
}

static void devices_and_dirs(void **state)
{
	int fd = safe_open_write("/dev/null", SAFE_APPEND, 0600);

	assert_true(fd >= 0);
	assert_int_equal(safe_rewrite(fd, "x", 1), 0);
	close(fd);
	assert_int_equal(safe_open_write(dir, SAFE_APPEND, 0600), -EISDIR);
}

static void still_at_sees_replacement(void **state)
{
	int fd = safe_open_write(at("moved"), SAFE_REPLACE, 0600);

	assert_true(fd >= 0);
	assert_true(safe_still_at(fd, at("moved")));
	assert_int_equal(unlink(at("moved")), 0);
	assert_int_equal(symlink("/etc/passwd", at("moved")), 0);
	assert_false(safe_still_at(fd, at("moved")));
	close(fd);
}

static void mkdirs_creates_every_level(void **state)
{
	int fd = safe_mkdirs(at("a/b//c/"), 0700);
	struct stat st;

	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(stat(at("a/b/c"), &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	fd = safe_mkdirs(at("a/b/c"), 0700);	/* existing: fine */
	assert_true(fd >= 0);
	close(fd);
	put_file(at("a/file"), "");
	assert_int_equal(safe_mkdirs(at("a/file/x"), 0700), -ENOTDIR);
}

/* ---- text --------------------------------------------------------- */

typedef void (*put_fn)(FILE *, const char *);

static void expect_put(put_fn fn, const char *in, const char *want)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	fn(f, in);
	fclose(f);
	assert_string_equal(buf, want);
	free(buf);
}

static void text_escapes_controls(void **state)
{
	expect_put(safe_put_text, "plain /usr/bin/cc", "plain /usr/bin/cc");
	expect_put(safe_put_text, "a\nb\tc\rd", "a\\nb\\tc\\rd");
	expect_put(safe_put_text, "\x1b[31mred\x07", "\\x1b[31mred\\x07");
	expect_put(safe_put_text, "back\\slash", "back\\\\slash");
	expect_put(safe_put_text, "del\x7f", "del\\x7f");
	/* UTF-8 stays; C1 controls and stray bytes do not */
	expect_put(safe_put_text, "caf\xc3\xa9 \xc3\x97", "caf\xc3\xa9 \xc3\x97");
	expect_put(safe_put_text, "csi\xc2\x9b", "csi\\xc2\\x9b");
	expect_put(safe_put_text, "bad\xff\xc3", "bad\\xff\\xc3");
}

static void shell_quotes_words(void **state)
{
	expect_put(safe_put_shell, "make", "make");
	expect_put(safe_put_shell, "--out=/tmp/x.json", "--out=/tmp/x.json");
	expect_put(safe_put_shell, "", "''");
	expect_put(safe_put_shell, "a b", "'a b'");
	expect_put(safe_put_shell, "$(rm -rf /)", "'$(rm -rf /)'");
	expect_put(safe_put_shell, "it's", "'it'\\''s'");
	expect_put(safe_put_shell, "x\n;id", "'x\\n;id'");
	expect_put(safe_put_shell, "`id`", "'`id`'");
}

static void yaml_double_quoted(void **state)
{
	expect_put(safe_put_yaml, "/usr/bin/cc", "\"/usr/bin/cc\"");
	expect_put(safe_put_yaml, "a\"b", "\"a\\\"b\"");
	expect_put(safe_put_yaml, "x\"\n  exec: {}", "\"x\\\"\\n  exec: {}\"");
	expect_put(safe_put_yaml, "c:\\dir", "\"c:\\\\dir\"");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(new_file_created_with_mode),
		cmocka_unit_test(existing_file_appended_or_rewritten),
		cmocka_unit_test(symlink_at_path_refused),
		cmocka_unit_test(symlink_in_directory_refused),
		cmocka_unit_test(hard_link_refused_untouched),
		cmocka_unit_test(other_owner_refused),
		cmocka_unit_test(devices_and_dirs),
		cmocka_unit_test(still_at_sees_replacement),
		cmocka_unit_test(mkdirs_creates_every_level),
		cmocka_unit_test(text_escapes_controls),
		cmocka_unit_test(shell_quotes_words),
		cmocka_unit_test(yaml_double_quoted),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
