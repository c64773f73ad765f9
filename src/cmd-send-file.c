/* dcos-docker send-file: a file or a directory tree to one node or several,
 * with cp -r semantics, through the Docker archive API. */
#define _GNU_SOURCE
#include <errno.h>
#include <string.h>

#include "cli.h"
#include "commands.h"
#include "dcos-docker/cluster.h"
#include "dcos-docker/files.h"
#include "util.h"

static void usage(FILE *f)
{
	fprintf(f,
	        "Usage: dcos-docker send-file [--cluster NAME] [--node NODE]... [--user USER "
	        "[--sudo]]\n"
	        "                             SRC DST\n\n"
	        "Copies SRC (a file or a directory tree on this host) to DST (an absolute path)\n"
	        "in the nodes, like 'cp -r':\n"
	        "  - DST is an existing directory: the copy goes inside it, as DST/<name of SRC>\n"
	        "    (SRC ending in '/.' puts its contents straight into DST);\n"
	        "  - DST does not exist: the copy arrives as DST (missing parent directories\n"
	        "    are created);\n"
	        "  - DST is an existing file: a file SRC replaces it.\n"
	        "Modes and modification times are kept; everything is owned by root (or by\n"
	        "--user). Holes in sparse files stay holes in the node. Symlinks\n"
	        "inside a tree stay symlinks; a symlink given as SRC is followed. tmpfs paths\n"
	        "such as /tmp and /run work too (through tar in the node, since the Docker\n"
	        "archive API cannot see them). No SSH or Python needed in the node.\n\n"
	        "Options:\n"
	        "  -c, --cluster NAME   the cluster (default: " DD_DEFAULT_CLUSTER ")\n"
	        "      --node NODE      where to copy to (default master1): a short name\n"
	        "                       (master1, agent2, pubagent1), a container name, an IP,\n"
	        "                       or a group: all, masters, agents, public-agents.\n"
	        "                       Repeat it or separate with commas: the nodes are\n"
	        "                       served in parallel.\n"
	        "  -u, --user USER      the copy belongs to USER (a name or uid, optionally\n"
	        "                       :GROUP; default: USER's primary group), looked up in\n"
	        "                       each node, which must be running. The copy is refused\n"
	        "                       where USER could not write it; missing parent\n"
	        "                       directories are USER's, as with 'mkdir -p' run by USER\n"
	        "      --sudo           with --user: write even where USER could not (as the\n"
	        "                       original tool's sudo did); the copy is still USER's,\n"
	        "                       missing parent directories are root's\n"
	        "  -q, --quiet          print nothing on success\n"
	        "  -h, --help           show this help\n");
}

static void on_done(const dd_event *ev, void *userdata)
{
	bool quiet = *(bool *)userdata;
	if (ev->kind == DD_EVENT_DONE && !quiet)
		fprintf(stderr, "%s: %s\n", ev->node, ev->text);
}

int cmd_send_file(int argc, char **argv)
{
	static const struct option longopts[] = {{"node", required_argument, NULL, 'n'},
	                                         {"user", required_argument, NULL, 'u'},
	                                         {"sudo", no_argument, NULL, 'S'},
	                                         {"quiet", no_argument, NULL, 'q'},
	                                         {0}};
	_cleanup_(cli_cmd_clear) cli_cmd cmd = {.verb = "send-file",
	                                        .usage = usage,
	                                        .cluster_opt = true,
	                                        .shortopts = "qu:",
	                                        .longopts = longopts,
	                                        .min_args = 2,
	                                        .max_args = 2,
	                                        .missing = "Missing SRC or DST"};
	_cleanup_free_ const char **specs = dd_malloc0((size_t)argc * sizeof(char *));
	size_t nspecs = 0;
	bool quiet = false;
	dd_send_opts opts = {0};
	int c, ret;
	while ((c = cli_getopt(&cmd, argc, argv)) > 0) {
		switch (c) {
		case 'n': specs[nspecs++] = optarg; break;
		case 'q': quiet = true; break;
		case 'u': opts.user = optarg; break;
		case 'S': opts.sudo = true; break;
		}
	}
	if (c == CLI_EXIT)
		return cmd.exit;
	const char *src = argv[optind], *dst = argv[optind + 1];
	if (dst[0] != '/')
		return cli_usage_error("send-file",
		                       "DST must be an absolute path in the node (e.g. /root/%s), "
		                       "not '%s'",
		                       dst, dst);
	if (opts.user && !*opts.user)
		return cli_usage_error("send-file", "--user needs a user name");
	if (opts.sudo && !opts.user)
		return cli_usage_error("send-file",
		                       "--sudo only makes sense with --user: without it the copy "
		                       "is written as root anyway");
	if (nspecs == 0)
		specs[nspecs++] = "master1";
	dd_error err = {0};
	/* Ctrl-C stops the transfer cleanly: no half-unpacked temporary files. */
	cli_trap_signals();
	if (!cli_open(&cmd, 0))
		return cmd.exit;
	_cleanup_free_ const dd_node **nodes = NULL;
	size_t n = 0;
	for (size_t i = 0; i < nspecs; i++) {
		_cleanup_free_ char *list = dd_strdup(specs[i]);
		char *save = NULL;
		for (char *tok = strtok_r(list, ",", &save); tok; tok = strtok_r(NULL, ",", &save))
			if (dd_cluster_select(cmd.cluster, tok, &nodes, &n, &err) < 0)
				return cli_fail(&err);
	}
	if (n == 0) {
		dd_error_usage(&err, -ENOENT, "No node matches --node %s", specs[0]);
		return cli_fail(&err);
	}
	_cleanup_free_ dd_error *errs = dd_malloc0(n * sizeof(*errs));
	int r = dd_files_send_opts(cmd.d, nodes, n, src, dst, &opts, on_done, &quiet, errs, &err);
	if (r == 0)
		return EXIT_OK;
	size_t failed = 0;
	for (size_t i = 0; i < n; i++)
		if (errs[i].code < 0) {
			ret = cli_fail(&errs[i]);
			failed++;
		}
	if (failed > 1)
		fprintf(stderr, "dcos-docker: error: %s\n", err.msg);
	return failed ? ret : cli_fail(&err);
}
