#include <string.h>

#include "cli.h"
#include "commands.h"
#include "dcos-docker/cluster.h"
#include "dcos-docker/fault.h"
#include "dcos-docker/install.h" /* [DC/OS install] */
#include "dcos-docker/installer.h"
#include "dcos-docker/loopback.h"
#include "inspect.h"
#include "util.h"

static void usage(FILE *f)
{
	fprintf(f,
	        "Usage: dcos-docker inspect [--cluster NAME]\n\n"
	        "Prints the cluster as JSON: network and subnet, workspace, SSH key, privilege\n"
	        "mode, and for every node its role, index, names, container id, IP, state and\n"
	        "the ssh command that logs into it; once DC/OS is installed, its version,\n"
	        "variant and web UI address (\"dcos\", \"web_ui\"; null before), and where its\n"
	        "installer was extracted with the disk that takes (\"installer\"); the\n"
	        "cluster's state as 'list' gives it and the nodes it was made with that are\n"
	        "gone (\"state\", \"missing_nodes\"); the host ports each node publishes\n"
	        "(--publish: \"ports\", \"HOST_IP:HOST_PORT->PORT/PROTO\"); each node's fault\n"
	        "state (\"fault\": running, paused or stopped, the nodes it is partitioned\n"
	        "from, its netem delay; \"partitioned_from\" is null while it is paused).\n"
	        "Of a cluster that is incomplete (no node left: a killed create, an interrupted\n"
	        "destroy) it describes what is left; 'dcos-docker destroy' removes that.\n\n"
	        "Options:\n"
	        "  -c, --cluster NAME   the cluster (default: " DD_DEFAULT_CLUSTER ")\n"
	        "  -h, --help           show this help\n");
}

json_t *cli_ssh_argv_json(const dd_cluster *c, const dd_node *n)
{
	_cleanup_free_ char *key = dd_cluster_ssh_key_path(c);
	_cleanup_free_ char *kh = dd_cluster_known_hosts_path(c);
	_cleanup_free_ char *khopt = dd_asprintf("UserKnownHostsFile=%s", kh);
	_cleanup_free_ char *dest = dd_asprintf("root@%s", n->ip);
	return json_pack("[s,s,s,s,s,s,s,s,s,s,s,s]", "ssh", "-i", key, "-o", "IdentitiesOnly=yes",
	                 "-o", khopt, "-o", "StrictHostKeyChecking=yes", "-o", "LogLevel=ERROR",
	                 dest);
}

bool cli_shell_plain(const char *s)
{
	return *s && s[strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	                         "@%_-+=:,./")] == '\0';
}

/* A copy-pastable shell rendering of an argv (single quotes where needed). */
char *cli_shell_join(json_t *argv)
{
	char *s = NULL;
	size_t len = 0, i;
	FILE *f = open_memstream(&s, &len);
	if (!f)
		abort();
	json_t *a;
	json_array_foreach (argv, i, a) {
		const char *w = json_string_value(a);
		fputs(i ? " " : "", f);
		if (cli_shell_plain(w)) {
			fputs(w, f);
			continue;
		}
		fputc('\'', f);
		for (const char *p = w; *p; p++)
			*p == '\'' ? fputs("'\\''", f) : fputc(*p, f);
		fputc('\'', f);
	}
	fclose(f);
	return s;
}

json_t *cli_cluster_json(const dd_cluster *c)
{
	_cleanup_free_ char *key = dd_cluster_ssh_key_path(c);
	_cleanup_free_ char *kh = dd_cluster_known_hosts_path(c);
	json_t *nodes = json_array();
	for (size_t i = 0; i < c->n_nodes; i++) {
		const dd_node *n = &c->nodes[i];
		_cleanup_json_ json_t *ssh = cli_ssh_argv_json(c, n);
		_cleanup_free_ char *sshcmd = cli_shell_join(ssh);
		json_array_append_new(
		    nodes, json_pack("{s:s, s:i, s:s, s:s, s:s, s:s, s:s, s:s}", "role",
		                     dd_role_label(n->role), "index", n->index, "short_name",
		                     n->short_name, "container_name", n->name, "container_id",
		                     n->id, "ip", n->ip, "state", n->state, "ssh", sshcmd));
	}
	const char *priv = strcmp(c->privilege, "privileged") == 0
	                       ? "privileged"
	                       : "capabilities (all the daemon holds; --privileged cannot work "
	                         "on this host)";
	json_t *j =
	    json_pack("{s:s, s:{s:s, s:s, s:s, s:s}, s:s, s:s, s:s, s:s, s:s, s:o}", "cluster",
	              c->name, "network", "name", c->network, "id", c->network_id, "subnet",
	              c->subnet, "gateway", c->gateway, "workspace", c->workspace, "ssh_key", key,
	              "known_hosts", kh, "privilege_mode", priv, "image", c->image, "nodes", nodes);
	/* [DC/OS install] web_ui and dcos {version, variant, installed_at}: null
	 * until DC/OS is installed (read from the workspace, no exec). */
	dd_dcos_info info;
	dd_error ierr = {0};
	const dd_node *m1 = NULL;
	if (dd_dcos_info_load(c->workspace, &info, &ierr) == 0) {
		_cleanup_free_ char *url = NULL;
		if (dd_cluster_find_node(c, "master1", &m1, &ierr) == 0)
			url = dd_asprintf("http://%s", m1->ip);
		json_object_set_new(j, "web_ui", url ? json_string(url) : json_null());
		json_t *dj = json_pack("{s:s, s:s, s:s}", "version", info.version, "variant",
		                       info.variant, "installed_at", info.installed_at);
		/* Set by upgrade: the version before the last one. */
		if (info.upgraded_from[0])
			json_object_set_new(dj, "upgraded_from", json_string(info.upgraded_from));
		json_object_set_new(j, "dcos", dj);
	} else {
		json_object_set_new(j, "web_ui", json_null());
		json_object_set_new(j, "dcos", json_null());
	}
	/* Where the installer was extracted (shared by the clusters made from
	 * the same file) and the disk it holds. */
	dd_installer_place_info pi;
	if (dd_installer_of_workspace(c->workspace, &pi) == 0)
		json_object_set_new(j, "installer",
		                    json_pack("{s:s, s:s, s:s?, s:I}", "place", pi.dir, "version",
		                              pi.version, "image", pi.image[0] ? pi.image : NULL,
		                              "bytes", (json_int_t)pi.bytes));
	else
		json_object_set_new(j, "installer", json_null());
	return j;
}

json_t *cli_missing_nodes_json(const dd_cluster_summary *s)
{
	json_t *a = json_array();
	for (size_t i = 0; i < s->n_missing; i++)
		json_array_append_new(a, json_string(s->missing_nodes[i]));
	return a;
}

/* What is left of a cluster without nodes. */
static int inspect_incomplete(const dd_cluster_summary *s)
{
	_cleanup_free_ char *hint =
	    dd_asprintf("'dcos-docker destroy --cluster %s' removes it", s->name);
	_cleanup_json_ json_t *j = json_pack(
	    "{s:s, s:s, s:b, s:b, s:I, s:{s:s, s:b}, s:o, s:o, s:s}", "cluster", s->name, "state",
	    s->state, "complete", s->complete, "network", s->network, "volumes",
	    (json_int_t)s->n_volumes, "workspace", "path", s->workspace, "exists", s->workspace_dir,
	    "missing_nodes", cli_missing_nodes_json(s), "nodes", json_array(), "hint", hint);
	_cleanup_free_ char *out = json_dumps(j, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	printf("%s\n", out);
	fprintf(stderr, "Cluster '%s' is %s; %s.\n", s->name, s->state, hint);
	return EXIT_OK;
}

int cmd_inspect(int argc, char **argv)
{
	_cleanup_(cli_cmd_clear)
	    cli_cmd cmd = {.verb = "inspect", .usage = usage, .cluster_opt = true};
	if (cli_getopt(&cmd, argc, argv) == CLI_EXIT || !cli_open(&cmd, CLI_NO_LOAD))
		return cmd.exit;
	dd_error err = {0};
	dd_cluster_summary sum;
	if (dd_cluster_summary_get(cmd.d, cmd.name, &sum, &err) < 0)
		return cli_fail(&err);
	if (sum.total == 0)
		return inspect_incomplete(&sum);
	if (dd_cluster_load(cmd.d, cmd.name, &cmd.cluster, &err) < 0)
		return cli_fail(&err);
	const dd_cluster *c = cmd.cluster;
	_cleanup_json_ json_t *j = cli_cluster_json(c);
	json_object_set_new(j, "state", json_string(sum.state));
	json_object_set_new(j, "missing_nodes", cli_missing_nodes_json(&sum));
	json_t *nodes = json_object_get(j, "nodes");
	for (size_t i = 0; i < c->n_nodes && i < json_array_size(nodes); i++) {
		char buf[4096];
		json_t *ports = json_array();
		if (dd_node_ports(cmd.d, &c->nodes[i], buf, sizeof(buf), &err) == 0)
			for (char *save = NULL, *t = strtok_r(buf, "\n", &save); t;
			     t = strtok_r(NULL, "\n", &save))
				json_array_append_new(ports, json_string(t));
		json_object_set_new(json_array_get(nodes, i), "ports", ports);
	}
	/* The loopback devices the agents see (dcos-docker loopback). */
	json_t *loops = json_array();
	_cleanup_free_ dd_loopback *lb = NULL;
	size_t n_lb = 0;
	if (dd_loopback_list(cmd.d, c->name, &lb, &n_lb, &err) == 0)
		for (size_t i = 0; i < n_lb; i++)
			json_array_append_new(
			    loops, json_pack("{s:s, s:s?, s:I, s:s, s:s}", "name", lb[i].name,
			                     "device", lb[i].device[0] ? lb[i].device : NULL,
			                     "bytes", (json_int_t)lb[i].size, "container",
			                     lb[i].container, "state", lb[i].state));
	json_object_set_new(j, "loopbacks", loops);
	/* What the nodes' own rules say (one exec per running node). */
	_cleanup_free_ dd_node_fault *faults = NULL;
	if (dd_cluster_faults(cmd.d, c, &faults, &err) == 0)
		for (size_t i = 0; i < c->n_nodes && i < json_array_size(nodes); i++) {
			const dd_node_fault *f = &faults[i];
			json_t *from = json_null();
			if (f->known) {
				from = json_array();
				_cleanup_free_ char *copy = dd_strdup(f->partitioned_from);
				for (char *save = NULL, *t = strtok_r(copy, ",", &save); t;
				     t = strtok_r(NULL, ",", &save))
					json_array_append_new(from, json_string(t));
			}
			json_object_set_new(json_array_get(nodes, i), "fault",
			                    json_pack("{s:s, s:o, s:s?}", "state", f->state,
			                              "partitioned_from", from, "delay",
			                              f->delay[0] ? f->delay : NULL));
		}
	_cleanup_free_ char *s = json_dumps(j, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	printf("%s\n", s);
	return EXIT_OK;
}
