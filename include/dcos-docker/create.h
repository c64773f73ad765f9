/* Creating a cluster: its network and nodes (lib/create.c). */
#ifndef DCOS_DOCKER_CREATE_H
#define DCOS_DOCKER_CREATE_H

#include <stdbool.h>
#include <stddef.h>

#include "dcos-docker/cluster.h"
#include "dcos-docker/docker.h"
#include "dcos-docker/error.h"
#include "dcos-docker/specs.h"

/* Exported by libdcos-docker (see error.h). */
#pragma GCC visibility push(default)

#define DD_MASTERS_MAX 9
#define DD_AGENTS_MAX  100

typedef struct dd_create_opts {
	const char *name;
	int counts[DD_ROLE_COUNT];
	const char *image;          /* image reference; must exist */
	const char *storage_driver; /* "auto" (NULL) or a driver name */
	const char *workspace;      /* NULL: <state dir>/<name> */
	const char *network;        /* an existing network of the user's to put the nodes on, with
	                               addresses from its subnet; never removed. NULL: the cluster's own */
	const dd_mount_spec *mounts[DD_ROLE_COUNT]; /* per role, already merged with global ones */
	size_t n_mounts[DD_ROLE_COUNT];
	const dd_label_spec *labels[DD_ROLE_COUNT]; /* per role, already merged with global ones */
	size_t n_labels[DD_ROLE_COUNT];
	const dd_port_spec *ports; /* published on master1 */
	size_t n_ports;
	double cpus[DD_ROLE_COUNT];      /* 0: no limit */
	long long memory[DD_ROLE_COUNT]; /* bytes, 0: no limit */
	double timeout;                  /* seconds for every node to become ready; 0: 120 */
	dd_event_cb on_event;
	void *userdata;
} dd_create_opts;

/* The checks of user input that need no daemon: name, counts, storage driver. */
int dd_create_opts_check(const dd_create_opts *opts, dd_error *err);

/* Validates everything it can before touching anything (usage errors), then
 * creates the network, the nodes in parallel and waits until each is ready.
 * On any failure, and when dd_cancelled() turns true, removes everything it
 * made and returns an error. */
int dd_cluster_create(dd_docker *d, const dd_create_opts *opts, dd_cluster **ret, dd_error *err);

/* add-node: new agents and public agents for an existing cluster. */
typedef struct dd_add_nodes_opts {
	const char *name;          /* the cluster */
	int counts[DD_ROLE_COUNT]; /* how many new nodes per role; masters must be 0 */
	double timeout;            /* seconds for the new nodes to become ready; 0: 120 */
	double wait_timeout;       /* DC/OS health of the new nodes; <= 0: 900 */
	bool no_wait;              /* DC/OS: install on the new nodes, do not wait */
	bool skip_http_checks;     /* DC/OS wait: no Admin Router or cluster checks */
	dd_event_cb on_event;
	void *userdata;
} dd_add_nodes_opts;

/* Makes the new nodes as create made the cluster's (its image, network,
 * volumes, labels, limits, storage driver: from <workspace>/create.json),
 * named after the highest index of their role, with the next free
 * addresses of the network, in parallel and ready as create's are. On a
 * cluster with DC/OS installed, installs it on them (dcos_install.sh from
 * the cluster's genconf/serve) and waits until they are healthy. Records
 * the new shape. Any failure or dd_cancelled(): the new nodes are removed,
 * the rest of the cluster untouched. Usage errors: the cluster does not
 * exist, masters asked for (DC/OS's master list is fixed at install), bad
 * counts. *ret: the cluster after; *ret_added: the new nodes' short names
 * (NULL-terminated, malloc'ed). */
int dd_cluster_add_nodes(dd_docker *d, const dd_add_nodes_opts *opts, dd_cluster **ret,
                         char ***ret_added, dd_error *err);

/* remove-node: removes the named agents and public agents (containers and
 * their volumes, their files in the workspace) and records the new shape.
 * Usage errors, with nothing removed: an unknown node, a master. */
int dd_cluster_remove_nodes(dd_docker *d, const char *name, const char *const *nodes, size_t n,
                            dd_event_cb on_event, void *userdata, dd_error *err);

#pragma GCC visibility pop
#endif
