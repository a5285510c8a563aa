/* The fds of a failed load are gone by the time libbpf returns, so the
 * refused program is named from libbpf's own message (lib/log.c). */
#include <string.h>
#include "core/objload.h"
#include "lib/log.h"

int obj_load_failed(struct bpf_object *obj, const char *what, int err)
{
	const char *name = log_libbpf_failed_prog();
	struct bpf_program *prog = name && obj ?
		bpf_object__find_program_by_name(obj, name) : NULL;

	if (prog)
		log_err("the kernel refused BPF program %s (%s): %s; run with "
			"-vv for the verifier log", name,
			bpf_program__section_name(prog), strerror(-err));
	else
		log_err("loading %s failed: %s; run with -vv for the verifier "
			"log", what, strerror(-err));
	return err;
}
