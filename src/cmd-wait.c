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
	    "Usage: dcos-docker wait [--cluster NAME] [--timeout SECONDS] [--skip-http-checks]\n"
	    "                        [--superuser-username U] [--superuser-password P]\n\n"
	    "Waits until DC/OS is healthy on every node, all nodes in parallel, showing one\n"
	    "status line per node. A node passes, in order: the dcos-download and dcos-setup\n"
	    "units exited successfully; the node-poststart check (dcos-check-runner, else\n"
	    "dcos-diagnostics, else 3dt) passes; Admin Router answers on the node's IP\n"
	    "(port 80 on masters, 61001 on agents). Once every master passed, the\n"
	    "cluster checks of DC/OS E2E (dcos-test-utils' wait_for_dcos) run through\n"
	    "master1's Admin Router, in order: on DC/OS Enterprise, the superuser's\n"
	    "login (POST /acs/api/v1/auth/login; over HTTPS verified with the\n"
	    "cluster's CA from /ca/dcos-ca.crt when master1's bootstrap-config.json\n"
	    "has ssl_enabled), whose token the checks after it send; Marathon\n"
	    "(/marathon/v2/info is 200), ZooKeeper quorum (Exhibitor lists every\n"
	    "master, serving, one leader), Mesos agents (/mesos/master/slaves has\n"
	    "every agent, active), DC/OS components (/system/health/v1/units: every\n"
	    "unit healthy). A dcos-checks-poststart.service left failed by its run at\n"
	    "boot is started again once the node's poststart check passed, instead of\n"
	    "waiting up to a minute for its timer.\n\n"
	    "Options:\n"
	    "  -c, --cluster NAME      the cluster (default: " DD_DEFAULT_CLUSTER ")\n"
	    "      --timeout SECONDS   give up after this long (default: %d)\n"
	    "      --skip-http-checks  skip the Admin Router and cluster checks (when this\n"
	    "                          host cannot reach node IPs, they run inside a node)\n"
	    "      --superuser-username U  Enterprise: log in as U (default: bootstrapuser)\n"
	    "      --superuser-password P  ... with password P (default: deleteme); a refused\n"
	    "                          login ends the wait at once\n"
	    "  -q, --quiet             no progress output\n"
	    "  -h, --help              show this help\n\n"
	    "Exit code: 0 when every node and cluster check passed; 1 on timeout, naming\n"
	    "each node that did not pass, the check it was at and that check's output,\n"
	    "and the cluster check that did not pass with its last answer.\n",
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

static void on_progress(const dd_event *ev, void *userdata)
{
	struct wait_print *w = userdata;
	if (!w->prog.tty && ev->node && ev->kind == DD_EVENT_STATUS) {
		const char *node = ev->node, *status = ev->text;
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
	cli_progress_cb(ev, &w->prog);
}

int cli_wait_run(dd_docker *d, const dd_cluster *c, double timeout, bool skip_http, bool quiet,
                 const char *su_username, const char *su_password)
{
	_cleanup_free_ struct wait_print *w = dd_malloc0(sizeof(*w));
	cli_progress_init(&w->prog, stderr, quiet);
	dd_wait_opts o = {.timeout = timeout,
	                  .skip_http_checks = skip_http,
	                  .superuser_username = su_username,
	                  .superuser_password = su_password,
	                  .on_event = on_progress,
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
	static const struct option longopts[] = {
	    {"timeout", required_argument, NULL, 't'},
	    {"skip-http-checks", no_argument, NULL, 's'},
	    {"quiet", no_argument, NULL, 'q'},
	    {"superuser-username", required_argument, NULL, 'u'},
	    {"superuser-password", required_argument, NULL, 'p'},
	    {0}};
	_cleanup_(cli_cmd_clear) cli_cmd cmd = {.verb = "wait",
	                                        .usage = usage,
	                                        .cluster_opt = true,
	                                        .shortopts = "q",
	                                        .longopts = longopts};
	double timeout = 0;
	bool skip_http = false, quiet = false;
	const char *su_username = NULL, *su_password = NULL;
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
		case 'u':
		case 'p':
			if (!*optarg)
				return cli_option_error("wait", "%s must not be empty",
				                        cli_optname());
			*(c == 'u' ? &su_username : &su_password) = optarg;
			break;
		}
	}
	if (c == CLI_EXIT || !cli_open(&cmd, 0))
		return cmd.exit;
	cli_trap_signals();
	return cli_wait_run(cmd.d, cmd.cluster, timeout, skip_http, quiet, su_username,
	                    su_password);
}
