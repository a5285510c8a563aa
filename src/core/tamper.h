/* The `tamper` event: something another process changed in what the
 * agent put in the kernel (a pin, a link), found by the agent's once-a-
 * second checks, and whether it was put back. */
#ifndef WARDEN_CORE_TAMPER_H
#define WARDEN_CORE_TAMPER_H
#include <stdbool.h>

/* {"type":"tamper","rule":"self-protection", key: what, "restored": ...}
 * and a warning line; what is e.g. a pin path or a link name. */
void tamper_event(const char *key, const char *what, bool restored);
#endif
