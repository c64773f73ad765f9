/* The one runner of host programs (fork/exec, never a shell) with every
 * option its callers need; dd_process_run is the simple case of it.
 * Internal: not installed. */
#ifndef DCOS_DOCKER_PROCESS_INTERNAL_H
#define DCOS_DOCKER_PROCESS_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"
#include "dcos-docker/error.h"

/* Runs argv[0] (searched in PATH) with stdin from /dev/null and stdout+stderr
 * captured (at most max bytes; the tail is kept). *ret_status is the exit
 * code, or 128+signal. ret_output may be NULL. */
int dd_process_run(const char *const *argv, const char *cwd, size_t max, char **ret_output,
                   int *ret_status, dd_error *err);

/* dd_process_run with a deadline: after timeout_ms the program is killed and
 * the call fails with -ETIMEDOUT ("ARGV0 did not finish in N s"). */
int dd_process_run_timeout(const char *const *argv, const char *cwd, int timeout_ms, size_t max,
                           char **ret_output, int *ret_status, dd_error *err);

/* Longer lines reach on_line in pieces of this many bytes. */
#define DD_PROCESS_LINE_MAX 4096

typedef struct dd_process_opts {
	const char *const *argv; /* argv[0] is searched in PATH */
	const char *cwd;         /* NULL: ours */
	char *const *env;        /* NULL: ours */
	/* The child leads a process group of its own, so a terminal's Ctrl-C
	 * reaches only us; a cancellation (dd_cancelled()) then stops the whole
	 * group: SIGTERM, and SIGKILL once the leader exited or after
	 * term_grace_ms (default 5 s). The call fails with -ECANCELED. */
	bool own_pgroup;
	int term_grace_ms;
	int timeout_ms; /* > 0: killed after that long; fails with -ETIMEDOUT */
	/* Each line of output (stdout and stderr merged), without its "\n"
	 * or "\r\n" (see dd_buf_lines). */
	void (*on_line)(const char *line, void *userdata);
	void *userdata;
	dd_buf *output; /* optional: all output is added to it (a tail buffer keeps the end) */
} dd_process_opts;

/* Our environment with changes: "NAME=value" sets NAME, a bare "NAME"
 * removes it. For dd_process_opts.env; free with strvfreep. */
char **dd_process_env(const char *const *changes);

/* Runs o->argv with stdin from /dev/null until it exits and its output is
 * closed; *ret_wait_status is waitpid's status. */
int dd_process_exec(const dd_process_opts *o, int *ret_wait_status, dd_error *err);

#endif
