/* Syscall names and numbers: the native table and the ia32 one. */
#include <stddef.h>
#include <string.h>
#include "process/syscalls.h"
#include "syscall_table.h"

/* ia32 syscalls whose 64-bit equivalent has another name: a rule on the
 * native name holds for them too. The multiplexers (socketcall, ipc) are
 * not mapped: docs/security.md says what covers them. */
static const struct { const char *ia32, *native; } aliases32[] = {
	{ "umount", "umount2" }, { "mmap2", "mmap" }, { "_llseek", "lseek" },
	{ "fstatat64", "newfstatat" }, { "stat64", "stat" },
	{ "lstat64", "lstat" }, { "fstat64", "fstat" },
	{ "truncate64", "truncate" }, { "ftruncate64", "ftruncate" },
	{ "fcntl64", "fcntl" }, { "sendfile64", "sendfile" },
	{ "statfs64", "statfs" }, { "fstatfs64", "fstatfs" },
	{ "chown32", "chown" }, { "lchown32", "lchown" },
	{ "fchown32", "fchown" }, { "setuid32", "setuid" },
	{ "setgid32", "setgid" }, { "setreuid32", "setreuid" },
	{ "setregid32", "setregid" }, { "setresuid32", "setresuid" },
	{ "setresgid32", "setresgid" }, { "setfsuid32", "setfsuid" },
	{ "setfsgid32", "setfsgid" }, { "setgroups32", "setgroups" },
};

static int nr_in(const struct syscall_name *t, const char *name)
{
	for (; t->name; t++)
		if (strcmp(t->name, name) == 0)
			return t->nr;
	return -1;
}

static const char *name_in(const struct syscall_name *t, int nr)
{
	for (; t->name; t++)
		if (t->nr == nr)
			return t->name;
	return NULL;
}

int syscall_nr(const char *name)
{
	return nr_in(syscall_table, name);
}

const char *syscall_name(int nr)
{
	return name_in(syscall_table, nr);
}

const char *syscall_name32(int nr32)
{
	return name_in(syscall_table32, nr32);
}

int syscall_native_of32(int nr32)
{
	const char *name = syscall_name32(nr32);

	if (!name)
		return -1;
	for (size_t i = 0; i < sizeof(aliases32) / sizeof(aliases32[0]); i++)
		if (strcmp(aliases32[i].ia32, name) == 0)
			return syscall_nr(aliases32[i].native);
	return syscall_nr(name);
}
