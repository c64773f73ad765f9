/* export-logs: everything needed to troubleshoot a cluster, collected from
 * every node in parallel into one directory per node. Replaces "docker exec
 * in and run journalctl" with one command. */
#ifndef DCOS_DOCKER_LOGS_H
#define DCOS_DOCKER_LOGS_H

#include <stdbool.h>
#include <stddef.h>

#include "dcos-docker/cluster.h"
#include "dcos-docker/docker.h"
#include "dcos-docker/error.h"
#include "dcos-docker/event.h"

/* Exported by libdcos-docker (see error.h). */
#pragma GCC visibility push(default)

/* What is exported per node; each part is one file (or directory) in the node's directory. */
enum dd_logs_part {
	DD_LOGS_INSPECT = 0, /* docker-inspect.json: `docker inspect` of the node */
	DD_LOGS_CONSOLE,     /* console.log: the node's console (the container's log) */
	DD_LOGS_JOURNAL,     /* journal.log: the full systemd journal, every boot */
	DD_LOGS_UNITS,       /* systemd-units.txt: every unit and its state */
	DD_LOGS_DOCKER_INFO, /* docker-info.txt: `docker info` of the node's inner Docker */
	DD_LOGS_DOCKER_PS,   /* docker-ps.txt: `docker ps -a` of the node's inner Docker */
	DD_LOGS_VAR_LOG,     /* var-log/: the node's /var/log (binary journal included) */
	DD_LOGS_PART_COUNT
};

/* The file or directory name of a part ("journal.log"). */
const char *dd_logs_part_file(enum dd_logs_part part);

enum dd_logs_status {
	DD_LOGS_PENDING = 0,
	DD_LOGS_OK,
	DD_LOGS_SKIPPED, /* cannot exist: the node is not running */
	DD_LOGS_FAILED,
};

typedef struct dd_logs_node {
	const dd_node *node;
	char *dir; /* <DIR>/<container name> */
	bool running;
	int status[DD_LOGS_PART_COUNT]; /* enum dd_logs_status */
	char *why[DD_LOGS_PART_COUNT];  /* for skipped and failed parts */
} dd_logs_node;

typedef struct dd_logs_report {
	char *dir;
	size_t n_nodes;
	dd_logs_node *nodes; /* in cluster order */
	size_t failed;       /* failed parts, host parts included */
	size_t skipped;
	char *host_why; /* why a host part failed, or NULL */
} dd_logs_report;

void dd_logs_report_free(dd_logs_report *r);
static inline void dd_logs_report_freep(dd_logs_report **r)
{
	if (*r)
		dd_logs_report_free(*r);
}

typedef struct dd_logs_opts {
	const char *dir; /* created (0700) if missing; must not hold a node's directory yet */
	const char *tool_version; /* written to dcos-docker-version.txt */
	/* LOGS_NODE once per node when all its parts are done (from worker
	 * threads, one call at a time). */
	dd_event_cb on_event;
	void *userdata;
} dd_logs_opts;

/* Exports every node of the cluster in parallel, plus the host's
 * `docker info` (host-docker-info.json), `docker version`
 * (host-docker-version.json) and the tool's version. A part that fails does
 * not stop the others: the report says what failed and why, and the call
 * still returns 0. Errors (negative return) are for what prevents the export
 * as a whole: an unusable DIR, node directories that already exist. */
int dd_logs_export(dd_docker *d, const dd_cluster *c, const dd_logs_opts *opts,
                   dd_logs_report **ret, dd_error *err);

#pragma GCC visibility pop
#endif
