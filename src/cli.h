/* Shared plumbing of the CLI: printing errors once, exit codes, common options. */
#ifndef DCOS_DOCKER_CLI_H
#define DCOS_DOCKER_CLI_H

#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>

#include "dcos-docker/docker.h"
#include "dcos-docker/error.h"

#define EXIT_OK 0
#define EXIT_FAILED 1
#define EXIT_USAGE 2

#define DD_DEFAULT_CLUSTER "dcos-docker"

/* Prints "dcos-docker: error: <msg>" (+ "  hint: <hint>") on stderr and
 * returns the exit code that fits the error's kind. */
int cli_fail(const dd_error *err);
/* Prints a usage error for `verb` and returns EXIT_USAGE. */
int cli_usage_error(const char *verb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Handles getopt's '?' / ':' results uniformly (the message was printed by getopt). */
int cli_bad_option(const char *verb);
/* Opens the daemon connection and pings it; prints and returns the exit code on failure, 0 on success. */
int cli_connect(dd_docker **ret);
/* The common start of commands on one cluster: checks the name (usage error),
 * connects to the daemon and loads the cluster. Prints the error and returns
 * the exit code on failure, 0 on success. */
struct dd_cluster;
int cli_open_cluster(const char *name, dd_docker **ret_d, struct dd_cluster **ret_cluster);
/* Parses a decimal integer within [min, max]; false when invalid. */
bool cli_parse_int(const char *s, long min, long max, long *ret);
/* True when stderr is a terminal (progress lines redraw in place then). */
bool cli_is_tty(int fd);

/* Installs SIGINT/SIGTERM handlers that only set a flag (the library polls
 * dd_cancelled() and rolls back). */
void cli_trap_signals(void);

#endif
