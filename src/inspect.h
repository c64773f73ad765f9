/* JSON and command renderings of a cluster shared by inspect, ssh and inventory. */
#ifndef DCOS_DOCKER_INSPECT_H
#define DCOS_DOCKER_INSPECT_H

#include <jansson.h>
#include <stdbool.h>

#include "dcos-docker/cluster.h"

/* The ssh argv (without a remote command) that logs into node n as root with
 * the cluster's key and known_hosts, strict host key checking. */
json_t *cli_ssh_argv_json(const dd_cluster *c, const dd_node *n);
/* True when s is one word to a shell as it is (no quotes needed). */
bool cli_shell_plain(const char *s);
/* Shell-quoted rendering of an argv array, for display. */
char *cli_shell_join(json_t *argv);
json_t *cli_cluster_json(const dd_cluster *c);
/* The summary's missing nodes as a JSON array of short names (list, inspect). */
json_t *cli_missing_nodes_json(const dd_cluster_summary *s);

#endif
