/* dcos-docker hosts: names for the cluster's nodes in the host's /etc/hosts
 * (the old Makefile's `make hosts` and `make clean-hosts`). */
#define _GNU_SOURCE
#include <string.h>

#include "cli.h"
#include "commands.h"
#include "dcos-docker/hosts.h"
#include "util.h"

static void usage(FILE *f)
{
	fprintf(f,
	        "Usage: dcos-docker hosts [--cluster NAME] [--remove] [--file PATH]\n\n"
	        "Adds names for the cluster's nodes to the host's hosts file: m<N>.dcos for\n"
	        "masters, a<N>.dcos for agents, p<N>.dcos for public agents (and\n"
	        "oinker.acme.org on p1), as the old 'make hosts' did. They are written in a\n"
	        "block of their own between '# BEGIN dcos-docker cluster NAME' and '# END'\n"
	        "lines: no other line is touched, and running it again only refreshes the\n"
	        "block. The names are the same for every cluster, so another cluster's block\n"
	        "is replaced (and named). Editing /etc/hosts needs root.\n\n"
	        "Options:\n"
	        "  -c, --cluster NAME   the cluster (default: " DD_DEFAULT_CLUSTER ")\n"
	        "      --remove         remove the cluster's block (the old 'make clean-hosts';\n"
	        "                       also after the cluster was destroyed)\n"
	        "      --file PATH      another hosts file (default: " DD_HOSTS_FILE ")\n"
	        "  -h, --help           show this help\n");
}

int cmd_hosts(int argc, char **argv)
{
	enum { OPT_REMOVE = 256, OPT_FILE };
	static const struct option longopts[] = {{"remove", no_argument, NULL, OPT_REMOVE},
	                                         {"file", required_argument, NULL, OPT_FILE},
	                                         {0}};
	_cleanup_(cli_cmd_clear) cli_cmd cmd = {
	    .verb = "hosts", .usage = usage, .cluster_opt = true, .longopts = longopts};
	bool remove = false;
	const char *path = DD_HOSTS_FILE;
	int c;
	while ((c = cli_getopt(&cmd, argc, argv)) > 0)
		if (c == OPT_REMOVE)
			remove = true;
		else if (c == OPT_FILE)
			path = optarg;
	if (c == CLI_EXIT)
		return cmd.exit;
	if (!*path)
		return cli_option_error(cmd.verb, "--file needs a path");
	/* Removing needs no cluster: it may be destroyed already. */
	if (!cli_open(&cmd, remove ? CLI_NO_LOAD | CLI_NO_PING : 0))
		return cmd.exit;
	dd_cluster gone = {0};
	if (remove)
		snprintf(gone.name, sizeof(gone.name), "%s", cmd.name);
	dd_hosts_result res;
	dd_error err = {0};
	if (dd_hosts_update(path, remove ? &gone : cmd.cluster, remove, &res, &err) < 0)
		return cli_fail(&err);
	if (remove) {
		if (res.found)
			fprintf(stderr, "Removed cluster '%s''s names from %s\n", cmd.name, path);
		else
			fprintf(stderr, "%s has no names of cluster '%s'\n", path, cmd.name);
		return EXIT_OK;
	}
	if (res.replaced[0])
		fprintf(stderr, "Replaced cluster '%s''s names (the same names) in %s\n",
		        res.replaced, path);
	fprintf(stderr, "%s %d name line%s for cluster '%s' in %s\n",
	        res.changed ? "Wrote" : "Already there:", res.lines, res.lines == 1 ? "" : "s",
	        cmd.name, path);
	if (res.conflicts)
		fprintf(stderr,
		        "Note: %d other line%s of %s name%s the same hosts; left as they are, they "
		        "may be used first\n",
		        res.conflicts, res.conflicts == 1 ? "" : "s", path,
		        res.conflicts == 1 ? "s" : "");
	return EXIT_OK;
}
