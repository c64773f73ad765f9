/* dcos-docker sync: a DC/OS checkout's integration tests and bootstrap code
 * onto the masters (DC/OS E2E's `minidcos docker sync`). */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "commands.h"
#include "dcos-docker/sync.h"
#include "progress.h"
#include "util.h"

static void usage(FILE *f)
{
	fprintf(f, "Usage: dcos-docker sync [--cluster NAME] [-q] [DCOS_CHECKOUT_DIR]\n\n"
	           "Copies a DC/OS checkout's integration tests and bootstrap code to every\n"
	           "master, so that a changed test runs at once ('dcos-docker run --test-env\n"
	           "pytest ...'), without building a new installer. As DC/OS E2E's sync:\n"
	           "  packages/dcos-integration-test/extra replaces the top-level *.py files of\n"
	           "    " DD_SYNC_TEST_DIR " (other files are\n"
	           "    overwritten, not removed);\n"
	           "  packages/bootstrap/extra/dcos_internal_utils goes over bootstrap's copy in\n"
	           "    " DD_SYNC_BOOTSTRAP_LIB "/<python>/site-packages, if the checkout has it\n"
	           "    (restart a DC/OS service to use it);\n"
	           "  an open source checkout on an Enterprise cluster goes to the test\n"
	           "    directory's open_source_tests/ (without its conftest.py; its util/ to\n"
	           "    the test directory), where Enterprise keeps the open source tests.\n"
	           "A checkout with packages/upstream.json is Enterprise's. __pycache__ and\n"
	           "*.pyc are left out. Needs DC/OS installed and the masters running.\n\n"
	           "DCOS_CHECKOUT_DIR: a clone of dcos/dcos or of DC/OS Enterprise (default:\n"
	           "$DCOS_CHECKOUT_DIR, else the current directory).\n\n"
	           "Options:\n"
	           "  -c, --cluster NAME   the cluster (default: " DD_DEFAULT_CLUSTER ")\n"
	           "  -q, --quiet          print only errors\n"
	           "  -h, --help           show this help\n");
}

int cmd_sync(int argc, char **argv)
{
	static const struct option longopts[] = {{"quiet", no_argument, NULL, 'q'}, {0}};
	_cleanup_(cli_cmd_clear) cli_cmd cmd = {.verb = "sync",
	                                        .usage = usage,
	                                        .cluster_opt = true,
	                                        .shortopts = "q",
	                                        .longopts = longopts,
	                                        .max_args = 1};
	bool quiet = false;
	int c;
	while ((c = cli_getopt(&cmd, argc, argv)) > 0)
		if (c == 'q')
			quiet = true;
	if (c == CLI_EXIT)
		return cmd.exit;
	const char *checkout = optind < argc ? argv[optind] : getenv("DCOS_CHECKOUT_DIR");
	if (!checkout || !*checkout)
		checkout = ".";
	if (!cli_open(&cmd, 0))
		return cmd.exit;

	cli_progress progress;
	cli_progress_init(&progress, stderr, quiet);
	snprintf(progress.header, sizeof(progress.header), "Syncing %s to cluster '%s''s masters\n",
	         checkout, cmd.name);
	dd_sync_result res;
	dd_error err = {0};
	if (dd_dcos_sync(cmd.d, cmd.cluster, checkout, cli_progress_cb, &progress, &res, &err) < 0)
		return cli_fail(&err);
	if (!quiet)
		fprintf(stderr, "Synced %s tests%s to %zu master%s%s\n",
		        res.checkout_enterprise ? "DC/OS Enterprise" : "DC/OS open source",
		        res.bootstrap ? " and bootstrap code" : "", res.n_masters,
		        res.n_masters == 1 ? "" : "s",
		        res.oss_to_ee ? " (Enterprise cluster: into open_source_tests/)" : "");
	return EXIT_OK;
}
