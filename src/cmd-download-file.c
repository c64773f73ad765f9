/* dcos-docker download-file: a file or a directory tree from a node, with
 * cp -r semantics, through the Docker archive API. */
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
	        "Usage: dcos-docker download-file [--cluster NAME] --node NODE [--force]\n"
	        "                                 [--user USER] [--keep-setuid] SRC DST\n\n"
	        "Copies SRC (an absolute path in the node: a file or a directory tree) to DST\n"
	        "on this host, like 'cp -r':\n"
	        "  - DST is an existing directory: the copy goes inside it, as DST/<name of SRC>\n"
	        "    (SRC ending in '/.' puts its contents straight into DST);\n"
	        "  - DST does not exist: the copy arrives as DST (missing parent directories\n"
	        "    are created).\n"
	        "An existing file or directory is never overwritten without --force. The copy\n"
	        "appears whole or not at all. Modes and modification times are kept; the files\n"
	        "belong to you; setuid and setgid bits are dropped (see --keep-setuid). Holes in\n"
	        "sparse files stay holes. Symlinks stay symlinks; a symlink given as SRC is\n"
	        "followed. FIFOs, devices and sockets are not copied: each is named in a\n"
	        "warning. Archive entries that would land outside DST are refused. tmpfs paths\n"
	        "such as /tmp work too.\n\n"
	        "Options:\n"
	        "  -c, --cluster NAME   the cluster (default: " DD_DEFAULT_CLUSTER ")\n"
	        "      --node NODE      the node: a short name (master1, agent2, pubagent1), a\n"
	        "                       container name or an IP\n"
	        "  -f, --force          overwrite an existing file; merge into an existing\n"
	        "                       directory\n"
	        "  -u, --user USER      read the files as USER in the node (a name or\n"
	        "                       uid[:gid]; the node must be running): a file USER may\n"
	        "                       not read fails the download, as it did with the\n"
	        "                       original tool's transport, which read as its user\n"
	        "      --keep-setuid    keep setuid and setgid bits of files\n"
	        "  -q, --quiet          print nothing on success (warnings still)\n"
	        "  -h, --help           show this help\n");
}

int cmd_download_file(int argc, char **argv)
{
	static const struct option longopts[] = {
	    {"node", required_argument, NULL, 'n'},  {"force", no_argument, NULL, 'f'},
	    {"quiet", no_argument, NULL, 'q'},       {"user", required_argument, NULL, 'u'},
	    {"keep-setuid", no_argument, NULL, 'K'}, {0}};
	_cleanup_(cli_cmd_clear) cli_cmd cmd = {.verb = "download-file",
	                                        .usage = usage,
	                                        .cluster_opt = true,
	                                        .shortopts = "fqu:",
	                                        .longopts = longopts,
	                                        .max_args = -1};
	const char *spec = NULL;
	bool quiet = false;
	dd_download_opts opts = {0};
	int c, ret;
	while ((c = cli_getopt(&cmd, argc, argv)) > 0) {
		switch (c) {
		case 'n':
			if (spec)
				return cli_usage_error("download-file",
				                       "--node may be given once: a download comes "
				                       "from one node");
			spec = optarg;
			break;
		case 'f': opts.force = true; break;
		case 'q': quiet = true; break;
		case 'u': opts.user = optarg; break;
		case 'K': opts.keep_setid = true; break;
		}
	}
	if (c == CLI_EXIT)
		return cmd.exit;
	if (!spec)
		return cli_usage_error("download-file", "Missing --node NODE");
	if (opts.user && !*opts.user)
		return cli_usage_error("download-file", "--user needs a user name");
	if ((ret = cli_operands(&cmd, argc, argv, 2, 2, "Missing SRC or DST")))
		return ret;
	const char *src = argv[optind], *dst = argv[optind + 1];
	if (src[0] != '/')
		return cli_usage_error("download-file",
		                       "SRC must be an absolute path in the node (e.g. /root/%s), "
		                       "not '%s'",
		                       src, src);
	dd_error err = {0};
	/* Ctrl-C stops the transfer cleanly: no half-unpacked temporary files. */
	cli_trap_signals();
	if (!cli_open(&cmd, 0))
		return cmd.exit;
	const dd_node *node = NULL;
	if (dd_cluster_find_node(cmd.cluster, spec, &node, &err) < 0)
		return cli_fail(&err);
	_cleanup_(dd_download_result_clear) dd_download_result res = {0};
	if (dd_files_download_opts(cmd.d, node, src, dst, &opts, &res, &err) < 0) {
		dd_error_prefix(&err, "Failed to download '%s' from %s: ", src, node->short_name);
		return cli_fail(&err);
	}
	/* What the copy lacks is said even with --quiet: a silent gap is the bug. */
	size_t listed = 0;
	for (; res.skipped && res.skipped[listed]; listed++)
		fprintf(stderr, "dcos-docker: warning: skipped '%s': a %s (not copied)\n",
		        res.skipped[listed], res.skipped_kind[listed]);
	if (res.n_skipped > listed)
		fprintf(stderr, "dcos-docker: warning: skipped %zu more special files\n",
		        res.n_skipped - listed);
	if (res.n_setid)
		fprintf(stderr,
		        "dcos-docker: warning: dropped the setuid/setgid bits of %zu file%s "
		        "(--keep-setuid keeps them)\n",
		        res.n_setid, res.n_setid == 1 ? "" : "s");
	if (!quiet)
		fprintf(stderr, "%s:%s -> %s\n", node->short_name, src, res.target);
	return EXIT_OK;
}
