/* Cooperative cancellation: the CLI's signal handler requests it, long
 * library operations poll it and roll back what they made. */
#ifndef DCOS_DOCKER_CANCEL_H
#define DCOS_DOCKER_CANCEL_H

#include <stdbool.h>

/* Exported by libdcos-docker (see error.h). */
#pragma GCC visibility push(default)

/* Async-signal-safe. */
void dd_cancel_request(int signo);
bool dd_cancelled(void);
/* The signal that requested cancellation, 0 if none. */
int dd_cancel_signal(void);

#pragma GCC visibility pop
#endif
