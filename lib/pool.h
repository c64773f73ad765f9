/* The one bounded parallel helper for per-node operations: n jobs on at most
 * cap threads, each thread with optional state of its own (usually its own
 * daemon connection), handing out no new job once the operation is
 * cancelled. Internal to the library and the CLI. */
#ifndef DCOS_DOCKER_POOL_H
#define DCOS_DOCKER_POOL_H

#include <stdbool.h>
#include <stddef.h>

#include "dcos-docker/docker.h"
#include "dcos-docker/error.h"

/* Threads per operation unless the caller says otherwise: enough to overlap
 * the daemon's and the nodes' latency, few enough that a large cluster does
 * not open a thread and a daemon connection per node. */
#define DD_POOL_DEFAULT_CAP 8

typedef struct dd_pool {
	size_t n;   /* jobs 0..n-1 */
	size_t cap; /* most threads at once; 0: DD_POOL_DEFAULT_CAP */
	/* Hand out every job even after cancellation: for the cleanup that a
	 * cancellation itself starts (destroy, rollback). */
	bool run_all;
	/* Runs job i with its worker's state; returns 0 or a negative errno. */
	int (*job)(void *userdata, size_t i, void *state);
	void *userdata;
	/* Optional: each worker's state is a dd_pool_docker with a connection
	 * of its own to this daemon (most jobs need one). */
	const dd_docker *docker;
	/* Else optional: makes a worker's state on its thread before its first
	 * job (a worker that gets no job makes none); state_free gets it after
	 * the worker's last job. */
	void *(*state_new)(void *state_arg);
	void (*state_free)(void *state);
	void *state_arg;
	/* Optional: called on the calling thread about every 200 ms while the
	 * workers run, for what must happen beside them (stopping remote work on
	 * cancellation). Not called when the jobs had to run on the calling
	 * thread itself. */
	void (*tick)(void *userdata);
	/* Optional: called on the calling thread, in index order, for each job
	 * never handed out because of a cancellation, so that it can be reported
	 * like the jobs that were interrupted. */
	void (*skipped)(void *userdata, size_t i);
} dd_pool;

/* Runs the jobs and returns when every job handed out is done. Jobs start in
 * index order. When thread creation fails the jobs run on the threads there
 * are, or on the calling thread: none is lost. results (n ints, may be NULL)
 * gets each job's return value, -ECANCELED for a job never handed out
 * because dd_cancelled() (unless run_all). Returns -ECANCELED when a job was
 * not handed out, else 0. */
int dd_pool_run(const dd_pool *p, int *results);

/* After dd_pool_run, for jobs that each fill errs[i]: returns the first
 * failed job's code (0 when none failed), with its index in *ret_first and
 * its error copied into err; *ret_failed counts the failures. Every errs[i]
 * is cleared. */
int dd_pool_first_failure(const int *results, dd_error *errs, size_t n, size_t *ret_first,
                          size_t *ret_failed, dd_error *err);

/* The worker state with .docker. */
typedef struct dd_pool_docker {
	dd_docker *d; /* NULL when the dup failed: r and err say why */
	int r;
	dd_error err;
} dd_pool_docker;

/* A job's connection; NULL when its worker has none, the reason then in
 * *ret_r and err. */
static inline dd_docker *dd_pool_docker_get(void *state, int *ret_r, dd_error *err)
{
	dd_pool_docker *w = state;
	if (!w->d) {
		*ret_r = w->r;
		dd_error_copy(err, &w->err);
	}
	return w->d;
}

#endif
