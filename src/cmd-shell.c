/* dcos-docker shell: an interactive login shell on a node. It is `run --tty`
 * of a login shell, so both share one exec path. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "commands.h"
#include "util.h"

/* bash when the node has it, else sh; both as login shells in the home directory. */
static const char login_script[] = "cd \"$HOME\" 2>/dev/null\n"
                                   "if [ -x /bin/bash ]; then exec /bin/bash -l; fi\n"
                                   "exec /bin/sh -l\n";

static void usage(FILE *f)
{
	fprintf(f, "Usage: dcos-docker shell [--cluster NAME] [NODE]\n\n"
	           "Opens an interactive login shell (/bin/bash -l, else /bin/sh -l) as root on\n"
	           "NODE (default master1: a short name like agent2, a container name or an IP)\n"
	           "with a real terminal: its window size follows yours, Ctrl-C and Ctrl-Z go to\n"
	           "the remote shell, TERM is passed on. Exits with the shell's exit code.\n\n"
	           "Without a terminal on stdin (a pipe, a file, /dev/null) there is no TTY:\n"
	           "the login shell reads its commands from stdin and ends at EOF, like\n"
	           "'ssh HOST < script' ('dcos-docker run' runs one command).\n\n"
	           "Options:\n"
	           "  -c, --cluster NAME   the cluster (default: " DD_DEFAULT_CLUSTER ")\n"
	           "  -h, --help           show this help\n");
}

int cmd_shell(int argc, char **argv)
{
	cli_cmd cmd = {.verb = "shell", .usage = usage, .cluster_opt = true, .max_args = 1};
	if (cli_getopt(&cmd, argc, argv) == CLI_EXIT)
		return cmd.exit;
	const char *name = cmd.name, *node = optind < argc ? argv[optind] : "master1";
	if (!*node)
		return cli_usage_error("shell", "The node name is empty");

	optind = 0; /* run parses its own options: reset getopt */
	if (!cli_is_tty(STDIN_FILENO)) {
		/* A TTY would wait for keys forever: the end of a pipe or file, or
		 * /dev/null, never reaches a shell on a terminal (the daemon ends a
		 * TTY session only with the process). Without one the shell reads
		 * stdin, and its EOF ends it. */
		char *run_argv[] = {"run",        "--cluster",          (char *)name, "--node",
		                    (char *)node, "--no-tty",           "--",         "/bin/sh",
		                    "-c",         (char *)login_script, NULL};
		return cmd_run((int)ELEMENTSOF(run_argv) - 1, run_argv);
	}
	const char *term = getenv("TERM");
	_cleanup_free_ char *term_env = dd_asprintf("TERM=%s", term && *term ? term : "xterm");
	char *run_argv[] = {
	    "run",    "--cluster", (char *)name, "--node", (char *)node,         "--tty", "--env",
	    term_env, "--",        "/bin/sh",    "-c",     (char *)login_script, NULL};
	return cmd_run((int)ELEMENTSOF(run_argv) - 1, run_argv);
}
