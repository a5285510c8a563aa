/* The CLI commands: `warden NAME ARGS` calls cmd_NAME(argc, argv) with
 * argv[0] = NAME. Each returns the process exit status. */
#ifndef WARDEN_CMD_COMMANDS_H
#define WARDEN_CMD_COMMANDS_H
int cmd_daemon(int argc, char **argv);
int cmd_policy(int argc, char **argv);
int cmd_policy_apply(int argc, char **argv);
int cmd_status(int argc, char **argv);
int cmd_events(int argc, char **argv);
int cmd_stop(int argc, char **argv);
int cmd_cleanup(int argc, char **argv);
int cmd_probe(int argc, char **argv);
int cmd_run(int argc, char **argv);
#endif
