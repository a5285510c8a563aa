/* `warden cleanup [DIR]`: remove what a pinned daemon left in bpffs. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "cmd/commands.h"
#include "core/pin.h"

#define PIN_DEFAULT "/sys/fs/bpf/warden"

int cmd_cleanup(int argc, char **argv)
{
	const char *dir = argc > 1 ? argv[1] : PIN_DEFAULT;
	int err;

	if (argc > 1 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))) {
		printf("usage: warden cleanup [DIR]\n\n"
		       "Remove every program link and map a daemon started with\n"
		       "--pin DIR left pinned (default %s): this detaches all\n"
		       "of warden's enforcement. Stop the daemon first.\n", PIN_DEFAULT);
		return 0;
	}
	err = pin_remove_all(dir);
	if (err && err != -ENOENT) {
		fprintf(stderr, "warden cleanup: %s: %s\n", dir, strerror(-err));
		return 1;
	}
	printf("warden cleanup: %s removed\n", dir);
	return 0;
}
