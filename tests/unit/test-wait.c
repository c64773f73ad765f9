/* The pure parts of waiting for DC/OS: unit status, poststart reports,
 * versions. */
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
#include "dcos/wait-internal.h"

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

/* dcos-check-runner's own output (cmd/check.go: json.MarshalIndent; runner.go:
 * combinedResponseSuccess / combinedResponseError). */
static void test_poststart_check_runner(void **state)
{
	(void)state;
	static const char ok[] = "{\n  \"status\": 0,\n  \"checks\": {\n    \"xz\": {\n"
	                         "      \"output\": \"\",\n      \"status\": 0\n    }\n  }\n}\n";
	assert_int_equal(dd_dcos_poststart_status(ok), 0);
	static const char warn[] = "{\"status\": 1, \"checks\": {\"clock_sync\": {\"output\": "
	                           "\"drift\", \"status\": 1}}}";
	assert_int_equal(dd_dcos_poststart_status(warn), 1);
	/* Checks that could not run: an error report, whatever the exit code
	 * (the runner exits with the status of those that ran: 0). */
	static const char error[] =
	    "{\n  \"error\": \"One or more requested checks failed to execute.\",\n  \"checks\": "
	    "[\n"
	    "    \"components_master: fork/exec /opt/mesosphere/bin/dcos-checks: no such file or "
	    "directory\"\n  ]\n}\n";
	assert_int_equal(dd_dcos_poststart_status(error), DD_CHECK_STATUS_UNKNOWN);
	char *f = dd_dcos_poststart_failures(error, 1000);
	assert_non_null(f);
	assert_non_null(strstr(f, "One or more requested checks failed to execute."));
	assert_non_null(strstr(f, "components_master: fork/exec"));
	assert_null(strchr(f, '\n'));
	free(f);
	/* Out of range counts as unknown, as the runner's max() has it. */
	assert_int_equal(dd_dcos_poststart_status("{\"status\": 7, \"checks\": {}}"),
	                 DD_CHECK_STATUS_UNKNOWN);
	/* No report (3dt, a fatal log line): the caller goes by the exit code. */
	assert_int_equal(dd_dcos_poststart_status("time=\"2026-12-01T00:00:00Z\" level=fatal "
	                                          "msg=\"unable to open config file\"\n"),
	                 -1);
	assert_int_equal(dd_dcos_poststart_status(NULL), -1);
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

/* ---- dd_dcos_poststart_pause ---- */

/* How many checks run at once when n nodes each check for c seconds and then
 * pause for p: what the pause exists to bound. */
static double concurrent(int n, double c, double p)
{
	return n * c / (c + p);
}

static void test_poststart_pause(void **state)
{
	(void)state;
	/* One node on a big host: a fast check waits the polling interval. */
	assert_true(dd_dcos_poststart_pause(2, 0.1, 1, 8) == 2);
	/* ... a slow one at least as long as it took (half the node's time). */
	assert_true(dd_dcos_poststart_pause(2, 5, 1, 8) == 5);
	/* Six nodes on two CPUs: at most one CPU's worth of checks at once. */
	double p = dd_dcos_poststart_pause(2, 0.5, 6, 2);
	assert_true(p >= 2.5 - 1e-9);
	assert_true(concurrent(6, 0.5, p) <= 1 + 1e-9);
	/* A loaded host makes the check slower, and the pause with it. */
	assert_true(dd_dcos_poststart_pause(2, 1.5, 6, 2) > p);
	/* Nonsense counts are taken as one. */
	assert_true(dd_dcos_poststart_pause(0.5, 1, 0, 0) == 1);
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

/* ---- the cluster checks' answers ---- */

/* Exhibitor's /exhibitor/v1/cluster/status, as Exhibitor serialises
 * ServerStatus (hostname, code, description, isLeader). */
#define ZK_SERVER(host, code, desc, leader)                                                        \
	"{\"code\":" #code ",\"description\":\"" desc "\",\"hostname\":\"" host                    \
	"\",\"isLeader\":" leader "}"

static void test_zk_quorum(void **state)
{
	(void)state;
	char s[256];
	const char *three = "[" ZK_SERVER("172.17.0.2", 3, "serving", "false") "," ZK_SERVER(
	    "172.17.0.3", 3, "serving", "true") "," ZK_SERVER("172.17.0.4", 3, "serving",
	                                                      "false") "]";
	assert_true(dd_dcos_zk_quorum_ok(three, 3, s, sizeof(s)));
	assert_string_equal(s, "3 ZooKeeper servers serving, one leader");
	/* Fewer servers than masters: dcos-test-utils' own condition. */
	assert_false(dd_dcos_zk_quorum_ok(three, 5, s, sizeof(s)));
	assert_string_equal(s, "ZooKeeper has 3 of 5 servers");
	/* One server down: named. */
	const char *down = "[" ZK_SERVER("172.17.0.2", 3, "serving", "true") "," ZK_SERVER(
	    "172.17.0.3", 1, "down", "false") "]";
	assert_false(dd_dcos_zk_quorum_ok(down, 2, s, sizeof(s)));
	assert_string_equal(s, "1 of 2 ZooKeeper servers serving; not: 172.17.0.3 down");
	/* No leader yet. */
	const char *noleader = "[" ZK_SERVER("172.17.0.2", 3, "serving", "false") "]";
	assert_false(dd_dcos_zk_quorum_ok(noleader, 1, s, sizeof(s)));
	assert_string_equal(s, "0 ZooKeeper leaders among 1 servers");
	/* Not the array: an HTML error page, an object, nothing. */
	assert_false(dd_dcos_zk_quorum_ok("<html>502</html>", 1, s, sizeof(s)));
	assert_true(strncmp(s, "not JSON", 8) == 0);
	assert_false(dd_dcos_zk_quorum_ok("{\"servers\":[]}", 1, s, sizeof(s)));
	assert_string_equal(s, "not a JSON array of servers");
	assert_false(dd_dcos_zk_quorum_ok(NULL, 1, s, sizeof(s)));
	/* A small summary buffer is cut, never overrun. */
	char tiny[8];
	assert_false(dd_dcos_zk_quorum_ok(down, 2, tiny, sizeof(tiny)));
	assert_int_equal(strlen(tiny), 7);
}

/* Mesos master's /slaves (src/master/http.cpp): an agent per object. */
#define AGENT(host, active)                                                                        \
	"{\"id\":\"e3f4-S0\",\"pid\":\"slave(1)@" host ":5051\",\"hostname\":\"" host              \
	"\",\"port\":5051,\"attributes\":{},\"active\":" active ",\"version\":\"1.11.0\"}"

static void test_agents_joined(void **state)
{
	(void)state;
	char s[256];
	const char *agents[] = {"172.17.0.5", "172.17.0.6", "172.17.0.7"};
	const char *all = "{\"slaves\":[" AGENT("172.17.0.7", "true") "," AGENT(
	    "172.17.0.5", "true") "," AGENT("172.17.0.6", "true") "],\"recovered_slaves\":[]}";
	assert_true(dd_dcos_agents_joined(all, agents, 3, s, sizeof(s)));
	assert_string_equal(s, "all 3 agents registered and active");
	/* A stopped agent stays listed but inactive; another never came. */
	const char *some =
	    "{\"slaves\":[" AGENT("172.17.0.5", "true") "," AGENT("172.17.0.6", "false") "]}";
	assert_false(dd_dcos_agents_joined(some, agents, 3, s, sizeof(s)));
	assert_string_equal(s, "1 of 3 agents registered and active; not registered: 172.17.0.7; "
	                       "inactive: 172.17.0.6");
	/* Counting is not enough: a stranger does not stand in for ours. */
	const char *stranger = "{\"slaves\":[" AGENT("10.0.0.9", "true") "]}";
	assert_false(dd_dcos_agents_joined(stranger, agents, 1, s, sizeof(s)));
	assert_string_equal(s, "0 of 1 agents registered and active; not registered: 172.17.0.5");
	/* No agents in the cluster: nothing to wait for. */
	assert_true(dd_dcos_agents_joined("{\"slaves\":[]}", agents, 0, s, sizeof(s)));
	assert_false(dd_dcos_agents_joined("{\"agents\":[]}", agents, 1, s, sizeof(s)));
	assert_string_equal(s, "no \"slaves\" list");
	assert_false(dd_dcos_agents_joined("", agents, 1, s, sizeof(s)));
}

static void test_units_healthy(void **state)
{
	(void)state;
	char s[256];
	assert_true(dd_dcos_units_healthy(
	    "{\"units\":[{\"id\":\"dcos-mesos-master.service\",\"name\":\"Mesos Master\","
	    "\"health\":0,\"description\":\"\",\"help\":\"\"},{\"id\":\"dcos-net.service\","
	    "\"health\":0}]}",
	    s, sizeof(s)));
	assert_string_equal(s, "all 2 units healthy");
	assert_false(
	    dd_dcos_units_healthy("{\"units\":[{\"id\":\"dcos-mesos-slave.service\",\"health\":1},"
	                          "{\"id\":\"dcos-net.service\",\"health\":0}]}",
	                          s, sizeof(s)));
	assert_string_equal(s, "1 of 2 units unhealthy: dcos-mesos-slave.service (health 1)");
	/* A health that is not a number is not healthy. */
	assert_false(
	    dd_dcos_units_healthy("{\"units\":[{\"id\":\"x\",\"health\":\"0\"}]}", s, sizeof(s)));
	/* Nothing reported yet is not "all healthy". */
	assert_false(dd_dcos_units_healthy("{\"units\":[]}", s, sizeof(s)));
	assert_string_equal(s, "no units reported yet");
	assert_false(dd_dcos_units_healthy("[]", s, sizeof(s)));
}

static void test_marathon_up(void **state)
{
	(void)state;
	char s[256];
	assert_true(dd_dcos_marathon_up(
	    200, "{\"name\":\"marathon\",\"version\":\"1.11.24\",\"leader\":\"172.17.0.2:8080\"}",
	    s, sizeof(s)));
	assert_string_equal(s, "Marathon 1.11.24 up, leader 172.17.0.2:8080");
	/* 200 is what counts (dcos-test-utils), whatever the body. */
	assert_true(dd_dcos_marathon_up(200, "", s, sizeof(s)));
	assert_false(dd_dcos_marathon_up(503, "{\"message\":\"no leader\"}", s, sizeof(s)));
	assert_string_equal(s, "HTTP 503");
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
	    cmocka_unit_test(test_poststart_check_runner),
	    cmocka_unit_test(test_poststart_pause),
	    cmocka_unit_test(test_version_cmp),
	    cmocka_unit_test(test_zk_quorum),
	    cmocka_unit_test(test_agents_joined),
	    cmocka_unit_test(test_units_healthy),
	    cmocka_unit_test(test_marathon_up),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
