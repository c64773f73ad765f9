/* dcos-docker wait: the postflight. */
#include <string.h>

#include "cli.h"
#include "commands.h"
#include "dcos-docker/cancel.h"
#include "dcos-docker/install.h"
#include "dcos-docker/wait.h"
#include "install-cli.h"
#include "progress.h"
#include "util.h"

static void usage(FILE *f)
{
	fprintf(
	    f,
	    "Usage: dcos-docker wait [--cluster NAME] [--timeout SECONDS] [--skip-http-checks]\n\n"
	    "Waits until DC/OS is healthy on every node, all nodes in parallel, showing one\n"
	    "status line per node. A node passes, in order: the dcos-download and dcos-setup\n"
	    "units exited successfully; the node-poststart check (dcos-check-runner, else\n"
	    "dcos-diagnostics, else 3dt) passes; Admin Router answers on the node's IP\n"
	    "(port 80 on masters, 61001 on agents).\n\n"
	    "Options:\n"
	    "  -c, --cluster NAME      the cluster (default: " DD_DEFAULT_CLUSTER ")\n"
	    "      --timeout SECONDS   give up after this long (default: %d)\n"
	    "      --skip-http-checks  skip the Admin Router check (when this host cannot\n"
	    "                          reach node IPs, the check runs inside the node)\n"
	    "  -q, --quiet             no progress output\n"
	    "  -h, --help              show this help\n\n"
	    "Exit code: 0 when every node passed; 1 on timeout, naming each node that did\n"
	    "not pass, the check it was at and that check's output.\n",
	    DD_DCOS_WAIT_DEFAULT_TIMEOUT);
}

/* Without a terminal every status is a new line: print one only when the
 * status before its elapsed time ("  [12s]") changes. */
struct wait_print {
	cli_progress prog;
	char last[256][160];
	char names[256][128];
	size_t n;
};

static void on_progress(const char *node, const char *status, bool done, void *userdata)
{
	struct wait_print *w = userdata;
	if (!w->prog.tty && node && !done) {
		const char *cut = strstr(status, "  [");
		size_t len = cut ? (size_t)(cut - status) : strlen(status);
		size_t i = 0;
		while (i < w->n && strcmp(w->names[i], node) != 0)
			i++;
		if (i == w->n && w->n < ELEMENTSOF(w->names)) {
			snprintf(w->names[i], sizeof(w->names[i]), "%s", node);
			w->n++;
		}
		if (i < w->n) {
			if (strlen(w->last[i]) == len && strncmp(w->last[i], status, len) == 0)
				return;
			snprintf(w->last[i], sizeof(w->last[i]), "%.*s", (int)len, status);
		}
	}
	cli_progress_cb(node, status, done, &w->prog);
}

int cli_wait_run(dd_docker *d, const dd_cluster *c, double timeout, bool skip_http, bool quiet)
{
	_cleanup_free_ struct wait_print *w = dd_malloc0(sizeof(*w));
	cli_progress_init(&w->prog, stderr, quiet);
	dd_wait_opts o = {.timeout = timeout,
	                  .skip_http_checks = skip_http,
	                  .progress = on_progress,
	                  .userdata = w};
	double t0 = dd_now();
	dd_error err = {0};
	if (dd_dcos_wait(d, c, &o, &err) < 0) {
		if (dd_cancelled()) {
			fprintf(stderr, "dcos-docker: interrupted\n");
			return cli_signal_exit();
		}
		return cli_fail(&err);
	}
	if (!quiet)
		fprintf(stderr, "DC/OS is healthy on all %zu nodes of cluster '%s' (%.1f s)\n",
		        c->n_nodes, c->name, dd_now() - t0);
	return EXIT_OK;
}

int cmd_wait(int argc, char **argv)
{
	static const struct option longopts[] = {{"timeout", required_argument, NULL, 't'},
	                                         {"skip-http-checks", no_argument, NULL, 's'},
	                                         {"quiet", no_argument, NULL, 'q'},
	                                         {0}};
	_cleanup_(cli_cmd_clear) cli_cmd cmd = {.verb = "wait",
	                                        .usage = usage,
	                                        .cluster_opt = true,
	                                        .shortopts = "q",
	                                        .longopts = longopts};
	double timeout = 0;
	bool skip_http = false, quiet = false;
	int c;
	long v;
	while ((c = cli_getopt(&cmd, argc, argv)) > 0) {
		switch (c) {
		case 't':
			if (!cli_parse_int(optarg, 1, 7 * 86400, &v))
				return cli_option_error("wait",
				                        "invalid number '%s' for %s (seconds)",
				                        optarg, cli_optname());
			timeout = (double)v;
			break;
		case 's': skip_http = true; break;
		case 'q': quiet = true; break;
		}
	}
	if (c == CLI_EXIT || !cli_open(&cmd, 0))
		return cmd.exit;
	cli_trap_signals();
	return cli_wait_run(cmd.d, cmd.cluster, timeout, skip_http, quiet);
}
