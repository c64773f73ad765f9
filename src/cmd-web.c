/* dcos-docker web: the DC/OS web UI address (Admin Router on master1). */
#define _GNU_SOURCE
#include <errno.h>
#include <string.h>

#include "cli.h"
#include "commands.h"
#include "dcos-docker/install.h"
#include "process-internal.h"
#include "util.h"

static void usage(FILE *f)
{
	fprintf(f, "Usage: dcos-docker web [--cluster NAME] [--open]\n\n"
	           "Prints the address of the DC/OS web UI: http://<IP of master1>. Node IPs are\n"
	           "reachable from this host; from another machine, see docs/dcos.md.\n\n"
	           "Options:\n"
	           "  -c, --cluster NAME   the cluster (default: " DD_DEFAULT_CLUSTER ")\n"
	           "  -o, --open           also open it in a browser (xdg-open, or open on macOS)\n"
	           "  -h, --help           show this help\n");
}

/* Runs the first of xdg-open / open found on PATH; false when none is. */
static bool open_url(const char *url, int *ret_status)
{
	static const char *const openers[] = {"xdg-open", "open"};
	for (size_t i = 0; i < ELEMENTSOF(openers); i++) {
		const char *argv[] = {openers[i], url, NULL};
		dd_error e = {0};
		/* Its output is captured: the browser must not write over our
		 * terminal, nor read it. */
		if (dd_process_run(argv, NULL, 4096, NULL, ret_status, &e) == 0)
			return true;
	}
	return false;
}

int cmd_web(int argc, char **argv)
{
	static const struct option longopts[] = {{"open", no_argument, NULL, 'o'}, {0}};
	_cleanup_(cli_cmd_clear) cli_cmd cmd = {.verb = "web",
	                                        .usage = usage,
	                                        .cluster_opt = true,
	                                        .shortopts = "o",
	                                        .longopts = longopts};
	bool open = false;
	int c;
	while ((c = cli_getopt(&cmd, argc, argv)) > 0)
		if (c == 'o')
			open = true;
	if (c == CLI_EXIT || !cli_open(&cmd, 0))
		return cmd.exit;
	const char *name = cmd.name;
	dd_error err = {0};
	const dd_node *m = NULL;
	if (dd_cluster_find_node(cmd.cluster, "master1", &m, &err) < 0)
		return cli_fail(&err);
	_cleanup_free_ char *url = dd_asprintf("http://%s", m->ip);
	printf("%s\n", url);
	fflush(stdout);

	dd_dcos_info info;
	int r = dd_dcos_info_load(cmd.cluster->workspace, &info, &err);
	if (r == -ENOENT)
		fprintf(stderr,
		        "Note: DC/OS is not installed on cluster '%s': nothing answers there "
		        "yet ('dcos-docker install --cluster %s PATH').\n",
		        name, name);
	else if (r < 0)
		return cli_fail(&err);
	if (!open)
		return EXIT_OK;
	int status = 0;
	if (!open_url(url, &status)) {
		fprintf(stderr, "No xdg-open or open on this host: open %s in a browser.\n", url);
		return EXIT_OK;
	}
	if (status != 0)
		fprintf(stderr, "The browser opener exited with %d: open %s by hand.\n", status,
		        url);
	return EXIT_OK;
}
