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
/* Opens the daemon connection and pings it; prints and returns the exit code on failure, 0 on success. */
int cli_connect(dd_docker **ret);

/* What every command takes, so that each command parses only its own options:
 *   -h, --help           prints the command's usage on stdout (exit code 0)
 *   -c, --cluster NAME   (with .cluster_opt) the cluster, default DD_DEFAULT_CLUSTER
 *   an unknown option    getopt's message and the hint to --help (exit code 2)
 * and, for a command on a cluster, cli_open: the name checked, the daemon
 * connected, the cluster loaded. The usual shape:
 *
 *	_cleanup_(cli_cmd_clear) cli_cmd cmd = {.verb = "wait", .usage = usage,
 *	        .cluster_opt = true, .shortopts = "q", .longopts = longopts};
 *	while ((c = cli_getopt(&cmd, argc, argv)) > 0)
 *		switch (c) { the command's own options }
 *	if (c == CLI_EXIT || !cli_open(&cmd, 0))
 *		return cmd.exit;
 */
struct dd_cluster;
#define CLI_MAX_OPTIONS 48
typedef struct cli_cmd {
	const char *verb;       /* in messages: "see 'dcos-docker VERB --help'" */
	void (*usage)(FILE *f); /* the --help text */
	bool cluster_opt;       /* takes -c/--cluster NAME */
	/* The command's own options, without the shared ones: getopt's short
	 * options (a leading '+' stops at the first operand) and long options
	 * ({0}-terminated; NULL: none; one with a flag is set by getopt and not
	 * returned). */
	const char *shortopts;
	const struct option *longopts;
	/* The operands after the options, counted when they end: fewer than
	 * min_args print `missing`, more than max_args (-1: any number) print
	 * "Unexpected argument". By default none. */
	int min_args, max_args;
	const char *missing;

	const char *name;    /* --cluster NAME, else DD_DEFAULT_CLUSTER */
	bool name_given;     /* --cluster was given */
	int exit;            /* the exit code when cli_getopt returned CLI_EXIT */
	dd_docker *d;        /* cli_open */
	struct dd_cluster *cluster; /* cli_open, unless CLI_NO_LOAD */

	/* Private: the command's options and the shared ones. */
	struct option all_longopts[CLI_MAX_OPTIONS];
	char all_shortopts[64];
} cli_cmd;

#define CLI_EXIT (-2)
/* getopt_long over the command's options and the shared ones: returns the
 * next option of the command's own, -1 after the last option (optind is then
 * at the first operand, and their count was right), or CLI_EXIT when the
 * command must return cmd->exit (--help was printed, or a usage error). */
int cli_getopt(cli_cmd *cmd, int argc, char **argv);
/* The operand count check of cli_getopt, for a command that checks its
 * options first (.max_args = -1 then): 0 or the exit code. */
int cli_operands(const cli_cmd *cmd, int argc, char **argv, int min, int max, const char *missing);

enum {
	CLI_NO_NAME = 1 << 0, /* no cluster name to check (destroy --all) */
	CLI_NO_PING = 1 << 1, /* no ping first: the first request says when no daemon answers */
	CLI_NO_LOAD = 1 << 2, /* connect only: the cluster is not loaded */
};
/* The start of a command on a cluster: checks the name (a usage error),
 * connects to the daemon and loads the cluster into cmd. On failure prints
 * the error and returns false, with the exit code in cmd->exit. */
bool cli_open(cli_cmd *cmd, unsigned flags);
/* Frees what cli_open made. */
void cli_cmd_clear(cli_cmd *cmd);
/* The exit code of a command stopped by a signal (cli_trap_signals): 128 + its
 * number, as shells report it; SIGINT's when none was recorded. */
int cli_signal_exit(void);
/* Parses a decimal integer within [min, max]; false when invalid. */
bool cli_parse_int(const char *s, long min, long max, long *ret);
/* True when stderr is a terminal (progress lines redraw in place then). */
bool cli_is_tty(int fd);

/* Installs SIGINT/SIGTERM handlers that only set a flag (the library polls
 * dd_cancelled() and rolls back). */
void cli_trap_signals(void);

#endif
