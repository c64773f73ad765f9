#include <errno.h>
#include <string.h>

#include "cli.h"
#include "commands.h"
#include "dcos-docker/cancel.h"
#include "dcos-docker/cluster.h"
#include "progress.h"
#include "util.h"

static void usage(FILE *f)
{
	fprintf(f,
	        "Usage: dcos-docker destroy [--cluster NAME] [NAME...] [--ignore-missing]\n"
	        "       dcos-docker destroy --all\n\n"
	        "Removes clusters' containers, their volumes, their networks and workspaces,\n"
	        "found by their labels; nothing else is touched. A cluster only partly there\n"
	        "(a killed create, an interrupted destroy) is removed too. Several clusters\n"
	        "may be named: a name that does not exist is reported and the others are still\n"
	        "removed. Safe to run twice at once: what another destroy is removing is waited\n"
	        "for, and both end with nothing left. Ctrl-C stops after the step under way and\n"
	        "says what is left; running destroy again removes it.\n\n"
	        "Options:\n"
	        "  -c, --cluster NAME     a cluster (default, with no NAME: " DD_DEFAULT_CLUSTER
	        ")\n"
	        "      --all              every cluster on this Docker host\n"
	        "      --ignore-missing   a cluster that does not exist is not an error\n"
	        "  -q, --quiet            no progress output\n"
	        "  -h, --help             show this help\n\n"
	        "Exit status: 0 when every named cluster is gone, 2 when a name does not exist\n"
	        "(or is invalid), 1 when a removal failed, 128+N after signal N.\n");
}

/* "network, workspace": what an interrupted destroy left of the cluster. */
static void left_of(const dd_cluster_summary *s, char *buf, size_t size)
{
	size_t off = 0;
	buf[0] = '\0';
#define ADD(...) off += (size_t)snprintf(buf + off, off < size ? size - off : 0, __VA_ARGS__)
	if (s->total)
		ADD("%s%d node%s", off ? ", " : "", s->total, s->total == 1 ? "" : "s");
	if (s->n_volumes)
		ADD("%s%zu volume%s", off ? ", " : "", s->n_volumes, s->n_volumes == 1 ? "" : "s");
	if (s->network)
		ADD("%snetwork", off ? ", " : "");
	if (s->workspace_dir)
		ADD("%sworkspace %s", off ? ", " : "", s->workspace);
#undef ADD
}

static int report_interrupted(dd_docker *d, const char *name)
{
	dd_error e = {0};
	dd_cluster_summary s;
	char left[5000] = "";
	if (dd_cluster_summary_get(d, name, &s, &e) == 0)
		left_of(&s, left, sizeof(left));
	if (!left[0]) {
		fprintf(stderr, "Cluster '%s' destroyed\n", name);
		return 0;
	}
	fprintf(stderr,
	        "dcos-docker: error: Interrupted: cluster '%s' is partly destroyed; left: %s\n"
	        "  hint: run 'dcos-docker destroy --cluster %s' again to remove the rest.\n",
	        name, left, name);
	return cli_signal_exit();
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
	                                        .longopts = longopts,
	                                        .max_args = -1};
	bool all = false, ignore_missing = false, quiet = false;
	int c;
	while ((c = cli_getopt(&cmd, argc, argv)) > 0) {
		switch (c) {
		case 'a': all = true; break;
		case 'i': ignore_missing = true; break;
		case 'q': quiet = true; break;
		}
	}
	if (c == CLI_EXIT)
		return cmd.exit;
	int n_pos = argc - optind;
	if (all && (cmd.name_given || n_pos > 0))
		return cli_usage_error("destroy", "cluster names and --all exclude each other");
	/* The names: --cluster's and the operands, in order; the default with none. */
	size_t n = 0;
	_cleanup_free_ const char **names = dd_malloc0(((size_t)n_pos + 1) * sizeof(*names));
	if (cmd.name_given || n_pos == 0)
		names[n++] = cmd.name;
	for (int i = optind; i < argc; i++)
		names[n++] = argv[i];
	for (size_t i = 0; i < n; i++) {
		dd_error err = {0};
		if (dd_cluster_name_check(names[i], &err) < 0)
			return cli_fail(&err);
	}
	/* Ctrl-C: the step under way ends, then what is left is said. */
	cli_trap_signals();
	/* Destroy goes by name, without loading: a half-made cluster goes too. */
	if (!cli_open(&cmd, CLI_NO_NAME | CLI_NO_LOAD))
		return cmd.exit;
	dd_docker *d = cmd.d;
	dd_error err = {0};
	cli_progress prog;
	cli_progress_init(&prog, stderr, quiet);
	_cleanup_free_ dd_cluster_summary *list = NULL;
	if (all) {
		if (dd_cluster_list(d, &list, &n, &err) < 0)
			return cli_fail(&err);
		if (n == 0 && !quiet)
			fprintf(stderr, "No clusters to destroy.\n");
	}
	bool failed = false, unknown = false;
	for (size_t i = 0; i < n; i++) {
		const char *cname = all ? list[i].name : names[i];
		dd_error_clear(&err);
		int r = dd_cluster_destroy(d, cname, cli_progress_cb, &prog, &err);
		if (r == -ECANCELED || (r < 0 && dd_cancelled()))
			return report_interrupted(d, cname) ?: cli_signal_exit();
		if (r == -ENOENT && err.kind == DD_ERR_USAGE) {
			if (ignore_missing) {
				if (!quiet)
					fprintf(stderr,
					        "Cluster '%s' does not exist; nothing to do\n",
					        cname);
				continue;
			}
			/* One line per unknown name; the others are still removed. */
			fprintf(stderr, "dcos-docker: error: Cluster '%s' does not exist\n", cname);
			unknown = true;
			continue;
		}
		if (r < 0) {
			cli_fail(&err);
			failed = true;
			continue;
		}
		if (!quiet)
			fprintf(stderr, "Cluster '%s' destroyed\n", cname);
		if (dd_cancelled())
			return cli_signal_exit();
	}
	if (unknown)
		fprintf(stderr, "  hint: 'dcos-docker list' shows the clusters there are.\n");
	return failed ? EXIT_FAILED : unknown ? EXIT_USAGE : EXIT_OK;
}
