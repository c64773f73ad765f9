#include <errno.h>
#include <string.h>

#include "cli.h"
#include "commands.h"
#include "dcos-docker/cluster.h"
#include "progress.h"
#include "util.h"

static void usage(FILE *f)
{
	fprintf(f, "Usage: dcos-docker destroy [--cluster NAME | --all] [--ignore-missing]\n\n"
	           "Removes a cluster's containers, their volumes, its network and its workspace,\n"
	           "found by their labels. Nothing else is touched.\n\n"
	           "Options:\n"
	           "  -c, --cluster NAME     the cluster (default: " DD_DEFAULT_CLUSTER ")\n"
	           "      --all              every cluster on this Docker host\n"
	           "      --ignore-missing   a cluster that does not exist is not an error\n"
	           "  -q, --quiet            no progress output\n"
	           "  -h, --help             show this help\n");
}

int cmd_destroy(int argc, char **argv)
{
	static const struct option longopts[] = {{"all", no_argument, NULL, 'a'},
	                                         {"ignore-missing", no_argument, NULL, 'i'},
	                                         {"quiet", no_argument, NULL, 'q'},
	                                         {0}};
	_cleanup_(cli_cmd_clear) cli_cmd cmd = {.verb = "destroy",
	                                        .usage = usage,
	                                        .cluster_opt = true,
	                                        .shortopts = "q",
	                                        .longopts = longopts};
	bool all = false, ignore_missing = false, quiet = false;
	int c, ret;
	while ((c = cli_getopt(&cmd, argc, argv)) > 0) {
		switch (c) {
		case 'a': all = true; break;
		case 'i': ignore_missing = true; break;
		case 'q': quiet = true; break;
		}
	}
	if (c == CLI_EXIT)
		return cmd.exit;
	if (all && cmd.name_given)
		return cli_usage_error("destroy", "--cluster and --all exclude each other");
	/* Destroy goes by name, without loading: a half-made cluster goes too. */
	if (!cli_open(&cmd, CLI_NO_LOAD | (all ? CLI_NO_NAME : 0)))
		return cmd.exit;
	dd_docker *d = cmd.d;
	const char *name = cmd.name;
	dd_error err = {0};
	cli_progress prog;
	cli_progress_init(&prog, stderr, quiet);
	_cleanup_free_ dd_cluster_summary *list = NULL;
	size_t n = 1;
	if (all) {
		if (dd_cluster_list(d, &list, &n, &err) < 0)
			return cli_fail(&err);
		if (n == 0 && !quiet)
			fprintf(stderr, "No clusters to destroy.\n");
	}
	for (size_t i = 0; i < n; i++) {
		const char *cname = all ? list[i].name : name;
		int r = dd_cluster_destroy(d, cname, cli_progress_cb, &prog, &err);
		if (r == -ENOENT && ignore_missing) {
			if (!quiet)
				fprintf(stderr, "Cluster '%s' does not exist; nothing to do\n",
				        cname);
			continue;
		}
		if (r < 0) {
			ret = cli_fail(&err);
			continue;
		}
		if (!quiet)
			fprintf(stderr, "Cluster '%s' destroyed\n", cname);
	}
	return ret;
}
