/* Internal: not installed. */
/* Threads of an operation share its cancellation (cancel.h). */
#ifndef DCOS_DOCKER_CANCEL_INTERNAL_H
#define DCOS_DOCKER_CANCEL_INTERNAL_H

#include <pthread.h>

/* pthread_create with default attributes, the new thread bound to the
 * caller's dd_cancel token: every thread the library starts for an
 * operation is started with it. Returns 0 or pthread_create's error. */
int dd_thread_create(pthread_t *ret, void *(*fn)(void *), void *arg);

#endif
