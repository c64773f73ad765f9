/* The worker pool (lib/pool.c): the cap, every job exactly once with its
 * result at its index, per-worker state made once per worker on the worker's
 * own thread, the tick on the calling thread, the edge counts, and no new job
 * after cancellation. Checks run on the main thread: cmocka's asserts must
 * not fire in a worker. */
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

struct t;
struct state {
	struct t *t;
	pthread_t thread;
	atomic_int jobs;
};

struct t {
	atomic_int calls[MAX_JOBS];
	atomic_int running, max_running;
	atomic_int states_made, states_freed;
	atomic_int wrong_thread; /* a job saw another worker's state */
	atomic_int ticks;
	int skipped[MAX_JOBS]; /* order of the skipped calls, 1-based; on the caller */
	int n_skipped;
	pthread_t caller;
	atomic_int tick_off_caller;
	unsigned sleep_us;
	int cancel_at; /* job that requests cancellation; -1: none */
};

static void *state_new(void *arg)
{
	struct t *t = arg;
	atomic_fetch_add(&t->states_made, 1);
	struct state *s = dd_malloc0(sizeof(*s));
	s->t = t;
	s->thread = pthread_self();
	return s;
}

static void state_free(void *p)
{
	struct state *s = p;
	atomic_fetch_add(&s->t->states_freed, 1);
	free(s);
}

static int job(void *userdata, size_t i, void *state)
{
	struct t *t = userdata;
	int now = atomic_fetch_add(&t->running, 1) + 1;
	int max = atomic_load(&t->max_running);
	while (now > max && !atomic_compare_exchange_weak(&t->max_running, &max, now))
		;
	atomic_fetch_add(&t->calls[i], 1);
	struct state *s = state;
	if (s) {
		if (!pthread_equal(s->thread, pthread_self()))
			atomic_fetch_add(&t->wrong_thread, 1);
		atomic_fetch_add(&s->jobs, 1);
	}
	if (t->cancel_at >= 0 && (size_t)t->cancel_at == i)
		dd_cancel_request(SIGINT);
	if (t->sleep_us)
		usleep(t->sleep_us);
	atomic_fetch_sub(&t->running, 1);
	return -(int)i - 1;
}

static void tick(void *userdata)
{
	struct t *t = userdata;
	atomic_fetch_add(&t->ticks, 1);
	if (!pthread_equal(t->caller, pthread_self()))
		atomic_fetch_add(&t->tick_off_caller, 1);
}

static void skipped(void *userdata, size_t i)
{
	struct t *t = userdata;
	if (!pthread_equal(t->caller, pthread_self()))
		t->tick_off_caller++;
	t->skipped[i] = ++t->n_skipped;
}

static struct t *fresh(unsigned sleep_us)
{
	static struct t t;
	memset(&t, 0, sizeof(t));
	t.sleep_us = sleep_us;
	t.cancel_at = -1;
	t.caller = pthread_self();
	return &t;
}

static dd_pool pool(struct t *t, size_t n, size_t cap)
{
	return (dd_pool){.n = n,
	                 .cap = cap,
	                 .job = job,
	                 .userdata = t,
	                 .state_new = state_new,
	                 .state_free = state_free,
	                 .state_arg = t};
}

static void assert_each_once(const struct t *t, size_t n)
{
	for (size_t i = 0; i < n; i++)
		assert_int_equal(atomic_load(&t->calls[i]), 1);
	for (size_t i = n; i < MAX_JOBS; i++)
		assert_int_equal(atomic_load(&t->calls[i]), 0);
}

static void test_cap_respected(void **state)
{
	(void)state;
	struct t *t = fresh(20000);
	dd_pool p = pool(t, 24, 3);
	int results[24];
	assert_int_equal(dd_pool_run(&p, results), 0);
	assert_each_once(t, 24);
	assert_true(t->max_running <= 3);
	assert_true(t->max_running >= 2); /* it did run in parallel */
	assert_true(t->states_made <= 3);
}

static void test_default_cap(void **state)
{
	(void)state;
	struct t *t = fresh(5000);
	dd_pool p = pool(t, MAX_JOBS, 0);
	assert_int_equal(dd_pool_run(&p, NULL), 0);
	assert_each_once(t, MAX_JOBS);
	assert_true(t->max_running <= DD_POOL_DEFAULT_CAP);
	assert_true(t->states_made <= DD_POOL_DEFAULT_CAP);
}

static void test_results_per_index(void **state)
{
	(void)state;
	struct t *t = fresh(0);
	dd_pool p = pool(t, 40, 5);
	int results[40];
	memset(results, 0x55, sizeof(results));
	assert_int_equal(dd_pool_run(&p, results), 0);
	assert_each_once(t, 40);
	for (int i = 0; i < 40; i++)
		assert_int_equal(results[i], -i - 1);
}

static void test_state_once_per_worker(void **state)
{
	(void)state;
	struct t *t = fresh(2000);
	dd_pool p = pool(t, 30, 4);
	assert_int_equal(dd_pool_run(&p, NULL), 0);
	assert_each_once(t, 30);
	assert_int_equal(t->wrong_thread, 0);
	assert_true(t->states_made >= 1 && t->states_made <= 4);
	assert_int_equal(t->states_freed, t->states_made);
}

static void test_n0(void **state)
{
	(void)state;
	struct t *t = fresh(0);
	dd_pool p = pool(t, 0, 4);
	assert_int_equal(dd_pool_run(&p, NULL), 0);
	assert_each_once(t, 0);
	assert_int_equal(t->states_made, 0);
}

static void test_n1(void **state)
{
	(void)state;
	struct t *t = fresh(0);
	dd_pool p = pool(t, 1, 4);
	int results[1] = {0};
	assert_int_equal(dd_pool_run(&p, results), 0);
	assert_each_once(t, 1);
	assert_int_equal(results[0], -1);
	assert_int_equal(t->states_made, 1);
	assert_int_equal(t->states_freed, 1);
}

static void test_cap_above_n(void **state)
{
	(void)state;
	struct t *t = fresh(10000);
	dd_pool p = pool(t, 3, 16);
	assert_int_equal(dd_pool_run(&p, NULL), 0);
	assert_each_once(t, 3);
	assert_true(t->max_running <= 3);
	assert_true(t->states_made <= 3); /* never more workers than jobs */
}

static void test_no_state(void **state)
{
	(void)state;
	struct t *t = fresh(0);
	dd_pool p = {.n = 10, .cap = 2, .job = job, .userdata = t};
	assert_int_equal(dd_pool_run(&p, NULL), 0);
	assert_each_once(t, 10);
}

static void test_tick_on_caller(void **state)
{
	(void)state;
	struct t *t = fresh(50000);
	dd_pool p = pool(t, 4, 2);
	p.tick = tick;
	p.tick_ms = 10;
	assert_int_equal(dd_pool_run(&p, NULL), 0);
	assert_each_once(t, 4);
	assert_true(t->ticks >= 2);
	assert_int_equal(t->tick_off_caller, 0);
}

/* Last: the process-wide cancel flag cannot be taken back. */
static void test_cancel_stops_new_jobs(void **state)
{
	(void)state;
	struct t *t = fresh(0);
	t->cancel_at = 2;
	dd_pool p = pool(t, 10, 1); /* one worker: jobs go strictly in order */
	p.skipped = skipped;
	int results[10];
	assert_int_equal(dd_pool_run(&p, results), -ECANCELED);
	for (int i = 0; i <= 2; i++) {
		assert_int_equal(t->calls[i], 1);
		assert_int_equal(results[i], -i - 1);
	}
	for (int i = 3; i < 10; i++) {
		assert_int_equal(t->calls[i], 0);
		assert_int_equal(results[i], -ECANCELED);
		assert_int_equal(t->skipped[i], i - 2); /* each once, in index order */
	}
	assert_int_equal(t->skipped[2], 0);
	assert_int_equal(t->tick_off_caller, 0);
	assert_int_equal(t->states_freed, t->states_made);

	/* Already cancelled: nothing runs, every job is reported. */
	t = fresh(0);
	p = pool(t, 5, 3);
	assert_int_equal(dd_pool_run(&p, results), -ECANCELED);
	assert_each_once(t, 0);
	assert_int_equal(t->states_made, 0);
	for (int i = 0; i < 5; i++)
		assert_int_equal(results[i], -ECANCELED);

	/* Cleanup after a cancellation runs to the end. */
	t = fresh(0);
	p = pool(t, 5, 3);
	p.run_all = true;
	assert_int_equal(dd_pool_run(&p, results), 0);
	assert_each_once(t, 5);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_cap_respected),
	    cmocka_unit_test(test_default_cap),
	    cmocka_unit_test(test_results_per_index),
	    cmocka_unit_test(test_state_once_per_worker),
	    cmocka_unit_test(test_n0),
	    cmocka_unit_test(test_n1),
	    cmocka_unit_test(test_cap_above_n),
	    cmocka_unit_test(test_no_state),
	    cmocka_unit_test(test_tick_on_caller),
	    cmocka_unit_test(test_cancel_stops_new_jobs),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
