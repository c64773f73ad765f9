/* dcos-docker export-logs: journals, console logs and state of every node. */
#define _GNU_SOURCE
#include <errno.h>
#include <string.h>

#include "cli.h"
#include "commands.h"
#include "dcos-docker/cluster.h"
#include "dcos-docker/logs.h"
#include "inspect.h"
#include "util.h"

static void usage(FILE *f)
{
	fprintf(f,
	        "Usage: dcos-docker export-logs [--cluster NAME] DIR\n\n"
	        "Collects, from every node in parallel, into DIR/<node container name>/:\n"
	        "  journal.log          the full systemd journal (every boot)\n"
	        "  console.log          the node's console (what systemd printed while booting)\n"
	        "  docker-inspect.json  'docker inspect' of the node container\n"
	        "  systemd-units.txt    every systemd unit and its state\n"
	        "  docker-info.txt      'docker info' of the Docker daemon inside the node\n"
	        "  docker-ps.txt        'docker ps -a' of the Docker daemon inside the node\n"
	        "  var-log/             the node's /var/log (the binary journal included)\n"
	        "and into DIR: host-docker-info.json, host-docker-version.json (the host's\n"
	        "Docker), dcos-docker-version.txt and cluster.json (as 'inspect' prints it).\n"
	        "DIR is created if needed (mode 0700: logs can hold secrets); a node's\n"
	        "directory that already exists is an error. A stopped node still gets what\n"
	        "can be read without running it (inspect, console log, /var/log).\n\n"
	        "Prints one line per node when it is done. Exit code 0 when everything that\n"
	        "exists was exported, 1 when a part failed (listed at the end).\n\n"
	        "Options:\n"
	        "  -c, --cluster NAME   the cluster (default: " DD_DEFAULT_CLUSTER ")\n"
	        "  -h, --help           show this help\n");
}

static void on_node_done(const dd_event *ev, void *userdata)
{
	(void)userdata;
	const dd_logs_node *n = ev->logs;
	if (ev->kind != DD_EVENT_LOGS_NODE)
		return;
	char failed[512] = "", skipped[512] = "";
	const char *skip_why = NULL;
	for (int p = 0; p < DD_LOGS_PART_COUNT; p++) {
		char *list = n->status[p] == DD_LOGS_FAILED    ? failed
		             : n->status[p] == DD_LOGS_SKIPPED ? skipped
		                                               : NULL;
		if (!list)
			continue;
		size_t l = strlen(list);
		snprintf(list + l, 512 - l, "%s%s", l ? ", " : "", dd_logs_part_file(p));
		if (n->status[p] == DD_LOGS_SKIPPED)
			skip_why = n->why[p];
	}
	printf("%s: %s%s%s%s%s%s%s\n", n->node->name, n->dir, failed[0] ? "; FAILED: " : "", failed,
	       skipped[0] ? "; not exported: " : "", skipped, skip_why ? " — " : "",
	       skip_why ? skip_why : "");
	fflush(stdout);
}

int cmd_export_logs(int argc, char **argv)
{
	_cleanup_(cli_cmd_clear) cli_cmd cmd = {.verb = "export-logs",
	                                        .usage = usage,
	                                        .cluster_opt = true,
	                                        .min_args = 1,
	                                        .max_args = 1,
	                                        .missing = "Missing DIR"};
	if (cli_getopt(&cmd, argc, argv) == CLI_EXIT)
		return cmd.exit;
	const char *dir = argv[optind];
	dd_error err = {0};
	if (!cli_open(&cmd, 0))
		return cmd.exit;
	const dd_cluster *cluster = cmd.cluster;

	dd_logs_opts opts = {.dir = dir, .tool_version = DD_VERSION, .on_event = on_node_done};
	_cleanup_(dd_logs_report_freep) dd_logs_report *rep = NULL;
	if (dd_logs_export(cmd.d, cluster, &opts, &rep, &err) < 0)
		return cli_fail(&err);

	size_t failed = rep->failed;
	_cleanup_json_ json_t *cj = cli_cluster_json(cluster);
	_cleanup_free_ char *cpath = dd_asprintf("%s/cluster.json", rep->dir);
	if (json_dump_file(cj, cpath, JSON_INDENT(2) | JSON_PRESERVE_ORDER) != 0) {
		fprintf(stderr, "dcos-docker: error: cannot write %s\n", cpath);
		failed++;
	}
	if (failed == 0) {
		fprintf(stderr, "Exported cluster '%s' to %s\n", cluster->name, rep->dir);
		return EXIT_OK;
	}
	fprintf(stderr, "dcos-docker: error: %zu part%s of the export failed:\n", failed,
	        failed == 1 ? "" : "s");
	if (rep->host_why)
		fprintf(stderr, "  host: %s\n", rep->host_why);
	for (size_t i = 0; i < rep->n_nodes; i++)
		for (int p = 0; p < DD_LOGS_PART_COUNT; p++)
			if (rep->nodes[i].status[p] == DD_LOGS_FAILED)
				fprintf(stderr, "  %s: %s: %s\n", rep->nodes[i].node->short_name,
				        dd_logs_part_file(p), rep->nodes[i].why[p]);
	fprintf(stderr, "  The rest is in %s\n", rep->dir);
	return EXIT_FAILED;
}
