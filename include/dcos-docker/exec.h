/* Running commands in node containers through the Docker exec API. */
#ifndef DCOS_DOCKER_EXEC_H
#define DCOS_DOCKER_EXEC_H

#include <stdbool.h>
#include <stddef.h>

#include "dcos-docker/docker.h"
#include "dcos-docker/error.h"

typedef struct dd_exec_opts {
	const char *const *argv; /* NULL-terminated; passed as argv, never through a shell */
	const char *const *env;  /* NULL-terminated K=V list, or NULL */
	const char *user;        /* NULL: root */
	const char *workdir;     /* NULL: the container's */
	bool tty;
	int stdin_fd; /* -1: no stdin; otherwise copied to the process until EOF (hijacked connection) */
	/* Output callbacks: stream is DD_STREAM_STDOUT or DD_STREAM_STDERR (with a TTY, all is stdout). */
	dd_demux_cb on_output;
	void *userdata;
	long timeout_ms; /* 0: none */
} dd_exec_opts;

/* Runs the command, streaming its output, and returns its exit code in
 * *ret_exit_code (128+N when killed by signal N, as a shell reports it). */
int dd_exec(dd_docker *d, const char *container, const dd_exec_opts *opts, int *ret_exit_code,
	    dd_error *err);

/* Convenience: runs argv and captures stdout and stderr (each capped at max bytes). */
int dd_exec_capture(dd_docker *d, const char *container, const char *const *argv, size_t max,
		    char **ret_stdout, char **ret_stderr, int *ret_exit_code, dd_error *err);

#endif
