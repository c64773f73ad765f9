/* The capped buffer (lib/buf.c) and the output-tail formatter. */
#define _GNU_SOURCE
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "buf.h"

static void test_head_cap(void **state)
{
	(void)state;
	_cleanup_buf_ dd_buf b = DD_BUF_HEAD(8);
	assert_string_equal(dd_buf_str(&b), ""); /* empty, never NULL */
	assert_int_equal(dd_buf_add(&b, "abcde", 5), 0);
	assert_int_equal(dd_buf_add(&b, "fghij", 5), -E2BIG);
	assert_int_equal(b.len, 8);
	assert_true(b.truncated);
	assert_string_equal(dd_buf_str(&b), "abcdefgh"); /* the head is kept, NUL-terminated */
	assert_int_equal(dd_buf_add(&b, "x", 1), -E2BIG);
	assert_string_equal(dd_buf_str(&b), "abcdefgh");
	assert_true(b.alloc <= 9);
	/* As a streaming callback it never aborts the stream at the cap. */
	assert_int_equal(dd_buf_sink("yz", 2, &b), 0);
	assert_string_equal(dd_buf_str(&b), "abcdefgh");
}

static void test_tail_kept(void **state)
{
	(void)state;
	_cleanup_buf_ dd_buf b = DD_BUF_TAIL(8);
	assert_int_equal(dd_buf_add(&b, "abcde", 5), 0);
	assert_false(b.truncated);
	assert_int_equal(dd_buf_add(&b, "fghij", 5), -E2BIG);
	assert_string_equal(dd_buf_str(&b), "cdefghij");
	/* More than max at once: only its end survives. */
	dd_buf_add(&b, "0123456789", 10);
	assert_string_equal(dd_buf_str(&b), "23456789");
	assert_int_equal(b.len, 8);
	/* Growing past the first allocation keeps everything below the cap. */
	_cleanup_buf_ dd_buf big = DD_BUF_TAIL(100000);
	for (int i = 0; i < 20000; i++)
		dd_buf_addf(&big, "%04d\n", i % 10000);
	assert_int_equal(big.len, 100000);
	assert_int_equal(strlen(dd_buf_str(&big)), 100000);
	assert_memory_equal(big.data + big.len - 5, "9999\n", 5);
}

static void test_addf_truncation(void **state)
{
	(void)state;
	_cleanup_buf_ dd_buf b = DD_BUF_HEAD(10);
	assert_int_equal(dd_buf_addf(&b, "%s=%d", "abc", 42), 0);
	assert_int_equal(dd_buf_addf(&b, " and %s", "more text"), -E2BIG);
	assert_string_equal(dd_buf_str(&b), "abc=42 and");
	_cleanup_buf_ dd_buf t = DD_BUF_TAIL(6);
	dd_buf_addf(&t, "%d-%d", 12345, 678);
	assert_string_equal(dd_buf_str(&t), "45-678");
}

static void test_take_free_reset(void **state)
{
	(void)state;
	dd_buf b = DD_BUF_HEAD(4);
	char *s = dd_buf_take(&b);
	assert_string_equal(s, ""); /* an empty buffer hands out "" */
	free(s);
	dd_buf_add(&b, "abcdef", 6);
	s = dd_buf_take(&b);
	assert_string_equal(s, "abcd");
	free(s);
	assert_null(b.data);
	assert_int_equal(b.len, 0);
	assert_false(b.truncated);
	assert_int_equal(b.max, 4); /* the limits stay */
	dd_buf_add(&b, "xy", 2);
	dd_buf_reset(&b);
	assert_string_equal(dd_buf_str(&b), "");
	dd_buf_add(&b, "z", 1);
	assert_string_equal(dd_buf_str(&b), "z");
	dd_buf_free(&b);
	assert_null(b.data);
	dd_buf_free(&b); /* twice is harmless */
}

static void test_tail_text(void **state)
{
	(void)state;
	_cleanup_buf_ dd_buf b = DD_BUF_TAIL(1000);
	char *t = dd_tail_text(&b, 3, 10, 100, "  ");
	assert_string_equal(t, "  (no output)");
	free(t);
	/* CR, LF and CRLF end lines; empty lines are left out; the newest 3. */
	dd_buf_addf(&b, "one\ntwo\r\nthree\rfour\n\nfive");
	t = dd_tail_text(&b, 3, 10, 100, "  ");
	assert_string_equal(t, "  three\n  four\n  five");
	free(t);
	/* Long lines are cut; the budget drops the oldest lines. */
	dd_buf_addf(&b, "\n0123456789abcdef\n");
	t = dd_tail_text(&b, 3, 10, 100, "    ");
	assert_string_equal(t, "    four\n    five\n    0123456789...");
	free(t);
	t = dd_tail_text(&b, 3, 10, 26, "  ");
	assert_string_equal(t, "  five\n  0123456789...");
	free(t);
	t = dd_tail_text(&b, 3, 10, 5, "  ");
	assert_string_equal(t, "  (no output)"); /* not even the newest line fits */
	free(t);
	/* A tail buffer that dropped bytes: its first, partial line is left out. */
	_cleanup_buf_ dd_buf c = DD_BUF_TAIL(12);
	dd_buf_addf(&c, "first line\nlast\n");
	assert_string_equal(dd_buf_str(&c), "t line\nlast\n");
	t = dd_tail_text(&c, 5, 100, 100, "  ");
	assert_string_equal(t, "  last");
	free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_head_cap),        cmocka_unit_test(test_tail_kept),
	    cmocka_unit_test(test_addf_truncation), cmocka_unit_test(test_take_free_reset),
	    cmocka_unit_test(test_tail_text),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
