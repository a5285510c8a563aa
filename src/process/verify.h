/* Tamper check: the process policy maps hold what the agent wrote. Another
 * root process can rewrite or delete their entries through bpf() (any
 * entry: 64-bit, int 0x80) and no hook sees it without BPF LSM, so the
 * agent compares the active generation with the image it wrote, once a
 * second in user space (no cost on any syscall), and puts back what
 * differs. */
#ifndef WARDEN_PROCESS_VERIFY_H
#define WARDEN_PROCESS_VERIFY_H
#include "process/compile.h"
#include "process/maps.h"

struct tamper {
	unsigned changed;	/* entries with another value */
	unsigned missing;	/* entries deleted */
	unsigned added;		/* entries the agent never wrote */
	char maps[256];		/* the maps that differed, comma-separated */
};

/* Compare generation img->gen of m with img and restore what differs.
 * Returns the number of differences (0: intact, t untouched), or -errno
 * when a map cannot be read or written back. */
int process_maps_verify(const struct process_maps *m,
			const struct process_image *img, struct tamper *t);
/* A `tamper` event and a warning naming what was found and put back. */
void process_report_tamper(const struct tamper *t);
#endif
