/* Cancellation (see cancel.h). */
#define _GNU_SOURCE
#include "dcos-docker/cancel.h"

#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>

#include "cancel-internal.h"
#include "util.h"

static volatile sig_atomic_t cancel_signal;

struct dd_cancel {
	atomic_bool cancelled;
};
_Static_assert(ATOMIC_BOOL_LOCK_FREE == 2, "dd_cancel_cancel is async-signal-safe when lock-free");

/* Per thread: an operation runs on its caller's thread and on the threads
 * the library starts for it (dd_thread_create), so that is where its token
 * is found without passing it through every call. */
static _Thread_local dd_cancel *bound;

void dd_cancel_request(int signo)
{
	cancel_signal = signo ? signo : -1;
}
bool dd_cancelled(void)
{
	return cancel_signal != 0 || (bound && atomic_load(&bound->cancelled));
}
int dd_cancel_signal(void)
{
	return cancel_signal > 0 ? cancel_signal : 0;
}

dd_cancel *dd_cancel_new(void)
{
	dd_cancel *c = dd_malloc0(sizeof(*c));
	atomic_init(&c->cancelled, false);
	return c;
}
void dd_cancel_free(dd_cancel *c)
{
	free(c);
}
void dd_cancel_cancel(dd_cancel *c)
{
	atomic_store(&c->cancelled, true);
}
dd_cancel *dd_cancel_bind(dd_cancel *c)
{
	dd_cancel *prev = bound;
	bound = c;
	return prev;
}
dd_cancel *dd_cancel_bound(void)
{
	return bound;
}

struct thread_start {
	void *(*fn)(void *);
	void *arg;
	dd_cancel *cancel;
};

static void *thread_main(void *arg)
{
	struct thread_start s = *(struct thread_start *)arg;
	free(arg);
	bound = s.cancel;
	return s.fn(s.arg);
}

int dd_thread_create(pthread_t *ret, void *(*fn)(void *), void *arg)
{
	struct thread_start *s = dd_malloc0(sizeof(*s));
	*s = (struct thread_start){.fn = fn, .arg = arg, .cancel = bound};
	int r = pthread_create(ret, NULL, thread_main, s);
	if (r != 0)
		free(s);
	return r;
}
