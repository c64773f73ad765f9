#ifndef DCOS_DOCKER_COMMANDS_H
#define DCOS_DOCKER_COMMANDS_H

/* One entry point per subcommand: argv[0] is the verb; returns the exit code. */
int cmd_create(int argc, char **argv);
int cmd_list(int argc, char **argv);
int cmd_inspect(int argc, char **argv);
int cmd_destroy(int argc, char **argv);
int cmd_add_node(int argc, char **argv);
int cmd_remove_node(int argc, char **argv);
int cmd_clean(int argc, char **argv);
int cmd_build_image(int argc, char **argv);
int cmd_doctor(int argc, char **argv);
int cmd_run(int argc, char **argv);
int cmd_shell(int argc, char **argv);
int cmd_ssh(int argc, char **argv);
int cmd_send_file(int argc, char **argv);
int cmd_download_file(int argc, char **argv);
int cmd_export_logs(int argc, char **argv);
int cmd_inventory(int argc, char **argv);
int cmd_install(int argc, char **argv);
int cmd_upgrade(int argc, char **argv);
int cmd_wait(int argc, char **argv);
int cmd_web(int argc, char **argv);
int cmd_download_installer(int argc, char **argv);
int cmd_hosts(int argc, char **argv);
int cmd_sync(int argc, char **argv);
int cmd_registry(int argc, char **argv);
int cmd_loopback(int argc, char **argv);
/* cmd-snapshot.c */
int cmd_snapshot(int argc, char **argv);
int cmd_snapshots(int argc, char **argv);
int cmd_restore(int argc, char **argv);
/* cmd-fault.c */
int cmd_pause(int argc, char **argv);
int cmd_unpause(int argc, char **argv);
int cmd_kill(int argc, char **argv);
int cmd_stop(int argc, char **argv);
int cmd_start(int argc, char **argv);
int cmd_restart(int argc, char **argv);
int cmd_partition(int argc, char **argv);
int cmd_heal(int argc, char **argv);
int cmd_delay(int argc, char **argv);

#endif
