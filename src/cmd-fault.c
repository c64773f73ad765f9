/* Fault injection: pause, unpause, kill, stop, start, restart of nodes;
 * partition and heal of the cluster's network; delay of a node's traffic. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "commands.h"
#include "dcos-docker/cluster.h"
#include "dcos-docker/fault.h"
#include "fault-internal.h"
#include "progress.h"
#include "util.h"

#define NODES_HELP                                                                                 \
	"NODE: a short name (master1, agent1, pubagent1), a container name, an IP,\n"              \
	"or all, masters, agents, public-agents.\n"

static const char *const op_usage[DD_NODE_OP_COUNT] = {
    [DD_NODE_PAUSE] = "Freezes every process of the nodes (docker pause: the cgroup freezer).\n"
                      "A paused node answers nothing, as a hung machine; its peers see it\n"
                      "time out. 'dcos-docker unpause' resumes it where it was.\n",
    [DD_NODE_UNPAUSE] = "Resumes paused nodes.\n",
    [DD_NODE_KILL] = "SIGKILLs the nodes: every process dies at once, with no shutdown, as in a\n"
                     "power cut. The node stays stopped (its restart policy does not bring it\n"
                     "back) until 'dcos-docker start'.\n",
    [DD_NODE_STOP] = "Shuts the nodes down cleanly (systemd's shutdown, SIGKILL after\n"
                     "--stop-timeout). They stay stopped until 'dcos-docker start'.\n",
    [DD_NODE_START] = "Starts stopped (or killed) nodes and waits until each has booted as\n"
                      "create waits: systemd ready, inner Docker up, sshd reachable. A node\n"
                      "comes back with its IP, hostname, machine-id, host keys and volumes\n"
                      "(it is the same container), and its enabled units (DC/OS's included)\n"
                      "start again.\n",
    [DD_NODE_RESTART] = "Stops the nodes cleanly (as stop) and starts them again (as start),\n"
                        "waiting until each has booted.\n",
};

static void op_help(FILE *f, enum dd_node_op op)
{
	bool stops = op == DD_NODE_STOP || op == DD_NODE_RESTART;
	bool boots = op == DD_NODE_START || op == DD_NODE_RESTART;
	fprintf(f,
	        "Usage: dcos-docker %s [--cluster NAME]%s%s [-q] NODE...\n\n%s\n" NODES_HELP
	        "A node already in that state is left as it is (and said so).\n\n"
	        "Options:\n"
	        "  -c, --cluster NAME   the cluster (default: " DD_DEFAULT_CLUSTER ")\n",
	        dd_node_op_name(op), stops ? " [--stop-timeout S]" : "",
	        boots ? " [--timeout S]" : "", op_usage[op]);
	if (stops)
		fprintf(f, "      --stop-timeout S seconds for the shutdown before SIGKILL "
		           "(default: 30)\n");
	if (boots)
		fprintf(f, "      --timeout S      seconds for each node to boot (default: 120)\n");
	fprintf(f, "  -q, --quiet          print only errors\n"
	           "  -h, --help           show this help\n");
}

static void usage_pause(FILE *f)
{
	op_help(f, DD_NODE_PAUSE);
}
static void usage_unpause(FILE *f)
{
	op_help(f, DD_NODE_UNPAUSE);
}
static void usage_kill(FILE *f)
{
	op_help(f, DD_NODE_KILL);
}
static void usage_stop(FILE *f)
{
	op_help(f, DD_NODE_STOP);
}
static void usage_start(FILE *f)
{
	op_help(f, DD_NODE_START);
}
static void usage_restart(FILE *f)
{
	op_help(f, DD_NODE_RESTART);
}

static void (*const op_usages[DD_NODE_OP_COUNT])(FILE *) = {
    usage_pause, usage_unpause, usage_kill, usage_stop, usage_start, usage_restart};

enum { OPT_STOP_TIMEOUT = 0x100, OPT_TIMEOUT };

static int node_op(enum dd_node_op op, int argc, char **argv)
{
	bool stops = op == DD_NODE_STOP || op == DD_NODE_RESTART;
	bool boots = op == DD_NODE_START || op == DD_NODE_RESTART;
	struct option longopts[4] = {{"quiet", no_argument, NULL, 'q'}};
	size_t k = 1;
	if (stops)
		longopts[k++] =
		    (struct option){"stop-timeout", required_argument, NULL, OPT_STOP_TIMEOUT};
	if (boots)
		longopts[k++] = (struct option){"timeout", required_argument, NULL, OPT_TIMEOUT};
	_cleanup_(cli_cmd_clear) cli_cmd cmd = {.verb = dd_node_op_name(op),
	                                        .usage = op_usages[op],
	                                        .cluster_opt = true,
	                                        .shortopts = "q",
	                                        .longopts = longopts,
	                                        .min_args = 1,
	                                        .max_args = -1,
	                                        .missing = "Name the nodes (e.g. agent1)"};
	dd_node_op_opts opts = {.op = op, .stop_timeout = -1};
	bool quiet = false;
	long v;
	int c;
	while ((c = cli_getopt(&cmd, argc, argv)) > 0)
		switch (c) {
		case 'q': quiet = true; break;
		case OPT_STOP_TIMEOUT:
			if (!cli_parse_int(optarg, 0, 3600, &v))
				return cli_option_error(cmd.verb, "invalid number '%s' for %s",
				                        optarg, cli_optname());
			opts.stop_timeout = (int)v;
			break;
		case OPT_TIMEOUT:
			if (!cli_parse_int(optarg, 1, 86400, &v))
				return cli_option_error(cmd.verb, "invalid number '%s' for %s",
				                        optarg, cli_optname());
			opts.boot_timeout = (double)v;
			break;
		}
	if (c == CLI_EXIT || !cli_open(&cmd, 0))
		return cmd.exit;
	dd_error err = {0};
	_cleanup_free_ const dd_node **nodes = NULL;
	size_t n = 0;
	/* Every name first: an unknown one does nothing at all. */
	for (int i = optind; i < argc; i++)
		if (dd_cluster_select(cmd.cluster, argv[i], &nodes, &n, &err) < 0)
			return cli_fail(&err);
	cli_trap_signals();
	cli_progress progress;
	cli_progress_init(&progress, stderr, quiet);
	if (boots || stops) {
		opts.on_event = cli_progress_cb;
		opts.userdata = &progress;
	}
	_cleanup_free_ dd_node_op_result *res = NULL;
	int r = dd_nodes_op(cmd.d, cmd.cluster, nodes, n, &opts, &res, &err);
	int ret = EXIT_OK;
	for (size_t i = 0; i < n; i++) {
		if (res[i].r < 0) {
			ret = cli_fail(&res[i].err);
			continue;
		}
		if (!quiet)
			printf("%s: %s\n", res[i].node->short_name, res[i].status);
	}
	if (r < 0 && ret == EXIT_OK)
		ret = cli_fail(&err);
	return ret == EXIT_USAGE ? EXIT_FAILED : ret;
}

int cmd_pause(int argc, char **argv)
{
	return node_op(DD_NODE_PAUSE, argc, argv);
}
int cmd_unpause(int argc, char **argv)
{
	return node_op(DD_NODE_UNPAUSE, argc, argv);
}
int cmd_kill(int argc, char **argv)
{
	return node_op(DD_NODE_KILL, argc, argv);
}
int cmd_stop(int argc, char **argv)
{
	return node_op(DD_NODE_STOP, argc, argv);
}
int cmd_start(int argc, char **argv)
{
	return node_op(DD_NODE_START, argc, argv);
}
int cmd_restart(int argc, char **argv)
{
	return node_op(DD_NODE_RESTART, argc, argv);
}

/* ---- partition ---- */

static void usage_partition(FILE *f)
{
	fprintf(f,
	        "Usage: dcos-docker partition [--cluster NAME] NODE... [--from NODE...]\n\n"
	        "Cuts the network between two groups of nodes, both directions: the nodes\n"
	        "named first, and those after --from (default: every other node of the\n"
	        "cluster). Made inside each node's own network namespace: an iptables chain\n"
	        "" DD_PARTITION_CHAIN " hooked into INPUT, OUTPUT and FORWARD drops the\n"
	        "other side's IPs; the host's rules are never touched, and the host still\n"
	        "reaches every node. Cuts add up; 'dcos-docker heal' removes them all, and\n"
	        "'dcos-docker inspect' shows who is cut from whom. Every node named must be\n"
	        "running. A node restarted loses its own rules (it gets a new network\n"
	        "namespace), but the other side's keep the pair cut.\n\n" NODES_HELP "\nOptions:\n"
	        "  -c, --cluster NAME   the cluster (default: " DD_DEFAULT_CLUSTER ")\n"
	        "      --from NODE...   the other side (the rest of the command line)\n"
	        "  -q, --quiet          print only errors\n"
	        "  -h, --help           show this help\n");
}

static void join_names(char *buf, size_t size, const dd_node *const *nodes, size_t n)
{
	size_t off = 0;
	buf[0] = '\0';
	for (size_t i = 0; i < n && off + 40 < size; i++)
		off += (size_t)snprintf(buf + off, size - off, "%s%s", i ? ", " : "",
		                        nodes[i]->short_name);
}

int cmd_partition(int argc, char **argv)
{
	static const struct option longopts[] = {
	    {"quiet", no_argument, NULL, 'q'}, {"from", required_argument, NULL, 'F'}, {0}};
	_cleanup_(cli_cmd_clear) cli_cmd cmd = {.verb = "partition",
	                                        .usage = usage_partition,
	                                        .cluster_opt = true,
	                                        .shortopts = "q",
	                                        .longopts = longopts,
	                                        .min_args = 1,
	                                        .max_args = -1,
	                                        .missing = "Name the nodes to cut off (e.g. "
	                                                   "agent1)"};
	/* --from takes the rest of the line: getopt sees only what is before. */
	int from = dd_partition_from_index(argc, argv);
	bool quiet = false;
	int c;
	while ((c = cli_getopt(&cmd, from, argv)) > 0)
		if (c == 'q')
			quiet = true;
	if (c == CLI_EXIT)
		return cmd.exit;
	const char **group = (const char **)argv + optind;
	size_t n_group = (size_t)(from - optind);
	_cleanup_free_ const char **others = dd_malloc0((size_t)(argc - from + 1) * sizeof(char *));
	size_t n_others = 0;
	if (from < argc) {
		if (argv[from][6] == '=')
			others[n_others++] = argv[from] + 7;
		for (int i = from + 1; i < argc; i++) {
			if (argv[i][0] == '-')
				return cli_usage_error(
				    cmd.verb, "'%s' after --from: options go before --from",
				    argv[i]);
			others[n_others++] = argv[i];
		}
		if (n_others == 0 || !others[0][0])
			return cli_usage_error(cmd.verb, "--from needs at least one node");
	}
	if (!cli_open(&cmd, 0))
		return cmd.exit;
	dd_error err = {0};
	_cleanup_free_ const dd_node **a = NULL, **b = NULL;
	size_t na = 0, nb = 0;
	if (dd_partition_sides(cmd.cluster, group, n_group, others, n_others, &a, &na, &b, &nb,
	                       &err) < 0)
		return cli_fail(&err);
	cli_trap_signals();
	if (dd_partition(cmd.d, cmd.cluster, a, na, b, nb, &err) < 0)
		return cli_fail(&err);
	if (!quiet) {
		char sa[2048], sb[2048];
		join_names(sa, sizeof(sa), a, na);
		join_names(sb, sizeof(sb), b, nb);
		printf("Cut %s from %s\n", sa, sb);
	}
	return EXIT_OK;
}

/* ---- heal ---- */

static void usage_heal(FILE *f)
{
	fprintf(f, "Usage: dcos-docker heal [--cluster NAME] [-q]\n\n"
	           "Removes every cut 'dcos-docker partition' made and every delay 'dcos-docker\n"
	           "delay' added, on every running node. With nothing to heal it says so and\n"
	           "exits 0. A paused node cannot be healed while frozen: it is named, the\n"
	           "others are healed, and the exit code is 1.\n\n"
	           "Options:\n"
	           "  -c, --cluster NAME   the cluster (default: " DD_DEFAULT_CLUSTER ")\n"
	           "  -q, --quiet          print only errors\n"
	           "  -h, --help           show this help\n");
}

int cmd_heal(int argc, char **argv)
{
	static const struct option longopts[] = {{"quiet", no_argument, NULL, 'q'}, {0}};
	_cleanup_(cli_cmd_clear) cli_cmd cmd = {.verb = "heal",
	                                        .usage = usage_heal,
	                                        .cluster_opt = true,
	                                        .shortopts = "q",
	                                        .longopts = longopts};
	bool quiet = false;
	int c;
	while ((c = cli_getopt(&cmd, argc, argv)) > 0)
		if (c == 'q')
			quiet = true;
	if (c == CLI_EXIT || !cli_open(&cmd, 0))
		return cmd.exit;
	cli_trap_signals();
	dd_error err = {0};
	dd_heal_result res;
	if (dd_heal(cmd.d, cmd.cluster, &res, &err) < 0)
		return cli_fail(&err);
	if (!quiet) {
		if (res.n_nodes == 0)
			printf("Nothing to heal: no node of cluster '%s' has a cut or a delay\n",
			       cmd.name);
		else
			printf("Healed %zu node%s: %zu cut%s and %zu delay%s removed\n",
			       res.n_nodes, res.n_nodes == 1 ? "" : "s", res.n_rules,
			       res.n_rules == 1 ? "" : "s", res.n_delays,
			       res.n_delays == 1 ? "" : "s");
	}
	if (res.skipped[0]) {
		dd_error_set(&err, -EAGAIN, "Paused nodes could not be healed: %s", res.skipped);
		dd_error_hint(&err, "'dcos-docker unpause' them, then heal again.");
		return cli_fail(&err);
	}
	return EXIT_OK;
}

/* ---- delay ---- */

static void usage_delay(FILE *f)
{
	fprintf(f, "Usage: dcos-docker delay [--cluster NAME] NODE DURATION\n\n"
	           "Delays every packet the node sends on its cluster interface by DURATION\n"
	           "(tc qdisc netem, inside the node's network namespace): 100ms, 1.5s, 250\n"
	           "(milliseconds); 0 or off removes the delay, as 'dcos-docker heal' does.\n"
	           "Needs the host kernel's sch_netem ('dcos-docker doctor' says whether it has\n"
	           "it); without it, this fails and changes nothing.\n\n"
	           "Options:\n"
	           "  -c, --cluster NAME   the cluster (default: " DD_DEFAULT_CLUSTER ")\n"
	           "  -h, --help           show this help\n");
}

int cmd_delay(int argc, char **argv)
{
	_cleanup_(cli_cmd_clear) cli_cmd cmd = {.verb = "delay",
	                                        .usage = usage_delay,
	                                        .cluster_opt = true,
	                                        .min_args = 2,
	                                        .max_args = 2,
	                                        .missing = "Name a node and a DURATION (e.g. "
	                                                   "agent1 100ms)"};
	if (cli_getopt(&cmd, argc, argv) == CLI_EXIT)
		return cmd.exit;
	const char *spec = argv[optind], *dur = argv[optind + 1];
	long ms = 0;
	if (dd_duration_ms_parse(dur, &ms) < 0)
		return cli_usage_error(
		    cmd.verb, "invalid DURATION '%s' (e.g. 100ms, 1.5s, 250; at most 10m)", dur);
	if (!cli_open(&cmd, 0))
		return cmd.exit;
	dd_error err = {0};
	const dd_node *n = NULL;
	if (dd_cluster_find_node(cmd.cluster, spec, &n, &err) < 0 ||
	    dd_node_delay(cmd.d, cmd.cluster, n, ms, &err) < 0)
		return cli_fail(&err);
	if (ms > 0)
		printf("%s: every packet it sends is delayed by %ld ms\n", n->short_name, ms);
	else
		printf("%s: no delay\n", n->short_name);
	return EXIT_OK;
}
