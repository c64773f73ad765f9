/* snapshot, snapshots, restore: a whole cluster saved, listed, brought back. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "commands.h"
#include "dcos-docker/cancel.h"
#include "dcos-docker/cluster.h"
#include "dcos-docker/snapshot.h"
#include "progress.h"
#include "util.h"

static void usage_snapshot(FILE *f)
{
	fprintf(
	    f,
	    "Usage: dcos-docker snapshot [--cluster NAME] [--stop] [--stop-timeout S] SNAPSHOT\n"
	    "       dcos-docker snapshot --delete SNAPSHOT\n\n"
	    "Records the whole cluster: every node's root filesystem (committed as the "
	    "image\n" DD_SNAPSHOT_IMAGE_REPO "/SNAPSHOT:NODE) and volumes (/opt, /var/lib/docker,\n"
	    "/var/log/journal, /var/lib/mesos/slave), the workspace (keys, known_hosts,\n"
	    "genconf, each node's machine-id and host keys), the network's subnet, every\n"
	    "node's IP, hostname and role, and the DC/OS version when installed. The nodes\n"
	    "are shut down cleanly while it is taken (systemd's shutdown) and started again\n"
	    "afterwards, unless --stop. It is kept under <workspace root>/.snapshots/SNAPSHOT\n"
	    "(0700: the cluster's private key is in it). 'dcos-docker restore' brings it back;\n"
	    "'dcos-docker snapshots' lists them.\n\n"
	    "Options:\n"
	    "  -c, --cluster NAME   the cluster (default: " DD_DEFAULT_CLUSTER ")\n"
	    "      --stop           leave the nodes stopped afterwards\n"
	    "      --stop-timeout S seconds for each node's shutdown before SIGKILL "
	    "(default: 30)\n"
	    "      --timeout S      seconds for each node to boot again (default: 120)\n"
	    "      --delete         remove the snapshot: its images and its files\n"
	    "  -q, --quiet          print only errors\n"
	    "  -h, --help           show this help\n\n"
	    "SNAPSHOT: 1 to %d lowercase letters, digits and '-'.\n"
	    "Exit status: 0 done, 1 failed (what it made is removed), 2 a usage error\n"
	    "(a bad name, no such cluster, a snapshot of that name), 128+N after signal N.\n",
	    DD_SNAPSHOT_NAME_MAX);
}

static void usage_snapshots(FILE *f)
{
	fprintf(f, "Usage: dcos-docker snapshots [--json]\n\n"
	           "Lists the snapshots under the workspace root: name, size on disk (its files\n"
	           "and its images' own layers), nodes, DC/OS version and date. An interrupted\n"
	           "snapshot shows as incomplete ('snapshot --delete' removes it).\n\n"
	           "Options:\n"
	           "      --json     one JSON array\n"
	           "  -h, --help     show this help\n");
}

static void usage_restore(FILE *f)
{
	fprintf(f,
	        "Usage: dcos-docker restore [--cluster NAME] [--timeout S] [-q] SNAPSHOT\n\n"
	        "Brings back a running cluster from a snapshot: the same subnet, IPs, hostnames,\n"
	        "machine-ids and host keys (ssh with the same known_hosts works), the nodes'\n"
	        "files as they were and DC/OS as it was. Restore copies little: each node is\n"
	        "created from its committed image and its /opt is an overlay volume over the\n"
	        "snapshot's copy (writes go to the restored cluster's workspace; the snapshot\n"
	        "never changes), so a snapshot can be restored again and again, one at a time.\n"
	        "A host where overlay volumes do not work gets a copy of /opt (said so).\n"
	        "Nothing is made when the cluster name or the snapshot's subnet is in use; any\n"
	        "failure or Ctrl-C removes what was made.\n\n"
	        "Options:\n"
	        "  -c, --cluster NAME   the cluster to make (default: the snapshot's cluster)\n"
	        "      --timeout S      seconds for each node to boot (default: 120)\n"
	        "  -q, --quiet          print only errors\n"
	        "  -h, --help           show this help\n\n"
	        "Under another NAME the nodes get that name's hostnames (DC/OS installed under\n"
	        "the old ones may not like it); the subnet is the snapshot's either way.\n"
	        "Exit status: 0 running, 1 failed (nothing left), 2 a usage error (no such\n"
	        "snapshot, the name or the subnet in use), 128+N after signal N.\n");
}

static bool parse_seconds(const char *verb, const char *s, double *ret)
{
	long v;
	if (!cli_parse_int(s, 1, 86400, &v)) {
		cli_option_error(verb, "invalid number of seconds '%s' for %s", s, cli_optname());
		return false;
	}
	*ret = (double)v;
	return true;
}

int cmd_snapshot(int argc, char **argv)
{
	static const struct option longopts[] = {{"stop", no_argument, NULL, 's'},
	                                         {"stop-timeout", required_argument, NULL, 'S'},
	                                         {"timeout", required_argument, NULL, 't'},
	                                         {"delete", no_argument, NULL, 'D'},
	                                         {"quiet", no_argument, NULL, 'q'},
	                                         {0}};
	_cleanup_(cli_cmd_clear) cli_cmd cmd = {.verb = "snapshot",
	                                        .usage = usage_snapshot,
	                                        .cluster_opt = true,
	                                        .shortopts = "q",
	                                        .longopts = longopts,
	                                        .min_args = 1,
	                                        .max_args = 1,
	                                        .missing = "Missing the SNAPSHOT name"};
	dd_snapshot_opts o = {.stop_timeout = -1};
	bool del = false, quiet = false;
	double t = 0;
	int c;
	while ((c = cli_getopt(&cmd, argc, argv)) > 0) {
		switch (c) {
		case 's': o.stop = true; break;
		case 'S':
			if (!parse_seconds("snapshot", optarg, &t))
				return EXIT_USAGE;
			o.stop_timeout = (int)t;
			break;
		case 't':
			if (!parse_seconds("snapshot", optarg, &o.boot_timeout))
				return EXIT_USAGE;
			break;
		case 'D': del = true; break;
		case 'q': quiet = true; break;
		}
	}
	if (c == CLI_EXIT)
		return cmd.exit;
	if (del && (o.stop || cmd.name_given))
		return cli_usage_error("snapshot", "--delete takes only the SNAPSHOT name");
	o.name = argv[optind];
	o.cluster = cmd.name;
	dd_error err = {0};
	if (dd_snapshot_name_check(o.name, &err) < 0)
		return cli_fail(&err);
	cli_trap_signals();
	if (!cli_open(&cmd, del ? CLI_NO_NAME | CLI_NO_LOAD : CLI_NO_LOAD))
		return cmd.exit;
	cli_progress prog;
	cli_progress_init(&prog, stderr, quiet);
	int r;
	if (del) {
		r = dd_snapshot_delete(cmd.d, o.name, cli_progress_cb, &prog, &err);
		if (r < 0)
			return cli_fail(&err);
		if (!quiet)
			fprintf(stderr, "Snapshot '%s' deleted\n", o.name);
		return EXIT_OK;
	}
	o.on_event = cli_progress_cb;
	o.userdata = &prog;
	r = dd_snapshot_create(cmd.d, &o, &err);
	if (r < 0) {
		int code = cli_fail(&err);
		return dd_cancelled() ? cli_signal_exit() : code;
	}
	if (!quiet)
		fprintf(stderr, "Snapshot '%s' of cluster '%s' taken%s\n", o.name, o.cluster,
		        o.stop ? " (nodes left stopped)" : "");
	return dd_cancelled() ? cli_signal_exit() : EXIT_OK;
}

static void human_size(unsigned long long b, char *buf, size_t size)
{
	const char *units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
	double v = (double)b;
	size_t u = 0;
	while (v >= 1024 && u + 1 < ELEMENTSOF(units)) {
		v /= 1024;
		u++;
	}
	snprintf(buf, size, u ? "%.1f %s" : "%.0f %s", v, units[u]);
}

int cmd_snapshots(int argc, char **argv)
{
	static const struct option longopts[] = {{"json", no_argument, NULL, 'j'}, {0}};
	_cleanup_(cli_cmd_clear)
	    cli_cmd cmd = {.verb = "snapshots", .usage = usage_snapshots, .longopts = longopts};
	bool json = false;
	int c;
	while ((c = cli_getopt(&cmd, argc, argv)) > 0)
		if (c == 'j')
			json = true;
	if (c == CLI_EXIT)
		return cmd.exit;
	if (!cli_open(&cmd, CLI_NO_NAME | CLI_NO_LOAD))
		return cmd.exit;
	dd_error err = {0};
	_cleanup_free_ dd_snapshot_info *list = NULL;
	size_t n = 0;
	if (dd_snapshot_list(cmd.d, &list, &n, &err) < 0)
		return cli_fail(&err);
	if (json) {
		_cleanup_json_ json_t *arr = json_array();
		for (size_t i = 0; i < n; i++) {
			const dd_snapshot_info *s = &list[i];
			json_array_append_new(
			    arr,
			    json_pack("{s:s, s:s, s:b, s:I, s:i, s:s, s:s, s:s, s:s}", "name",
			              s->name, "cluster", s->cluster, "complete", s->complete,
			              "bytes", (json_int_t)s->bytes, "n_nodes", (int)s->n_nodes,
			              "nodes", s->nodes, "dcos_version", s->dcos_version, "created",
			              s->created, "path", s->path));
		}
		_cleanup_free_ char *text = json_dumps(arr, JSON_INDENT(2));
		printf("%s\n", text ? text : "[]");
		return EXIT_OK;
	}
	if (n == 0) {
		fprintf(stderr, "No snapshots.\n");
		return EXIT_OK;
	}
	printf("%-24s %-20s %10s  %-6s %-10s %s\n", "NAME", "CLUSTER", "SIZE", "NODES", "DCOS",
	       "CREATED");
	for (size_t i = 0; i < n; i++) {
		const dd_snapshot_info *s = &list[i];
		char size[32];
		human_size(s->bytes, size, sizeof(size));
		if (!s->complete) {
			printf("%-24s %-20s %10s  %-6s %-10s %s\n", s->name, "-", size, "-", "-",
			       "incomplete");
			continue;
		}
		printf("%-24s %-20s %10s  %-6zu %-10s %s\n", s->name, s->cluster, size, s->n_nodes,
		       s->dcos_version[0] ? s->dcos_version : "-", s->created);
	}
	return EXIT_OK;
}

int cmd_restore(int argc, char **argv)
{
	static const struct option longopts[] = {
	    {"timeout", required_argument, NULL, 't'}, {"quiet", no_argument, NULL, 'q'}, {0}};
	_cleanup_(cli_cmd_clear) cli_cmd cmd = {.verb = "restore",
	                                        .usage = usage_restore,
	                                        .cluster_opt = true,
	                                        .shortopts = "q",
	                                        .longopts = longopts,
	                                        .min_args = 1,
	                                        .max_args = 1,
	                                        .missing = "Missing the SNAPSHOT name"};
	dd_restore_opts o = {0};
	bool quiet = false;
	int c;
	while ((c = cli_getopt(&cmd, argc, argv)) > 0) {
		switch (c) {
		case 't':
			if (!parse_seconds("restore", optarg, &o.timeout))
				return EXIT_USAGE;
			break;
		case 'q': quiet = true; break;
		}
	}
	if (c == CLI_EXIT)
		return cmd.exit;
	o.snapshot = argv[optind];
	o.cluster = cmd.name_given ? cmd.name : NULL;
	dd_error err = {0};
	if (dd_snapshot_name_check(o.snapshot, &err) < 0)
		return cli_fail(&err);
	cli_trap_signals();
	if (!cli_open(&cmd, cmd.name_given ? CLI_NO_LOAD : CLI_NO_NAME | CLI_NO_LOAD))
		return cmd.exit;
	cli_progress prog;
	cli_progress_init(&prog, stderr, quiet);
	o.on_event = cli_progress_cb;
	o.userdata = &prog;
	_cleanup_(dd_cluster_freep) dd_cluster *cl = NULL;
	if (dd_snapshot_restore(cmd.d, &o, &cl, &err) < 0) {
		if (dd_cancelled()) {
			cli_fail(&err);
			return cli_signal_exit();
		}
		return cli_fail(&err);
	}
	if (!quiet)
		fprintf(stderr, "Cluster '%s' restored from snapshot '%s' (%zu node%s)\n", cl->name,
		        o.snapshot, cl->n_nodes, cl->n_nodes == 1 ? "" : "s");
	for (size_t i = 0; i < cl->n_nodes; i++)
		printf("%-13s %-32s %s\n", dd_role_label(cl->nodes[i].role), cl->nodes[i].name,
		       cl->nodes[i].ip);
	return EXIT_OK;
}
