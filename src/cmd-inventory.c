/* dcos-docker inventory: the cluster as an Ansible INI inventory, so
 * configuration tools drive the nodes over SSH like machines. */
#define _GNU_SOURCE
#include <string.h>

#include "cli.h"
#include "commands.h"
#include "dcos-docker/cluster.h"
#include "inspect.h"
#include "util.h"

static void usage(FILE *f)
{
	fprintf(f, "Usage: dcos-docker inventory [--cluster NAME]\n\n"
	           "Prints an Ansible inventory (INI) of the cluster: the groups masters, agents\n"
	           "and public_agents (children of the group dcos) with each node's container\n"
	           "name and IP, and for all of them ansible_user=root, the cluster's private key\n"
	           "and ssh arguments that check host keys strictly against the cluster's own\n"
	           "known_hosts (nothing is read from or written to ~/.ssh/known_hosts).\n\n"
	           "  dcos-docker inventory > hosts.ini\n"
	           "  ansible -i hosts.ini all -m raw -a 'systemctl is-system-running'\n\n"
	           "Options:\n"
	           "  -c, --cluster NAME   the cluster (default: " DD_DEFAULT_CLUSTER ")\n"
	           "  -h, --help           show this help\n");
}

/* One word for Ansible's shlex split of ansible_ssh_common_args: double
 * quotes, since the whole value sits in single quotes in the INI file. */
static char *shlex_word(const char *s)
{
	if (cli_shell_plain(s))
		return dd_strdup(s);
	size_t len = strlen(s);
	char *out = dd_malloc0(len * 2 + 3);
	size_t o = 0;
	out[o++] = '"';
	for (const char *p = s; *p; p++) {
		if (*p == '"' || *p == '\\' || *p == '$' || *p == '`')
			out[o++] = '\\';
		out[o++] = *p;
	}
	out[o++] = '"';
	return out;
}

/* An INI value: Ansible strips one level of matching quotes. */
static char *ini_value(const char *s)
{
	if (cli_shell_plain(s))
		return dd_strdup(s);
	if (!strchr(s, '\''))
		return dd_asprintf("'%s'", s);
	return dd_asprintf("\"%s\"", s);
}

int cmd_inventory(int argc, char **argv)
{
	_cleanup_(cli_cmd_clear)
	    cli_cmd cmd = {.verb = "inventory", .usage = usage, .cluster_opt = true};
	if (cli_getopt(&cmd, argc, argv) == CLI_EXIT || !cli_open(&cmd, 0))
		return cmd.exit;
	const dd_cluster *cluster = cmd.cluster;

	_cleanup_free_ char *key = dd_cluster_ssh_key_path(cluster);
	_cleanup_free_ char *kh = dd_cluster_known_hosts_path(cluster);
	_cleanup_free_ char *kh_opt = dd_asprintf("UserKnownHostsFile=%s", kh);
	_cleanup_free_ char *kh_word = shlex_word(kh_opt);
	_cleanup_free_ char *common =
	    dd_asprintf("-o IdentitiesOnly=yes -o %s -o StrictHostKeyChecking=yes", kh_word);
	_cleanup_free_ char *common_val = ini_value(common);
	_cleanup_free_ char *key_val = ini_value(key);

	static const char *const groups[DD_ROLE_COUNT] = {"masters", "agents", "public_agents"};
	printf("# Ansible inventory of the dcos-docker cluster '%s' (dcos-docker inventory).\n"
	       "# The default node image has python3, which Ansible's modules run on; with\n"
	       "# an image of your own (--image), install it first with the raw module.\n",
	       cluster->name);
	for (int role = 0; role < DD_ROLE_COUNT; role++) {
		printf("\n[%s]\n", groups[role]);
		for (size_t i = 0; i < cluster->n_nodes; i++) {
			const dd_node *n = &cluster->nodes[i];
			if ((int)n->role != role)
				continue;
			printf(
			    "%s ansible_host=%s dcos_docker_short_name=%s dcos_docker_index=%d\n",
			    n->name, n->ip, n->short_name, n->index);
		}
	}
	printf("\n[dcos:children]\nmasters\nagents\npublic_agents\n");
	printf("\n[dcos:vars]\n"
	       "ansible_user=root\n"
	       "ansible_port=22\n"
	       "ansible_ssh_private_key_file=%s\n"
	       "ansible_ssh_common_args=%s\n"
	       /* No interpreter discovery (a warning per host, and a guess). */
	       "ansible_python_interpreter=/usr/bin/python3\n"
	       "dcos_docker_cluster=%s\n",
	       key_val, common_val, cluster->name);
	return EXIT_OK;
}
