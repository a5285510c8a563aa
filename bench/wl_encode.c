/* encoder workload: N x one exec event line as the daemon writes it (the
 * same fields, lib/json.c's writer), appended to a 64 KiB buffer that is
 * written to /dev/null when full, on one core. Prints "lines N", "bytes
 * B" and "elapsed SECONDS".   usage: wl_encode N */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "lib/json.h"
#include "wl_common.h"

static void encode(struct jbuf *j, long i)
{
	static const char *const ancestors[] = {
		"/usr/bin/make", "/usr/bin/bash", "/usr/sbin/sshd", "/sbin/init",
	};

	jb_reset(j);
	jb_obj_open(j);
	jb_kstr(j, "time", "2026-12-02T07:00:00.123456789Z");
	jb_kstr(j, "type", "exec");
	jb_ku64(j, "schema_version", 1);
	jb_ku64(j, "pid", 100000 + i % 50000);
	jb_ku64(j, "tid", 100000 + i % 50000);
	jb_ku64(j, "ppid", 4242);
	jb_ku64(j, "uid", 1000);
	jb_ku64(j, "gid", 1000);
	jb_kstr(j, "comm", "cc1");
	jb_kstr(j, "binary", "/usr/lib/gcc/x86_64-linux-gnu/12/cc1");
	jb_key(j, "args");
	jb_arr_open(j);
	jb_str(j, "/usr/lib/gcc/x86_64-linux-gnu/12/cc1");
	jb_str(j, "-quiet");
	jb_str(j, "src/unit_17.c");
	jb_str(j, "-O2");
	jb_arr_close(j);
	jb_kbool(j, "args_truncated", false);
	jb_kstr(j, "cwd", "/home/ci/work/project");
	jb_kstr(j, "exec_id", "123456:12621092485843");
	jb_kstr(j, "parent_exec_id", "4242:12618310000000");
	jb_key(j, "ancestors");
	jb_arr_open(j);
	for (size_t k = 0; k < sizeof(ancestors) / sizeof(ancestors[0]); k++)
		jb_str(j, ancestors[k]);
	jb_arr_close(j);
	jb_ku64(j, "cgroup_id", 1);
	jb_kstr(j, "cgroup", "/user.slice/user-1000.slice/session-2.scope");
	jb_key(j, "container_id");
	jb_null(j);
	jb_obj_close(j);
}

int main(int argc, char **argv)
{
	const char *usage = "wl_encode N";
	static char out[64 << 10];
	size_t used = 0, bytes = 0;
	struct jbuf j;
	long n, i;
	double t0;
	int fd = open("/dev/null", O_WRONLY);

	if (argc < 2 || fd < 0)
		return fprintf(stderr, "usage: %s\n", usage), 2;
	n = wl_count(argv[1], usage);
	jb_init(&j);
	t0 = wl_now();
	for (i = 0; i < n; i++) {
		encode(&j, i);
		if (used + j.len + 1 > sizeof(out)) {
			if (write(fd, out, used) < 0)
				return perror("wl_encode: write"), 1;
			used = 0;
		}
		memcpy(out + used, j.buf, j.len);
		out[used + j.len] = '\n';
		used += j.len + 1;
		bytes += j.len + 1;
	}
	if (used && write(fd, out, used) < 0)
		return perror("wl_encode: write"), 1;
	printf("lines %ld\nbytes %zu\n", n, bytes);
	wl_report(t0);
	jb_free(&j);
	return 0;
}
