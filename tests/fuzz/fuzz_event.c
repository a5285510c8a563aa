/* Fuzz the process event decoder (process_event_cb, src/process/events.c)
 * with arbitrary ring-buffer records: it must never read outside the
 * record, and each line it writes must be valid JSON.
 *
 * The first input byte picks the output format (bit 0: text); the rest is
 * the record, copied to its own allocation of exactly its size so
 * AddressSanitizer sees any read past the end, and aligned as the ring
 * buffer's records are. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "json_check.h"
#include "lib/output.h"
#include "process/events.h"
#include "process/proctable.h"

static unsigned long runs;
static struct process_events events;	/* no policy loaded, no sink */

static void check_line(const char *line, size_t len)
{
	if (strlen(line) != len || !json_check(line, len))
		abort();
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static const char *const to[] = { "/dev/null" };

	if (output_open(to, 1, FMT_JSON))
		abort();
	out.tap = check_line;	/* sees every JSON line before it is written */
	proctable_init();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	void *rec;

	if (!size)
		return 0;
	out.fmt = data[0] & 1 ? FMT_TEXT : FMT_JSON;
	rec = malloc(size - 1 ? size - 1 : 1);
	if (!rec)
		abort();
	memcpy(rec, data + 1, size - 1);
	process_event_cb(&events, rec, size - 1);
	free(rec);
	/* exec events add live processes; start afresh now and then so the
	 * table does not grow without bound over millions of runs */
	if (++runs % 4096 == 0) {
		proctable_free();
		proctable_init();
	}
	return 0;
}
