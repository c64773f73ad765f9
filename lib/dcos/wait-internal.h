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

#endif
