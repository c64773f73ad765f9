/* dcos-docker upgrade: DC/OS on an installed cluster to another installer's
 * version, node by node, with the installer's own node upgrade script
 * (dcos_installer/upgrade.py of dcos/dcos), as DC/OS E2E's
 * upgrade_dcos_from_path does. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "commands.h"
#include "dcos-docker/cancel.h"
#include "dcos-docker/install.h"
#include "dcos-docker/wait.h"
#include "install-cli.h"
#include "util.h"

static void usage(FILE *f)
{
	fprintf(f,
	        "Usage: dcos-docker upgrade [OPTIONS] PATH/TO/dcos_generate_config.sh\n\n"
	        "Upgrades DC/OS on every node of an installed cluster to the version of the\n"
	        "installer given: writes genconf/config.yaml again (with the DC/OS options\n"
	        "given, as install does), runs the installer's --generate-node-upgrade-script\n"
	        "<installed version> on this host, then the script it writes (seen by every\n"
	        "node through the read-only genconf/serve mount) on the masters one at a time,\n"
	        "each healthy before the next, then on the agents and then the public agents\n"
	        "(each group in parallel).\n"
	        "The same version is not refused (the installer does not refuse it).\n\n"
	        "Options:\n"
	        "  -c, --cluster NAME            the cluster (default: " DD_DEFAULT_CLUSTER
	        ")\n" CLI_INSTALL_HELP_CONFIG
	        "      --wait                    also wait until each agent is healthy (each\n"
	        "                                master always is, before the next one)\n"
	        "      --skip-http-checks        no Admin Router check in those waits\n"
	        "      --allow-cgroup-v2         upgrade although this host runs cgroup v2\n"
	        "      --timeout SECONDS         of each node's health wait (default: %d)\n"
	        "  -v, --verbose                 show the installer's and the nodes' output\n"
	        "  -q, --quiet                   no progress output\n"
	        "  -h, --help                    show this help\n\n"
	        "Exit code: 0 when every node is upgraded, 1 when DC/OS is not installed or\n"
	        "the installer or a node's upgrade failed (the node, the step, its last output\n"
	        "lines and which nodes are upgraded are shown), 2 on a usage error (such as an\n"
	        "installer file that does not exist).\n",
	        DD_DCOS_WAIT_DEFAULT_TIMEOUT);
}

int cmd_upgrade(int argc, char **argv)
{
	static const struct option longopts[] = {CLI_INSTALL_LONGOPTS_NO_COPY,
	                                         {"timeout", required_argument, NULL, 't'},
	                                         {"quiet", no_argument, NULL, 'q'},
	                                         {0}};
	_cleanup_(cli_cmd_clear)
	    cli_cmd cmd = {.verb = "upgrade",
	                   .usage = usage,
	                   .cluster_opt = true,
	                   .shortopts = "vq",
	                   .longopts = longopts,
	                   .min_args = 1,
	                   .max_args = 1,
	                   .missing = "Missing the DC/OS installer to upgrade to: dcos-docker "
	                              "upgrade [OPTIONS] PATH/TO/dcos_generate_config.sh"};
	cli_install ci = {0};
	int c, ret;
	long v;
	while ((c = cli_getopt(&cmd, argc, argv)) > 0) {
		int h = cli_install_option(&ci, c, optarg, "upgrade");
		if (h < 0)
			return -h;
		if (h > 0)
			continue;
		switch (c) {
		case 'v': ci.verbose = true; break;
		case 't':
			if (!cli_parse_int(optarg, 1, 7 * 86400, &v))
				return cli_option_error("upgrade",
				                        "invalid number '%s' for %s (seconds)",
				                        optarg, cli_optname());
			ci.timeout = (double)v;
			break;
		case 'q': ci.quiet = true; break;
		}
	}
	if (c == CLI_EXIT)
		return cmd.exit;
	ci.o.installer = argv[optind];
	dd_error err = {0};
	if (!cli_open(&cmd, 0))
		return cmd.exit;
	/* Before the installer's --version, which takes minutes with a real one. */
	dd_dcos_info info;
	if (dd_dcos_info_require(cmd.cluster, NULL, &info, &err) < 0)
		return cli_fail(&err);
	cli_trap_signals();
	cli_install_setup(&ci);
	_cleanup_(dd_install_plan_freep) dd_install_plan *plan = NULL;
	if ((ret = cli_install_prepare(cmd.d, &ci, &plan)) != 0)
		return ret;
	if (!ci.quiet)
		fprintf(stderr, "Upgrading cluster '%s' from DC/OS %s to %s (%s)\n", cmd.name,
		        info.version, dd_install_plan_version(plan), dd_install_plan_variant(plan));
	dd_upgrade_opts uo = {
	    .timeout = ci.timeout, .skip_http_checks = ci.skip_http, .wait = ci.wait};
	double t0 = dd_now();
	if (dd_dcos_upgrade(cmd.d, cmd.cluster, plan, &uo, &err) < 0) {
		if (dd_cancelled()) {
			fprintf(
			    stderr,
			    "dcos-docker: interrupted while upgrading DC/OS; cluster '%s' is "
			    "left as it is ('dcos-docker inspect' still shows the old version)\n",
			    cmd.name);
			return cli_signal_exit();
		}
		return cli_fail(&err);
	}
	if (!ci.quiet)
		fprintf(stderr, "Cluster '%s' runs DC/OS %s (upgraded from %s, %.1f s)\n", cmd.name,
		        dd_install_plan_version(plan), info.version, dd_now() - t0);
	return EXIT_OK;
}
