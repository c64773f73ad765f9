/* A small Docker Engine API client: HTTP/1.1 over the daemon's unix socket
 * (libcurl), JSON bodies (jansson). One dd_docker is one connection and must
 * not be used by two threads at once; open one per thread (cheap). The
 * requests themselves are internal (lib/docker/docker-internal.h). */
#ifndef DCOS_DOCKER_DOCKER_H
#define DCOS_DOCKER_DOCKER_H

#include "dcos-docker/error.h"

/* Exported by libdcos-docker (see error.h). */
#pragma GCC visibility push(default)

typedef struct dd_docker dd_docker;

/* host: "unix:///path" or a plain path; NULL means $DOCKER_HOST, else
 * /var/run/docker.sock. Non-unix DOCKER_HOST values are a usage error.
 * Does not contact the daemon (see dd_docker_ping). */
int dd_docker_open(const char *host, dd_docker **ret, dd_error *err);
/* A new connection to the same daemon, for another thread. */
int dd_docker_dup(const dd_docker *d, dd_docker **ret, dd_error *err);
void dd_docker_free(dd_docker *d);
static inline void dd_docker_freep(dd_docker **d)
{
	if (*d)
		dd_docker_free(*d);
}

/* Fails with a clear "cannot reach the Docker daemon at ..." error when no daemon answers. */
int dd_docker_ping(dd_docker *d, dd_error *err);

#pragma GCC visibility pop
#endif
