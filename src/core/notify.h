/* Service-manager readiness (systemd's sd_notify protocol), spoken
 * directly: one datagram to $NOTIFY_SOCKET, so warden needs no libsystemd
 * (the STATIC=1 build stays static) and does nothing when the variable is
 * unset (run by hand, by a test, or by another supervisor). */
#ifndef WARDEN_CORE_NOTIFY_H
#define WARDEN_CORE_NOTIFY_H

/* Send "STATE" (newline-separated KEY=VALUE lines) to $NOTIFY_SOCKET.
 * Returns 1 if sent, 0 if there is no socket to tell, negative errno. */
int notify_send(const char *state);

/* READY=1: call only once the policy is enforced in the kernel. */
void notify_ready(void);
/* RELOADING=1 (with MONOTONIC_USEC, as Type=notify-reload wants). */
void notify_reloading(void);
void notify_stopping(void);

#endif
