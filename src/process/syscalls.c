#include <string.h>
#include "process/syscalls.h"
#include "syscall_table.h"

#define N_SYSCALLS (sizeof(syscall_table) / sizeof(syscall_table[0]))

int syscall_nr(const char *name)
{
	for (size_t i = 0; i < N_SYSCALLS; i++)
		if (strcmp(syscall_table[i].name, name) == 0)
			return syscall_table[i].nr;
	return -1;
}

const char *syscall_name(int nr)
{
	for (size_t i = 0; i < N_SYSCALLS; i++)
		if (syscall_table[i].nr == nr)
			return syscall_table[i].name;
	return NULL;
}
