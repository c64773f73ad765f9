/* Installing DC/OS on a cluster's nodes, and waiting until it is healthy
 * ("postflight"). The host side of the installer contract (config.yaml,
 * genconf) is in dcos.h; this drives it and the nodes. Nothing here prints:
 * progress and output reach the caller through callbacks, which may be called
 * from worker threads (never two at once). */
#ifndef DCOS_DOCKER_INSTALL_H
#define DCOS_DOCKER_INSTALL_H

#include <stdbool.h>
#include <stddef.h>

#include "dcos-docker/cluster.h"
#include "dcos-docker/docker.h"
#include "dcos-docker/error.h"

/* Exported by libdcos-docker (see error.h). */
#pragma GCC visibility push(default)

/* What `wait` allows DC/OS by default, as the original postflight did. */
#define DD_DCOS_WAIT_DEFAULT_TIMEOUT 900

/* One output line of the installer's genconf run (node NULL) or of a node's
 * role install (node = its container name), without the newline. */
typedef void (*dd_node_output_cb)(const char *node, const char *line, void *userdata);

typedef struct dd_install_opts {
	const char *installer;          /* dcos_generate_config.sh; required */
	const char *variant;            /* NULL or "auto": from --version; "oss", "enterprise" */
	const char *extra_config;       /* NULL, or a YAML mapping merged last */
	const char *genconf_dir;        /* NULL, or files copied beside config.yaml */
	const char *license_key_path;   /* Enterprise */
	const char *superuser_username; /* Enterprise; NULL: bootstrapuser */
	const char *superuser_password; /* Enterprise; NULL: deleteme */
	const char *security_mode;      /* Enterprise; NULL, disabled, permissive, strict */
	/* The cluster's workspace when it is known before the cluster exists
	 * (create --installer): checked up front, as genconf will run there. */
	const char *workspace;
	/* Install even where the daemon's host runs cgroup v2, which no DC/OS
	 * release's agents run on (Mesos 1.11 needs cgroup v1 hierarchies). */
	bool allow_cgroup_v2;
	dd_progress_cb progress;        /* node NULL: cluster-wide steps and notes */
	dd_node_output_cb on_output;    /* may be NULL */
	void *userdata;
} dd_install_opts;

/* Everything about an install that needs no cluster: the installer checked
 * and its version run, the license read, the password hashed, the extra
 * config validated. `create --installer` prepares before it creates nodes, so
 * a mistake costs no cluster. */
typedef struct dd_install_plan dd_install_plan;

/* Usage errors for what the user named (missing installer, bad extra config,
 * security mode for open source, a workspace path the installer cannot run
 * in, a cgroup v2 host without allow_cgroup_v2, no docker CLI on this host);
 * a failure when the installer's --version run fails (with its output). The
 * installer is opened in its place (dd_installer_open): extracted there once
 * per installer file. opts and its strings must outlive the plan. */
int dd_dcos_install_prepare(dd_docker *d, const dd_install_opts *opts, dd_install_plan **ret,
			    dd_error *err);
const char *dd_install_plan_version(const dd_install_plan *p);
/* "oss" or "enterprise" (after --variant). */
const char *dd_install_plan_variant(const dd_install_plan *p);
void dd_install_plan_free(dd_install_plan *p);
static inline void dd_install_plan_freep(dd_install_plan **p)
{
	if (*p)
		dd_install_plan_free(*p);
}

/* Installs DC/OS on every node of c: writes genconf/config.yaml and
 * ip-detect, runs the installer's genconf on the host, then
 * dcos_install.sh --no-block-dcos-setup <role> on all nodes in parallel
 * (from genconf/serve, which every node mounts read-only at
 * DD_NODE_INSTALL_DIR), and records DD_DCOS_INFO_FILE. Every node must be
 * running and DC/OS must not be installed yet. A failed role install names
 * the node(s) with their exit code and last output lines. On dd_cancelled()
 * it stops the installer or the role installs and returns -ECANCELED. */
int dd_dcos_install(dd_docker *d, const dd_cluster *c, dd_install_plan *p, dd_error *err);

typedef struct dd_dcos_info {
	char version[64];
	char variant[16];      /* "oss" or "enterprise" */
	char installed_at[32]; /* UTC, ISO 8601 */
} dd_dcos_info;

/* Reads <workspace>/DD_DCOS_INFO_FILE. -ENOENT (no message) when DC/OS is
 * not installed. */
int dd_dcos_info_load(const char *workspace, dd_dcos_info *ret, dd_error *err);

/* ---- waiting ---- */

typedef struct dd_wait_opts {
	double timeout;        /* seconds; <= 0: DD_DCOS_WAIT_DEFAULT_TIMEOUT */
	bool skip_http_checks; /* no Admin Router check */
	/* Per node (container name), a short status: "<stage>: <detail>  [<elapsed>s]",
	 * at most every poll; done is true once the node passed or gave up. */
	dd_progress_cb progress;
	void *userdata;
} dd_wait_opts;

/* Waits, on all nodes in parallel, until each passes in order: the
 * dcos-download and dcos-setup units exited successfully; the node-poststart
 * check (dcos-check-runner, else dcos-diagnostics, else 3dt); unless
 * skipped, Admin Router answers on the node's IP (port 80 on masters, 61001
 * on agents). Returns 0 when every node passed. On timeout (-ETIMEDOUT) the
 * error names every node that did not pass, its stage and the last output of
 * that check. */
int dd_dcos_wait(dd_docker *d, const dd_cluster *c, const dd_wait_opts *opts, dd_error *err);

/* ---- pure parts of waiting (unit-tested) ---- */

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

#pragma GCC visibility pop
#endif
