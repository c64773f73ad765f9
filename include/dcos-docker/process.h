/* Running host programs (ssh-keygen, mmdebstrap, the installer) by argv, never through a shell. */
#ifndef DCOS_DOCKER_PROCESS_H
#define DCOS_DOCKER_PROCESS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "dcos-docker/error.h"

/* Exported by libdcos-docker (see error.h). */
#pragma GCC visibility push(default)

/* Starts argv[0] (searched in PATH) with stdin from /dev/null and stdout and
 * stderr on out_fd; nothing else is inherited (libcurl's daemon connections
 * are not close-on-exec, and mmdebstrap needs low descriptors free), signals
 * are back to their defaults, cwd and env are the caller's when NULL. With
 * own_pgroup the child leads a process group of its own, so a terminal's
 * Ctrl-C reaches only us and we decide how to stop it. */
int dd_process_spawn(const char *const *argv, const char *cwd, char *const *env, bool own_pgroup,
		     int out_fd, pid_t *ret_pid, dd_error *err);

/* Runs argv[0] (searched in PATH) with stdin from /dev/null and stdout+stderr
 * captured (at most max bytes; the tail is kept). *ret_status is the exit
 * code, or 128+signal. ret_output may be NULL. */
int dd_process_run(const char *const *argv, const char *cwd, size_t max, char **ret_output,
		   int *ret_status, dd_error *err);

/* dd_process_run with a deadline: after timeout_ms the program is killed and
 * the call fails with -ETIMEDOUT ("ARGV0 did not finish in N s"). */
int dd_process_run_timeout(const char *const *argv, const char *cwd, int timeout_ms, size_t max,
			   char **ret_output, int *ret_status, dd_error *err);

#pragma GCC visibility pop
#endif
