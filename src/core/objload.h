/* One explanation of a failed BPF object load, for every module. */
#ifndef WARDEN_CORE_OBJLOAD_H
#define WARDEN_CORE_OBJLOAD_H
#include <bpf/libbpf.h>

/* Say which program of obj the kernel refused (as libbpf reported it),
 * or that loading what (e.g. "the egress programs") failed; returns err. */
int obj_load_failed(struct bpf_object *obj, const char *what, int err);
#endif
