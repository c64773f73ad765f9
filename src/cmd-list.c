#include <string.h>

#include "cli.h"
#include "commands.h"
#include "dcos-docker/cluster.h"
#include "util.h"

static void usage(FILE *f)
{
	fprintf(f, "Usage: dcos-docker list [--json]\n\n"
	           "Lists the clusters on this Docker host (found by their labels), with node\n"
	           "counts and state.\n\n"
	           "Options:\n"
	           "      --json   machine-readable output\n"
	           "  -h, --help   show this help\n");
}

static const char *state_of(const dd_cluster_summary *s)
{
	if (s->total == 0)
		return "incomplete (no nodes; destroy removes the rest)";
	if (s->running == s->total)
		return "running";
	return s->running == 0 ? "stopped" : "partly running";
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
		for (size_t i = 0; i < n; i++)
			json_array_append_new(
			    arr,
			    json_pack("{s:s, s:i, s:i, s:i, s:i, s:i, s:s, s:s}", "name",
			              list[i].name, "masters", list[i].counts[0], "agents",
			              list[i].counts[1], "public_agents", list[i].counts[2],
			              "nodes", list[i].total, "running", list[i].running, "state",
			              state_of(&list[i]), "workspace", list[i].workspace));
		_cleanup_free_ char *s = json_dumps(arr, JSON_INDENT(2));
		printf("%s\n", s);
		return EXIT_OK;
	}
	if (n == 0) {
		fprintf(stderr, "No clusters. Create one with 'dcos-docker create'.\n");
		return EXIT_OK;
	}
	printf("%-24s %7s %6s %13s  %s\n", "CLUSTER", "MASTERS", "AGENTS", "PUBLIC-AGENTS",
	       "STATE");
	for (size_t i = 0; i < n; i++)
		printf("%-24s %7d %6d %13d  %s (%d/%d)\n", list[i].name, list[i].counts[0],
		       list[i].counts[1], list[i].counts[2], state_of(&list[i]), list[i].running,
		       list[i].total);
	return EXIT_OK;
}
