/* Clusters and their nodes. Docker labels are the only source of truth:
 * every container, volume and network carries dcos-docker.cluster=<name>;
 * nodes also carry role and index. Nothing is found by name prefix. */
#ifndef DCOS_DOCKER_CLUSTER_H
#define DCOS_DOCKER_CLUSTER_H

#include <stdbool.h>
#include <stddef.h>

#include "dcos-docker/docker.h"
#include "dcos-docker/error.h"
#include "dcos-docker/event.h"

/* Exported by libdcos-docker (see error.h). */
#pragma GCC visibility push(default)

#define DD_CLUSTER_NAME_MAX 40

enum dd_role { DD_ROLE_MASTER = 0, DD_ROLE_AGENT, DD_ROLE_PUBLIC_AGENT, DD_ROLE_COUNT };

/* "master", "agent", "public_agent" (labels, inspect). */
const char *dd_role_label(enum dd_role role);

typedef struct dd_node {
	enum dd_role role;
	int index;           /* 1-based within its role */
	char short_name[32]; /* master1, agent2, pubagent1 */
	char name[128];      /* container name = hostname: <cluster>-master1 */
	char id[72];         /* container id */
	char ip[48];         /* static IPv4 on the cluster network */
	char state[32];      /* Docker's state: running, exited, created, ... */
} dd_node;

typedef struct dd_cluster {
	char name[DD_CLUSTER_NAME_MAX + 1];
	char network[128];
	char network_id[72];
	char subnet[64];
	char gateway[48];
	char workspace[4096];
	char privilege[32]; /* "privileged" or "capabilities" */
	char image[256];
	size_t n_nodes;
	dd_node *nodes; /* masters, then agents, then public agents; each by index */
} dd_cluster;

void dd_cluster_free(dd_cluster *c);
static inline void dd_cluster_freep(dd_cluster **c)
{
	if (*c)
		dd_cluster_free(*c);
}

/* Lowercase letters, digits and '-', starting with a letter or digit, at most
 * DD_CLUSTER_NAME_MAX: it becomes part of hostnames. Usage error otherwise. */
int dd_cluster_name_check(const char *name, dd_error *err);

/* Loads a cluster by its labels. -ENOENT when it has no node container: a usage
 * error "Cluster 'x' does not exist" when nothing of it exists, else an error
 * saying it is incomplete and that destroy removes it. */
int dd_cluster_load(dd_docker *d, const char *name, dd_cluster **ret, dd_error *err);

/* Paths inside a cluster's workspace (caller frees). */
char *dd_cluster_ssh_key_path(const dd_cluster *c);     /* <ws>/genconf/ssh_key */
char *dd_cluster_known_hosts_path(const dd_cluster *c); /* <ws>/ssh/known_hosts */

/* Node lookup: a short name (master1), a container name, a container id
 * prefix (12+ chars) or an IP. The error lists the valid names. */
int dd_cluster_find_node(const dd_cluster *c, const char *spec, const dd_node **ret, dd_error *err);
/* Like find_node, and also the groups all|masters|agents|public-agents.
 * Appends to *nodes (deduplicated, cluster order kept). */
int dd_cluster_select(const dd_cluster *c, const char *spec, const dd_node ***nodes, size_t *n,
                      dd_error *err);

/* The most nodes a cluster has: DD_MASTERS_MAX + 2 * DD_AGENTS_MAX (create.h). */
#define DD_CLUSTER_NODES_MAX 209

/* One line per cluster for `list`: every cluster anything of which exists
 * (node containers, labelled volumes, its network, a marked workspace). */
typedef struct dd_cluster_summary {
	char name[DD_CLUSTER_NAME_MAX + 1];
	int counts[DD_ROLE_COUNT]; /* node containers there are, per role */
	int running, total;
	char workspace[4096];
	size_t n_volumes;   /* labelled volumes */
	bool network;       /* its network exists (or a node's network does) */
	bool workspace_dir; /* its marked workspace directory exists */
	bool shape_known;   /* it records the nodes it was made with */
	/* The nodes it was made with that are gone, by short name ("agent1"), in
	 * the order it was made with them; missing joins them for people. */
	char missing_nodes[DD_CLUSTER_NODES_MAX][16];
	size_t n_missing;
	char missing[512]; /* "agent1, agent2" */
	/* Complete: nodes, network, and none of the nodes it was made with
	 * missing. Incomplete (`clean` removes it): no node running, and nodes
	 * or the network missing. A cluster with a node running is never. */
	bool complete, incomplete;
	/* running, stopped, partly running, degraded (agent1 missing),
	 * incomplete (network only), incomplete (network, workspace), ... */
	char state[640];
} dd_cluster_summary;
int dd_cluster_list(dd_docker *d, dd_cluster_summary **ret, size_t *ret_n, dd_error *err);
/* One cluster's summary; -ENOENT (a usage error) when nothing of it exists. */
int dd_cluster_summary_get(dd_docker *d, const char *name, dd_cluster_summary *ret, dd_error *err);

/* The host ports a node publishes (--publish), from its HostConfig (a stopped
 * node keeps them): "HOST_IP:HOST_PORT->PORT/PROTO" lines ('\n' after each)
 * in buf, "" for none. */
int dd_node_ports(dd_docker *d, const dd_node *n, char *buf, size_t size, dd_error *err);

/* Removes the cluster's containers (with volumes), labelled volumes, network and workspace.
 * -ENOENT (a usage error) when nothing of it exists. Safe to run twice at once:
 * what another destroy is removing is waited for. On Ctrl-C it stops between
 * steps with -ECANCELED (dd_cluster_summary_get then says what is left). */
int dd_cluster_destroy(dd_docker *d, const char *name, dd_event_cb on_event, void *userdata,
                       dd_error *err);

/* What `clean` finds left over by interrupted or killed runs. A cluster is
 * left over when it is incomplete (see dd_cluster_summary: no node running,
 * and nodes it was made with, or its network, missing; a workspace without
 * any Docker object), its workspace is under the workspace root (another
 * root's clusters are not ours to clean) and no create is making it now; then
 * destroy removes it. Installer containers are left over when not running (or their cluster
 * or process is gone). Complete clusters, running or stopped, are kept. */
typedef struct dd_leftover {
	bool cluster;       /* a cluster (else an installer container) */
	char name[256];     /* the cluster's or the container's name */
	char state[640];    /* the cluster's state, the container's */
	bool removed, kept; /* kept: why in state (a node running, being created) */
	bool snapshot;      /* an interrupted snapshot's files or images (name: the snapshot) */
	char error[512];    /* why removing it failed */
} dd_leftover;
/* Lists (dry_run) or removes the leftovers; *ret is malloc'ed. The creates
 * of this workspace root wait meanwhile. Also left over: a snapshot of this
 * root without its manifest that no snapshot is taking now, and snapshot
 * images of this root whose snapshot directory is gone (snapshot.h). */
int dd_clean_leftovers(dd_docker *d, bool dry_run, dd_leftover **ret, size_t *ret_n, dd_error *err);

/* A cluster's default workspace: <workspace root>/<name> (caller frees). */
char *dd_cluster_workspace_path(const char *name);

#pragma GCC visibility pop
#endif
