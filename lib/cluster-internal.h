/* Internal: not installed. Helpers shared by cluster.c and create.c, and
 * what the rest of lib/ needs of clusters. */
#ifndef DCOS_DOCKER_CLUSTER_INTERNAL_H
#define DCOS_DOCKER_CLUSTER_INTERNAL_H

#include <jansson.h>
#include <stdbool.h>

#include "dcos-docker/cluster.h"

/* Every label of the tool's own starts with this; users' labels may not. */
#define DD_LABEL_PREFIX    "dcos-docker."
#define DD_LABEL_CLUSTER   "dcos-docker.cluster"
#define DD_LABEL_ROLE      "dcos-docker.role"
#define DD_LABEL_INDEX     "dcos-docker.index"
#define DD_LABEL_WORKSPACE "dcos-docker.workspace"
#define DD_LABEL_PRIVILEGE "dcos-docker.privilege"
/* The nodes a cluster was made with ("master1,agent1,pubagent1"), on its
 * network and every node: list tells a degraded cluster from a complete one. */
#define DD_LABEL_NODES "dcos-docker.nodes"
/* In the workspace: the nodes the cluster has now ({"nodes": ["master1", ...]}),
 * kept by create, add-node and remove-node. list/inspect prefer it to the
 * DD_LABEL_NODES label, which records the shape at create. */
#define DD_NODES_RECORD_FILE "nodes.json"
/* The record as "master1,agent1,..." in buf; false (buf untouched on a
 * missing file) when there is none or it is damaged. */
bool dd_nodes_record_read(const char *ws, char *buf, size_t size);
/* Writes it atomically (0644) from "master1,agent1,...". */
int dd_nodes_record_write(const char *ws, const char *csv, dd_error *err);
/* On restored nodes: the node image they were first made of (their own
 * image is the snapshot's commit), which inspect and add-node show and use. */
#define DD_LABEL_IMAGE "dcos-docker.image"
/* On nodes: the network they were made on (the cluster's own, or --network). */
#define DD_LABEL_NETWORK "dcos-docker.network"

/* Where the cluster's install bootstrap is mounted in every node. */
#define DD_NODE_INSTALL_DIR "/opt/dcos_install_tmp"

/* "master", "agent", "pubagent" (node names: dcos-docker-pubagent1). */
const char *dd_role_prefix(enum dd_role role);
/* "master", "slave", "slave_public" (dcos_install.sh's argument). */
const char *dd_role_dcos(enum dd_role role);
size_t dd_cluster_count_role(const dd_cluster *c, enum dd_role role);

/* The workspace root: $DCOS_DOCKER_WORKSPACE_ROOT, else $XDG_STATE_HOME/dcos-docker,
 * else ~/.local/state/dcos-docker. */
char *dd_workspace_root(void);

/* A file in every workspace the tool made; destroy removes only marked directories. */
#define DD_WORKSPACE_MARKER ".dcos-docker-workspace"

/* The DD_LABEL_NODES value for these counts per role (caller frees). */
char *dd_cluster_shape_label(const int counts[DD_ROLE_COUNT]);

/* Takes the lock on the workspace root that create holds while it claims a
 * name (and clean while it decides what is left over): *ret_fd, to close. */
int dd_workspace_root_lock(int *ret_fd, dd_error *err);
/* A create holds its workspace (a shared lock on the directory) until it is
 * done: clean never takes a cluster that is being made. -1 when it cannot. */
int dd_workspace_hold(const char *ws);

const char *dd_json_label(json_t *labels, const char *key);
/* Fills a node from one entry of GET /containers/json; its address is the
 * one on network (NULL: the first network). -EINVAL without a role label. */
int dd_node_from_json(json_t *ctr, const char *network, dd_node *n);
int dd_remove_containers_parallel(dd_docker *d, json_t *ctrs, dd_event_cb progress, void *userdata,
                                  dd_error *err);
/* The rollback of a failed create, add-node or restore: removes what the
 * run run_id made (its containers, in parallel, and volumes, by the run
 * label; never by the cluster label, so that a concurrent run of the same
 * name that won keeps its nodes), then network_id when not empty. Best
 * effort, errors dropped: the failure that caused the rollback is the one
 * the user is told of. */
void dd_remove_run(dd_docker *d, const char *run_id, const char *network_id);
/* Removes a marked workspace (a directory without our marker is left
 * alone), the marker last, so that a half-removed one is found again. Files
 * only root may remove are given back through a helper container of image
 * when d and image are given. */
int dd_workspace_reclaim(dd_docker *d, const char *ws, const char *image, dd_error *err);
/* One more leftover in *list (zeroed), for clean. */
dd_leftover *dd_leftover_add(dd_leftover **list, size_t *n);
/* clean's part for snapshots (snapshot.c): interrupted ones of this
 * workspace root, and images of this root's snapshots whose directory is gone. */
int dd_snapshot_leftovers(dd_docker *d, bool dry_run, dd_leftover **list, size_t *n, dd_error *err);
/* dd_workspace_reclaim without a daemon: for workspaces only we wrote to. */
int dd_workspace_remove(const char *ws);

#endif
