/* Cancellation per operation (lib/cancel.c): a dd_cancel token cancels the
 * operation run under it, also on the threads the library starts for it, and
 * no other; the process-wide flag cancels them all. Operations here: a worker
 * pool whose jobs wait for their cancellation (on the pool's threads) and a
 * host process (sleep) under the one process runner. Threads only record;
 * cmocka's asserts run on the main thread. */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <unistd.h>

#include <cmocka.h>

#include "dcos-docker/cancel.h"
#include "pool.h"
#include "process-internal.h"
#include "util.h"

/* A job that ends only when its operation is cancelled; after 60 s it gives
 * up with -ETIMEDOUT, so a broken token fails the test instead of hanging it. */
static int wait_job(void *userdata, size_t i, void *state)
{
	(void)userdata, (void)i, (void)state;
	for (int ms = 0; ms < 60000; ms++) {
		if (dd_cancelled())
			return -ECANCELED;
		usleep(1000);
	}
	return -ETIMEDOUT;
}

struct op {
	dd_cancel *cancel; /* bound on the operation's thread; NULL: none */
	bool process;      /* a host process, else a pool */
	pthread_t thread;
	int r;
	int results[4]; /* the pool's */
	atomic_bool done;
};

static void *op_main(void *arg)
{
	struct op *op = arg;
	dd_cancel_bind(op->cancel);
	if (op->process) {
		const char *argv[] = {"sleep", "60", NULL};
		dd_process_opts o = {.argv = argv, .own_pgroup = true};
		int status = 0;
		dd_error err = {0};
		op->r = dd_process_exec(&o, &status, &err);
	} else {
		dd_pool p = {.n = 4, .cap = 2, .job = wait_job};
		op->r = dd_pool_run(&p, op->results);
	}
	atomic_store(&op->done, true);
	return NULL;
}

static void op_start(struct op *op, dd_cancel *cancel, bool process)
{
	*op = (struct op){.cancel = cancel, .process = process};
	atomic_init(&op->done, false);
	assert_int_equal(pthread_create(&op->thread, NULL, op_main, op), 0);
}

static void test_token(void **state)
{
	(void)state;
	dd_cancel *a = dd_cancel_new(), *b = dd_cancel_new();
	assert_null(dd_cancel_bind(a));
	assert_ptr_equal(dd_cancel_bound(), a);
	assert_false(dd_cancelled());
	dd_cancel_cancel(b);
	assert_false(dd_cancelled()); /* another operation's token */
	dd_cancel_cancel(a);
	assert_true(dd_cancelled());
	assert_int_equal(dd_cancel_signal(), 0); /* no signal: the stopper sends TERM */
	assert_ptr_equal(dd_cancel_bind(NULL), a);
	assert_false(dd_cancelled()); /* outside the operation */
	dd_cancel_free(a);
	dd_cancel_free(b);
}

/* Two operations at once, each with its token: cancelling the first stops
 * it (a pool's workers see it) while the second runs on until it is
 * cancelled in turn. first_process: the first is the host process. */
static void one_then_other(bool first_process)
{
	dd_cancel *ca = dd_cancel_new(), *cb = dd_cancel_new();
	struct op a, b;
	op_start(&a, ca, first_process);
	op_start(&b, cb, !first_process);
	dd_cancel_cancel(ca);
	pthread_join(a.thread, NULL);
	assert_int_equal(a.r, -ECANCELED);
	assert_false(atomic_load(&b.done)); /* its job or sleep 60 still runs */
	assert_false(dd_cancelled());       /* nor is this thread cancelled */
	dd_cancel_cancel(cb);
	pthread_join(b.thread, NULL);
	assert_int_equal(b.r, -ECANCELED);
	const struct op *pool = first_process ? &b : &a;
	assert_int_equal(pool->results[0], -ECANCELED); /* the jobs saw it, on pool threads */
	assert_int_equal(pool->results[1], -ECANCELED);
	assert_int_equal(pool->results[2], -ECANCELED); /* never handed out */
	dd_cancel_free(ca);
	dd_cancel_free(cb);
}

static void test_two_operations(void **state)
{
	(void)state;
	one_then_other(false);
	one_then_other(true);
}

/* Last: the process-wide flag cannot be taken back. It cancels an operation
 * whose token is not cancelled, and one without a token. */
static void test_process_wide(void **state)
{
	(void)state;
	dd_cancel *c = dd_cancel_new();
	struct op a, b;
	op_start(&a, c, false);
	op_start(&b, NULL, true);
	dd_cancel_request(SIGINT);
	pthread_join(a.thread, NULL);
	pthread_join(b.thread, NULL);
	assert_int_equal(a.r, -ECANCELED);
	assert_int_equal(a.results[0], -ECANCELED);
	assert_int_equal(b.r, -ECANCELED);
	assert_int_equal(dd_cancel_signal(), SIGINT);
	dd_cancel_free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_token),
	    cmocka_unit_test(test_two_operations),
	    cmocka_unit_test(test_process_wide),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
