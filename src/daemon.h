#ifndef WARDEN_DAEMON_H
#define WARDEN_DAEMON_H
int cmd_daemon(int argc, char **argv);
#endif
