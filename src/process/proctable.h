/* User space's view of processes, keyed by exec_id (pid + exec time), so
 * events can carry ancestry even after pids are reused. Filled from the
 * kernel's exec/fork events and from a /proc snapshot at start. */
#ifndef WARDEN_PROCTABLE_H
#define WARDEN_PROCTABLE_H
#include <stdint.h>
#include <stdbool.h>

struct exec_key {
	uint32_t pid;
	uint64_t ktime;
};

struct pnode {
	struct exec_key key, parent;
	char *binary;		/* real path of the image; NULL if unknown */
	bool exited;
	struct pnode *next;	/* hash chain */
	struct pnode *dead_next;	/* FIFO of exited entries */
};

void proctable_init(void);
void proctable_free(void);
/* Insert or update; the binary string is copied. */
struct pnode *proctable_put(struct exec_key key, struct exec_key parent,
			    const char *binary);
struct pnode *proctable_get(struct exec_key key);
/* The live entry for pid, or NULL. */
struct pnode *proctable_by_pid(uint32_t pid);
/* Mark exited: kept a while for children still to be reported. */
void proctable_exit(struct exec_key key);
/* Up to max ancestor binaries, nearest first. Returns the count. */
int proctable_ancestors(struct exec_key key, const char **out, int max);
/* Read /proc: every running process, with the same exec ids the kernel
 * derives for processes it did not see start. Returns entries added. */
int proctable_snapshot(void);
/* "pid:ktime" */
void exec_id_format(struct exec_key k, char *buf, int len);
#endif
