/* `warden cleanup [DIR]`: remove what a pinned daemon left in bpffs. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include "cmd/commands.h"
#include "core/pin.h"

#define PIN_DEFAULT "/sys/fs/bpf/warden"

static const char usage[] =
"usage: warden cleanup [DIR]\n"
"\n"
"Remove what a daemon started with --pin DIR left pinned (default\n"
PIN_DEFAULT "): the links and maps of the process, egress and ingress\n"
"modules, so all of warden's enforcement from DIR ends. Returns once the\n"
"kernel has released those programs (at most 5 s).\n"
"\n"
"Only warden's pin layout is removed: DIR must be on bpffs, hold the\n"
PIN_MARKER " marker the daemon wrote, and nothing but DIR/<module>/maps/*\n"
"and DIR/<module>/links/*. Anything else (another filesystem, a symlink, a\n"
"missing DIR, an entry warden did not make) is refused, nothing removed,\n"
"exit status 1. No symlink is followed.\n"
"\n"
"Stop the daemon first (warden stop): a running daemon still holds its\n"
"programs, and cleanup fails after 5 s saying so (the pins are gone\n"
"then, but its enforcement goes on until it exits).\n";

int cmd_cleanup(int argc, char **argv)
{
	const char *dir = argc > 1 ? argv[1] : PIN_DEFAULT;
	char why[PATH_MAX + 256];

	if (argc > 1 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))) {
		fputs(usage, stdout);
		return 0;
	}
	if (argc > 2 || (argc > 1 && argv[1][0] == '-')) {
		fputs(usage, stderr);
		return 2;
	}
	if (pin_remove_all(dir, why, sizeof(why))) {
		fprintf(stderr, "warden cleanup: %s\n", why);
		return 1;
	}
	printf("warden cleanup: %s removed; its programs are detached\n", dir);
	return 0;
}
