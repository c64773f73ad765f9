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
	bool skip_http_checks; /* no Admin Router check, no cluster checks */
	/* DC/OS Enterprise: the superuser the cluster checks log in as (NULL:
	 * bootstrapuser, deleteme, as dd_install_opts has them). The password is
	 * only sent to the cluster's IAM, never reported. */
	const char *superuser_username;
	const char *superuser_password;
	/* Per node (container name), a short STATUS: "<stage>: <detail>  [<elapsed>s]",
	 * at most every poll; DONE once the node passed or gave up. */
	dd_event_cb on_event;
	void *userdata;
} dd_wait_opts;

/* Waits, on all nodes in parallel, until each passes in order: the
 * dcos-download and dcos-setup units exited successfully; the node-poststart
 * check (dcos-check-runner, else dcos-diagnostics, else 3dt); unless
 * skipped, Admin Router answers on the node's IP (port 80 on masters, 61001
 * on agents). Unless skipped, once every master passed, the cluster checks
 * of dcos-test-utils' wait_for_dcos through the first master's Admin Router,
 * in its order: on Enterprise, the superuser's login (over HTTPS, verified
 * with the cluster's CA, when the master's bootstrap-config.json has
 * ssl_enabled), whose token the checks after it send; Marathon, ZooKeeper
 * quorum (Exhibitor), Mesos agents, DC/OS components (dcos-diagnostics);
 * their progress goes to on_event as the node "cluster". A login the IAM
 * refuses (HTTP 400, 401, 403) fails at once (-EACCES), naming the user and
 * the answer. Returns 0 when every node and check passed. On timeout
 * (-ETIMEDOUT) the error names every node that did not pass, its stage and
 * the last output of that check, and the cluster check that did not pass
 * with its last answer. */
int dd_dcos_wait(dd_docker *d, const dd_cluster *c, const dd_wait_opts *opts, dd_error *err);

#pragma GCC visibility pop
#endif
