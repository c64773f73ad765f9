/* Internal: not installed. What exec.c (the exec API) and attach.c (its
 * upgraded connection) share. */
#ifndef DCOS_DOCKER_EXEC_INTERNAL_H
#define DCOS_DOCKER_EXEC_INTERNAL_H

#include "dcos-docker/exec.h"

/* Sets the TTY size of a running exec process (POST /exec/{id}/resize). */
int dd_exec_resize(dd_docker *d, const char *exec_id, unsigned rows, unsigned cols, dd_error *err);

/* Exec with stdin or a TTY, over the upgraded connection (attach.c). */
int dd_exec_interactive(dd_docker *d, const char *exec_id, const char *label,
                        const dd_exec_opts *opts, dd_error *err);

#endif
