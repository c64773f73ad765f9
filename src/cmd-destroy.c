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
	static const struct option longopts[] = {{"cluster", required_argument, NULL, 'c'},
						 {"all", no_argument, NULL, 'a'},
						 {"ignore-missing", no_argument, NULL, 'i'},
						 {"quiet", no_argument, NULL, 'q'},
						 {"help", no_argument, NULL, 'h'},
						 {0}};
	const char *name = NULL;
	bool all = false, ignore_missing = false, quiet = false;
	int c;
	while ((c = getopt_long(argc, argv, "c:qh", longopts, NULL)) != -1) {
		switch (c) {
		case 'c': name = optarg; break;
		case 'a': all = true; break;
		case 'i': ignore_missing = true; break;
		case 'q': quiet = true; break;
		case 'h': usage(stdout); return EXIT_OK;
		default: return cli_bad_option("destroy");
		}
	}
	if (optind < argc)
		return cli_usage_error("destroy", "Unexpected argument '%s'", argv[optind]);
	if (all && name)
		return cli_usage_error("destroy", "--cluster and --all exclude each other");
	dd_error err = {0};
	if (!all) {
		if (!name)
			name = DD_DEFAULT_CLUSTER;
		if (dd_cluster_name_check(name, &err) < 0)
			return cli_fail(&err);
	}
	_cleanup_(dd_docker_freep) dd_docker *d = NULL;
	int ret = cli_connect(&d);
	if (ret)
		return ret;
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
				fprintf(stderr, "Cluster '%s' does not exist; nothing to do\n", cname);
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
