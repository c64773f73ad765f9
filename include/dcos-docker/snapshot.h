/* Snapshots of whole clusters and their restore (lib/snapshot.c).
 *
 * A snapshot holds, under <workspace root>/.snapshots/<name>/ (0700: the
 * cluster's private key is in it): manifest.json, a copy of the cluster's
 * workspace, and per node a copy of its volumes (nodes/<node>/opt, .../var/...).
 * Each node's root filesystem is an image dcos-docker-snapshot/<name>:<node>,
 * committed from the stopped container (copy-on-write layers). */
#ifndef DCOS_DOCKER_SNAPSHOT_H
#define DCOS_DOCKER_SNAPSHOT_H

#include <stdbool.h>
#include <stddef.h>

#include "dcos-docker/cluster.h"
#include "dcos-docker/docker.h"
#include "dcos-docker/error.h"

/* Exported by libdcos-docker (see error.h). */
#pragma GCC visibility push(default)

#define DD_SNAPSHOT_NAME_MAX 40
/* The repository of the committed node images: <repo>/<snapshot>:<node>. */
#define DD_SNAPSHOT_IMAGE_REPO "dcos-docker-snapshot"

/* As cluster names (lowercase letters, digits, '-'): it becomes part of image
 * names. Usage error otherwise. */
int dd_snapshot_name_check(const char *name, dd_error *err);
/* <workspace root>/.snapshots (caller frees): a name no cluster's workspace
 * can have (cluster names start with a letter or digit). */
char *dd_snapshot_root(void);

typedef struct dd_snapshot_opts {
	const char *cluster;
	const char *name;
	bool stop;           /* leave the nodes stopped afterwards */
	int stop_timeout;    /* seconds before SIGKILL; < 0: 30 */
	double boot_timeout; /* restarting the nodes afterwards; <= 0: 120 */
	dd_event_cb on_event;
	void *userdata;
} dd_snapshot_opts;

/* Stops every node cleanly (systemd's SIGRTMIN+3), commits each node's
 * container, copies its volumes and the workspace, writes the manifest, and
 * starts the nodes that were running again (unless opts->stop), also when it
 * failed. Usage errors: bad names, a cluster that does not exist or is on a
 * network of the user's, a snapshot of that name, a paused node. On failure
 * or dd_cancelled(), what it made is removed. */
int dd_snapshot_create(dd_docker *d, const dd_snapshot_opts *opts, dd_error *err);

typedef struct dd_snapshot_info {
	char name[DD_SNAPSHOT_NAME_MAX + 1];
	char cluster[DD_CLUSTER_NAME_MAX + 1];
	char dcos_version[64]; /* "" when DC/OS was not installed */
	char created[32];      /* UTC, ISO 8601 */
	size_t n_nodes;
	char nodes[1024];         /* "master1,agent1" */
	unsigned long long bytes; /* its files and its images' own layers */
	bool complete;            /* false: no manifest (an interrupted snapshot) */
	char path[4096];
} dd_snapshot_info;

/* Every snapshot under the root, by name; *ret is malloc'ed. */
int dd_snapshot_list(dd_docker *d, dd_snapshot_info **ret, size_t *ret_n, dd_error *err);

/* Removes the snapshot's images and directory. Usage errors: it does not
 * exist; a restored cluster still uses its /opt (destroy that first). */
int dd_snapshot_delete(dd_docker *d, const char *name, dd_event_cb on_event, void *userdata,
                       dd_error *err);

typedef struct dd_restore_opts {
	const char *snapshot;
	const char *cluster; /* NULL: the snapshot's cluster name */
	double timeout;      /* seconds for every node to boot; <= 0: 120 */
	dd_event_cb on_event;
	void *userdata;
} dd_restore_opts;

/* Makes the cluster again as it was: the network with the saved subnet, the
 * nodes with their saved IPs, hostnames, labels and seed files (machine-id,
 * host keys: the workspace is copied back), each from its committed image,
 * /opt an overlay volume over the snapshot's copy (a copy where overlay
 * volumes do not work), the other volumes copied; then boots them as create
 * does. Usage errors, with nothing made: no such snapshot, the cluster name
 * or the subnet in use (the message names who holds it). On failure or
 * dd_cancelled(), everything it made is removed. */
int dd_snapshot_restore(dd_docker *d, const dd_restore_opts *opts, dd_cluster **ret, dd_error *err);

#pragma GCC visibility pop
#endif
