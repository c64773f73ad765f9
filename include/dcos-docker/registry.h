/* A private Docker registry on master1 that every node's Docker trusts: the
 * old dcos-docker's `make registry` (reference/dcos-docker.md, "Registry and
 * certs"), made per cluster. */
#ifndef DCOS_DOCKER_REGISTRY_H
#define DCOS_DOCKER_REGISTRY_H

#include <stddef.h>

#include "dcos-docker/cluster.h"
#include "dcos-docker/docker.h"
#include "dcos-docker/error.h"

/* Exported by libdcos-docker (see error.h). */
#pragma GCC visibility push(default)

/* The name every node resolves to master1 (an /etc/hosts line made at
 * create), and the registry's port there, as the old tool had them. */
#define DD_REGISTRY_HOST "registry.local"
#define DD_REGISTRY_PORT 5000
/* Where master1 keeps the CA, the server certificate and the images. */
#define DD_REGISTRY_NODE_DIR "/var/lib/dcos-docker/registry"

typedef struct dd_registry_result {
	char ip[48];        /* master1's: the registry is also <ip>:5000 */
	char ca_path[4200]; /* the CA certificate, on the host (in the workspace) */
	size_t n_nodes;     /* nodes that trust it */
	bool created;       /* a new CA was made (else the cluster's one was kept) */
} dd_registry_result;

/* Starts (or starts again) the registry on c's master1 and makes every
 * running node's Docker trust it: a CA and a server certificate for
 * registry.local and master1's IP are made on master1 the first time (and
 * kept afterwards, so a second run, e.g. after add-node, only hands the CA to
 * the new nodes), Debian's docker-registry serves TLS on port 5000 with its
 * images in DD_REGISTRY_NODE_DIR, and each node gets the CA as
 * /etc/docker/certs.d/{registry.local:5000,<ip>:5000}/ca.crt. The CA is also
 * copied into the workspace (res->ca_path) for the host's own Docker. A node
 * without the registry.local line (a cluster made before there was one) gets
 * it in /etc/hosts, where it lasts until the node restarts. master1 not
 * running: -EHOSTDOWN. on_event (may be NULL) gets each node when done. */
int dd_registry_start(dd_docker *d, const dd_cluster *c, dd_event_cb on_event, void *userdata,
                      dd_registry_result *res, dd_error *err);

#pragma GCC visibility pop
#endif
