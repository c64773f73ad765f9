/* Running host programs (ssh-keygen, mmdebstrap, the installer) by argv, never through a shell. */
#ifndef DCOS_DOCKER_PROCESS_H
#define DCOS_DOCKER_PROCESS_H

#include <stdbool.h>
#include <stddef.h>

#include "dcos-docker/error.h"

/* Exported by libdcos-docker (see error.h). */
#pragma GCC visibility push(default)

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
