/* The host's hosts file with names for a cluster's nodes (the old Makefile's
 * `make hosts`): m<N>.dcos, a<N>.dcos, p<N>.dcos. They go in a block of their
 * own, between "# BEGIN dcos-docker cluster NAME" and "# END ..." lines, so
 * that no other line of the file is ever touched (the old tool deleted every
 * line matching "\.dcos", the user's too). */
#ifndef DCOS_DOCKER_HOSTS_H
#define DCOS_DOCKER_HOSTS_H

#include <stdbool.h>

#include "dcos-docker/cluster.h"
#include "dcos-docker/error.h"

#pragma GCC visibility push(default)

#define DD_HOSTS_FILE "/etc/hosts"

typedef struct dd_hosts_result {
	bool changed; /* the file was written (false: it already was so) */
	int lines;    /* node lines in the cluster's block (0 after remove) */
	bool found;   /* remove: the cluster had a block */
	/* Another cluster's block that had to go: both use the same names, and
	 * only one can be right (the first such cluster; "" when none). */
	char replaced[DD_CLUSTER_NAME_MAX + 1];
	/* Lines outside any block that name one of ours (left as they are; the
	 * resolver may use them first). */
	int conflicts;
} dd_hosts_result;

/* Writes c's block into the hosts file at path (replacing an earlier one) or,
 * with remove, deletes it (c may then be a cluster that no longer exists:
 * only c->name is read). The file is written only when its text changes:
 * with rename when it can, else in place (a container's /etc/hosts is a bind
 * mount, which rename cannot replace). */
int dd_hosts_update(const char *path, const dd_cluster *c, bool remove, dd_hosts_result *ret,
                    dd_error *err);

#pragma GCC visibility pop
#endif
