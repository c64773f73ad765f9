/* Shared plumbing of the CLI: printing errors once, exit codes, common options. */
#ifndef DCOS_DOCKER_CLI_H
#define DCOS_DOCKER_CLI_H

#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>

#include "dcos-docker/docker.h"
#include "dcos-docker/error.h"

#define EXIT_OK     0
#define EXIT_FAILED 1
#define EXIT_USAGE  2

#define DD_DEFAULT_CLUSTER "dcos-docker"

/* Prints "dcos-docker: error: <msg>" (+ "  hint: <hint>") on stderr and
 * returns the exit code that fits the error's kind. */
int cli_fail(const dd_error *err);
/* Prints a usage error for `verb` and returns EXIT_USAGE. */
int cli_usage_error(const char *verb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* A usage error about an option: "dcos-docker: error: VERB: <msg>" and the
 * --help hint; returns EXIT_USAGE. */
int cli_option_error(const char *verb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The option cli_getopt returned last, spelled out ("--masters", "-v"), for a
 * message about its value: cli_option_error(verb, "invalid number '%s' for %s",
 * optarg, cli_optname()). */
const char *cli_optname(void);

/* What every command takes, so that each command parses only its own options:
 * -h/--help, -c/--cluster NAME (with .cluster_opt), the error for an unknown
 * option or a missing value, and the operand count; cli_open then checks the name,
 * connects and loads the cluster. The usual shape:
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
	/* The command's own options: short ones (a leading '+' stops at the
	 * first operand), long ones ({0}-terminated; those with a flag are set
	 * by getopt, not returned). */
	const char *shortopts;
	const struct option *longopts;
	/* Operands: fewer than min_args print `missing`, more than max_args
	 * (-1: any number) "Unexpected argument". By default none. */
	int min_args, max_args;
	const char *missing;

	const char *name;           /* --cluster NAME, else DD_DEFAULT_CLUSTER */
	bool name_given;            /* --cluster was given */
	int exit;                   /* the exit code when cli_getopt returned CLI_EXIT */
	dd_docker *d;               /* cli_open */
	struct dd_cluster *cluster; /* cli_open, unless CLI_NO_LOAD */

	/* Private: the command's options and the shared ones. */
	struct option all_longopts[CLI_MAX_OPTIONS];
	char all_shortopts[64];
} cli_cmd;

#define CLI_EXIT (-2)
/* The next of the command's own options; -1 after the last (optind at the
 * first operand, their count checked); CLI_EXIT when the command must return
 * cmd->exit (after --help, or a usage error). */
int cli_getopt(cli_cmd *cmd, int argc, char **argv);
/* cli_getopt's operand check, for a command that checks its options first. */
int cli_operands(const cli_cmd *cmd, int argc, char **argv, int min, int max, const char *missing);

enum {
	CLI_NO_NAME = 1 << 0, /* no cluster name to check (destroy --all) */
	CLI_NO_PING = 1 << 1, /* no ping first: the first request says when no daemon answers */
	CLI_NO_LOAD = 1 << 2, /* connect only: the cluster is not loaded */
};
/* Checks the name, connects to the daemon and loads the cluster into cmd;
 * false after printing the error, with the exit code in cmd->exit. */
bool cli_open(cli_cmd *cmd, unsigned flags);
/* Frees what cli_open made. */
void cli_cmd_clear(cli_cmd *cmd);
/* After a signal (cli_trap_signals): 128 + its number, as shells report it. */
int cli_signal_exit(void);
/* Parses a decimal integer within [min, max]; false when invalid. */
bool cli_parse_int(const char *s, long min, long max, long *ret);
/* True when stderr is a terminal (progress lines redraw in place then). */
bool cli_is_tty(int fd);

/* Installs SIGINT/SIGTERM/SIGHUP/SIGQUIT handlers that only set a flag (the
 * library polls dd_cancelled() and rolls back). SIGPIPE is ignored by main()
 * for every command that does work (see main.c). */
void cli_trap_signals(void);

#endif
