/* Creating a cluster: its network and nodes (lib/create.c). */
#ifndef DCOS_DOCKER_CREATE_H
#define DCOS_DOCKER_CREATE_H

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
	dd_progress_cb progress;
	void *userdata;
} dd_create_opts;

/* The checks of user input that need no daemon: name, counts, storage driver. */
int dd_create_opts_check(const dd_create_opts *opts, dd_error *err);

/* Validates everything it can before touching anything (usage errors), then
 * creates the network, the nodes in parallel and waits until each is ready.
 * On any failure, and when dd_cancelled() turns true, removes everything it
 * made and returns an error. */
int dd_cluster_create(dd_docker *d, const dd_create_opts *opts, dd_cluster **ret, dd_error *err);

#pragma GCC visibility pop
#endif
