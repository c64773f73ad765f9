/* The bounded worker pool (see pool.h). */
#include "pool.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <time.h>

#include "dcos-docker/cancel.h"
#include "util.h"

struct pool_run {
	const dd_pool *p;
	int *results;
	/* The next job to hand out; it only grows past n when workers race at
	 * the end, so min(next, n) jobs were handed out. */
	atomic_size_t next;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	size_t finished; /* under lock: workers done */
};

/* Cancellation is checked before the counter moves, so a job that was not
 * handed out stays at or after min(next, n). */
static bool take(struct pool_run *run, size_t *ret)
{
	if (!run->p->run_all && dd_cancelled())
		return false;
	size_t i = atomic_fetch_add(&run->next, 1);
	if (i >= run->p->n)
		return false;
	*ret = i;
	return true;
}

static void *worker(void *arg)
{
	struct pool_run *run = arg;
	const dd_pool *p = run->p;
	void *state = NULL;
	bool have_state = false;
	size_t i;
	while (take(run, &i)) {
		if (!have_state && p->state_new)
			state = p->state_new(p->state_arg);
		have_state = true;
		int r = p->job(p->userdata, i, state);
		if (run->results)
			run->results[i] = r;
	}
	if (have_state && p->state_free)
		p->state_free(state);
	pthread_mutex_lock(&run->lock);
	run->finished++;
	pthread_cond_signal(&run->cond);
	pthread_mutex_unlock(&run->lock);
	return NULL;
}

/* Calls tick about every tick_ms until all started workers are done. */
static void tick_until_done(struct pool_run *run, size_t started)
{
	const dd_pool *p = run->p;
	long ms = p->tick_ms ? (long)p->tick_ms : 200;
	pthread_mutex_lock(&run->lock);
	while (run->finished < started) {
		pthread_mutex_unlock(&run->lock);
		p->tick(p->userdata);
		pthread_mutex_lock(&run->lock);
		if (run->finished >= started)
			break;
		struct timespec ts;
		clock_gettime(CLOCK_MONOTONIC, &ts);
		ts.tv_sec += ms / 1000;
		ts.tv_nsec += (ms % 1000) * 1000000L;
		if (ts.tv_nsec >= 1000000000L) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000L;
		}
		pthread_cond_timedwait(&run->cond, &run->lock, &ts);
	}
	pthread_mutex_unlock(&run->lock);
}

int dd_pool_run(const dd_pool *p, int *results)
{
	if (p->n == 0)
		return 0;
	struct pool_run run = {.p = p, .results = results};
	atomic_init(&run.next, 0);
	pthread_mutex_init(&run.lock, NULL);
	pthread_condattr_t ca;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&run.cond, &ca);
	pthread_condattr_destroy(&ca);

	size_t cap = p->cap ? p->cap : DD_POOL_DEFAULT_CAP;
	size_t nthreads = p->n < cap ? p->n : cap;
	_cleanup_free_ pthread_t *threads = dd_malloc0(nthreads * sizeof(*threads));
	size_t started = 0;
	for (; started < nthreads; started++)
		if (pthread_create(&threads[started], NULL, worker, &run) != 0)
			break;
	if (started == 0)
		worker(&run); /* no thread at all: the jobs still run, one by one */
	else if (p->tick)
		tick_until_done(&run, started);
	for (size_t t = 0; t < started; t++)
		pthread_join(threads[t], NULL);
	pthread_cond_destroy(&run.cond);
	pthread_mutex_destroy(&run.lock);

	size_t handed = atomic_load(&run.next);
	if (handed >= p->n)
		return 0;
	for (size_t i = handed; i < p->n; i++) {
		if (results)
			results[i] = -ECANCELED;
		if (p->skipped)
			p->skipped(p->userdata, i);
	}
	return -ECANCELED;
}

void *dd_pool_docker_new(void *parent)
{
	dd_pool_docker *w = dd_malloc0(sizeof(*w));
	w->r = dd_docker_dup(parent, &w->d, &w->err);
	if (w->r < 0)
		w->d = NULL;
	return w;
}

void dd_pool_docker_free(void *state)
{
	dd_pool_docker *w = state;
	dd_docker_free(w->d);
	free(w);
}
