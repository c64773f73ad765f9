/* dcos-docker registry: a private Docker registry on master1 that every
 * node trusts (the old dcos-docker's `make registry`). */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "commands.h"
#include "dcos-docker/registry.h"
#include "progress.h"
#include "util.h"

static void usage(FILE *f)
{
	fprintf(f, "Usage: dcos-docker registry [--cluster NAME] [-q]\n\n"
	           "Starts a private Docker registry on master1 that every node's Docker\n"
	           "trusts, so that an image built or imported on one node can be pushed and\n"
	           "pulled on the others (the old dcos-docker's 'make registry'):\n"
	           "  " DD_REGISTRY_HOST ":5000 (every node resolves " DD_REGISTRY_HOST
	           " to master1),\n"
	           "  also master1's IP:5000; TLS with a CA made for the cluster, installed in\n"
	           "  every node as /etc/docker/certs.d/<host>:5000/ca.crt, and copied to\n"
	           "  <workspace>/registry/ca.crt for the host's Docker.\n"
	           "Running it again keeps the CA and the images; it hands the CA to nodes\n"
	           "added since. Images live in master1 (" DD_REGISTRY_NODE_DIR "/data)\n"
	           "and go with the cluster. DC/OS need not be installed.\n\n"
	           "Example:\n"
	           "  dcos-docker registry\n"
	           "  dcos-docker run --node agent1 -- docker push registry.local:5000/me/app:1\n"
	           "  dcos-docker run --node agent2 -- docker pull registry.local:5000/me/app:1\n\n"
	           "Options:\n"
	           "  -c, --cluster NAME   the cluster (default: " DD_DEFAULT_CLUSTER ")\n"
	           "  -q, --quiet          print only errors\n"
	           "  -h, --help           show this help\n");
}

int cmd_registry(int argc, char **argv)
{
	static const struct option longopts[] = {{"quiet", no_argument, NULL, 'q'}, {0}};
	_cleanup_(cli_cmd_clear) cli_cmd cmd = {.verb = "registry",
	                                        .usage = usage,
	                                        .cluster_opt = true,
	                                        .shortopts = "q",
	                                        .longopts = longopts,
	                                        .max_args = 0};
	bool quiet = false;
	int c;
	while ((c = cli_getopt(&cmd, argc, argv)) > 0)
		if (c == 'q')
			quiet = true;
	if (c == CLI_EXIT)
		return cmd.exit;
	if (!cli_open(&cmd, 0))
		return cmd.exit;

	cli_progress progress;
	cli_progress_init(&progress, stderr, quiet);
	snprintf(progress.header, sizeof(progress.header),
	         "Starting the registry of cluster '%s' on master1\n", cmd.name);
	dd_registry_result res;
	dd_error err = {0};
	if (dd_registry_start(cmd.d, cmd.cluster, cli_progress_cb, &progress, &res, &err) < 0)
		return cli_fail(&err);
	if (!quiet)
		fprintf(stderr,
		        "Registry: " DD_REGISTRY_HOST ":%d and %s:%d, trusted by %zu node%s%s\n"
		        "  CA certificate: %s\n",
		        DD_REGISTRY_PORT, res.ip, DD_REGISTRY_PORT, res.n_nodes,
		        res.n_nodes == 1 ? "" : "s", res.created ? " (new CA)" : "", res.ca_path);
	return EXIT_OK;
}
