/* The error convention (lib/error.c) with and without an err to fill, and
 * dd_random_hex (lib/util.c), also when the kernel refuses getrandom. */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "dcos-docker/cluster.h"
#include "dcos-docker/error.h"
#include "util.h"

static void test_name_check_without_err(void **state)
{
	(void)state;
	assert_int_equal(dd_cluster_name_check("Bad Name!", NULL), -EINVAL);
	assert_int_equal(dd_cluster_name_check("", NULL), -EINVAL);
	assert_int_equal(dd_cluster_name_check(NULL, NULL), -EINVAL);
	assert_int_equal(dd_cluster_name_check("good-name-1", NULL), 0);
	dd_error err = {0};
	assert_int_equal(dd_cluster_name_check("Bad Name!", &err), -EINVAL);
	assert_int_equal(err.kind, DD_ERR_USAGE);
	assert_string_equal(err.msg, "Invalid cluster name 'Bad Name!'");
	assert_non_null(strstr(err.hint, "lowercase"));
}

static void test_hint_and_prefix_return_the_code(void **state)
{
	(void)state;
	dd_error_set(NULL, -ENOENT, "gone");
	assert_int_equal(dd_error_hint(NULL, "look elsewhere"), -ENOENT);
	assert_int_equal(dd_error_prefix(NULL, "node %d: ", 1), -ENOENT);
	dd_error_usage(NULL, -EINVAL, "bad");
	assert_int_equal(dd_error_hint(NULL, "fix it"), -EINVAL);

	dd_error err = {0};
	dd_error_set(&err, -EEXIST, "there");
	assert_int_equal(dd_error_hint(&err, "remove it (%s)", "x"), -EEXIST);
	assert_int_equal(dd_error_prefix(&err, "node %s: ", "agent1"), -EEXIST);
	assert_string_equal(err.msg, "node agent1: there");
	assert_string_equal(err.hint, "remove it (x)");
	/* A NULL err never touches a real one. */
	assert_int_equal(dd_error_prefix(NULL, "more: "), -EINVAL);
	assert_string_equal(err.msg, "node agent1: there");
}

static void test_random_hex(void **state)
{
	(void)state;
	char a[33], b[33], big[2 * 65 + 1];
	memset(a, 'x', sizeof(a));
	assert_int_equal(dd_random_hex(a, 16), 0);
	assert_int_equal(strspn(a, "0123456789abcdef"), 32);
	assert_int_equal(a[32], '\0');
	assert_int_equal(dd_random_hex(b, 16), 0);
	assert_string_not_equal(a, b);
	assert_int_equal(dd_random_hex(big, 65), -EINVAL);
}

/* getrandom failing (here: ENOSYS, as on a kernel or sandbox without it)
 * is an error, never a weaker id. In a child: the filter cannot be undone. */
static void test_random_hex_without_getrandom(void **state)
{
	(void)state;
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct sock_filter insns[] = {
		    BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_getrandom, 0, 1),
		    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | ENOSYS),
		    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
		};
		struct sock_fprog prog = {.len = ELEMENTSOF(insns), .filter = insns};
		if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 ||
		    prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) < 0)
			_exit(77);
		char buf[33] = "";
		_exit(dd_random_hex(buf, 16) == -ENOSYS && buf[0] == '\0' ? 0 : 1);
	}
	int st = 0;
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st));
	if (WEXITSTATUS(st) == 77)
		skip(); /* no seccomp here */
	assert_int_equal(WEXITSTATUS(st), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_name_check_without_err),
	    cmocka_unit_test(test_hint_and_prefix_return_the_code),
	    cmocka_unit_test(test_random_hex),
	    cmocka_unit_test(test_random_hex_without_getrandom),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
