/* Writes valid process event records, as the kernel side emits them, as
 * seeds for fuzz_event: tests/fuzz/corpus/fuzz_event/<name>. Each seed is
 * the harness's format byte (0 JSON, 1 text) followed by the record.
 *   cc -Isrc tests/fuzz/gen_event_seeds.c -o gen && ./gen DIR */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "warden/process_abi.h"

static char buf[PROC_EVENT_MAX + 1];

/* The variable part is path, argv (NUL-separated), cwd, cgroup path. */
static size_t build(struct process_event *ev, const char *path,
		    const char *args, size_t args_len, const char *cwd,
		    const char *cg)
{
	char *p = ev->data;

	ev->path_len = strlen(path);
	ev->args_len = args_len;
	ev->cwd_len = strlen(cwd);
	ev->cg_len = strlen(cg);
	memcpy(p, path, ev->path_len);
	p += ev->path_len;
	memcpy(p, args, args_len);
	p += args_len;
	memcpy(p, cwd, ev->cwd_len);
	p += ev->cwd_len;
	memcpy(p, cg, ev->cg_len);
	p += ev->cg_len;
	ev->size = p - (char *)ev;
	return ev->size;
}

static void save(const char *dir, const char *name, int fmt, size_t len)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	if (!f || fputc(fmt, f) == EOF || fwrite(buf + 1, 1, len, f) != len ||
	    fclose(f)) {
		perror(path);
		exit(1);
	}
}

static struct process_event *fresh(__u32 type, __u32 pid)
{
	struct process_event *ev = (void *)(buf + 1);

	memset(buf, 0, sizeof(buf));
	ev->type = type;
	ev->ktime = 123456789000ULL;
	ev->exec_ktime = 120000000000ULL;
	ev->parent_exec_ktime = 100000000000ULL;
	ev->cgroup_id = 4242;
	ev->ino = 1234;
	ev->dev = 8 << 20 | 1;
	ev->pid = ev->tid = pid;
	ev->ppid = ev->parent_pid = 1;
	ev->uid = ev->gid = 1000;
	strcpy(ev->comm, "bash");
	return ev;
}

int main(int argc, char **argv)
{
	static const char args[] = "ls\0-la\0/tmp\0";
	const char *dir = argc > 1 ? argv[1] : ".";
	struct process_event *ev;
	size_t n;

	ev = fresh(EV_EXEC, 4000);
	n = build(ev, "/usr/bin/ls", args, sizeof(args) - 1, "/home/u",
		  "/user.slice/user-1000.slice/session-1.scope");
	save(dir, "exec", 0, n);
	save(dir, "exec-text", 1, n);

	ev = fresh(EV_EXEC, 4001);
	ev->rule = 1;
	ev->action = ACT_DENY;
	ev->mechanism = MECH_SIGKILL_TP;
	ev->flags = EVF_ARGS_TRUNC | EVF_PATH_TRUNC;
	n = build(ev, "/usr/bin/nc\xff", "nc\0-l\0\x1b[31m\0", 13, "/tmp",
		  "/system.slice/docker-0123456789abcdef0123456789abcdef"
		  "0123456789abcdef0123456789abcdef.scope");
	save(dir, "exec-rule-container", 0, n);

	ev = fresh(EV_FORK, 4002);
	n = build(ev, "", "", 0, "", "/");
	save(dir, "fork", 0, n);

	ev = fresh(EV_EXIT, 4000);
	ev->exit_code = 9;	/* killed by SIGKILL */
	n = build(ev, "", "", 0, "", "/");
	save(dir, "exit-signal", 0, n);
	ev->exit_code = 3 << 8;
	save(dir, "exit-code", 1, n);

	ev = fresh(EV_SYSCALL, 4001);
	ev->syscall_nr = 101;	/* ptrace on x86_64 */
	ev->rule = 2;
	ev->action = ACT_KILL;
	n = build(ev, "/usr/bin/gdb", "gdb\0-p\0" "1\0", 10, "/root",
		  "/kubepods/pod1/cri-containerd-abcdef012345.scope");
	save(dir, "syscall", 0, n);
	save(dir, "syscall-text", 1, n);

	ev = fresh(EV_EXEC, 4003);
	ev->flags = EVF_TRACK_ONLY;
	n = build(ev, "/bin/true", "true\0", 5, "/", "/");
	save(dir, "exec-track-only", 0, n);
	return 0;
}
