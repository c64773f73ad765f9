/* Installing DC/OS on a cluster's nodes (waiting until it is healthy, the
 * "postflight", is wait.h). The host side of the installer contract
 * (config.yaml, genconf) is internal to the library; this drives it and the
 * nodes. Nothing here prints:
 * progress and output reach the caller as events (on_event), which may come
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
	/* STATUS and DONE (node NULL: cluster-wide steps and notes); OUTPUT: the
	 * lines of the installer's genconf run (node NULL) and of each node's
	 * role install (node = its container name). */
	dd_event_cb on_event;
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
	char variant[16];       /* "oss" or "enterprise" */
	char installed_at[32];  /* UTC, ISO 8601: of the install, or of the last upgrade */
	char upgraded_from[64]; /* "" unless upgraded: the version before the last upgrade */
} dd_dcos_info;

typedef struct dd_upgrade_opts {
	double timeout;        /* of each node's health wait; <= 0: the wait default */
	bool skip_http_checks; /* no Admin Router check in those waits */
	bool wait;             /* wait for every agent too (masters always are) */
} dd_upgrade_opts;

/* Upgrades DC/OS on every node of c, installed by dd_dcos_install, to the
 * installer of p: writes genconf/config.yaml again (the plan's options),
 * runs the installer's --generate-node-upgrade-script <installed version>
 * in the workspace, then dcos_node_upgrade.sh (seen through the serve/
 * mount) on the masters one at a time, each healthy (dd_dcos_wait) before
 * the next, then on the agents in parallel, then the public agents in
 * parallel; on agents
 * /opt/mesosphere/lib/libltdl.so.7 is removed first. Stops at the first
 * failure, naming the node, the step, its last output lines and which nodes
 * were upgraded. Records the new version with upgraded_from in
 * DD_DCOS_INFO_FILE. The same version is not refused. */
int dd_dcos_upgrade(dd_docker *d, const dd_cluster *c, dd_install_plan *p,
                    const dd_upgrade_opts *uo, dd_error *err);

/* Reads <workspace>/dcos.json (DD_DCOS_INFO_FILE). -ENOENT (no message) when DC/OS is
 * not installed. */
int dd_dcos_info_load(const char *workspace, dd_dcos_info *ret, dd_error *err);
/* dd_dcos_info_load for a command that needs DC/OS: when it is not installed,
 * -ENOENT with "DC/OS is not installed on cluster 'NAME'" (then ": why" when
 * why is given) and the hint to install it (an operation error, exit 1: the
 * cluster is fine, it is in the wrong state). */
int dd_dcos_info_require(const dd_cluster *c, const char *why, dd_dcos_info *ret, dd_error *err);

#pragma GCC visibility pop
#endif
