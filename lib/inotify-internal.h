/* The host's inotify instance limit, which bounds how many nodes can boot.
 * Internal: not installed. */
#ifndef DCOS_DOCKER_INOTIFY_INTERNAL_H
#define DCOS_DOCKER_INOTIFY_INTERNAL_H

#include <stddef.h>

#include "dcos-docker/error.h"

/* Measured in a node of our image (systemd 252): its systemd holds 3 inotify
 * instances once booted, and the inner dockerd 2 more once it runs (DC/OS
 * starts it; its own services take more). Every node's processes run as
 * root without a user namespace, so all nodes of all clusters draw on root's
 * one fs.inotify.max_user_instances (128 on Debian and most distributions:
 * about 40 bare nodes). Past it, a node's systemd exits at once with "Failed
 * to allocate manager object: Too many open files". */
#define DD_NODE_INOTIFY_BOOT   3
#define DD_NODE_INOTIFY_DOCKER 2

typedef struct dd_inotify_usage {
	long max;  /* /proc/sys/fs/inotify/max_user_instances */
	long used; /* inotify descriptors open in root's processes (an upper bound:
	              a descriptor inherited across fork counts twice) */
} dd_inotify_usage;
/* -errno when the limit cannot be read (then nothing is known). */
int dd_inotify_usage_get(dd_inotify_usage *ret);
/* The value to suggest for a host that should hold new_nodes more nodes
 * with their Docker: a power of two, at least 512 (kind's advice too). */
long dd_inotify_suggest(const dd_inotify_usage *u, size_t new_nodes);
/* Refuses (-EMFILE, with the sysctl to raise it in the hint) when booting
 * new_nodes more nodes would pass the limit. An unreadable limit is no
 * refusal: the boot then says what is wrong. */
int dd_inotify_check(size_t new_nodes, dd_error *err);

#endif
