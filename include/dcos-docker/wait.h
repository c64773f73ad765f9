/* Waiting until DC/OS on a cluster's nodes is healthy (after install). */
#ifndef DCOS_DOCKER_WAIT_H
#define DCOS_DOCKER_WAIT_H

#include <stdbool.h>

#include "dcos-docker/cluster.h"
#include "dcos-docker/docker.h"
#include "dcos-docker/error.h"

/* Exported by libdcos-docker (see error.h). */
#pragma GCC visibility push(default)

/* What `wait` allows DC/OS by default, as the original postflight did. */
#define DD_DCOS_WAIT_DEFAULT_TIMEOUT 900

typedef struct dd_wait_opts {
	double timeout;        /* seconds; <= 0: DD_DCOS_WAIT_DEFAULT_TIMEOUT */
	bool skip_http_checks; /* no Admin Router check */
	/* Per node (container name), a short status: "<stage>: <detail>  [<elapsed>s]",
	 * at most every poll; done is true once the node passed or gave up. */
	dd_progress_cb progress;
	void *userdata;
} dd_wait_opts;

/* Waits, on all nodes in parallel, until each passes in order: the
 * dcos-download and dcos-setup units exited successfully; the node-poststart
 * check (dcos-check-runner, else dcos-diagnostics, else 3dt); unless
 * skipped, Admin Router answers on the node's IP (port 80 on masters, 61001
 * on agents). Returns 0 when every node passed. On timeout (-ETIMEDOUT) the
 * error names every node that did not pass, its stage and the last output of
 * that check. */
int dd_dcos_wait(dd_docker *d, const dd_cluster *c, const dd_wait_opts *opts, dd_error *err);

#pragma GCC visibility pop
#endif
