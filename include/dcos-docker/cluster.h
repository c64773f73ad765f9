/* Clusters and their nodes. Docker labels are the only source of truth:
 * every container, volume and network carries dcos-docker.cluster=<name>;
 * nodes also carry role and index. Nothing is found by name prefix. */
#ifndef DCOS_DOCKER_CLUSTER_H
#define DCOS_DOCKER_CLUSTER_H

#include <stdbool.h>
#include <stddef.h>

#include "dcos-docker/docker.h"
#include "dcos-docker/error.h"

/* Exported by libdcos-docker (see error.h). */
#pragma GCC visibility push(default)

#define DD_LABEL_CLUSTER "dcos-docker.cluster"
#define DD_LABEL_ROLE "dcos-docker.role"
#define DD_LABEL_INDEX "dcos-docker.index"
#define DD_LABEL_WORKSPACE "dcos-docker.workspace"
#define DD_LABEL_PRIVILEGE "dcos-docker.privilege"

#define DD_CLUSTER_NAME_MAX 40
#define DD_MASTERS_MAX 9
#define DD_AGENTS_MAX 100

/* Where the cluster's install bootstrap is mounted in every node. */
#define DD_NODE_INSTALL_DIR "/opt/dcos_install_tmp"

enum dd_role { DD_ROLE_MASTER = 0, DD_ROLE_AGENT, DD_ROLE_PUBLIC_AGENT, DD_ROLE_COUNT };

/* "master", "agent", "public_agent" (labels, inspect). */
const char *dd_role_label(enum dd_role role);
/* "master", "agent", "pubagent" (node names: dcos-docker-pubagent1). */
const char *dd_role_prefix(enum dd_role role);
/* "master", "slave", "slave_public" (dcos_install.sh's argument). */
const char *dd_role_dcos(enum dd_role role);
int dd_role_from_label(const char *s, enum dd_role *ret);

typedef struct dd_node {
	enum dd_role role;
	int index;           /* 1-based within its role */
	char short_name[32]; /* master1, agent2, pubagent1 */
	char name[128];      /* container name = hostname: <cluster>-master1 */
	char id[72];         /* container id */
	char ip[48];         /* static IPv4 on the cluster network */
	char state[32];      /* Docker's state: running, exited, created, ... */
} dd_node;

typedef struct dd_cluster {
	char name[DD_CLUSTER_NAME_MAX + 1];
	char network[128];
	char network_id[72];
	char subnet[64];
	char gateway[48];
	char workspace[4096];
	char privilege[32]; /* "privileged" or "capabilities" */
	char image[256];
	size_t n_nodes;
	dd_node *nodes; /* masters, then agents, then public agents; each by index */
} dd_cluster;

void dd_cluster_free(dd_cluster *c);
static inline void dd_cluster_freep(dd_cluster **c)
{
	if (*c)
		dd_cluster_free(*c);
}

/* Lowercase letters, digits and '-', starting with a letter or digit, at most
 * DD_CLUSTER_NAME_MAX: it becomes part of hostnames. Usage error otherwise. */
int dd_cluster_name_check(const char *name, dd_error *err);

/* Loads a cluster by its labels. -ENOENT with "Cluster 'x' does not exist" when it has no container. */
int dd_cluster_load(dd_docker *d, const char *name, dd_cluster **ret, dd_error *err);

/* Paths inside a cluster's workspace (caller frees). */
char *dd_cluster_ssh_key_path(const dd_cluster *c);         /* <ws>/genconf/ssh_key */
char *dd_cluster_known_hosts_path(const dd_cluster *c);     /* <ws>/ssh/known_hosts */

/* Node lookup: a short name (master1), a container name, a container id
 * prefix (12+ chars) or an IP. The error lists the valid names. */
int dd_cluster_find_node(const dd_cluster *c, const char *spec, const dd_node **ret, dd_error *err);
/* Like find_node, and also the groups all|masters|agents|public-agents.
 * Appends to *nodes (deduplicated, cluster order kept). */
int dd_cluster_select(const dd_cluster *c, const char *spec, const dd_node ***nodes, size_t *n,
		      dd_error *err);
size_t dd_cluster_count_role(const dd_cluster *c, enum dd_role role);

/* One line per cluster for `list`. */
typedef struct dd_cluster_summary {
	char name[DD_CLUSTER_NAME_MAX + 1];
	int counts[DD_ROLE_COUNT];
	int running, total;
	char workspace[4096];
} dd_cluster_summary;
int dd_cluster_list(dd_docker *d, dd_cluster_summary **ret, size_t *ret_n, dd_error *err);

/* Progress of long operations, per node (node may be NULL for cluster-wide steps). */
typedef void (*dd_progress_cb)(const char *node, const char *status, bool done, void *userdata);

/* Removes the cluster's containers (with volumes), labelled volumes, network and workspace.
 * -ENOENT when nothing carries the cluster's label. */
int dd_cluster_destroy(dd_docker *d, const char *name, dd_progress_cb progress, void *userdata,
		       dd_error *err);

/* ---- create ---- */
typedef struct dd_mount_spec {
	char *src; /* absolute host path */
	char *dst; /* absolute container path */
	bool ro;
} dd_mount_spec;

/* Parses SRC:DST[:ro|:rw]; SRC must exist (made absolute), DST absolute. Usage errors. */
int dd_mount_spec_parse(const char *spec, dd_mount_spec *ret, dd_error *err);
void dd_mount_spec_clear(dd_mount_spec *m);

typedef struct dd_port_spec {
	char host_ip[48]; /* "" = all addresses */
	int host_port;
	int port;
	char proto[4]; /* tcp|udp */
} dd_port_spec;
/* [HOSTIP:]HOSTPORT:PORT[/tcp|/udp]. Usage errors. */
int dd_port_spec_parse(const char *spec, dd_port_spec *ret, dd_error *err);

typedef struct dd_create_opts {
	const char *name;
	int counts[DD_ROLE_COUNT];
	const char *image;          /* image reference; must exist */
	const char *storage_driver; /* "auto" (NULL) or a driver name */
	const char *workspace;      /* NULL: <state dir>/<name> */
	const dd_mount_spec *mounts[DD_ROLE_COUNT]; /* per role, already merged with global ones */
	size_t n_mounts[DD_ROLE_COUNT];
	const dd_port_spec *ports; /* published on master1 */
	size_t n_ports;
	double cpus[DD_ROLE_COUNT];        /* 0: no limit */
	long long memory[DD_ROLE_COUNT];   /* bytes, 0: no limit */
	double timeout;                    /* seconds for every node to become ready; 0: 120 */
	dd_progress_cb progress;
	void *userdata;
} dd_create_opts;

/* The checks of user input that need no daemon: name, counts, storage driver. */
int dd_create_opts_check(const dd_create_opts *opts, dd_error *err);

/* Validates everything it can before touching anything (usage errors), then
 * creates the network, the nodes in parallel and waits until each is ready.
 * On any failure, and when dd_cancelled() turns true, removes everything it
 * made and returns an error. */
int dd_cluster_create(dd_docker *d, const dd_create_opts *opts, dd_cluster **ret, dd_error *err);

/* The workspace root: $DCOS_DOCKER_WORKSPACE_ROOT, else $XDG_STATE_HOME/dcos-docker,
 * else ~/.local/state/dcos-docker. */
char *dd_workspace_root(void);
/* A cluster's default workspace: <workspace root>/<name> (caller frees). */
char *dd_cluster_workspace_path(const char *name);

/* Storage drivers usable for the nodes' inner Docker. */
int dd_storage_driver_check(const char *driver, dd_error *err);

#pragma GCC visibility pop
#endif
