/* Root's inotify instances (lib/inotify.c): the count sees a new instance,
 * the suggestion covers what is asked, and the check refuses past the limit
 * with the sysctl to run. */
#define _GNU_SOURCE
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/inotify.h>
#include <unistd.h>

#include <cmocka.h>

#include "inotify-internal.h"

static void test_counts_own_instance(void **state)
{
	(void)state;
	if (geteuid() != 0 || getuid() != 0)
		skip(); /* only root's processes are counted */
	dd_inotify_usage before, after;
	assert_int_equal(dd_inotify_usage_get(&before), 0);
	assert_true(before.max > 0);
	int fd = inotify_init1(IN_CLOEXEC);
	assert_true(fd >= 0);
	assert_int_equal(dd_inotify_usage_get(&after), 0);
	close(fd);
	/* Other root processes may open or close theirs meanwhile: ours is one more. */
	assert_true(after.used >= 1);
	assert_int_equal(after.max, before.max);
}

static void test_suggest(void **state)
{
	(void)state;
	dd_inotify_usage u = {.max = 128, .used = 0};
	assert_int_equal(dd_inotify_suggest(&u, 2), 512); /* never below kind's advice */
	u.used = 400;
	/* 400 + 50 nodes * 5 = 650: the next power of two. */
	assert_int_equal(dd_inotify_suggest(&u, 50), 1024);
	u.used = 2000;
	assert_int_equal(dd_inotify_suggest(&u, 100), 4096);
}

static void test_check(void **state)
{
	(void)state;
	dd_inotify_usage u;
	if (dd_inotify_usage_get(&u) < 0)
		skip();
	dd_error e = {0};
	assert_int_equal(dd_inotify_check(0, &e), u.used <= u.max ? 0 : -EMFILE);
	/* More nodes than the limit can hold at 3 each: refused, saying how to raise it. */
	size_t n = (size_t)(u.max / DD_NODE_INOTIFY_BOOT) + 1;
	assert_int_equal(dd_inotify_check(n, &e), -EMFILE);
	assert_non_null(strstr(e.msg, "fs.inotify.max_user_instances"));
	assert_non_null(strstr(e.hint, "sysctl -w fs.inotify.max_user_instances="));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_counts_own_instance),
	    cmocka_unit_test(test_suggest),
	    cmocka_unit_test(test_check),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
