/* Internal: not installed. A node's boot, waited for (node-boot.c). */
#ifndef DCOS_DOCKER_NODE_BOOT_INTERNAL_H
#define DCOS_DOCKER_NODE_BOOT_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>

#include "dcos-docker/docker.h"
#include "dcos-docker/error.h"

#define DD_BOOT_DEFAULT_TIMEOUT 120.0

/* Binds <node_dir>/notify/notify.sock, which the node sees as its
 * NOTIFY_SOCKET (node-spec.c): bind it before the container starts. */
int dd_node_notify_bind(const char *node_dir, int *ret_fd, dd_error *err);
/* Closes fd (if >= 0) and removes the socket file. */
void dd_node_notify_close(const char *node_dir, int fd);

typedef struct dd_boot_wait {
	const char *id; /* the container */
	const char *ip; /* sshd is checked there */
	int notify_fd;  /* dd_node_notify_bind's socket */
	double timeout; /* seconds; <= 0: DD_BOOT_DEFAULT_TIMEOUT */
	/* Polled: true ends the wait with -ECANCELED. NULL: dd_cancelled(). */
	bool (*should_stop)(void *userdata);
	void *userdata;
} dd_boot_wait;

/* Waits until the started node reports ready (or, for an image that does
 * not report, systemctl says it booted), its inner Docker socket listens
 * and sshd answers on ip:22. ret_status: "ready" or "ready (degraded: UNITS
 * failed)". Errors: the container stopped while booting, a timeout (with
 * the console's last lines), -ECANCELED. */
int dd_node_boot_wait(dd_docker *d, const dd_boot_wait *w, char *ret_status, size_t status_size,
                      dd_error *err);

#endif
