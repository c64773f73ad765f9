/* dcos-docker add-node and remove-node: growing and shrinking a cluster's
 * agents. Masters are fixed: DC/OS's static master discovery bakes the
 * master list into every node at install (see lib/create.c). */
#include <errno.h>
#include <pthread.h>
#include <string.h>

#include "cli.h"
#include "commands.h"
#include "dcos-docker/cancel.h"
#include "dcos-docker/create.h"
#include "dcos-docker/wait.h"
#include "progress.h"
#include "util.h"

static void add_usage(FILE *f)
{
	fprintf(
	    f,
	    "Usage: dcos-docker add-node [--cluster NAME] [--agents N] [--public-agents N]\n"
	    "                            [--timeout SECONDS] [--no-wait] [--wait-timeout SECONDS]\n"
	    "                            [--skip-http-checks] [-q|--quiet]\n\n"
	    "Adds agents and public agents to an existing cluster (default: one agent).\n"
	    "The new nodes are made as create made the cluster's: the same image, network,\n"
	    "volumes, labels, limits and storage driver; named after the highest index of\n"
	    "their role (agent2, agent3, ...), with the next free addresses of the network;\n"
	    "ready when create's would be. On a cluster with DC/OS installed, DC/OS is\n"
	    "installed on them from the cluster's genconf/serve and add-node waits until\n"
	    "they are healthy. A failure or Ctrl-C removes the new nodes; the rest of the\n"
	    "cluster is left alone. Masters cannot be added: DC/OS's master list is fixed\n"
	    "at install (static master discovery).\n\n"
	    "Options:\n"
	    "  -c, --cluster NAME          the cluster (default: " DD_DEFAULT_CLUSTER ")\n"
	    "      --agents N              new agents (default: 1, or 0 with --public-agents)\n"
	    "      --public-agents N       new public agents (default: 0)\n"
	    "      --timeout SECONDS       for the new nodes to become ready (default: 120)\n"
	    "      --no-wait               DC/OS: install on the new nodes, do not wait\n"
	    "      --wait-timeout SECONDS  DC/OS: for the new nodes to be healthy (default: "
	    "%d)\n"
	    "      --skip-http-checks      DC/OS: no Admin Router check while waiting\n"
	    "  -q, --quiet                 no progress output\n"
	    "  -h, --help                  show this help\n\n"
	    "Prints one line per new node (role, container name, IP). Exit code: 0, 1 when\n"
	    "it failed, 2 for a usage error (an unknown cluster, bad counts, masters).\n",
	    DD_DCOS_WAIT_DEFAULT_TIMEOUT);
}

static void remove_usage(FILE *f)
{
	fprintf(f, "Usage: dcos-docker remove-node [--cluster NAME] [-q|--quiet] NODE...\n\n"
	           "Removes agents and public agents from a cluster: their containers, volumes\n"
	           "and files in the workspace. The cluster's recorded shape follows, so list and\n"
	           "inspect show it complete without them. A node is named as elsewhere (agent1,\n"
	           "its container name or IP). Masters cannot be removed (DC/OS's master list is\n"
	           "fixed at install); an unknown node or a master is a usage error and nothing\n"
	           "is removed. DC/OS is not told: Mesos marks a removed agent unreachable.\n\n"
	           "Options:\n"
	           "  -c, --cluster NAME   the cluster (default: " DD_DEFAULT_CLUSTER ")\n"
	           "  -q, --quiet          no progress output\n"
	           "  -h, --help           show this help\n");
}

/* The DC/OS wait reports every node each poll, with its elapsed time
 * ("  [12s]"): without a terminal a line is printed only when the rest
 * changes, as `wait` does. */
struct add_print {
	cli_progress prog;
	char names[256][128];
	char last[256][160];
	size_t n;
};

static void add_progress(const dd_event *ev, void *userdata)
{
	struct add_print *a = userdata;
	if (!a->prog.tty && ev->node && ev->kind == DD_EVENT_STATUS) {
		const char *node = ev->node, *status = ev->text;
		const char *cut = strstr(status, "  [");
		size_t len = cut ? (size_t)(cut - status) : strlen(status);
		pthread_mutex_lock(&a->prog.lock);
		size_t i = 0;
		while (i < a->n && strcmp(a->names[i], node) != 0)
			i++;
		if (i == a->n && a->n < ELEMENTSOF(a->names))
			snprintf(a->names[a->n++], sizeof(a->names[0]), "%s", node);
		bool same =
		    i < a->n && strlen(a->last[i]) == len && strncmp(a->last[i], status, len) == 0;
		if (i < a->n)
			snprintf(a->last[i], sizeof(a->last[i]), "%.*s", (int)len, status);
		pthread_mutex_unlock(&a->prog.lock);
		if (same)
			return;
	}
	cli_progress_cb(ev, &a->prog);
}

enum { OPT_AGENTS = 0x100, OPT_PUBLIC, OPT_TIMEOUT, OPT_NO_WAIT, OPT_WAIT_TIMEOUT, OPT_SKIP_HTTP };

int cmd_add_node(int argc, char **argv)
{
	static const struct option longopts[] = {
	    {"agents", required_argument, NULL, OPT_AGENTS},
	    {"public-agents", required_argument, NULL, OPT_PUBLIC},
	    {"masters", required_argument, NULL, 'm'},
	    {"timeout", required_argument, NULL, OPT_TIMEOUT},
	    {"no-wait", no_argument, NULL, OPT_NO_WAIT},
	    {"wait-timeout", required_argument, NULL, OPT_WAIT_TIMEOUT},
	    {"skip-http-checks", no_argument, NULL, OPT_SKIP_HTTP},
	    {"quiet", no_argument, NULL, 'q'},
	    {0}};
	_cleanup_(cli_cmd_clear) cli_cmd cmd = {.verb = "add-node",
	                                        .usage = add_usage,
	                                        .cluster_opt = true,
	                                        .shortopts = "q",
	                                        .longopts = longopts};
	dd_add_nodes_opts o = {0};
	bool agents_set = false, quiet = false, masters = false;
	long v;
	int c;
	while ((c = cli_getopt(&cmd, argc, argv)) > 0) {
		switch (c) {
		case OPT_AGENTS:
		case OPT_PUBLIC:
			if (!cli_parse_int(optarg, 0, DD_AGENTS_MAX, &v))
				return cli_option_error("add-node",
				                        "invalid number '%s' for %s (0 to %d)",
				                        optarg, cli_optname(), DD_AGENTS_MAX);
			o.counts[c == OPT_AGENTS ? DD_ROLE_AGENT : DD_ROLE_PUBLIC_AGENT] = (int)v;
			agents_set |= c == OPT_AGENTS;
			break;
		case 'm': masters |= strcmp(optarg, "0") != 0; break;
		case OPT_TIMEOUT:
		case OPT_WAIT_TIMEOUT:
			if (!cli_parse_int(optarg, 1, 7 * 86400, &v))
				return cli_option_error("add-node", "invalid number '%s' for %s",
				                        optarg, cli_optname());
			*(c == OPT_TIMEOUT ? &o.timeout : &o.wait_timeout) = (double)v;
			break;
		case OPT_NO_WAIT: o.no_wait = true; break;
		case OPT_SKIP_HTTP: o.skip_http_checks = true; break;
		case 'q': quiet = true; break;
		}
	}
	if (c == CLI_EXIT)
		return cmd.exit;
	/* Said before anything else: no count makes it right. */
	if (masters)
		return cli_usage_error("add-node",
		                       "masters cannot be added: DC/OS's master list is fixed at "
		                       "install (static master discovery); add agents or public "
		                       "agents, or create a cluster with more --masters");
	if (!agents_set && o.counts[DD_ROLE_PUBLIC_AGENT] == 0)
		o.counts[DD_ROLE_AGENT] = 1;
	if (o.counts[DD_ROLE_AGENT] + o.counts[DD_ROLE_PUBLIC_AGENT] == 0)
		return cli_usage_error("add-node", "no nodes to add: --agents and --public-agents "
		                                   "are both 0");
	o.name = cmd.name;
	if (!cli_open(&cmd, CLI_NO_LOAD))
		return cmd.exit;
	cli_trap_signals();
	static struct add_print ap; /* large: one per process */
	cli_progress_init(&ap.prog, stderr, quiet);
	snprintf(ap.prog.header, sizeof(ap.prog.header),
	         "Adding to cluster '%s': %d agent(s), %d public agent(s)", o.name,
	         o.counts[DD_ROLE_AGENT], o.counts[DD_ROLE_PUBLIC_AGENT]);
	o.on_event = add_progress;
	o.userdata = &ap;
	double t0 = dd_now();
	dd_error err = {0};
	_cleanup_strv_ char **added = NULL;
	if (dd_cluster_add_nodes(cmd.d, &o, &cmd.cluster, &added, &err) < 0) {
		if (!dd_cancelled())
			return cli_fail(&err);
		fprintf(stderr, "dcos-docker: interrupted; removed the nodes this run made\n");
		return cli_signal_exit();
	}
	if (!quiet)
		fprintf(stderr, "Added %zu node(s) to cluster '%s' (%.1f s)\n",
		        (size_t)(o.counts[DD_ROLE_AGENT] + o.counts[DD_ROLE_PUBLIC_AGENT]), o.name,
		        dd_now() - t0);
	for (char **a = added; a && *a; a++) {
		const dd_node *n = NULL;
		if (dd_cluster_find_node(cmd.cluster, *a, &n, &err) == 0)
			printf("%-13s %-32s %s\n", dd_role_label(n->role), n->name, n->ip);
	}
	return EXIT_OK;
}

int cmd_remove_node(int argc, char **argv)
{
	static const struct option longopts[] = {{"quiet", no_argument, NULL, 'q'}, {0}};
	_cleanup_(cli_cmd_clear) cli_cmd cmd = {
	    .verb = "remove-node",
	    .usage = remove_usage,
	    .cluster_opt = true,
	    .shortopts = "q",
	    .longopts = longopts,
	    .min_args = 1,
	    .max_args = -1,
	    .missing = "Missing the node(s) to remove: dcos-docker remove-node [--cluster NAME] "
	               "NODE..."};
	bool quiet = false;
	int c;
	while ((c = cli_getopt(&cmd, argc, argv)) > 0)
		if (c == 'q')
			quiet = true;
	if (c == CLI_EXIT)
		return cmd.exit;
	if (!cli_open(&cmd, CLI_NO_LOAD))
		return cmd.exit;
	cli_trap_signals();
	cli_progress prog;
	cli_progress_init(&prog, stderr, quiet);
	snprintf(prog.header, sizeof(prog.header), "Removing from cluster '%s'", cmd.name);
	dd_error err = {0};
	size_t n = (size_t)(argc - optind);
	if (dd_cluster_remove_nodes(cmd.d, cmd.name, (const char *const *)argv + optind, n,
	                            cli_progress_cb, &prog, &err) < 0)
		return cli_fail(&err);
	if (!quiet)
		fprintf(stderr, "Removed %zu node(s) from cluster '%s'\n", n, cmd.name);
	return dd_cancelled() ? cli_signal_exit() : EXIT_OK;
}
