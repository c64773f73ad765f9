/* The bounded worker pool (see pool.h). */
#define _GNU_SOURCE
#include "pool.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <time.h>

#include "cancel-internal.h"
#include "dcos-docker/cancel.h"
#include "util.h"

#define TICK_NS (200 * 1000000L)

struct pool_run {
	const dd_pool *p;
	int *results;
	/* The next job to hand out: min(next, n) jobs were handed out, since
	 * cancellation is checked before it moves. */
	atomic_size_t next;
};

static dd_pool_docker *docker_new(const dd_docker *parent)
{
	dd_pool_docker *w = dd_malloc0(sizeof(*w));
	w->r = dd_docker_dup(parent, &w->d, &w->err);
	if (w->r < 0)
		w->d = NULL;
	return w;
}

static void docker_free(dd_pool_docker *w)
{
	dd_docker_free(w->d);
	free(w);
}

static void *worker(void *arg)
{
	struct pool_run *run = arg;
	const dd_pool *p = run->p;
	void *state = NULL;
	bool have_state = false;
	size_t i;
	while ((p->run_all || !dd_cancelled()) && (i = atomic_fetch_add(&run->next, 1)) < p->n) {
		if (!have_state && p->docker)
			state = docker_new(p->docker);
		else if (!have_state && p->state_new)
			state = p->state_new(p->state_arg);
		have_state = true;
		int r = p->job(p->userdata, i, state);
		if (run->results)
			run->results[i] = r;
	}
	if (have_state && p->docker)
		docker_free(state);
	else if (have_state && p->state_free)
		p->state_free(state);
	return NULL;
}

/* Joins t, calling tick about every TICK_NS meanwhile. */
static void join(const dd_pool *p, pthread_t t)
{
	for (;;) {
		if (!p->tick) {
			pthread_join(t, NULL);
			return;
		}
		p->tick(p->userdata);
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_nsec += TICK_NS;
		if (ts.tv_nsec >= 1000000000L) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000L;
		}
		if (pthread_timedjoin_np(t, NULL, &ts) != ETIMEDOUT)
			return;
	}
}

int dd_pool_run(const dd_pool *p, int *results)
{
	if (p->n == 0)
		return 0;
	struct pool_run run = {.p = p, .results = results};
	atomic_init(&run.next, 0);
	size_t cap = p->cap ? p->cap : DD_POOL_DEFAULT_CAP;
	size_t nthreads = p->n < cap ? p->n : cap;
	_cleanup_free_ pthread_t *threads = dd_malloc0(nthreads * sizeof(*threads));
	size_t started = 0;
	for (; started < nthreads; started++)
		if (dd_thread_create(&threads[started], worker, &run) != 0)
			break;
	if (started == 0)
		worker(&run); /* no thread at all: the jobs still run, one by one */
	for (size_t t = 0; t < started; t++)
		join(p, threads[t]);

	size_t handed = atomic_load(&run.next);
	for (size_t i = handed; i < p->n; i++) {
		if (results)
			results[i] = -ECANCELED;
		if (p->skipped)
			p->skipped(p->userdata, i);
	}
	return handed >= p->n ? 0 : -ECANCELED;
}

int dd_pool_first_failure(const int *results, dd_error *errs, size_t n, size_t *ret_first,
                          size_t *ret_failed, dd_error *err)
{
	int ret = 0;
	*ret_first = 0;
	*ret_failed = 0;
	for (size_t i = 0; i < n; i++) {
		if (results[i] < 0 && (*ret_failed)++ == 0) {
			ret = results[i];
			*ret_first = i;
			dd_error_copy(err, &errs[i]);
		}
		dd_error_clear(&errs[i]);
	}
	return ret;
}
