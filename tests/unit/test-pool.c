/* The worker pool (lib/pool.c): the cap, every job exactly once with its
 * result at its index, per-worker state made once per worker on its own
 * thread, tick and skipped on the calling thread, the edge counts, and no new
 * job after cancellation. Workers only count: cmocka's asserts must run on
 * the main thread. */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "dcos-docker/cancel.h"
#include "pool.h"
#include "util.h"

#define MAX_JOBS 64

static struct t {
	atomic_int calls[MAX_JOBS];
	atomic_int running, max_running, states_made, states_freed;
	atomic_int
	    off_thread; /* a job saw another thread's state, a tick or skip ran off the caller */
	atomic_int ticks;
	int skipped[MAX_JOBS]; /* order of the skipped calls, 1-based */
	int n_skipped;
	pthread_t caller;
	unsigned sleep_us;
	long cancel_at; /* the job that requests cancellation; -1: none */
	int results[MAX_JOBS];
} t;

static void *state_new(void *arg)
{
	(void)arg;
	t.states_made++;
	pthread_t *s = dd_malloc0(sizeof(*s));
	*s = pthread_self();
	return s;
}

static void state_free(void *s)
{
	t.states_freed++;
	free(s);
}

static int job(void *userdata, size_t i, void *state)
{
	(void)userdata;
	int now = ++t.running, max = t.max_running;
	while (now > max && !atomic_compare_exchange_weak(&t.max_running, &max, now))
		;
	t.calls[i]++;
	if (state && !pthread_equal(*(pthread_t *)state, pthread_self()))
		t.off_thread++;
	if ((long)i == t.cancel_at)
		dd_cancel_request(SIGINT);
	usleep(t.sleep_us);
	t.running--;
	return -(int)i - 1;
}

static void on_caller(void)
{
	if (!pthread_equal(t.caller, pthread_self()))
		t.off_thread++;
}

static void tick(void *userdata)
{
	(void)userdata;
	on_caller();
	t.ticks++;
}

static void skipped(void *userdata, size_t i)
{
	(void)userdata;
	on_caller();
	t.skipped[i] = ++t.n_skipped;
}

static dd_pool fresh(size_t n, size_t cap, unsigned sleep_us)
{
	memset(&t, 0, sizeof(t));
	t.sleep_us = sleep_us;
	t.cancel_at = -1;
	t.caller = pthread_self();
	return (dd_pool){.n = n,
	                 .cap = cap,
	                 .job = job,
	                 .state_new = state_new,
	                 .state_free = state_free,
	                 .skipped = skipped};
}

/* Jobs 0..ran-1 ran once each with their results, no other did. */
static void assert_ran(size_t n, size_t ran)
{
	for (size_t i = 0; i < MAX_JOBS; i++)
		assert_int_equal(t.calls[i], i < ran);
	for (size_t i = 0; i < ran; i++)
		assert_int_equal(t.results[i], -(int)i - 1);
	for (size_t i = ran; i < n; i++)
		assert_int_equal(t.results[i], -ECANCELED);
	assert_int_equal(t.off_thread, 0);
	assert_int_equal(t.states_freed, t.states_made);
}

static void test_cap(void **state)
{
	(void)state;
	dd_pool p = fresh(24, 3, 20000);
	assert_int_equal(dd_pool_run(&p, t.results), 0);
	assert_ran(24, 24);
	assert_true(t.max_running <= 3 && t.max_running >= 2); /* bounded, and parallel */
	assert_true(t.states_made >= 1 && t.states_made <= 3); /* once per worker */

	p = fresh(MAX_JOBS, 0, 5000);
	assert_int_equal(dd_pool_run(&p, t.results), 0);
	assert_ran(MAX_JOBS, MAX_JOBS);
	assert_true(t.max_running <= DD_POOL_DEFAULT_CAP);
	assert_true(t.states_made <= DD_POOL_DEFAULT_CAP);
}

static void test_counts(void **state)
{
	(void)state;
	dd_pool p = fresh(0, 4, 0);
	assert_int_equal(dd_pool_run(&p, t.results), 0);
	assert_ran(0, 0);
	assert_int_equal(t.states_made, 0);

	p = fresh(1, 4, 0);
	assert_int_equal(dd_pool_run(&p, t.results), 0);
	assert_ran(1, 1);
	assert_int_equal(t.states_made, 1);

	p = fresh(3, 16, 10000); /* cap > n: never more workers than jobs */
	assert_int_equal(dd_pool_run(&p, NULL), 0);
	assert_true(t.max_running <= 3 && t.states_made <= 3);

	p = fresh(40, 5, 0); /* no state at all */
	p.state_new = NULL;
	p.state_free = NULL;
	assert_int_equal(dd_pool_run(&p, t.results), 0);
	assert_ran(40, 40);
}

static dd_docker *conns[MAX_JOBS];

static int docker_job(void *userdata, size_t i, void *state)
{
	int r = 0;
	conns[i] = dd_pool_docker_get(state, &r, NULL);
	return job(userdata, i, NULL);
}

static void test_docker_per_worker(void **state)
{
	(void)state;
	_cleanup_(dd_docker_freep) dd_docker *d = NULL;
	assert_int_equal(dd_docker_open("/nonexistent/docker.sock", &d, NULL), 0);
	dd_pool p = fresh(20, 3, 2000);
	p.job = docker_job;
	p.docker = d;
	assert_int_equal(dd_pool_run(&p, t.results), 0);
	assert_ran(20, 20);
	size_t distinct = 0;
	for (size_t i = 0; i < 20; i++) {
		assert_non_null(conns[i]);
		assert_ptr_not_equal(conns[i], d);
		bool seen = false;
		for (size_t k = 0; k < i; k++)
			seen = seen || conns[k] == conns[i];
		distinct += !seen;
	}
	assert_true(distinct >= 1 && distinct <= 3); /* one connection per worker, not per job */
}

static void test_tick(void **state)
{
	(void)state;
	dd_pool p = fresh(4, 2, 250000);
	p.tick = tick;
	assert_int_equal(dd_pool_run(&p, t.results), 0);
	assert_ran(4, 4);
	assert_true(t.ticks >= 2);
}

/* Last: the process-wide cancel flag cannot be taken back. */
static void test_cancel(void **state)
{
	(void)state;
	dd_pool p = fresh(10, 1, 0); /* one worker: jobs go strictly in order */
	t.cancel_at = 2;
	assert_int_equal(dd_pool_run(&p, t.results), -ECANCELED);
	assert_ran(10, 3);
	for (int i = 0; i < 10; i++) /* each once, in index order */
		assert_int_equal(t.skipped[i], i < 3 ? 0 : i - 2);

	p = fresh(5, 3, 0); /* already cancelled: nothing runs, each job is reported */
	assert_int_equal(dd_pool_run(&p, t.results), -ECANCELED);
	assert_ran(5, 0);
	assert_int_equal(t.n_skipped, 5);
	assert_int_equal(t.states_made, 0);

	p = fresh(5, 3, 0); /* the cleanup after a cancellation runs to the end */
	p.run_all = true;
	assert_int_equal(dd_pool_run(&p, t.results), 0);
	assert_ran(5, 5);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_cap),
	    cmocka_unit_test(test_counts),
	    cmocka_unit_test(test_docker_per_worker),
	    cmocka_unit_test(test_tick),
	    cmocka_unit_test(test_cancel),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
