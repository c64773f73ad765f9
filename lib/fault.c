/* Fault injection: node lifecycle (pause, kill, stop, start, ...) through
 * the Docker object layer, and network faults made inside each node's own
 * network namespace (iptables, tc), so the host's rules are never touched
 * and a node's faults go with it. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "cluster-internal.h"
#include "dcos-docker/cancel.h"
#include "dcos-docker/exec.h"
#include "dcos-docker/fault.h"
#include "docker/objects.h"
#include "event-internal.h"
#include "fault-internal.h"
#include "kmod-internal.h"
#include "node-boot-internal.h"
#include "pool.h"
#include "util.h"

#define DEFAULT_STOP_TIMEOUT 30
#define OUTPUT_MAX           (256u << 10)

static const char *const op_names[] = {"pause", "unpause", "kill", "stop", "start", "restart"};
_Static_assert(ELEMENTSOF(op_names) == DD_NODE_OP_COUNT, "a name per operation");

const char *dd_node_op_name(enum dd_node_op op)
{
	return op < DD_NODE_OP_COUNT ? op_names[op] : "?";
}

/* ---- the scripts run in the nodes ----
 * Constant texts: the peers' addresses reach them as arguments ("$@"),
 * never spliced into the text. */

/* Adds the cuts to the peers given as arguments (each once), and hooks the
 * chain first into INPUT, OUTPUT and FORWARD (once). Both directions are
 * dropped by both nodes of a pair, so a pair stays cut when one of them
 * restarts (a restart gives a node a new, empty network namespace). */
static const char partition_script[] =
    "set -e\n"
    "c=" DD_PARTITION_CHAIN "\n"
    "iptables -w -N \"$c\" 2>/dev/null || true\n"
    "for h in INPUT OUTPUT FORWARD; do\n"
    "  iptables -w -C \"$h\" -j \"$c\" 2>/dev/null || iptables -w -I \"$h\" 1 -j \"$c\"\n"
    "done\n"
    "for ip in \"$@\"; do\n"
    "  iptables -w -C \"$c\" -s \"$ip\" -j DROP 2>/dev/null || "
    "iptables -w -A \"$c\" -s \"$ip\" -j DROP\n"
    "  iptables -w -C \"$c\" -d \"$ip\" -j DROP 2>/dev/null || "
    "iptables -w -A \"$c\" -d \"$ip\" -j DROP\n"
    "done\n";

/* Removes the chain and its hooks, and every root netem qdisc; prints
 * "PEERS DELAYS" (what it removed). */
static const char heal_script[] =
    "c=" DD_PARTITION_CHAIN "\n"
    "n=0\n"
    "if iptables -w -S \"$c\" >/dev/null 2>&1; then\n"
    "  n=$(iptables -w -S \"$c\" | grep -c -- '^-A .* -s ' || true)\n"
    "  for h in INPUT OUTPUT FORWARD; do\n"
    "    while iptables -w -D \"$h\" -j \"$c\" 2>/dev/null; do :; done\n"
    "  done\n"
    "  iptables -w -F \"$c\" && iptables -w -X \"$c\" || exit 1\n"
    "fi\n"
    "d=0\n"
    "for dev in $(tc qdisc show 2>/dev/null | awk '$2 == \"netem\" && $6 == \"root\" "
    "{print $5}'); do\n"
    "  tc qdisc del dev \"$dev\" root && d=$((d + 1))\n"
    "done\n"
    "echo \"$n $d\"\n";

static const char state_script[] = "iptables -w -S " DD_PARTITION_CHAIN " 2>/dev/null || true\n"
                                   "echo ---\n"
                                   "tc qdisc show 2>/dev/null || true\n";

/* $1: the node's cluster address, $2: "100ms" or "off". The interface is
 * the one that has the address (eth0 on the cluster's own network). */
static const char delay_script[] =
    "dev=$(ip -o -4 addr show | awk -v ip=\"$1\" '{split($4, a, \"/\"); if (a[1] == ip) print "
    "$2}')\n"
    "[ -n \"$dev\" ] || { echo \"no interface has the address $1\" >&2; exit 3; }\n"
    "if [ \"$2\" = off ]; then\n"
    "  if tc qdisc show dev \"$dev\" | grep -q netem; then tc qdisc del dev \"$dev\" root; fi\n"
    "  exit 0\n"
    "fi\n"
    "exec tc qdisc replace dev \"$dev\" root netem delay \"$2\"\n";

/* Runs script in the node with args; its stdout in *ret_out (may be NULL).
 * A non-zero exit is an error with the script's stderr. */
static int node_script(dd_docker *d, const dd_node *n, const char *what, const char *script,
                       const char *const *args, size_t n_args, char **ret_out, dd_error *err)
{
	_cleanup_free_ const char **argv = dd_malloc0((n_args + 5) * sizeof(*argv));
	size_t k = 0;
	argv[k++] = "/bin/sh";
	argv[k++] = "-c";
	argv[k++] = script;
	argv[k++] = "dcos-docker";
	for (size_t i = 0; i < n_args; i++)
		argv[k++] = args[i];
	argv[k] = NULL;
	_cleanup_free_ char *out = NULL, *errout = NULL;
	int code = 0;
	int r = dd_exec_capture(d, n->id, argv, OUTPUT_MAX, &out, &errout, &code, err);
	if (r < 0)
		return dd_error_prefix(err, "Failed to %s on node %s: ", what, n->short_name);
	if (code != 0) {
		if (errout)
			errout[strcspn(errout, "\n")] = '\0';
		return dd_error_set(err, -EIO, "Failed to %s on node %s (exit %d): %s", what,
		                    n->short_name, code, errout && *errout ? errout : "no output");
	}
	if (ret_out)
		*ret_out = TAKE_PTR(out);
	return 0;
}

/* ---- node lifecycle ---- */

enum kind { K_RUNNING, K_PAUSED, K_STOPPED };

static enum kind kind_of(const char *state)
{
	if (strcmp(state, "paused") == 0)
		return K_PAUSED;
	/* restarting: the daemon is bringing it up already. */
	if (strcmp(state, "running") == 0 || strcmp(state, "restarting") == 0)
		return K_RUNNING;
	return K_STOPPED; /* created, exited, dead */
}

struct op_ctx {
	const dd_cluster *c;
	const dd_node *const *nodes;
	const dd_node_op_opts *opts;
	dd_node_op_result *results;
	bool *said; /* per node: a progress line was shown, so its end is shown too */
	pthread_mutex_t lock;
};

static void op_progress(struct op_ctx *x, const dd_node *n, const char *status, bool done)
{
	if (!x->opts->on_event)
		return;
	size_t i = (size_t)(n - x->c->nodes);
	if (i < x->c->n_nodes) {
		/* A node refused before any work (paused, stopped) says so in
		 * its error only. */
		if (done && !x->said[i])
			return;
		x->said[i] = true;
	}
	pthread_mutex_lock(&x->lock);
	dd_event_status(x->opts->on_event, x->opts->userdata, n->name, status, done);
	pthread_mutex_unlock(&x->lock);
}

static int node_state(dd_docker *d, const dd_node *n, char *buf, size_t size, dd_error *err)
{
	_cleanup_json_ json_t *j = NULL;
	int r = dd_container_inspect(d, n->id, &j, err);
	if (r < 0)
		return r;
	snprintf(buf, size, "%s",
	         json_string_value(json_object_get(json_object_get(j, "State"), "Status")) ?: "");
	return 0;
}

/* Starts (or restarts) the node and waits for its boot, the notify socket
 * bound first so that systemd's READY=1 reaches us. */
static int boot(struct op_ctx *x, dd_docker *d, const dd_node *n, bool restart, char *status,
                size_t size, dd_error *err)
{
	_cleanup_free_ char *dir = dd_asprintf("%s/nodes/%s", x->c->workspace, n->short_name);
	int fd = -1;
	dd_error be = {0};
	/* Without the socket (a workspace gone) the wait asks systemctl instead. */
	if (dd_node_notify_bind(dir, &fd, &be) < 0)
		fd = -1;
	int t = x->opts->stop_timeout >= 0 ? x->opts->stop_timeout : DEFAULT_STOP_TIMEOUT;
	op_progress(x, n, restart ? "restarting" : "starting", false);
	int r =
	    restart ? dd_container_restart(d, n->id, t, err) : dd_container_start(d, n->id, err);
	if (r == 0) {
		op_progress(x, n, "booting", false);
		dd_boot_wait w = {
		    .id = n->id, .ip = n->ip, .notify_fd = fd, .timeout = x->opts->boot_timeout};
		r = dd_node_boot_wait(d, &w, status, size, err);
	}
	dd_node_notify_close(dir, fd);
	return r;
}

static int op_node(struct op_ctx *x, dd_docker *d, const dd_node *n, dd_node_op_result *res)
{
	dd_error *err = &res->err;
	char state[32];
	int r = node_state(d, n, state, sizeof(state), err);
	if (r < 0)
		return r;
	enum kind k = kind_of(state);
	int t = x->opts->stop_timeout >= 0 ? x->opts->stop_timeout : DEFAULT_STOP_TIMEOUT;
	const char *same = NULL;
	switch (x->opts->op) {
	case DD_NODE_PAUSE:
		if (k == K_PAUSED)
			same = "already paused";
		else if (k == K_STOPPED)
			return dd_error_set(err, -EINVAL,
			                    "Node %s is not running (%s): only a "
			                    "running node can be paused",
			                    n->short_name, state);
		else if ((r = dd_container_pause(d, n->id, err)) == 0)
			snprintf(res->status, sizeof(res->status), "paused");
		break;
	case DD_NODE_UNPAUSE:
		if (k == K_RUNNING)
			same = "not paused";
		else if (k == K_STOPPED)
			return dd_error_set(err, -EINVAL,
			                    "Node %s is not paused but stopped (%s): "
			                    "'dcos-docker start' starts it",
			                    n->short_name, state);
		else if ((r = dd_container_unpause(d, n->id, err)) == 0)
			snprintf(res->status, sizeof(res->status), "running");
		break;
	case DD_NODE_KILL:
		if (k == K_STOPPED)
			same = "already stopped";
		else if ((r = dd_container_kill(d, n->id, "SIGKILL", err)) == 0)
			snprintf(res->status, sizeof(res->status), "killed");
		break;
	case DD_NODE_STOP:
		if (k == K_STOPPED)
			same = "already stopped";
		else {
			op_progress(x, n, "stopping", false);
			if ((r = dd_container_stop(d, n->id, t, err)) == 0)
				snprintf(res->status, sizeof(res->status), "stopped");
		}
		break;
	case DD_NODE_START:
		if (k == K_RUNNING)
			same = "already running";
		else if (k == K_PAUSED)
			return dd_error_set(err, -EINVAL,
			                    "Node %s is paused: 'dcos-docker unpause' "
			                    "resumes it",
			                    n->short_name);
		else
			r = boot(x, d, n, false, res->status, sizeof(res->status), err);
		break;
	case DD_NODE_RESTART: r = boot(x, d, n, true, res->status, sizeof(res->status), err); break;
	default: return dd_error_set(err, -EINVAL, "Unknown operation");
	}
	if (r < 0)
		return dd_error_prefix(err, "Failed to %s node %s: ", dd_node_op_name(x->opts->op),
		                       n->short_name);
	if (same)
		snprintf(res->status, sizeof(res->status), "%s", same);
	res->changed = !same;
	return 0;
}

static int op_job(void *userdata, size_t i, void *state)
{
	struct op_ctx *x = userdata;
	dd_node_op_result *res = &x->results[i];
	dd_docker *d = dd_pool_docker_get(state, &res->r, &res->err);
	if (d)
		res->r = op_node(x, d, res->node, res);
	op_progress(x, res->node, res->r < 0 ? "failed" : res->status, true);
	return res->r;
}

int dd_nodes_op(dd_docker *d, const dd_cluster *c, const dd_node *const *nodes, size_t n,
                const dd_node_op_opts *opts, dd_node_op_result **ret, dd_error *err)
{
	dd_node_op_result *results = dd_malloc0((n ? n : 1) * sizeof(*results));
	_cleanup_free_ bool *said = dd_malloc0(c->n_nodes + 1);
	struct op_ctx x = {.c = c, .nodes = nodes, .opts = opts, .results = results, .said = said};
	pthread_mutex_init(&x.lock, NULL);
	for (size_t i = 0; i < n; i++)
		results[i].node = nodes[i];
	dd_pool pool = {.n = n, .job = op_job, .userdata = &x, .docker = d};
	int *codes = dd_malloc0((n ? n : 1) * sizeof(int));
	dd_pool_run(&pool, codes);
	int r = 0;
	for (size_t i = 0; i < n; i++) {
		if (codes[i] == -ECANCELED && results[i].r == 0) {
			results[i].r = -ECANCELED;
			dd_error_set(&results[i].err, -ECANCELED, "Interrupted");
		}
		if (results[i].r < 0 && r == 0) {
			r = results[i].r;
			dd_error_copy(err, &results[i].err);
		}
	}
	free(codes);
	pthread_mutex_destroy(&x.lock);
	*ret = results;
	return r;
}

/* ---- partitions ---- */

static bool in_list(const dd_node *const *list, size_t n, const dd_node *node)
{
	for (size_t i = 0; i < n; i++)
		if (list[i] == node)
			return true;
	return false;
}

int dd_partition_sides(const dd_cluster *c, const char *const *group, size_t n_group,
                       const char *const *from, size_t n_from, const dd_node ***ret_group,
                       size_t *ret_n_group, const dd_node ***ret_from, size_t *ret_n_from,
                       dd_error *err)
{
	const dd_node **a = NULL, **b = NULL;
	size_t na = 0, nb = 0;
	int r = 0;
	for (size_t i = 0; i < n_group && r == 0; i++)
		r = dd_cluster_select(c, group[i], &a, &na, err);
	for (size_t i = 0; i < n_from && r == 0; i++)
		r = dd_cluster_select(c, from[i], &b, &nb, err);
	if (r == 0 && na == 0)
		r = dd_error_usage(err, -EINVAL, "No node to partition");
	for (size_t i = 0; r == 0 && i < nb; i++)
		if (in_list((const dd_node *const *)a, na, b[i])) {
			dd_error_usage(err, -EINVAL, "Node %s is on both sides of the partition",
			               b[i]->short_name);
			r = dd_error_hint(err, "A node cannot be cut from itself: name it on "
			                       "one side only.");
		}
	if (r == 0 && n_from == 0)
		for (size_t i = 0; i < c->n_nodes; i++)
			if (!in_list((const dd_node *const *)a, na, &c->nodes[i])) {
				const dd_node **nn = realloc(b, (nb + 1) * sizeof(*b));
				if (!nn)
					abort();
				b = nn;
				b[nb++] = &c->nodes[i];
			}
	if (r == 0 && nb == 0) {
		dd_error_usage(err, -EINVAL,
		               "Nothing to cut the nodes from: they are all the "
		               "cluster's nodes");
		r = dd_error_hint(err, "Name fewer nodes, or the other side with --from.");
	}
	if (r < 0) {
		free(a);
		free(b);
		return r;
	}
	*ret_group = a;
	*ret_n_group = na;
	*ret_from = b;
	*ret_n_from = nb;
	return 0;
}

struct part_ctx {
	const dd_node *const *nodes; /* a, then b */
	size_t n_a, n;
	int *r;
	dd_error *errs;
};

static int part_job(void *userdata, size_t i, void *state)
{
	struct part_ctx *x = userdata;
	dd_docker *d = dd_pool_docker_get(state, &x->r[i], &x->errs[i]);
	if (!d)
		return x->r[i];
	/* The other side's addresses. */
	bool in_a = i < x->n_a;
	size_t lo = in_a ? x->n_a : 0, hi = in_a ? x->n : x->n_a;
	_cleanup_free_ const char **ips = dd_malloc0((hi - lo + 1) * sizeof(*ips));
	for (size_t k = lo; k < hi; k++)
		ips[k - lo] = x->nodes[k]->ip;
	x->r[i] = node_script(d, x->nodes[i], "cut the network", partition_script, ips, hi - lo,
	                      NULL, &x->errs[i]);
	return x->r[i];
}

int dd_partition(dd_docker *d, const dd_cluster *c, const dd_node *const *a, size_t n_a,
                 const dd_node *const *b, size_t n_b, dd_error *err)
{
	(void)c;
	size_t n = n_a + n_b;
	_cleanup_free_ const dd_node **all = dd_malloc0((n ? n : 1) * sizeof(*all));
	memcpy(all, a, n_a * sizeof(*a));
	memcpy(all + n_a, b, n_b * sizeof(*b));
	/* Every node's state first: nothing is cut when one cannot take it. */
	for (size_t i = 0; i < n; i++) {
		char state[32];
		int r = node_state(d, all[i], state, sizeof(state), err);
		if (r < 0)
			return r;
		if (strcmp(state, "running") != 0) {
			dd_error_set(err, -EINVAL,
			             "Node %s is %s: its network can only be cut while it runs",
			             all[i]->short_name, state);
			return dd_error_hint(err, "%s",
			                     strcmp(state, "paused") == 0
			                         ? "Unpause it first ('dcos-docker unpause')."
			                         : "Start it first ('dcos-docker start').");
		}
	}
	_cleanup_free_ int *codes = dd_malloc0(n * sizeof(int));
	_cleanup_free_ dd_error *errs = dd_malloc0(n * sizeof(dd_error));
	struct part_ctx x = {.nodes = all, .n_a = n_a, .n = n, .r = codes, .errs = errs};
	dd_pool pool = {.n = n, .job = part_job, .userdata = &x, .docker = d};
	int r = dd_pool_run(&pool, NULL);
	for (size_t i = 0; i < n; i++)
		if (codes[i] < 0) {
			dd_error_copy(err, &errs[i]);
			return dd_error_hint(err, "Some cuts may be in place: 'dcos-docker heal' "
			                          "removes them.");
		}
	if (r < 0)
		return dd_error_set(err, r, "Interrupted");
	return 0;
}

/* ---- heal ---- */

struct heal_ctx {
	const dd_cluster *c;
	bool *skipped;
	size_t *rules, *delays;
	int *r;
	dd_error *errs;
};

static int heal_job(void *userdata, size_t i, void *state)
{
	struct heal_ctx *x = userdata;
	const dd_node *n = &x->c->nodes[i];
	dd_docker *d = dd_pool_docker_get(state, &x->r[i], &x->errs[i]);
	if (!d)
		return x->r[i];
	char st[32];
	if ((x->r[i] = node_state(d, n, st, sizeof(st), &x->errs[i])) < 0)
		return x->r[i];
	if (strcmp(st, "paused") == 0) {
		x->skipped[i] = true;
		return 0;
	}
	/* A stopped node has no network namespace: nothing of it is left. */
	if (strcmp(st, "running") != 0)
		return 0;
	_cleanup_free_ char *out = NULL;
	x->r[i] = node_script(d, n, "heal the network", heal_script, NULL, 0, &out, &x->errs[i]);
	if (x->r[i] == 0 && sscanf(out, "%zu %zu", &x->rules[i], &x->delays[i]) != 2)
		x->rules[i] = x->delays[i] = 0;
	return x->r[i];
}

int dd_heal(dd_docker *d, const dd_cluster *c, dd_heal_result *ret, dd_error *err)
{
	size_t n = c->n_nodes;
	_cleanup_free_ bool *skipped = dd_malloc0(n + 1);
	_cleanup_free_ size_t *rules = dd_malloc0((n + 1) * sizeof(size_t));
	_cleanup_free_ size_t *delays = dd_malloc0((n + 1) * sizeof(size_t));
	_cleanup_free_ int *codes = dd_malloc0((n + 1) * sizeof(int));
	_cleanup_free_ dd_error *errs = dd_malloc0((n + 1) * sizeof(dd_error));
	struct heal_ctx x = {c, skipped, rules, delays, codes, errs};
	dd_pool pool = {.n = n, .job = heal_job, .userdata = &x, .docker = d};
	int pr = dd_pool_run(&pool, NULL);
	*ret = (dd_heal_result){0};
	int r = 0;
	size_t off = 0;
	for (size_t i = 0; i < n; i++) {
		if (codes[i] < 0 && r == 0) {
			r = codes[i];
			dd_error_copy(err, &errs[i]);
		}
		ret->n_rules += rules[i];
		ret->n_delays += delays[i];
		ret->n_nodes += rules[i] + delays[i] > 0;
		if (skipped[i] && off + 40 < sizeof(ret->skipped))
			off += (size_t)snprintf(ret->skipped + off, sizeof(ret->skipped) - off,
			                        "%s%s", off ? ", " : "", c->nodes[i].short_name);
	}
	if (r == 0 && pr < 0)
		r = dd_error_set(err, pr, "Interrupted");
	return r;
}

/* ---- delay ---- */

/* The tool's own need of the kernel, not DC/OS's: not in the kmod table. */
static const dd_kmod netem_mod = {
    .name = "sch_netem",
    .config = "CONFIG_NET_SCH_NETEM",
    .needed_by = "'dcos-docker delay' (tc qdisc ... netem delay)",
    .without = "'dcos-docker delay' cannot delay a node's traffic",
    .source = "dcos-docker's delay command",
};

bool dd_netem_available(char *detail, size_t size)
{
	dd_kmod_status s = {0};
	dd_kmod_detect_one(NULL, NULL, &netem_mod, &s);
	snprintf(detail, size, "%s", s.detail);
	/* Loadable: the kernel loads a qdisc's module on first use (from a
	 * node too: the request goes to the host's modprobe). Unknown: let tc
	 * say. */
	return s.state != DD_KMOD_MISSING;
}

int dd_node_delay(dd_docker *d, const dd_cluster *c, const dd_node *n, long delay_ms, dd_error *err)
{
	(void)c;
	char detail[256];
	if (delay_ms > 0 && !dd_netem_available(detail, sizeof(detail)))
		return dd_error_set(err, -EOPNOTSUPP,
		                    "This host's kernel has no sch_netem, so no delay can be added "
		                    "(%s)",
		                    detail);
	char state[32];
	int r = node_state(d, n, state, sizeof(state), err);
	if (r < 0)
		return r;
	if (strcmp(state, "running") != 0)
		return dd_error_set(err, -EINVAL, "Node %s is %s: a delay needs it running",
		                    n->short_name, state);
	char arg[32];
	if (delay_ms > 0)
		snprintf(arg, sizeof(arg), "%ldms", delay_ms);
	else
		snprintf(arg, sizeof(arg), "off");
	const char *args[] = {n->ip, arg};
	return node_script(d, n, "set the delay", delay_script, args, 2, NULL, err);
}

/* ---- state ---- */

struct state_ctx {
	const dd_cluster *c;
	dd_node_fault *f;
};

static int state_job(void *userdata, size_t i, void *state)
{
	struct state_ctx *x = userdata;
	const dd_node *n = &x->c->nodes[i];
	dd_node_fault *f = &x->f[i];
	int r = 0;
	dd_error e = {0};
	dd_docker *d = dd_pool_docker_get(state, &r, &e);
	enum kind k = kind_of(n->state);
	snprintf(f->state, sizeof(f->state), "%s",
	         k == K_RUNNING  ? "running"
	         : k == K_PAUSED ? "paused"
	                         : "stopped");
	/* A stopped node has no network namespace, so no cut of its own. */
	f->known = k == K_STOPPED;
	if (!d || k != K_RUNNING)
		return 0;
	_cleanup_free_ char *out = NULL;
	if (node_script(d, n, "read the faults", state_script, NULL, 0, &out, &e) < 0)
		return 0; /* unknown: inspect still shows the rest */
	char *sep = strstr(out, "---\n");
	if (sep)
		*sep = '\0';
	dd_partition_rules_peers(out, x->c, f->partitioned_from, sizeof(f->partitioned_from));
	if (sep)
		dd_netem_delay_of(sep + 4, f->delay, sizeof(f->delay));
	f->known = true;
	return 0;
}

int dd_cluster_faults(dd_docker *d, const dd_cluster *c, dd_node_fault **ret, dd_error *err)
{
	(void)err;
	dd_node_fault *f = dd_malloc0((c->n_nodes + 1) * sizeof(*f));
	struct state_ctx x = {c, f};
	dd_pool pool = {.n = c->n_nodes, .job = state_job, .userdata = &x, .docker = d};
	dd_pool_run(&pool, NULL);
	*ret = f;
	return 0;
}

/* ---- pure parts ---- */

int dd_duration_ms_parse(const char *s, long *ret_ms)
{
	if (!s || !*s)
		return -EINVAL;
	if (strcmp(s, "off") == 0) {
		*ret_ms = 0;
		return 0;
	}
	if (!isdigit((unsigned char)s[0]) && s[0] != '.')
		return -EINVAL;
	char *end = NULL;
	errno = 0;
	double v = strtod(s, &end);
	if (errno || end == s || !isfinite(v) || v < 0)
		return -EINVAL;
	double mul;
	if (*end == '\0' || strcmp(end, "ms") == 0)
		mul = 1;
	else if (strcmp(end, "s") == 0)
		mul = 1000;
	else if (strcmp(end, "m") == 0)
		mul = 60000;
	else
		return -EINVAL;
	double ms = v * mul;
	if (ms > (double)DD_DELAY_MAX_MS || ms != floor(ms))
		return -EINVAL;
	*ret_ms = (long)ms;
	return 0;
}

void dd_partition_rules_peers(const char *rules, const dd_cluster *c, char *buf, size_t size)
{
	/* Each peer once: mark the cluster's nodes, keep other addresses. */
	_cleanup_free_ bool *seen = dd_malloc0(c->n_nodes + 1);
	char others[1024] = "";
	_cleanup_free_ char *copy = dd_strdup(rules ? rules : "");
	for (char *save = NULL, *l = strtok_r(copy, "\n", &save); l;
	     l = strtok_r(NULL, "\n", &save)) {
		char chain[64], flag[8], addr[64], target[32];
		if (sscanf(l, "-A %63s %7s %63s -j %31s", chain, flag, addr, target) != 4 ||
		    strcmp(chain, DD_PARTITION_CHAIN) != 0 || strcmp(target, "DROP") != 0 ||
		    (strcmp(flag, "-s") != 0 && strcmp(flag, "-d") != 0))
			continue;
		char *slash = strchr(addr, '/');
		if (slash && strcmp(slash, "/32") == 0)
			*slash = '\0';
		bool found = false;
		for (size_t i = 0; i < c->n_nodes && !found; i++)
			if (strcmp(c->nodes[i].ip, addr) == 0)
				found = seen[i] = true;
		if (found)
			continue;
		char needle[80];
		snprintf(needle, sizeof(needle), ",%s,", addr);
		char padded[sizeof(others) + 2];
		snprintf(padded, sizeof(padded), ",%s,", others);
		if (!strstr(padded, needle) && strlen(others) + strlen(addr) + 2 < sizeof(others))
			snprintf(others + strlen(others), sizeof(others) - strlen(others), "%s%s",
			         others[0] ? "," : "", addr);
	}
	size_t off = 0;
	buf[0] = '\0';
	for (size_t i = 0; i < c->n_nodes; i++)
		if (seen[i] && off + strlen(c->nodes[i].short_name) + 2 < size)
			off += (size_t)snprintf(buf + off, size - off, "%s%s", off ? "," : "",
			                        c->nodes[i].short_name);
	if (others[0] && off + strlen(others) + 2 < size)
		snprintf(buf + off, size - off, "%s%s", off ? "," : "", others);
}

void dd_netem_delay_of(const char *tc_show, char *buf, size_t size)
{
	buf[0] = '\0';
	_cleanup_free_ char *copy = dd_strdup(tc_show ? tc_show : "");
	for (char *save = NULL, *l = strtok_r(copy, "\n", &save); l;
	     l = strtok_r(NULL, "\n", &save)) {
		if (!dd_startswith(l, "qdisc netem "))
			continue;
		const char *p = strstr(l, " delay ");
		if (!p)
			continue;
		p += strlen(" delay ");
		snprintf(buf, size, "%.*s", (int)strcspn(p, " \t"), p);
		return;
	}
}

int dd_partition_from_index(int argc, char *const *argv)
{
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0)
			return argc;
		if (strcmp(argv[i], "--from") == 0 || dd_startswith(argv[i], "--from="))
			return i;
	}
	return argc;
}
