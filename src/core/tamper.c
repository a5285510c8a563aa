#include <limits.h>
#include <stdio.h>
#include "core/tamper.h"
#include "lib/json.h"
#include "lib/log.h"
#include "lib/output.h"

void tamper_event(const char *key, const char *what, bool restored)
{
	char text[PATH_MAX + 128];
	struct jbuf j;

	snprintf(text, sizeof(text), "TAMPER self-protection: %s %s removed, "
		 "detached or replaced by another process; %s", key, what,
		 restored ? "put back" : "cannot put it back");
	log_warn("%s", text);
	jb_init(&j);
	output_begin(&j, "tamper", 0);
	jb_kstr(&j, "rule", "self-protection");
	jb_kstr(&j, key, what);
	jb_kbool(&j, "restored", restored);
	output_emit(&j);
	jb_free(&j);
	output_flush();
}
