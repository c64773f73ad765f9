/* Cooperative cancellation: long library operations poll it and roll back
 * what they made. Two sources: the process-wide flag (the CLI's signal
 * handler sets it; it cancels every operation) and dd_cancel tokens, one per
 * operation, for a library user who runs several at once. */
#ifndef DCOS_DOCKER_CANCEL_H
#define DCOS_DOCKER_CANCEL_H

#include <stdbool.h>

/* Exported by libdcos-docker (see error.h). */
#pragma GCC visibility push(default)

/* The process-wide flag. Async-signal-safe. */
void dd_cancel_request(int signo);
/* True when the process-wide flag is set, or the calling thread's token
 * (dd_cancel_bind) is cancelled. */
bool dd_cancelled(void);
/* The signal that set the process-wide flag, 0 if none (also when only a
 * token is cancelled: a stopped node command then gets SIGTERM). */
int dd_cancel_signal(void);

/* A token that cancels the operations run under it and nothing else. */
typedef struct dd_cancel dd_cancel;
dd_cancel *dd_cancel_new(void);
void dd_cancel_free(dd_cancel *c);
/* Cancels c's operations. Thread-safe and async-signal-safe: call it from
 * any thread while they run. Cannot be taken back. */
void dd_cancel_cancel(dd_cancel *c);
/* Binds c (NULL: none) to the calling thread: what the library does on this
 * thread from now on, and on the threads it starts for it, is cancelled by
 * c as well as by the process-wide flag. c must outlive the operations.
 * Returns the token bound before, to restore. */
dd_cancel *dd_cancel_bind(dd_cancel *c);
/* The calling thread's token, NULL if none: bind it in a thread of yours
 * that does part of the same operation. */
dd_cancel *dd_cancel_bound(void);

#pragma GCC visibility pop
#endif
