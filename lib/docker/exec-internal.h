/* Internal: not installed. What exec.c (the exec API) and attach.c (its
 * upgraded connection) share. */
#ifndef DCOS_DOCKER_EXEC_INTERNAL_H
#define DCOS_DOCKER_EXEC_INTERNAL_H

#include <jansson.h>
#include <stdbool.h>

#include "dcos-docker/exec.h"

/* GET /exec/{id}/json: whether the process runs and its Pid (a pid of the
 * daemon's host, 0 while it never started); *ret_info (may be NULL) gets the
 * whole answer. */
int dd_exec_inspect(dd_docker *d, const char *exec_id, bool *ret_running, long *ret_pid,
                    json_t **ret_info, dd_error *err);

/* Sets the TTY size of a running exec process (POST /exec/{id}/resize). */
int dd_exec_resize(dd_docker *d, const char *exec_id, unsigned rows, unsigned cols, dd_error *err);

/* Exec with stdin or a TTY, over the upgraded connection (attach.c). */
int dd_exec_interactive(dd_docker *d, const char *exec_id, const char *label,
                        const dd_exec_opts *opts, dd_error *err);

#endif
