/* The text form of an event (--format text, `warden events --format
 * text`), made from its JSON line so that every event type reads the
 * same way and no field the JSON has is forgotten:
 *
 *   TIME TYPE key=value ...
 *
 * Strings holding a space, a quote or nothing are quoted; control bytes,
 * backslashes and quotes inside are shown as \xNN, so a line never holds
 * a terminal escape or a line break; a byte that was not UTF-8 shows as
 * '?'. Exits show exit_code=N or signal=NAME. */
#ifndef WARDEN_EVTEXT_H
#define WARDEN_EVTEXT_H
#include <stddef.h>

/* The text line for the JSON event line (no newline) into buf;
 * returns buf. */
char *event_text(const char *json, size_t n, char *buf, size_t len);
#endif
