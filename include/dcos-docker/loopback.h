/* Loopback block devices for DC/OS storage tests (DC/OS E2E's
 * create-loopback-sidecar, destroy-loopback-sidecar, list-loopback-sidecars):
 * a sparse file attached to a free /dev/loopN, held by a small container of
 * the cluster's (its "sidecar"), and visible in every agent and public
 * agent as that same /dev/loopN. */
#ifndef DCOS_DOCKER_LOOPBACK_H
#define DCOS_DOCKER_LOOPBACK_H

#include <stddef.h>
#include <stdint.h>

#include "dcos-docker/cluster.h"
#include "dcos-docker/docker.h"
#include "dcos-docker/error.h"

/* Exported by libdcos-docker (see error.h). */
#pragma GCC visibility push(default)

/* The sidecar's label (its value: the loopback's name), next to the
 * cluster's: destroy and clean remove it with the cluster. */
#define DD_LABEL_LOOPBACK      "dcos-docker.loopback"
#define DD_LABEL_LOOPBACK_SIZE "dcos-docker.loopback-size"
/* E2E's default size, 256 MiB; at most 1 TiB (the file is sparse). */
#define DD_LOOPBACK_DEFAULT_SIZE (256ull << 20)
#define DD_LOOPBACK_MAX_SIZE     (1ull << 40)

typedef struct dd_loopback {
	char name[64];
	char device[32]; /* "/dev/loop8"; "" when the sidecar holds none (stopped) */
	uint64_t size;
	char container[160];
	char state[32]; /* the sidecar's: running, exited, ... */
} dd_loopback;

/* A new loopback device NAME of size bytes for cluster c: its sidecar
 * attaches a sparse file (in a volume of the cluster's) to a free loop
 * device, with the kernel's autoclear flag, and holds it open: the device
 * goes away with the sidecar, however the sidecar ends (a killed or removed
 * container leaves no loop device on the host). Every agent and public agent
 * gets the device node, also after it restarts. A name in use: -EEXIST
 * (usage error); no loop device free or none in the kernel: an error saying
 * so. *ret gets what was made. */
int dd_loopback_create(dd_docker *d, const dd_cluster *c, const char *name, uint64_t size,
                       dd_loopback *ret, dd_error *err);
/* Removes loopback NAME of cluster c: the sidecar and its file, and the
 * device node in the agents. Not there: -ENOENT (usage error). */
int dd_loopback_destroy(dd_docker *d, const dd_cluster *c, const char *name, dd_error *err);
/* The cluster's loopbacks, by name (*ret malloc'ed, may be NULL when *ret_n is 0). */
int dd_loopback_list(dd_docker *d, const char *cluster, dd_loopback **ret, size_t *ret_n,
                     dd_error *err);

/* "256M", "1G", "4096" (bytes) ...: K, M, G, T (powers of 1024), an
 * optional "iB"/"B"; between 1 MiB and DD_LOOPBACK_MAX_SIZE. */
int dd_loopback_parse_size(const char *s, uint64_t *ret, dd_error *err);

#pragma GCC visibility pop
#endif
