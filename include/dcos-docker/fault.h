/* Fault injection into a running cluster (lib/fault.c): freezing, killing,
 * stopping and starting nodes; cutting the network between groups of nodes
 * and healing it; delaying a node's traffic (where the kernel has netem).
 * Every cut is made inside the nodes' own network namespaces, never in the
 * host's rules. */
#ifndef DCOS_DOCKER_FAULT_H
#define DCOS_DOCKER_FAULT_H

#include <stdbool.h>
#include <stddef.h>

#include "dcos-docker/cluster.h"
#include "dcos-docker/docker.h"
#include "dcos-docker/error.h"

/* Exported by libdcos-docker (see error.h). */
#pragma GCC visibility push(default)

/* The iptables chain that holds a node's cuts, hooked into its INPUT,
 * OUTPUT and FORWARD chains (FORWARD: the node's own containers). */
#define DD_PARTITION_CHAIN "DCOS-DOCKER-PARTITION"

enum dd_node_op {
	DD_NODE_PAUSE = 0, /* docker pause: every process frozen */
	DD_NODE_UNPAUSE,
	DD_NODE_KILL,    /* SIGKILL: no shutdown at all, as a power cut */
	DD_NODE_STOP,    /* systemd's clean shutdown (SIGRTMIN+3), SIGKILL after the timeout */
	DD_NODE_START,   /* boots it again and waits until it is ready */
	DD_NODE_RESTART, /* stop, then start */
	DD_NODE_OP_COUNT
};

/* "pause", "unpause", ... (the CLI's verbs). */
const char *dd_node_op_name(enum dd_node_op op);

typedef struct dd_node_op_opts {
	enum dd_node_op op;
	int stop_timeout;    /* stop, restart: seconds before SIGKILL; < 0: 30 */
	double boot_timeout; /* start, restart: seconds to boot; <= 0: 120 */
	dd_event_cb on_event;
	void *userdata;
} dd_node_op_opts;

/* What became of one node. */
typedef struct dd_node_op_result {
	const dd_node *node;
	bool changed;     /* false: it was in that state already (status says so) */
	char status[640]; /* "paused", "already stopped", "ready", ... */
	int r;            /* 0, or the failure in err */
	dd_error err;
} dd_node_op_result;

/* Applies op to the nodes, in parallel. A node already in the state asked
 * for is left as it is (changed false); a node that cannot take op (pause
 * or unpause of a stopped node, start of a paused one) fails with the
 * reason. start and restart bring a node back with its IP, machine-id,
 * host keys and volumes (it is the same container), and wait for it to boot
 * as create does. *ret gets one result per node, in the given order
 * (free()). Returns the first node's failure, or 0. */
int dd_nodes_op(dd_docker *d, const dd_cluster *c, const dd_node *const *nodes, size_t n,
                const dd_node_op_opts *opts, dd_node_op_result **ret, dd_error *err);

/* The two sides of a partition, resolved from node names (short names,
 * container names, IPs, or all|masters|agents|public-agents). from NULL
 * (n_from 0): every node not in group. Usage errors: an unknown node (the
 * message lists the valid names), a node on both sides, a side left empty.
 * *ret_group and *ret_from are malloc'ed arrays into c->nodes. */
int dd_partition_sides(const dd_cluster *c, const char *const *group, size_t n_group,
                       const char *const *from, size_t n_from, const dd_node ***ret_group,
                       size_t *ret_n_group, const dd_node ***ret_from, size_t *ret_n_from,
                       dd_error *err);

/* Cuts traffic both ways between every node of a and every node of b:
 * each node drops the other side's IP in its DD_PARTITION_CHAIN (added to
 * the cuts it has). Every node of both sides must be running (else nothing
 * is done and the error names the node). */
int dd_partition(dd_docker *d, const dd_cluster *c, const dd_node *const *a, size_t n_a,
                 const dd_node *const *b, size_t n_b, dd_error *err);

typedef struct dd_heal_result {
	size_t n_rules;  /* cuts removed (one per peer per node) */
	size_t n_delays; /* netem delays removed */
	size_t n_nodes;  /* nodes that had something to heal */
	/* Running nodes that could not be looked at (paused ones): comma separated. */
	char skipped[1024];
} dd_heal_result;

/* Removes every cut and every delay from every running node. Nothing to
 * heal is no error (all counts 0). A paused node cannot be healed (its
 * processes are frozen): it is named in skipped, and the rest healed. */
int dd_heal(dd_docker *d, const dd_cluster *c, dd_heal_result *ret, dd_error *err);

/* Whether this host's kernel can delay traffic with netem (sch_netem
 * loaded, built in or loadable); detail says what was found. */
bool dd_netem_available(char *detail, size_t size);

/* Delays the node's traffic on its cluster interface by delay_ms (tc qdisc
 * netem; 0 removes the delay). Fails with a one-line error when the kernel
 * has no sch_netem. */
int dd_node_delay(dd_docker *d, const dd_cluster *c, const dd_node *n, long delay_ms,
                  dd_error *err);

/* A node's fault state as inspect shows it. */
typedef struct dd_node_fault {
	char state[16]; /* "running", "paused", "stopped" */
	/* Short names (or IPs of no node of the cluster) the node drops,
	 * comma separated; known is false when it could not be read (paused). */
	bool known;
	char partitioned_from[2048];
	char delay[32]; /* netem delay ("100ms"), "" for none */
} dd_node_fault;

/* The fault state of every node of c, in c's order (*ret: c->n_nodes
 * entries, free()). Reads the nodes' rules (one exec per running node, in
 * parallel): what the nodes have is the truth, not a record of ours. */
int dd_cluster_faults(dd_docker *d, const dd_cluster *c, dd_node_fault **ret, dd_error *err);

#pragma GCC visibility pop
#endif
