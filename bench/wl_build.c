/* build workload: a real multi-process job.  Generates a small C project
 * (FILES translation units + main.c + Makefile) in DIR once, then each run
 * does an untimed `make clean` and a timed `make -j2`: make, the shell, cc1,
 * as and ld give a mix of exec, open and exit that a policy has to watch.
 * usage: wl_build FILES DIR */
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include "wl_common.h"

#define MIXES 32 /* functions per unit: sets how long cc1 works on it */

extern char **environ;

static FILE *open_in(const char *dir, const char *name)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	if (!f)
		fprintf(stderr, "wl_build: %s: %s\n", path, strerror(errno));
	return f;
}

/* One unit: a few loops and a table, enough to make cc1 do real work. */
static int write_unit(const char *dir, long i)
{
	char name[64];
	FILE *f;
	int k;

	snprintf(name, sizeof(name), "unit%03ld.c", i);
	f = open_in(dir, name);
	if (!f)
		return -1;
	fprintf(f, "#include <stdint.h>\n#include <string.h>\n");
	fprintf(f, "static const uint32_t table[64] = {");
	for (k = 0; k < 64; k++)
		fprintf(f, "%u,", (unsigned)(i * 2654435761u + k * 40503u));
	fprintf(f, "};\n");
	for (k = 0; k < MIXES; k++)
		fprintf(f, "static uint32_t mix%d(uint32_t x) { for (int r = 0; r < %d; r++)"
			" x = (x << 5 | x >> 27) ^ table[(x + r) & 63]; return x; }\n",
			k, 3 + k);
	fprintf(f, "uint32_t unit%03ld(uint32_t x) { char buf[32]; memset(buf, (int)x, sizeof(buf));", i);
	for (k = 0; k < MIXES; k++)
		fprintf(f, " x = mix%d(x + (uint32_t)buf[%d]);", k, k);
	fprintf(f, " return x; }\n");
	return fclose(f);
}

static int write_main_and_makefile(const char *dir, long files)
{
	FILE *f;
	long i;

	f = open_in(dir, "main.c");
	if (!f)
		return -1;
	fprintf(f, "#include <stdint.h>\n#include <stdio.h>\n");
	for (i = 0; i < files; i++)
		fprintf(f, "uint32_t unit%03ld(uint32_t);\n", i);
	fprintf(f, "int main(void) { uint32_t x = 1;\n");
	for (i = 0; i < files; i++)
		fprintf(f, " x = unit%03ld(x);\n", i);
	fprintf(f, " printf(\"%%u\\n\", x); return 0; }\n");
	if (fclose(f))
		return -1;
	f = open_in(dir, "Makefile");
	if (!f)
		return -1;
	fprintf(f, "SRCS := $(wildcard *.c)\nOBJS := $(SRCS:.c=.o)\n"
		"prog: $(OBJS)\n\t$(CC) -o $@ $^\n"
		"%%.o: %%.c\n\t$(CC) -O2 -c $< -o $@\n"
		"clean:\n\trm -f prog *.o\n");
	return fclose(f);
}

static int generate(const char *dir, long files)
{
	long i;

	if (mkdir(dir, 0755) && errno != EEXIST) {
		fprintf(stderr, "wl_build: mkdir %s: %s\n", dir, strerror(errno));
		return -1;
	}
	for (i = 0; i < files; i++)
		if (write_unit(dir, i))
			return -1;
	return write_main_and_makefile(dir, files);
}

static int run_make(const char *dir, const char *target)
{
	char *argv[] = { "make", "-s", "-C", (char *)dir, "-j2", (char *)target, NULL };
	int status, err;
	pid_t pid;

	err = posix_spawnp(&pid, "make", NULL, NULL, argv, environ);
	if (err) {
		fprintf(stderr, "wl_build: spawn make: %s\n", strerror(err));
		return -1;
	}
	if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status)) {
		fprintf(stderr, "wl_build: make %s failed (status 0x%x)\n", target, status);
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	const char *usage = "wl_build FILES DIR";
	long files;
	double t0;

	if (argc < 3)
		return fprintf(stderr, "usage: %s\n", usage), 2;
	files = wl_count(argv[1], usage);
	if (generate(argv[2], files) || run_make(argv[2], "clean"))
		return 1;
	t0 = wl_now();
	if (run_make(argv[2], "prog"))
		return 1;
	wl_report(t0);
	return 0;
}
