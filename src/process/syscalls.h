/* Syscall names and numbers of the build architecture. */
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
#endif
