/* The pure parts of waiting for DC/OS (unit status, poststart reports,
 * versions) and the checks `install` makes before touching a cluster
 * (dd_dcos_install_prepare, driven with the stand-in installer). */
#define _GNU_SOURCE
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "dcos-docker/install.h"

/* ---- dd_dcos_units_passed ---- */

#define UNIT(id, active, sub, result, code, status)                                                \
	"Result=" result "\nExecMainCode=" #code "\nExecMainStatus=" #status "\nId=" id            \
	"\nLoadState=loaded\nActiveState=" active "\nSubState=" sub "\n"

#define DL_DONE    UNIT("dcos-download.service", "active", "exited", "success", 1, 0)
#define SETUP_DONE UNIT("dcos-setup.service", "active", "exited", "success", 1, 0)

static void test_units_both_done(void **state)
{
	(void)state;
	char s[256];
	/* As systemd 252 prints it: a blank line between the units. */
	assert_true(dd_dcos_units_passed(DL_DONE "\n" SETUP_DONE, s, sizeof(s)));
	assert_string_equal(s, "dcos-download and dcos-setup finished successfully");
	/* Order does not matter; Id says which unit a block is. */
	assert_true(dd_dcos_units_passed(SETUP_DONE "\n" DL_DONE, s, sizeof(s)));
	/* Oneshot units without RemainAfterExit go back to inactive (the real
	 * dcos-download), and CRLF line ends are tolerated. */
	assert_true(dd_dcos_units_passed(
	    "Result=success\r\nExecMainCode=1\r\nExecMainStatus=0\r\nId=dcos-download.service\r\n"
	    "LoadState=loaded\r\nActiveState=inactive\r\nSubState=dead\r\n\r\n" SETUP_DONE,
	    s, sizeof(s)));
}

static void test_units_not_yet(void **state)
{
	(void)state;
	char s[256];
	assert_false(dd_dcos_units_passed(
	    DL_DONE "\n" UNIT("dcos-setup.service", "activating", "start", "success", 0, 0), s,
	    sizeof(s)));
	assert_string_equal(s, "dcos-setup: activating (start)");

	/* Before dcos_install.sh: the units do not exist. */
	const char *none =
	    "Result=success\nExecMainCode=0\nExecMainStatus=0\nId=dcos-download.service\n"
	    "LoadState=not-found\nActiveState=inactive\nSubState=dead\n\n"
	    "Result=success\nExecMainCode=0\nExecMainStatus=0\nId=dcos-setup.service\n"
	    "LoadState=not-found\nActiveState=inactive\nSubState=dead\n";
	assert_false(dd_dcos_units_passed(none, s, sizeof(s)));
	assert_string_equal(s, "dcos-download: not installed yet; dcos-setup: not installed yet");

	/* Installed, not started. */
	assert_false(dd_dcos_units_passed(
	    DL_DONE "\n" UNIT("dcos-setup.service", "inactive", "dead", "success", 0, 0), s,
	    sizeof(s)));
	assert_string_equal(s, "dcos-setup: not started yet");
}

static void test_units_failed(void **state)
{
	(void)state;
	char s[256];
	assert_false(dd_dcos_units_passed(
	    DL_DONE "\n" UNIT("dcos-setup.service", "failed", "failed", "exit-code", 1, 3), s,
	    sizeof(s)));
	assert_string_equal(s, "dcos-setup: failed (exit-code, exit status 3)");
	/* Killed by a signal: CLD_KILLED. */
	assert_false(dd_dcos_units_passed(
	    UNIT("dcos-download.service", "failed", "failed", "signal", 2, 9) "\n" SETUP_DONE, s,
	    sizeof(s)));
	assert_non_null(strstr(s, "dcos-download: "));
	assert_null(strstr(s, "dcos-setup"));
}

static void test_units_download_skipped_after_restart(void **state)
{
	(void)state;
	char s[256];
	const char *skipped = UNIT("dcos-download.service", "inactive", "dead", "success", 0, 0);
	/* dcos-setup requires dcos-download: its success vouches for it. */
	char *out = NULL;
	assert_true(asprintf(&out, "%s\n%s", skipped, SETUP_DONE) > 0);
	assert_true(dd_dcos_units_passed(out, s, sizeof(s)));
	free(out);
	/* Without a finished dcos-setup it is just not started. */
	assert_true(asprintf(&out, "%s\n%s", skipped,
	                     UNIT("dcos-setup.service", "activating", "start", "success", 0, 0)) >
	            0);
	assert_false(dd_dcos_units_passed(out, s, sizeof(s)));
	assert_string_equal(s, "dcos-download: not started yet; dcos-setup: activating (start)");
	free(out);
}

static void test_units_garbage_and_small_buffers(void **state)
{
	(void)state;
	char s[256];
	assert_false(dd_dcos_units_passed("", s, sizeof(s)));
	assert_string_equal(s, "dcos-download: no status; dcos-setup: no status");
	assert_false(dd_dcos_units_passed(NULL, s, sizeof(s)));
	assert_false(dd_dcos_units_passed("Failed to connect to bus: No such file or directory\n",
	                                  s, sizeof(s)));
	/* Only one unit listed. */
	assert_false(dd_dcos_units_passed(DL_DONE, s, sizeof(s)));
	assert_string_equal(s, "dcos-setup: no status");
	/* Values longer than our fields are cut, not overflowed. */
	char big[8192];
	memset(big, 'x', sizeof(big));
	memcpy(big, "Id=", 3);
	big[sizeof(big) - 1] = '\0';
	assert_false(dd_dcos_units_passed(big, s, sizeof(s)));
	/* The summary is always terminated, even when it does not fit. */
	char tiny[8];
	memset(tiny, '#', sizeof(tiny));
	assert_false(dd_dcos_units_passed("", tiny, sizeof(tiny)));
	assert_true(strlen(tiny) < sizeof(tiny));
	assert_true(dd_dcos_units_passed(DL_DONE "\n" SETUP_DONE, tiny, sizeof(tiny)));
	assert_true(strlen(tiny) < sizeof(tiny));
}

static void test_units_argv(void **state)
{
	(void)state;
	/* The command's output is what the parser reads: Id must be asked for. */
	assert_string_equal(dd_dcos_units_argv[0], "systemctl");
	assert_string_equal(dd_dcos_units_argv[1], "show");
	bool has_id = false, dl = false, setup = false;
	size_t i = 0;
	for (; dd_dcos_units_argv[i]; i++) {
		has_id |= strstr(dd_dcos_units_argv[i], "Id,") == dd_dcos_units_argv[i];
		dl |= strcmp(dd_dcos_units_argv[i], "dcos-download.service") == 0;
		setup |= strcmp(dd_dcos_units_argv[i], "dcos-setup.service") == 0;
	}
	assert_true(has_id && dl && setup);
}

/* ---- dd_dcos_poststart_failures ---- */

static void test_poststart_report(void **state)
{
	(void)state;
	/* The shape dcos-diagnostics/dcos-check-runner print (and the stand-in). */
	const char *report =
	    "{\n  \"status\": 1,\n  \"checks\": {\n"
	    "    \"dcos_setup_finished\": {\"status\": 0, \"output\": \"ok\"},\n"
	    "    \"masters_reachable\": {\"status\": 1, \"output\": \"master 10.0.0.1: "
	    "unreachable; \"},\n"
	    "    \"fixture_never_healthy\": {\"status\": 1, \"output\": \"line one\\nline "
	    "two\"}\n  }\n}\n";
	char *f = dd_dcos_poststart_failures(report, 1000);
	assert_non_null(f);
	assert_string_equal(f, "masters_reachable: master 10.0.0.1: unreachable; "
	                       "fixture_never_healthy: line one line two");
	free(f);

	/* Log lines before the report, and a check without output. */
	f = dd_dcos_poststart_failures("Loading config {not json}\n{\"status\": 2, \"checks\": "
	                               "{\"a\": {\"status\": 2}}}",
	                               1000);
	assert_non_null(f);
	assert_string_equal(f, "a: (no output)");
	free(f);

	/* A failed status with no failing check still says something. */
	f = dd_dcos_poststart_failures("{\"status\": 1, \"checks\": {}}", 1000);
	assert_non_null(f);
	assert_string_equal(f, "status 1 with no failing check listed");
	free(f);
}

static void test_poststart_not_a_report(void **state)
{
	(void)state;
	assert_null(dd_dcos_poststart_failures("3dt: diagnostics failed\n", 1000));
	assert_null(dd_dcos_poststart_failures("{\"status\": 1}", 1000));
	assert_null(dd_dcos_poststart_failures("{\"checks\": [1, 2]}", 1000));
	assert_null(dd_dcos_poststart_failures("{\"status\": 1, \"checks\": {", 1000));
	assert_null(dd_dcos_poststart_failures("", 1000));
	assert_null(dd_dcos_poststart_failures(NULL, 1000));
}

static void test_poststart_bounded(void **state)
{
	(void)state;
	char out[4096] = "{\"status\": 1, \"checks\": {\"long\": {\"status\": 1, \"output\": \"";
	size_t l = strlen(out);
	memset(out + l, 'y', 3000);
	strcpy(out + l + 3000, "\"}}}");
	char *f = dd_dcos_poststart_failures(out, 100);
	assert_non_null(f);
	assert_true(strlen(f) < 100);
	assert_true(strncmp(f, "long: yyy", 9) == 0);
	assert_string_equal(f + strlen(f) - 3, "...");
	free(f);
}

/* ---- dd_dcos_version_cmp ---- */

static void test_version_cmp(void **state)
{
	(void)state;
	assert_true(dd_dcos_version_cmp("1.10.2", "1.9") > 0);
	assert_true(dd_dcos_version_cmp("1.9.7", "1.10") < 0);
	assert_int_equal(dd_dcos_version_cmp("2.2.0-fixture", "2.2.0"), 0);
	assert_int_equal(dd_dcos_version_cmp("1.10", "1.10.0"), 0);
	assert_true(dd_dcos_version_cmp("2.0", "1.13.9") > 0);
	assert_true(dd_dcos_version_cmp("", "1.10") < 0);
	assert_true(dd_dcos_version_cmp("1.11.0-beta", "1.11") == 0);
}

/* ---- dd_dcos_install_prepare (no cluster needed) ---- */

/* CMake compiles with absolute source paths: the fixtures are beside us. */
static char *fixture(const char *name)
{
	const char *slash = strrchr(__FILE__, '/');
	assert_non_null(slash);
	char *p = NULL;
	assert_true(asprintf(&p, "%.*s/../fixtures/%s", (int)(slash - __FILE__), __FILE__, name) >
	            0);
	assert_int_equal(access(p, R_OK), 0);
	return p;
}

struct notes {
	char text[4096];
};

static void on_note(const char *node, const char *status, bool done, void *userdata)
{
	(void)node;
	(void)done;
	struct notes *n = userdata;
	size_t l = strlen(n->text);
	snprintf(n->text + l, sizeof(n->text) - l, "%s\n", status);
}

static char tmpdir[] = "/tmp/test wait.XXXXXX";

static char *write_tmp(const char *name, const char *content)
{
	char *p = NULL;
	assert_true(asprintf(&p, "%s/%s", tmpdir, name) > 0);
	FILE *f = fopen(p, "w");
	assert_non_null(f);
	fputs(content, f);
	fclose(f);
	return p;
}

static void test_prepare_oss(void **state)
{
	(void)state;
	char *inst = fixture("dcos_generate_config.sh");
	char *resolv = write_tmp("resolv.conf", "nameserver 192.0.2.53\n");
	struct notes n = {0};
	dd_install_opts o = {
	    .installer = inst, .resolv_conf = resolv, .progress = on_note, .userdata = &n};
	dd_install_plan *p = NULL;
	dd_error err = {0};
	int r = dd_dcos_install_prepare(&o, &p, &err);
	assert_int_equal(r, 0);
	assert_string_equal(dd_install_plan_version(p), "2.2.0-fixture");
	assert_string_equal(dd_install_plan_variant(p), "oss");
	assert_null(strstr(n.text, "8.8.8.8"));
	dd_install_plan_free(p);

	/* --variant overrides, and says so. */
	o.variant = "enterprise";
	memset(&n, 0, sizeof(n));
	assert_int_equal(dd_dcos_install_prepare(&o, &p, &err), 0);
	assert_string_equal(dd_install_plan_variant(p), "enterprise");
	assert_non_null(strstr(n.text, "overrides"));
	dd_install_plan_free(p);
	free(inst);
	free(resolv);
}

static void test_prepare_enterprise_and_resolver_fallback(void **state)
{
	(void)state;
	char *inst = fixture("dcos_generate_config.ee.sh");
	/* systemd-resolved's stub only, and an IPv6 one that DC/OS would refuse. */
	char *resolv =
	    write_tmp("resolv-stub.conf", "nameserver 127.0.0.53\nnameserver 2001:db8::1\n");
	char *lic = write_tmp("license.txt", "LICENSE-KEY\n");
	struct notes n = {0};
	dd_install_opts o = {.installer = inst,
	                     .resolv_conf = resolv,
	                     .license_key_path = lic,
	                     .superuser_password = "secret",
	                     .security_mode = "strict",
	                     .progress = on_note,
	                     .userdata = &n};
	dd_install_plan *p = NULL;
	dd_error err = {0};
	assert_int_equal(dd_dcos_install_prepare(&o, &p, &err), 0);
	assert_string_equal(dd_install_plan_variant(p), "enterprise");
	assert_non_null(strstr(n.text, "8.8.8.8 and 8.8.4.4"));
	dd_install_plan_free(p);
	free(inst);
	free(resolv);
	free(lic);
}

static void expect_usage(dd_install_opts *o, const char *needle)
{
	dd_install_plan *p = NULL;
	dd_error err = {0};
	int r = dd_dcos_install_prepare(o, &p, &err);
	assert_true(r < 0);
	assert_null(p);
	if (err.kind != DD_ERR_USAGE || !strstr(err.msg, needle))
		fail_msg("expected a usage error with '%s', got kind %d: %s", needle, err.kind,
		         err.msg);
}

static void test_prepare_usage_errors(void **state)
{
	(void)state;
	char *inst = fixture("dcos_generate_config.sh");
	char *resolv = write_tmp("resolv2.conf", "nameserver 192.0.2.53\n");
	char *bad_yaml = write_tmp("bad.yaml", "a: [1, 2\n");
	char *list_yaml = write_tmp("list.yaml", "- a\n- b\n");
	char *empty_lic = write_tmp("empty-license.txt", "\n\n");

	dd_install_opts o = {.installer = "/nonexistent/dcos_generate_config.sh",
	                     .resolv_conf = resolv};
	expect_usage(&o, "/nonexistent/dcos_generate_config.sh");
	o.installer = tmpdir; /* a directory */
	expect_usage(&o, "not a regular file");
	o.installer = inst;
	o.variant = "community";
	expect_usage(&o, "community");
	o.variant = NULL;
	o.extra_config = "/nonexistent/extra.yaml";
	expect_usage(&o, "/nonexistent/extra.yaml");
	o.extra_config = bad_yaml;
	expect_usage(&o, "bad.yaml");
	o.extra_config = list_yaml;
	expect_usage(&o, "list.yaml");
	o.extra_config = NULL;
	o.security_mode = "strict"; /* open source has none */
	expect_usage(&o, "Enterprise");
	o.security_mode = "lax";
	expect_usage(&o, "lax");
	o.security_mode = NULL;
	o.license_key_path = empty_lic;
	expect_usage(&o, "empty");
	o.license_key_path = NULL;
	o.genconf_dir = inst; /* a file */
	expect_usage(&o, "not a directory");
	o.genconf_dir = NULL;
	o.superuser_password = "";
	expect_usage(&o, "password");

	free(inst);
	free(resolv);
	free(bad_yaml);
	free(list_yaml);
	free(empty_lic);
}

static void test_prepare_not_an_installer(void **state)
{
	(void)state;
	char *text = write_tmp("notes.txt", "just some notes\n");
	char *resolv = write_tmp("resolv3.conf", "nameserver 192.0.2.53\n");
	dd_install_opts o = {.installer = text, .resolv_conf = resolv};
	dd_install_plan *p = NULL;
	dd_error err = {0};
	int r = dd_dcos_install_prepare(&o, &p, &err);
	assert_true(r < 0);
	assert_int_equal(err.kind, DD_ERR_FAILED);
	/* The installer's own output is in the message. */
	assert_non_null(strstr(err.msg, "just: command not found"));
	free(text);
	free(resolv);
}

static int setup(void **state)
{
	(void)state;
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	char *cmd = NULL;
	if (asprintf(&cmd, "rm -rf '%s'", tmpdir) < 0)
		return -1;
	int r = system(cmd);
	free(cmd);
	return r == 0 ? 0 : -1;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_units_both_done),
	    cmocka_unit_test(test_units_not_yet),
	    cmocka_unit_test(test_units_failed),
	    cmocka_unit_test(test_units_download_skipped_after_restart),
	    cmocka_unit_test(test_units_garbage_and_small_buffers),
	    cmocka_unit_test(test_units_argv),
	    cmocka_unit_test(test_poststart_report),
	    cmocka_unit_test(test_poststart_not_a_report),
	    cmocka_unit_test(test_poststart_bounded),
	    cmocka_unit_test(test_version_cmp),
	    cmocka_unit_test(test_prepare_oss),
	    cmocka_unit_test(test_prepare_enterprise_and_resolver_fallback),
	    cmocka_unit_test(test_prepare_usage_errors),
	    cmocka_unit_test(test_prepare_not_an_installer),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
