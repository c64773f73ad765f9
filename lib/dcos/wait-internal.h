/* Internal: not installed. */
/* The pure parts of waiting (unit-tested). */
#ifndef DCOS_DOCKER_WAIT_INTERNAL_H
#define DCOS_DOCKER_WAIT_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>

#include "dcos-docker/wait.h"

/* How long a node waits before its next poststart check, given the polling
 * interval, how long its last check took, the nodes at that stage and the
 * host's CPUs: long enough that the checks keep at most half of the CPUs busy,
 * and never shorter than the check itself or the interval. */
double dd_dcos_poststart_pause(double interval, double check_s, int nodes_checking, int ncpu);

/* The argv whose output dd_dcos_units_passed reads. */
extern const char *const dd_dcos_units_argv[];

/* Reads the output of dd_dcos_units_argv (`systemctl show` of dcos-download
 * and dcos-setup: blocks of Key=Value lines separated by blank lines). True
 * when both units ran and their main process exited with status 0, whether
 * they stayed active (RemainAfterExit) or went inactive. dcos-download
 * also passes when it never ran in this boot but dcos-setup (which requires
 * it) succeeded: after a node restart its condition skips it. summary gets
 * one line describing the units that have not passed, e.g. "dcos-setup:
 * activating (start)" or "dcos-download: not installed yet" (always
 * NUL-terminated). */
bool dd_dcos_units_passed(const char *show_output, char *summary, size_t size);

/* Check statuses (dcos-check-runner, dcos-checks): 0 OK, 1 warning,
 * 2 critical, 3 unknown. */
#define DD_CHECK_STATUS_UNKNOWN 3

/* The combined status of a node-poststart report in output: 0..3, 3 for the
 * runner's error form ({"error": ..., "checks": [...]}: checks that could not
 * run), -1 when output holds no report. */
int dd_dcos_poststart_status(const char *output);

/* The failing checks of a node-poststart JSON report
 * ({"status": n, "checks": {name: {"status": n, "output": s}}}) as
 * "name: output; name: output", at most max bytes (cut with "..."); for the
 * error form, the error and the checks it names. NULL when output is not
 * such a report. */
char *dd_dcos_poststart_failures(const char *output, size_t max);

/* Compares dotted version prefixes numerically ("1.10.2" > "1.9",
 * "2.2.0-fixture" = "2.2.0"): <0, 0, >0. Missing parts count as 0. */
int dd_dcos_version_cmp(const char *a, const char *b);

/* The cluster checks `wait` runs after every node passed, in the order of
 * dcos-test-utils' DcosApiSession.wait_for_dcos (dcos_test_utils/dcos_api.py),
 * against a master's Admin Router. Each reads one answer: summary gets one
 * line saying what passed or what is missing (always NUL-terminated). */

/* GET /exhibitor/exhibitor/v1/cluster/status: Exhibitor's JSON array of
 * {"code": 3, "description": "serving", "hostname": ..., "isLeader": ...}
 * (Exhibitor ClusterResource.getClusterStatus). Passes when it lists
 * n_masters servers (dcos-test-utils' _wait_for_zk_quorum), every one
 * "serving", and one of them is the leader. */
bool dd_dcos_zk_quorum_ok(const char *body, size_t n_masters, char *summary, size_t size);

/* GET /mesos/master/slaves: {"slaves": [{"id", "hostname", "active", ...}]}
 * (Mesos master's /slaves, src/master/http.cpp). Passes when every IP of
 * agents (n of them) is the hostname of an active agent: dcos-test-utils'
 * _wait_for_slaves_to_join counts them; naming each tells which is missing. */
bool dd_dcos_agents_joined(const char *body, const char *const *agents, size_t n, char *summary,
                           size_t size);

/* GET /system/health/v1/units?cache=0 (dcos-diagnostics):
 * {"units": [{"id", "name", "health", ...}]}. Passes when there are units
 * and every one has health 0 (_wait_for_all_healthy_services). */
bool dd_dcos_units_healthy(const char *body, char *summary, size_t size);

/* GET /marathon/v2/info: 200 means Marathon is up (_wait_for_marathon_up);
 * the summary names its version and leader when the JSON has them. */
bool dd_dcos_marathon_up(long status, const char *body, char *summary, size_t size);

#endif
