#ifndef WARDEN_PREFLIGHT_H
#define WARDEN_PREFLIGHT_H
/* One line naming what is missing when the agent cannot start at all:
 * not root, no BTF. Also mounts tracefs if nobody has (tracepoint ids are
 * read there). Returns 0 or -errno after printing. */
int check_can_load_bpf(void);
#endif
