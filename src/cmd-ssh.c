/* dcos-docker ssh: the real OpenSSH client, with the cluster's own key and
 * known_hosts (strict host key checking, nothing written to ~/.ssh). */
#define _GNU_SOURCE
#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "commands.h"
#include "dcos-docker/cluster.h"
#include "inspect.h"
#include "util.h"

static void usage(FILE *f)
{
	fprintf(f,
	        "Usage: dcos-docker ssh [--cluster NAME] [-t] NODE [CMD [ARG...]]\n\n"
	        "Logs into NODE as root with OpenSSH's ssh, using the cluster's private key\n"
	        "(<workspace>/genconf/ssh_key) and its known_hosts (<workspace>/ssh/known_hosts)\n"
	        "with strict host key checking: no host key prompt, nothing added to\n"
	        "~/.ssh/known_hosts. Without CMD, an interactive login shell.\n\n"
	        "NODE: a short name (master1, agent2, pubagent1), a container name or an IP.\n\n"
	        "CMD: as with ssh itself, the words of CMD are joined with spaces and the\n"
	        "node's login shell parses the result again. Quote accordingly:\n"
	        "  dcos-docker ssh master1 'ls /var/log | wc -l'   runs a pipeline in the node\n"
	        "  dcos-docker ssh master1 ls 'a b'                lists two files, 'a' and 'b'\n"
	        "  dcos-docker ssh master1 ls \"'a b'\"              lists the file 'a b'\n"
	        "('dcos-docker run' passes arguments unchanged, without a shell.)\n"
	        "Options go before NODE; everything after NODE (or after NODE --) is CMD.\n\n"
	        "Exit code: ssh's own (the remote command's exit code, 255 when ssh failed).\n"
	        "'dcos-docker inspect' shows the exact ssh command for every node.\n\n"
	        "Options:\n"
	        "  -c, --cluster NAME   the cluster (default: " DD_DEFAULT_CLUSTER ")\n"
	        "  -t, --tty            force a terminal for CMD (like ssh -t); without CMD a\n"
	        "                       terminal is allocated whenever stdin is one\n"
	        "  -h, --help           show this help\n");
}

int cmd_ssh(int argc, char **argv)
{
	static const struct option longopts[] = {{"tty", no_argument, NULL, 't'}, {0}};
	/* "+": stop at NODE, so the remote command's own options stay its own. */
	_cleanup_(cli_cmd_clear) cli_cmd cmd = {.verb = "ssh",
	                                        .usage = usage,
	                                        .cluster_opt = true,
	                                        .shortopts = "+t",
	                                        .longopts = longopts,
	                                        .min_args = 1,
	                                        .max_args = -1,
	                                        .missing = "Missing NODE"};
	bool tty = false;
	int c;
	while ((c = cli_getopt(&cmd, argc, argv)) > 0)
		if (c == 't')
			tty = true;
	if (c == CLI_EXIT)
		return cmd.exit;
	const char *spec = argv[optind++];
	/* "NODE -- CMD": the separator is ours, not part of CMD. */
	if (optind < argc && strcmp(argv[optind], "--") == 0)
		optind++;
	dd_error err = {0};
	if (!cli_open(&cmd, 0))
		return cmd.exit;
	const dd_cluster *cluster = cmd.cluster;
	const dd_node *node = NULL;
	if (dd_cluster_find_node(cluster, spec, &node, &err) < 0)
		return cli_fail(&err);
	if (strcmp(node->state, "running") != 0) {
		dd_error_set(&err, -EHOSTDOWN, "Node %s is not running (%s)", node->short_name,
		             node->state);
		dd_error_hint(&err, "Start it with 'docker start %s'.", node->name);
		return cli_fail(&err);
	}
	_cleanup_free_ char *key = dd_cluster_ssh_key_path(cluster);
	struct stat st;
	if (stat(key, &st) < 0) {
		dd_error_set(&err, -ENOENT, "The cluster's SSH key %s is missing: %s", key,
		             strerror(errno));
		dd_error_hint(&err,
		              "The workspace of cluster '%s' was removed; recreate the cluster.",
		              cluster->name);
		return cli_fail(&err);
	}

	_cleanup_json_ json_t *base = cli_ssh_argv_json(cluster, node);
	size_t nbase = json_array_size(base);
	size_t ncmd = (size_t)(argc - optind);
	_cleanup_free_ const char **args = dd_malloc0((nbase + ncmd + 3) * sizeof(char *));
	size_t n = 0;
	args[n++] = json_string_value(json_array_get(base, 0));
	if (tty || (ncmd == 0 && isatty(STDIN_FILENO)))
		args[n++] = "-t";
	for (size_t i = 1; i < nbase; i++)
		args[n++] = json_string_value(json_array_get(base, i));
	if (ncmd > 0) {
		/* ssh reads options after the destination too: "--" keeps CMD's own. */
		args[n++] = "--";
		for (int i = optind; i < argc; i++)
			args[n++] = argv[i];
	}
	args[n] = NULL;
	fflush(stdout);
	fflush(stderr);
	execvp(args[0], (char *const *)args);
	int e = errno;
	dd_error_set(&err, -e, "Cannot run ssh: %s", strerror(e));
	if (e == ENOENT)
		dd_error_hint(&err,
		              "Install OpenSSH's client (apt-get install openssh-client), or "
		              "use 'dcos-docker run' or 'dcos-docker shell', which need no SSH.");
	return cli_fail(&err);
}
