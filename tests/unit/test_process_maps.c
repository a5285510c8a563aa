/* Unit tests for the process object's map names: opened from the embedded
 * skeleton (ELF parsing only, no bpf() call, no root). The kernel keeps 15
 * bytes of a map's name, and pinned maps are named after them, so every
 * name must fit and carry the module's prefix. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>
#include "process.skel.h"

#define KERNEL_NAME_MAX	15	/* BPF_OBJ_NAME_LEN - 1 */

/* libbpf's own .bss/.rodata maps: named by libbpf, not by us. */
static bool internal_map(const char *name)
{
	return strchr(name, '.') != NULL;
}

static void t_map_names_prefixed_and_short(void **state)
{
	struct process_bpf *skel = process_bpf__open();
	struct bpf_map *m;
	int checked = 0;

	assert_non_null(skel);
	bpf_object__for_each_map(m, skel->obj) {
		const char *name = bpf_map__name(m);

		if (internal_map(name))
			continue;
		if (strncmp(name, "proc_", 5) != 0)
			fail_msg("map %s has no proc_ prefix", name);
		if (strlen(name) > KERNEL_NAME_MAX)
			fail_msg("map %s is longer than %d bytes", name,
				 KERNEL_NAME_MAX);
		checked++;
	}
	assert_true(checked >= 20);	/* the object's maps were seen */
	process_bpf__destroy(skel);
}

/* The maps user space names exist under their new names. */
static void t_known_maps_present(void **state)
{
	static const char *const names[] = {
		"proc_events", "proc_policy", "proc_table", "proc_tgt_file",
		"proc_tgt_dirent", "proc_tgt_dir", "proc_syscall",
	};
	struct process_bpf *skel = process_bpf__open();

	assert_non_null(skel);
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (!bpf_object__find_map_by_name(skel->obj, names[i]))
			fail_msg("no map %s", names[i]);
	process_bpf__destroy(skel);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(t_map_names_prefixed_and_short),
		cmocka_unit_test(t_known_maps_present),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
