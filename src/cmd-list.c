#include "cli.h"
#include "commands.h"
#include "dcos-docker/cluster.h"
#include "inspect.h"
#include "util.h"

static void usage(FILE *f)
{
	fprintf(
	    f, "Usage: dcos-docker list [--json]\n\n"
	       "Lists the clusters on this Docker host: every cluster anything of which exists\n"
	       "(node containers, volumes, its network, or its workspace under the workspace\n"
	       "root), found by their labels, with node counts and state:\n"
	       "  running, stopped, partly running (N/M)   all the nodes it was made with\n"
	       "  degraded (agent1 missing)                nodes gone, others running\n"
	       "  incomplete (network only), incomplete (network, workspace), ...\n"
	       "                                           what a killed create or an\n"
	       "                                           interrupted destroy left: 'dcos-docker\n"
	       "                                           destroy' or 'clean' removes it\n\n"
	       "Options:\n"
	       "      --json   machine-readable output\n"
	       "  -h, --help   show this help\n");
}

int cmd_list(int argc, char **argv)
{
	int json = 0;
	const struct option longopts[] = {{"json", no_argument, &json, 1}, {0}};
	_cleanup_(cli_cmd_clear)
	    cli_cmd cmd = {.verb = "list", .usage = usage, .longopts = longopts};
	if (cli_getopt(&cmd, argc, argv) == CLI_EXIT || !cli_open(&cmd, CLI_NO_NAME | CLI_NO_LOAD))
		return cmd.exit;
	dd_error err = {0};
	_cleanup_free_ dd_cluster_summary *list = NULL;
	size_t n = 0;
	if (dd_cluster_list(cmd.d, &list, &n, &err) < 0)
		return cli_fail(&err);
	if (json) {
		_cleanup_json_ json_t *arr = json_array();
		for (size_t i = 0; i < n; i++) {
			const dd_cluster_summary *s = &list[i];
			json_array_append_new(
			    arr, json_pack(
			             "{s:s, s:i, s:i, s:i, s:i, s:i, s:s, s:s, s:b, s:b, s:o, "
			             "s:b, s:I, s:b}",
			             "name", s->name, "masters", s->counts[0], "agents",
			             s->counts[1], "public_agents", s->counts[2], "nodes", s->total,
			             "running", s->running, "state", s->state, "workspace",
			             s->workspace, "complete", s->complete, "incomplete",
			             s->incomplete, "missing_nodes", cli_missing_nodes_json(s),
			             "network", s->network, "volumes", (json_int_t)s->n_volumes,
			             "workspace_exists", s->workspace_dir));
		}
		_cleanup_free_ char *s = json_dumps(arr, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		printf("%s\n", s);
		return EXIT_OK;
	}
	if (n == 0) {
		fprintf(stderr, "No clusters. Create one with 'dcos-docker create'.\n");
		return EXIT_OK;
	}
	printf("%-24s %7s %6s %13s  %s\n", "CLUSTER", "MASTERS", "AGENTS", "PUBLIC-AGENTS",
	       "STATE");
	for (size_t i = 0; i < n; i++) {
		const dd_cluster_summary *s = &list[i];
		char count[32] = "";
		if (s->total > 0)
			snprintf(count, sizeof(count), " (%d/%d)", s->running, s->total);
		printf("%-24s %7d %6d %13d  %s%s\n", s->name, s->counts[0], s->counts[1],
		       s->counts[2], s->state, count);
	}
	return EXIT_OK;
}
