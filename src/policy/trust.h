/* Whether a policy file can be trusted: like sshd's StrictModes, the file
 * and every directory above it must be owned by root and writable by no one
 * else (a world-writable directory is accepted only with the sticky bit,
 * where others cannot replace root's file). */
#ifndef WARDEN_TRUST_H
#define WARDEN_TRUST_H
#include <stddef.h>
/* 0 when trusted; else -EPERM with the reason in why. */
int file_trusted(const char *path, char *why, size_t len);
#endif
