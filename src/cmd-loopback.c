/* dcos-docker loopback create|destroy|list: loopback block devices for
 * DC/OS storage tests (DC/OS E2E's create-loopback-sidecar,
 * destroy-loopback-sidecar and list-loopback-sidecars). */
#define _GNU_SOURCE
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "commands.h"
#include "dcos-docker/loopback.h"
#include "util.h"

static void usage(FILE *f)
{
	fprintf(f, "Usage: dcos-docker loopback create [--cluster NAME] [--size SIZE] LOOPBACK\n"
	           "       dcos-docker loopback destroy [--cluster NAME] LOOPBACK\n"
	           "       dcos-docker loopback list [--cluster NAME]\n\n"
	           "A loopback block device for storage tests (DC/OS volume profiles, CSI,\n"
	           "LVM...), as DC/OS E2E's create-loopback-sidecar: a sparse file attached\n"
	           "to a free /dev/loopN of the host's kernel, held by a small container of the\n"
	           "cluster (<cluster>-loopback-LOOPBACK), and visible as that same /dev/loopN\n"
	           "in every agent and public agent (also after an agent restarts). create\n"
	           "prints the device. The device goes away with its container, however that\n"
	           "ends: destroy, clean and 'dcos-docker destroy' of the cluster leave none\n"
	           "attached on the host. list prints each one's name, device, size and state.\n\n"
	           "Options:\n"
	           "  -c, --cluster NAME   the cluster (default: " DD_DEFAULT_CLUSTER ")\n"
	           "  -s, --size SIZE      create: the file's size, bytes or with K, M, G, T\n"
	           "                       (powers of 1024; default 256M, at most 1T; sparse)\n"
	           "  -h, --help           show this help\n");
}

/* 268435456 -> "256M": the largest unit that divides it. */
static void format_size(char *buf, size_t n, uint64_t size)
{
	static const char units[] = "KMGT";
	int u = -1;
	while (u < 3 && size >= 1024 && size % 1024 == 0) {
		size /= 1024;
		u++;
	}
	if (u >= 0)
		snprintf(buf, n, "%" PRIu64 "%c", size, units[u]);
	else
		snprintf(buf, n, "%" PRIu64, size);
}

int cmd_loopback(int argc, char **argv)
{
	const char *sub = argc > 1 ? argv[1] : NULL;
	if (sub && (strcmp(sub, "-h") == 0 || strcmp(sub, "--help") == 0)) {
		usage(stdout);
		return EXIT_OK;
	}
	bool create = sub && strcmp(sub, "create") == 0;
	bool destroy = sub && strcmp(sub, "destroy") == 0;
	bool list = sub && strcmp(sub, "list") == 0;
	if (!sub)
		return cli_usage_error("loopback", "Missing the loopback command: create, destroy "
		                                   "or list");
	if (!create && !destroy && !list)
		return cli_usage_error(
		    "loopback", "Unknown loopback command '%s': use create, destroy or list", sub);
	static const struct option longopts[] = {{"size", required_argument, NULL, 's'}, {0}};
	static const struct option no_opts[] = {{0}};
	_cleanup_(cli_cmd_clear) cli_cmd cmd = {.verb = "loopback",
	                                        .usage = usage,
	                                        .cluster_opt = true,
	                                        .shortopts = create ? "s:" : "",
	                                        .longopts = create ? longopts : no_opts,
	                                        .min_args = list ? 0 : 1,
	                                        .max_args = list ? 0 : 1,
	                                        .missing = "Missing the loopback's name"};
	uint64_t size = DD_LOOPBACK_DEFAULT_SIZE;
	dd_error err = {0};
	int c;
	while ((c = cli_getopt(&cmd, argc - 1, argv + 1)) > 0)
		if (c == 's' && dd_loopback_parse_size(optarg, &size, &err) < 0)
			return cli_fail(&err);
	if (c == CLI_EXIT)
		return cmd.exit;
	const char *name = list ? NULL : argv[1 + optind];
	if (!cli_open(&cmd, 0))
		return cmd.exit;

	if (list) {
		_cleanup_free_ dd_loopback *all = NULL;
		size_t n = 0;
		if (dd_loopback_list(cmd.d, cmd.name, &all, &n, &err) < 0)
			return cli_fail(&err);
		printf("%-20s %-12s %-8s %s\n", "NAME", "DEVICE", "SIZE", "STATE");
		for (size_t i = 0; i < n; i++) {
			char sz[32];
			format_size(sz, sizeof(sz), all[i].size);
			printf("%-20s %-12s %-8s %s\n", all[i].name,
			       all[i].device[0] ? all[i].device : "-", sz, all[i].state);
		}
		return EXIT_OK;
	}
	if (destroy) {
		if (dd_loopback_destroy(cmd.d, cmd.cluster, name, &err) < 0)
			return cli_fail(&err);
		fprintf(stderr, "Removed loopback '%s' of cluster '%s'\n", name, cmd.name);
		return EXIT_OK;
	}
	dd_loopback l;
	if (dd_loopback_create(cmd.d, cmd.cluster, name, size, &l, &err) < 0)
		return cli_fail(&err);
	printf("%s\n", l.device);
	return EXIT_OK;
}
