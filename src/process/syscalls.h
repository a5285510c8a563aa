/* Syscall names and numbers of the build architecture, and of its compat
 * ABI (ia32 on x86_64: `int 0x80`). */
#ifndef WARDEN_SYSCALLS_H
#define WARDEN_SYSCALLS_H
struct syscall_name {
	const char *name;
	int nr;
};
/* Number for name, or -1 if this architecture has no such syscall. */
int syscall_nr(const char *name);
/* Name for nr, or NULL. */
const char *syscall_name(int nr);
/* The ia32 syscall nr32's name, or NULL (none, or no compat ABI). */
const char *syscall_name32(int nr32);
/* The native number of the syscall that ia32 nr32 is (same name, or an
 * alias: fstatat64 is newfstatat), or -1. */
int syscall_native_of32(int nr32);
#endif
