/* Cluster model: finding clusters and nodes by labels, listing, destroying. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <signal.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "cluster-internal.h"
#include "create-internal.h"
#include "dcos-docker/cancel.h"
#include "dcos-docker/cluster.h"
#include "dcos-docker/create.h"
#include "dcos-docker/image.h"
#include "dcos-docker/specs.h"
#include "dcos/installer-internal.h"
#include "docker/objects.h"
#include "event-internal.h"
#include "pool.h"
#include "util.h"

static const char *const role_labels[] = {"master", "agent", "public_agent"};
static const char *const role_prefixes[] = {"master", "agent", "pubagent"};
static const char *const role_dcos[] = {"master", "slave", "slave_public"};

const char *dd_role_label(enum dd_role role)
{
	return role_labels[role];
}
const char *dd_role_prefix(enum dd_role role)
{
	return role_prefixes[role];
}
const char *dd_role_dcos(enum dd_role role)
{
	return role_dcos[role];
}

static int dd_role_from_label(const char *s, enum dd_role *ret)
{
	for (int i = 0; i < DD_ROLE_COUNT; i++)
		if (s && strcmp(s, role_labels[i]) == 0) {
			*ret = (enum dd_role)i;
			return 0;
		}
	return -EINVAL;
}

int dd_cluster_name_check(const char *name, dd_error *err)
{
	size_t n = name ? strlen(name) : 0;
	bool ok = n > 0 && n <= DD_CLUSTER_NAME_MAX && isalnum((unsigned char)name[0]) &&
	          name[n - 1] != '-';
	for (size_t i = 0; ok && i < n; i++)
		ok = (islower((unsigned char)name[i]) || isdigit((unsigned char)name[i]) ||
		      name[i] == '-');
	if (!ok) {
		dd_error_usage(err, -EINVAL, "Invalid cluster name '%s'", name ? name : "");
		return dd_error_hint(
		    err,
		    "Use 1 to %d lowercase letters, digits and '-', starting with a "
		    "letter or digit (it becomes part of each node's hostname).",
		    DD_CLUSTER_NAME_MAX);
	}
	return 0;
}

void dd_cluster_free(dd_cluster *c)
{
	if (!c)
		return;
	free(c->nodes);
	free(c);
}

char *dd_workspace_root(void)
{
	const char *e = getenv("DCOS_DOCKER_WORKSPACE_ROOT");
	/* Relative to where the command runs, as --workspace is: the nodes
	 * bind it, and the daemon takes a relative source for a volume name. */
	if (e && *e) {
		char *abs = dd_path_absolute(e);
		return abs ? abs : dd_strdup(e);
	}
	e = getenv("XDG_STATE_HOME");
	if (e && *e == '/')
		return dd_asprintf("%s/dcos-docker", e);
	const char *home = getenv("HOME");
	if (!home || !*home) {
		struct passwd *pw = getpwuid(getuid());
		home = pw ? pw->pw_dir : "/tmp";
	}
	return dd_asprintf("%s/.local/state/dcos-docker", home);
}

char *dd_cluster_workspace_path(const char *name)
{
	_cleanup_free_ char *root = dd_workspace_root();
	return dd_asprintf("%s/%s", root, name);
}

char *dd_cluster_ssh_key_path(const dd_cluster *c)
{
	return dd_asprintf("%s/genconf/ssh_key", c->workspace);
}

char *dd_cluster_known_hosts_path(const dd_cluster *c)
{
	return dd_asprintf("%s/ssh/known_hosts", c->workspace);
}

const char *dd_json_label(json_t *labels, const char *key)
{
	return json_string_value(json_object_get(labels, key));
}

static int node_cmp(const void *a, const void *b)
{
	const dd_node *x = a, *y = b;
	if (x->role != y->role)
		return (int)x->role - (int)y->role;
	return x->index - y->index;
}

int dd_node_from_json(json_t *ctr, const char *network, dd_node *n)
{
	json_t *labels = json_object_get(ctr, "Labels");
	if (dd_role_from_label(dd_json_label(labels, DD_LABEL_ROLE), &n->role) < 0)
		return -EINVAL;
	const char *idx = dd_json_label(labels, DD_LABEL_INDEX);
	n->index = idx ? atoi(idx) : 0;
	snprintf(n->short_name, sizeof(n->short_name), "%s%d", dd_role_prefix(n->role), n->index);
	const char *name = json_string_value(json_array_get(json_object_get(ctr, "Names"), 0));
	snprintf(n->name, sizeof(n->name), "%s", name ? (name[0] == '/' ? name + 1 : name) : "");
	snprintf(n->id, sizeof(n->id), "%s", json_string_value(json_object_get(ctr, "Id")) ?: "");
	snprintf(n->state, sizeof(n->state), "%s",
	         json_string_value(json_object_get(ctr, "State")) ?: "unknown");
	/* The static address the node was created with: it is kept in the
	 * endpoint's IPAM config even while the container is stopped. */
	json_t *nets = json_object_get(json_object_get(ctr, "NetworkSettings"), "Networks");
	json_t *ep = network ? json_object_get(nets, network) : NULL;
	if (!ep) {
		const char *k;
		json_t *v;
		json_object_foreach (nets, k, v) {
			ep = v;
			break;
		}
	}
	const char *ip =
	    json_string_value(json_object_get(json_object_get(ep, "IPAMConfig"), "IPv4Address"));
	if (!ip || !*ip)
		ip = json_string_value(json_object_get(ep, "IPAddress"));
	snprintf(n->ip, sizeof(n->ip), "%s", ip ? ip : "");
	return 0;
}

int dd_cluster_load(dd_docker *d, const char *name, dd_cluster **ret, dd_error *err)
{
	_cleanup_json_ json_t *ctrs = NULL;
	int r = dd_container_list(d, DD_LABEL_CLUSTER, name, &ctrs, err);
	if (r < 0)
		return r;
	if (json_array_size(ctrs) == 0) {
		/* Something of it may be left (a killed create, an interrupted
		 * destroy): then it exists, and destroy is what removes it. */
		dd_cluster_summary s;
		r = dd_cluster_summary_get(d, name, &s, err);
		if (r < 0)
			return r;
		dd_error_set(err, -ENOENT, "Cluster '%s' is %s", name, s.state);
		return dd_error_hint(err,
		                     "'dcos-docker inspect --cluster %s' shows what is left; "
		                     "'dcos-docker destroy --cluster %s' removes it.",
		                     name, name);
	}
	_cleanup_json_ json_t *nets = NULL;
	r = dd_network_list(d, DD_LABEL_CLUSTER, name, &nets, err);
	if (r < 0)
		return r;

	dd_cluster *c = dd_malloc0(sizeof(*c));
	snprintf(c->name, sizeof(c->name), "%s", name);
	json_t *net = json_array_get(nets, 0);
	/* No network of ours: the nodes are on one the user gave (--network). */
	_cleanup_json_ json_t *user_net = NULL;
	const char *on =
	    dd_json_label(json_object_get(json_array_get(ctrs, 0), "Labels"), DD_LABEL_NETWORK);
	if (!net && on && dd_network_inspect(d, on, &user_net, NULL) == 0)
		net = user_net;
	if (net) {
		snprintf(c->network, sizeof(c->network), "%s",
		         json_string_value(json_object_get(net, "Name")) ?: "");
		snprintf(c->network_id, sizeof(c->network_id), "%s",
		         json_string_value(json_object_get(net, "Id")) ?: "");
		json_t *cfg =
		    json_array_get(json_object_get(json_object_get(net, "IPAM"), "Config"), 0);
		snprintf(c->subnet, sizeof(c->subnet), "%s",
		         json_string_value(json_object_get(cfg, "Subnet")) ?: "");
		snprintf(c->gateway, sizeof(c->gateway), "%s",
		         json_string_value(json_object_get(cfg, "Gateway")) ?: "");
	}
	c->nodes = dd_malloc0(json_array_size(ctrs) * sizeof(dd_node));
	size_t i;
	json_t *ctr;
	json_array_foreach (ctrs, i, ctr) {
		if (dd_node_from_json(ctr, c->network[0] ? c->network : NULL,
		                      &c->nodes[c->n_nodes]) < 0)
			continue; /* a labelled container that is not a node (future sidecars) */
		json_t *labels = json_object_get(ctr, "Labels");
		if (!c->workspace[0])
			snprintf(c->workspace, sizeof(c->workspace), "%s",
			         dd_json_label(labels, DD_LABEL_WORKSPACE) ?: "");
		if (!c->privilege[0])
			snprintf(c->privilege, sizeof(c->privilege), "%s",
			         dd_json_label(labels, DD_LABEL_PRIVILEGE) ?: "");
		if (!c->image[0])
			snprintf(c->image, sizeof(c->image), "%s",
			         dd_json_label(labels, DD_LABEL_IMAGE)
			             ?: json_string_value(json_object_get(ctr, "Image")) ?: "");
		c->n_nodes++;
	}
	if (c->n_nodes)
		qsort(c->nodes, c->n_nodes, sizeof(dd_node), node_cmp);
	*ret = c;
	return 0;
}

size_t dd_cluster_count_role(const dd_cluster *c, enum dd_role role)
{
	size_t n = 0;
	for (size_t i = 0; i < c->n_nodes; i++)
		n += c->nodes[i].role == role;
	return n;
}

int dd_cluster_find_node(const dd_cluster *c, const char *spec, const dd_node **ret, dd_error *err)
{
	size_t speclen = strlen(spec);
	for (size_t i = 0; i < c->n_nodes; i++) {
		const dd_node *n = &c->nodes[i];
		if (strcmp(spec, n->short_name) == 0 || strcmp(spec, n->name) == 0 ||
		    (n->ip[0] && strcmp(spec, n->ip) == 0) ||
		    (speclen >= 12 && strncmp(spec, n->id, speclen) == 0)) {
			*ret = n;
			return 0;
		}
	}
	char names[1024] = "";
	size_t off = 0;
	for (size_t i = 0; i < c->n_nodes && off < sizeof(names) - 64; i++)
		off += (size_t)snprintf(names + off, sizeof(names) - off, "%s%s", i ? ", " : "",
		                        c->nodes[i].short_name);
	dd_error_usage(err, -ENOENT, "No node '%s' in cluster '%s'", spec, c->name);
	return dd_error_hint(err, "Valid nodes: %s (or their container names or IPs)", names);
}

static void add_node(const dd_node ***nodes, size_t *n, const dd_node *node)
{
	for (size_t i = 0; i < *n; i++)
		if ((*nodes)[i] == node)
			return;
	const dd_node **nn = realloc(*nodes, (*n + 1) * sizeof(**nodes));
	if (!nn)
		abort();
	nn[(*n)++] = node;
	*nodes = nn;
}

int dd_cluster_select(const dd_cluster *c, const char *spec, const dd_node ***nodes, size_t *n,
                      dd_error *err)
{
	static const struct {
		const char *name;
		int role; /* -1: all */
	} groups[] = {{"all", -1},
	              {"masters", DD_ROLE_MASTER},
	              {"agents", DD_ROLE_AGENT},
	              {"public-agents", DD_ROLE_PUBLIC_AGENT}};
	for (size_t g = 0; g < ELEMENTSOF(groups); g++) {
		if (strcmp(spec, groups[g].name) != 0)
			continue;
		for (size_t i = 0; i < c->n_nodes; i++)
			if (groups[g].role < 0 || (int)c->nodes[i].role == groups[g].role)
				add_node(nodes, n, &c->nodes[i]);
		return 0;
	}
	const dd_node *node = NULL;
	int r = dd_cluster_find_node(c, spec, &node, err);
	if (r < 0)
		return r;
	add_node(nodes, n, node);
	return 0;
}

/* ---- what exists of each cluster ---- */

char *dd_cluster_shape_label(const int counts[DD_ROLE_COUNT])
{
	_cleanup_buf_ dd_buf b = DD_BUF_HEAD(64 * 1024);
	for (int role = 0; role < DD_ROLE_COUNT; role++)
		for (int i = 1; i <= counts[role]; i++)
			dd_buf_addf(&b, "%s%s%d", b.len ? "," : "",
			            dd_role_prefix((enum dd_role)role), i);
	return b.data ? dd_buf_take(&b) : dd_strdup("");
}

/* What one cluster's summary is made from, besides what it shows. */
struct extra {
	json_t *present; /* short names of its node containers */
	json_t *netids;  /* the networks its nodes are attached to */
	char shape[2048];
	size_t others; /* labelled containers that are not nodes */
};

struct coll {
	dd_cluster_summary *list;
	struct extra *extra;
	size_t n;
};

static void coll_clear(struct coll *c)
{
	for (size_t i = 0; c->extra && i < c->n; i++) {
		json_decref(c->extra[i].present);
		json_decref(c->extra[i].netids);
	}
	free(c->extra);
	free(c->list);
	*c = (struct coll){0};
}

static size_t coll_get(struct coll *c, const char *name)
{
	for (size_t k = 0; k < c->n; k++)
		if (strcmp(c->list[k].name, name) == 0)
			return k;
	c->list = realloc(c->list, (c->n + 1) * sizeof(*c->list));
	c->extra = realloc(c->extra, (c->n + 1) * sizeof(*c->extra));
	if (!c->list || !c->extra)
		abort();
	memset(&c->list[c->n], 0, sizeof(*c->list));
	memset(&c->extra[c->n], 0, sizeof(*c->extra));
	snprintf(c->list[c->n].name, sizeof(c->list[c->n].name), "%s", name);
	c->extra[c->n].present = json_object();
	c->extra[c->n].netids = json_object();
	return c->n++;
}

static void take_labels(dd_cluster_summary *s, struct extra *x, json_t *labels)
{
	const char *ws = dd_json_label(labels, DD_LABEL_WORKSPACE);
	if (ws && !s->workspace[0])
		snprintf(s->workspace, sizeof(s->workspace), "%s", ws);
	const char *shape = dd_json_label(labels, DD_LABEL_NODES);
	if (shape && !x->shape[0])
		snprintf(x->shape, sizeof(x->shape), "%s", shape);
}

/* The owner a workspace's marker names, if it is a valid cluster name. */
static bool marker_owner(const char *ws, char *owner, size_t size)
{
	_cleanup_free_ char *marker = dd_asprintf("%s/" DD_WORKSPACE_MARKER, ws);
	_cleanup_free_ char *text = NULL;
	if (dd_read_file(marker, 4096, &text, NULL) < 0)
		return false;
	text[strcspn(text, "\n")] = '\0';
	if (dd_cluster_name_check(text, NULL) < 0)
		return false;
	snprintf(owner, size, "%s", text);
	return true;
}

_Static_assert(DD_CLUSTER_NODES_MAX >= DD_MASTERS_MAX + 2 * DD_AGENTS_MAX,
               "dd_cluster_summary.missing_nodes holds every node of a cluster");

/* ---- the shape record: the nodes a cluster has now ---- */

bool dd_nodes_record_read(const char *ws, char *buf, size_t size)
{
	_cleanup_free_ char *path = dd_asprintf("%s/" DD_NODES_RECORD_FILE, ws);
	_cleanup_free_ char *text = NULL;
	if (dd_read_file(path, 1u << 20, &text, NULL) < 0)
		return false;
	_cleanup_json_ json_t *j = json_loads(text, 0, NULL);
	json_t *nodes = json_object_get(j, "nodes");
	if (!json_is_array(nodes))
		return false;
	_cleanup_buf_ dd_buf b = DD_BUF_HEAD(64 * 1024);
	size_t i;
	json_t *v;
	json_array_foreach (nodes, i, v)
		if (json_is_string(v))
			dd_buf_addf(&b, "%s%s", b.len ? "," : "", json_string_value(v));
	if (b.len >= size) /* never a cut record: a node would show as missing */
		return false;
	snprintf(buf, size, "%s", b.data ? dd_buf_str(&b) : "");
	return true;
}

int dd_nodes_record_write(const char *ws, const char *csv, dd_error *err)
{
	_cleanup_json_ json_t *nodes = json_array();
	_cleanup_free_ char *copy = dd_strdup(csv);
	for (char *save = NULL, *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save))
		json_array_append_new(nodes, json_string(t));
	_cleanup_json_ json_t *j = json_pack("{s:O}", "nodes", nodes);
	_cleanup_free_ char *text = json_dumps(j, JSON_INDENT(2));
	_cleanup_free_ char *path = dd_asprintf("%s/" DD_NODES_RECORD_FILE, ws);
	int r = text ? dd_write_file(path, text, strlen(text), 0644) : -ENOMEM;
	if (r < 0)
		return dd_error_set(err, r, "Failed to write %s: %s", path, strerror(-r));
	return 0;
}

static void summary_finish(dd_cluster_summary *s, struct extra *x)
{
	/* The record add-node and remove-node keep wins over the create-time
	 * label (Docker labels cannot change). */
	if (s->workspace[0])
		dd_nodes_record_read(s->workspace, x->shape, sizeof(x->shape));
	s->shape_known = x->shape[0] != '\0';
	size_t off = 0;
	char shape[sizeof(x->shape)];
	snprintf(shape, sizeof(shape), "%s", x->shape);
	for (char *save = NULL, *t = strtok_r(shape, ",", &save); t;
	     t = strtok_r(NULL, ",", &save)) {
		if (json_object_get(x->present, t))
			continue;
		if (s->n_missing < ELEMENTSOF(s->missing_nodes))
			snprintf(s->missing_nodes[s->n_missing++], sizeof(s->missing_nodes[0]),
			         "%s", t);
		if (off + strlen(t) + 3 < sizeof(s->missing))
			off += (size_t)snprintf(s->missing + off, sizeof(s->missing) - off, "%s%s",
			                        off ? ", " : "", t);
	}
	if (s->workspace[0]) {
		_cleanup_free_ char *marker = dd_asprintf("%s/" DD_WORKSPACE_MARKER, s->workspace);
		s->workspace_dir = access(marker, F_OK) == 0;
	}
	bool nodes = s->total > 0;
	s->complete = nodes && s->network && !s->missing[0];
	/* Never a cluster with a node running: whatever is missing, someone may
	 * be using it. Without the shape label (made by an older version),
	 * nodes missing cannot be told. */
	s->incomplete = s->running == 0 && (!nodes || !s->network || s->missing[0]);
	if (!nodes) {
		const char *parts[4];
		size_t n = 0;
		if (x->others)
			parts[n++] = "containers";
		if (s->n_volumes)
			parts[n++] = "volumes";
		if (s->network)
			parts[n++] = "network";
		if (s->workspace_dir)
			parts[n++] = "workspace";
		if (n == 1)
			snprintf(s->state, sizeof(s->state), "incomplete (%s only)", parts[0]);
		else if (n == 0)
			snprintf(s->state, sizeof(s->state), "incomplete (nothing left)");
		else {
			off = (size_t)snprintf(s->state, sizeof(s->state), "incomplete (");
			for (size_t i = 0; i < n; i++)
				off += (size_t)snprintf(s->state + off, sizeof(s->state) - off,
				                        "%s%s", i ? ", " : "", parts[i]);
			snprintf(s->state + off, sizeof(s->state) - off, ")");
		}
		return;
	}
	if (!s->complete) {
		snprintf(s->state, sizeof(s->state), "%s (%s%s%s%s)",
		         s->running > 0 ? "degraded" : "incomplete", s->missing,
		         s->missing[0] ? " missing" : "", s->missing[0] && !s->network ? "; " : "",
		         s->network ? "" : "network missing");
		return;
	}
	snprintf(s->state, sizeof(s->state), "%s",
	         s->running == s->total ? "running"
	         : s->running == 0      ? "stopped"
	                                : "partly running");
}

static int summary_cmp(const void *a, const void *b)
{
	return strcmp(((const dd_cluster_summary *)a)->name, ((const dd_cluster_summary *)b)->name);
}

/* Everything labelled with a cluster (only that one unless only is NULL), and
 * the marked workspaces under the workspace root. */
static int collect(dd_docker *d, const char *only, struct coll *c, dd_error *err)
{
	_cleanup_json_ json_t *ctrs = NULL, *vols = NULL, *nets = NULL;
	int r;
	if ((r = dd_container_list(d, DD_LABEL_CLUSTER, only, &ctrs, err)) < 0 ||
	    (r = dd_volume_list(d, DD_LABEL_CLUSTER, only, &vols, err)) < 0 ||
	    (r = dd_network_list(d, DD_LABEL_CLUSTER, only, &nets, err)) < 0)
		return r;
	size_t i;
	json_t *o;
	json_array_foreach (ctrs, i, o) {
		json_t *labels = json_object_get(o, "Labels");
		const char *name = dd_json_label(labels, DD_LABEL_CLUSTER);
		if (!name)
			continue;
		size_t k = coll_get(c, name);
		dd_cluster_summary *s = &c->list[k];
		struct extra *x = &c->extra[k];
		dd_node n = {0};
		if (dd_node_from_json(o, NULL, &n) < 0) {
			x->others++;
			continue;
		}
		take_labels(s, x, labels);
		s->counts[n.role]++;
		s->total++;
		s->running += strcmp(n.state, "running") == 0;
		json_object_set_new(x->present, n.short_name, json_true());
		const char *key;
		json_t *ep;
		json_object_foreach (
		    json_object_get(json_object_get(o, "NetworkSettings"), "Networks"), key, ep) {
			const char *id = json_string_value(json_object_get(ep, "NetworkID"));
			if (id && *id)
				json_object_set_new(x->netids, id, json_true());
		}
	}
	json_array_foreach (vols, i, o) {
		const char *name = dd_json_label(json_object_get(o, "Labels"), DD_LABEL_CLUSTER);
		if (!name)
			continue;
		size_t k = coll_get(c, name); /* may move c->list */
		c->list[k].n_volumes++;
	}
	json_array_foreach (nets, i, o) {
		json_t *labels = json_object_get(o, "Labels");
		const char *name = dd_json_label(labels, DD_LABEL_CLUSTER);
		if (!name)
			continue;
		size_t k = coll_get(c, name);
		c->list[k].network = true;
		/* The network's shape first: it is made before any node. */
		const char *shape = dd_json_label(labels, DD_LABEL_NODES);
		if (shape)
			snprintf(c->extra[k].shape, sizeof(c->extra[k].shape), "%s", shape);
		take_labels(&c->list[k], &c->extra[k], labels);
	}
	/* Nodes on a network that is not labelled ours (one the user gave):
	 * the network is there as long as the one they are attached to is. */
	_cleanup_json_ json_t *all = NULL;
	for (size_t k = 0; k < c->n; k++) {
		if (c->list[k].network || json_object_size(c->extra[k].netids) == 0)
			continue;
		if (!all && (r = dd_network_list(d, NULL, NULL, &all, err)) < 0)
			return r;
		json_array_foreach (all, i, o) {
			const char *id = json_string_value(json_object_get(o, "Id"));
			if (id && json_object_get(c->extra[k].netids, id))
				c->list[k].network = true;
		}
	}
	/* Workspaces at the default place: what a run killed before its network
	 * was made, or a destroy stopped at the workspace, leaves. */
	_cleanup_free_ char *root = dd_workspace_root();
	DIR *dir = opendir(root);
	struct dirent *e;
	while (dir && (e = readdir(dir))) {
		if (e->d_name[0] == '.')
			continue;
		_cleanup_free_ char *ws = dd_asprintf("%s/%s", root, e->d_name);
		char owner[DD_CLUSTER_NAME_MAX + 1];
		if (!marker_owner(ws, owner, sizeof(owner)) || (only && strcmp(owner, only) != 0))
			continue;
		size_t k = coll_get(c, owner);
		if (!c->list[k].workspace[0])
			snprintf(c->list[k].workspace, sizeof(c->list[k].workspace), "%s", ws);
	}
	if (dir)
		closedir(dir);
	for (size_t k = 0; k < c->n; k++)
		summary_finish(&c->list[k], &c->extra[k]);
	/* A labelled workspace whose directory is gone, with nothing else:
	 * nothing of the cluster is left. */
	size_t kept = 0;
	for (size_t k = 0; k < c->n; k++)
		if (c->list[k].total || c->extra[k].others || c->list[k].n_volumes ||
		    c->list[k].network || c->list[k].workspace_dir)
			c->list[kept++] = c->list[k];
	for (size_t k = 0; k < c->n; k++) {
		json_decref(c->extra[k].present);
		json_decref(c->extra[k].netids);
	}
	free(c->extra);
	c->extra = NULL;
	c->n = kept;
	if (c->n) /* qsort of a NULL list is undefined even for 0 elements */
		qsort(c->list, c->n, sizeof(*c->list), summary_cmp);
	return 0;
}

int dd_cluster_list(dd_docker *d, dd_cluster_summary **ret, size_t *ret_n, dd_error *err)
{
	struct coll c = {0};
	int r = collect(d, NULL, &c, err);
	if (r < 0) {
		coll_clear(&c);
		return r;
	}
	*ret = c.list;
	*ret_n = c.n;
	return 0;
}

static int not_exist_error(const char *name, dd_error *err)
{
	dd_error_usage(err, -ENOENT, "Cluster '%s' does not exist", name);
	return dd_error_hint(err, "'dcos-docker list' shows the clusters there are.");
}

int dd_cluster_summary_get(dd_docker *d, const char *name, dd_cluster_summary *ret, dd_error *err)
{
	struct coll c = {0};
	int r = collect(d, name, &c, err);
	if (r == 0 && c.n == 0)
		r = not_exist_error(name, err);
	if (r == 0)
		*ret = c.list[0];
	coll_clear(&c);
	return r;
}

int dd_node_ports(dd_docker *d, const dd_node *n, char *buf, size_t size, dd_error *err)
{
	buf[0] = '\0';
	_cleanup_json_ json_t *j = NULL;
	int r = dd_container_inspect(d, n->id, &j, err);
	if (r < 0)
		return r;
	size_t off = 0;
	const char *key;
	json_t *binds;
	json_object_foreach (json_object_get(json_object_get(j, "HostConfig"), "PortBindings"), key,
	                     binds) {
		size_t i;
		json_t *b;
		json_array_foreach (binds, i, b) {
			const char *ip = json_string_value(json_object_get(b, "HostIp"));
			const char *port = json_string_value(json_object_get(b, "HostPort"));
			int k =
			    snprintf(buf + off, size - off, "%s:%s->%s\n",
			             ip && *ip ? ip : "0.0.0.0", port && *port ? port : "?", key);
			if (k < 0 || (size_t)k >= size - off)
				return 0; /* what fits */
			off += (size_t)k;
		}
	}
	return 0;
}

int dd_workspace_root_lock(int *ret_fd, dd_error *err)
{
	_cleanup_free_ char *root = dd_workspace_root();
	int r = dd_mkdir_p(root, 0700);
	if (r < 0)
		return dd_error_set(err, r, "Failed to create %s: %s", root, strerror(-r));
	int fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return dd_error_set(err, -errno, "Failed to open %s: %s", root, strerror(errno));
	while (flock(fd, LOCK_EX) < 0) {
		if (errno == EINTR && !dd_cancelled())
			continue;
		r = errno == EINTR ? -ECANCELED : -errno;
		close(fd);
		return dd_error_set(err, r, "Failed to lock %s: %s", root, strerror(-r));
	}
	*ret_fd = fd;
	return 0;
}

int dd_workspace_hold(const char *ws)
{
	int fd = open(ws, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0 && flock(fd, LOCK_SH) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Whether a create holds the workspace now. */
static bool workspace_held(const char *ws)
{
	_cleanup_close_ int fd = open(ws, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return false;
	if (flock(fd, LOCK_EX | LOCK_NB) < 0)
		return errno == EWOULDBLOCK;
	flock(fd, LOCK_UN);
	return false;
}

/* ---- destroy ---- */

struct rm_job {
	const char *id, *name;
	dd_error err;
};

struct rm_ctx {
	struct rm_job *jobs;
	dd_event_cb on_event;
	void *userdata;
};

static void pause_ms(long ms)
{
	nanosleep(&(struct timespec){ms / 1000, (ms % 1000) * 1000000L}, NULL);
}

/* How long a destroy waits for what another one is removing: a generous cap,
 * only ever reached when the daemon is stuck. */
#define GONE_WAIT_S 300.0

/* Another destroy (or docker rm) is removing the container (409 "removal
 * ... already in progress"): it is ours to wait for until it is gone. */
static int wait_container_gone(dd_docker *d, const char *id, dd_error *err)
{
	double start = dd_now();
	for (;;) {
		_cleanup_json_ json_t *j = NULL;
		dd_error e = {0};
		int r = dd_container_inspect(d, id, &j, &e);
		if (r == -ENOENT)
			return 0;
		if (r < 0 && r != -EEXIST) {
			dd_error_copy(err, &e);
			return r;
		}
		if (dd_now() - start > GONE_WAIT_S)
			return dd_error_set(err, -ETIMEDOUT,
			                    "another removal of it did not end within %.0f s",
			                    GONE_WAIT_S);
		if (dd_cancelled())
			return dd_error_set(err, -ECANCELED, "Interrupted");
		/* A removal that failed leaves it there, no longer in progress:
		 * then try once more ourselves. */
		const char *st =
		    json_string_value(json_object_get(json_object_get(j, "State"), "Status"));
		if (st && strcmp(st, "removing") != 0 && strcmp(st, "dead") != 0) {
			r = dd_container_remove(d, id,
			                        DD_RM_FORCE | DD_RM_VOLUMES | DD_RM_MISSING_OK, &e);
			if (r == 0)
				return 0;
		}
		pause_ms(200);
	}
}

static int rm_container_job(void *userdata, size_t i, void *state)
{
	struct rm_ctx *ctx = userdata;
	struct rm_job *j = &ctx->jobs[i];
	int r = 0;
	dd_docker *d = dd_pool_docker_get(state, &r, &j->err);
	if (d)
		r = dd_container_remove(d, j->id, DD_RM_FORCE | DD_RM_VOLUMES | DD_RM_MISSING_OK,
		                        &j->err);
	if (d && r == -EEXIST) {
		dd_error_clear(&j->err);
		r = wait_container_gone(d, j->id, &j->err);
	}
	dd_event_status(ctx->on_event, ctx->userdata, j->name,
	                r == 0 ? "removed" : "failed to remove", true);
	return r;
}

int dd_remove_containers_parallel(dd_docker *d, json_t *ctrs, dd_event_cb progress, void *userdata,
                                  dd_error *err)
{
	size_t n = json_array_size(ctrs);
	if (n == 0)
		return 0;
	_cleanup_free_ struct rm_job *jobs = dd_malloc0(n * sizeof(*jobs));
	struct rm_ctx ctx = {.jobs = jobs, .on_event = progress, .userdata = userdata};
	for (size_t i = 0; i < n; i++) {
		json_t *c = json_array_get(ctrs, i);
		jobs[i].id = json_string_value(json_object_get(c, "Id"));
		const char *name =
		    json_string_value(json_array_get(json_object_get(c, "Names"), 0));
		jobs[i].name = name ? (name[0] == '/' ? name + 1 : name) : jobs[i].id;
	}
	/* run_all: a rollback after Ctrl-C removes everything too. */
	dd_pool p = {
	    .n = n, .run_all = true, .job = rm_container_job, .userdata = &ctx, .docker = d};
	_cleanup_free_ int *results = dd_malloc0(n * sizeof(*results));
	dd_pool_run(&p, results);
	int ret = 0;
	for (size_t i = 0; i < n && ret == 0; i++)
		if (results[i] < 0) {
			ret = results[i];
			dd_error_copy(err, &jobs[i].err);
			dd_error_prefix(err, "Failed to remove node '%s': ", jobs[i].name);
		}
	return ret;
}

void dd_remove_run(dd_docker *parent, const char *run_id, const char *network_id)
{
	_cleanup_(dd_docker_freep) dd_docker *d = NULL;
	dd_error e = {0};
	if (dd_docker_dup(parent, &d, &e) < 0)
		return;
	_cleanup_json_ json_t *ctrs = NULL;
	if (dd_container_list(d, DD_LABEL_RUN, run_id, &ctrs, &e) == 0)
		dd_remove_containers_parallel(d, ctrs, NULL, NULL, &e);
	_cleanup_json_ json_t *vols = NULL;
	if (dd_volume_list(d, DD_LABEL_RUN, run_id, &vols, &e) == 0) {
		size_t i;
		json_t *v;
		json_array_foreach (vols, i, v)
			dd_volume_remove(d, json_string_value(json_object_get(v, "Name")) ?: "",
			                 DD_RM_FORCE, &e);
	}
	if (network_id && network_id[0])
		dd_network_remove(d, network_id, 0, &e);
}

/* Whether a failed removal is one to wait out: the object is in use by
 * what another destroy is still removing (409; a network's "active
 * endpoints" is a 403). */
static bool busy_error(int r, const dd_error *e)
{
	return r == -EEXIST || strstr(e->msg, "in use") || strstr(e->msg, "active endpoints");
}

/* Endpoints left on network id by containers that no longer exist. The
 * daemon can keep such a stale endpoint after the container is removed
 * (seen with a nested daemon under load: "has active endpoints" for the
 * whole wait, with every node gone); it never goes by itself, so it is
 * force-disconnected by its name, which the daemon then deletes. An
 * endpoint of a container that exists is left alone and waited out: it
 * may be someone's. Returns how many were dropped. */
static int drop_stale_endpoints(dd_docker *d, const char *id)
{
	_cleanup_json_ json_t *net = NULL;
	if (dd_network_inspect(d, id, &net, NULL) < 0)
		return 0;
	int dropped = 0;
	const char *cid;
	json_t *ep;
	json_object_foreach (json_object_get(net, "Containers"), cid, ep) {
		const char *ename = json_string_value(json_object_get(ep, "Name"));
		_cleanup_json_ json_t *ctr = NULL;
		dd_error e = {0};
		if (!ename || dd_container_inspect(d, cid, &ctr, &e) != -ENOENT)
			continue;
		dd_error_clear(&e);
		if (dd_network_disconnect(d, id, ename, true, &e) == 0)
			dropped++;
	}
	return dropped;
}

/* Removes the cluster's volumes or networks (volumes true or false). */
static int remove_labelled(dd_docker *d, bool volumes, const char *name, dd_event_cb progress,
                           void *userdata, dd_error *err)
{
	_cleanup_json_ json_t *list = NULL;
	int r = volumes ? dd_volume_list(d, DD_LABEL_CLUSTER, name, &list, err)
	                : dd_network_list(d, DD_LABEL_CLUSTER, name, &list, err);
	if (r < 0)
		return r;
	size_t i;
	json_t *o;
	json_array_foreach (list, i, o) {
		const char *key = json_string_value(json_object_get(o, volumes ? "Name" : "Id"));
		if (!key)
			continue;
		double start = dd_now();
		bool said = false;
		for (;;) {
			dd_error_clear(err);
			r = volumes ? dd_volume_remove(d, key, DD_RM_FORCE | DD_RM_MISSING_OK, err)
			            : dd_network_remove(d, key, DD_RM_MISSING_OK, err);
			if (r == 0 || !busy_error(r, err) || dd_now() - start > GONE_WAIT_S)
				break;
			if (!volumes && drop_stale_endpoints(d, key) > 0) {
				pause_ms(50);
				continue;
			}
			if (dd_cancelled())
				return dd_error_set(err, -ECANCELED, "Interrupted");
			if (progress && !said) {
				/* Not silent: it may be a container of someone's. */
				_cleanup_free_ char *what =
				    dd_asprintf("waiting: %s %s is in use",
				                volumes ? "volume" : "network", key);
				dd_event_status(progress, userdata, NULL, what, false);
				said = true;
			}
			pause_ms(200);
		}
		if (r < 0)
			return dd_error_prefix(err, "Failed to remove %s %s of cluster '%s': ",
			                       volumes ? "volume" : "network", key, name);
	}
	return 0;
}

/* rm -rf of everything in ws but the marker. */
static int remove_contents(const char *ws)
{
	DIR *dir = opendir(ws);
	if (!dir)
		return errno == ENOENT ? 0 : -errno;
	int r = 0;
	struct dirent *e;
	while ((e = readdir(dir))) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0 ||
		    strcmp(e->d_name, DD_WORKSPACE_MARKER) == 0)
			continue;
		_cleanup_free_ char *p = dd_asprintf("%s/%s", ws, e->d_name);
		int k = dd_rm_rf(p);
		if (k < 0 && r == 0)
			r = k;
	}
	closedir(dir);
	return r;
}

int dd_workspace_reclaim(dd_docker *d, const char *ws, const char *image, dd_error *err)
{
	/* Only a directory we marked as ours is removed: --workspace may point
	 * anywhere, and destroy must never wipe a user's directory. */
	if (!ws || !*ws)
		return 0;
	_cleanup_free_ char *marker = dd_asprintf("%s/" DD_WORKSPACE_MARKER, ws);
	struct stat st;
	if (stat(marker, &st) < 0)
		return 0;
	int r = remove_contents(ws);
	if ((r == -EACCES || r == -EPERM) && d && image && getuid() != 0) {
		/* The DC/OS installer's container runs as root and writes
		 * genconf/serve, genconf/state and more (dcos_generate_config.sh.in
		 * has no --user); install gives them back, but a run that was
		 * killed cannot. Only root can, so a helper container does. */
		_cleanup_free_ char *owner =
		    dd_asprintf("%u:%u", (unsigned)getuid(), (unsigned)getgid());
		_cleanup_free_ char *bind = dd_asprintf("%s:/workspace", ws);
		const char *argv[] = {"chown", "-R", owner, "/workspace", NULL};
		const char *binds[] = {bind, NULL};
		int code = 0;
		dd_error e = {0};
		if (dd_docker_run_once(d, image, argv, binds, 300, &code, &e) == 0 && code == 0)
			r = remove_contents(ws);
	}
	if (r < 0) {
		/* The marker stays: the next destroy finds what is left. */
		dd_error_set(err, r, "Failed to remove the workspace %s: %s", ws, strerror(-r));
		return dd_error_hint(err,
		                     "Files in it are not yours to remove; remove them as root "
		                     "(sudo rm -r %s), or run destroy again.",
		                     ws);
	}
	if (unlink(marker) < 0 && errno != ENOENT)
		return dd_error_set(err, -errno, "Failed to remove %s: %s", marker,
		                    strerror(errno));
	if (rmdir(ws) < 0 && errno != ENOENT)
		return dd_error_set(err, -errno, "Failed to remove the workspace %s: %s", ws,
		                    strerror(errno));
	return 0;
}

int dd_workspace_remove(const char *ws)
{
	return dd_workspace_reclaim(NULL, ws, NULL, NULL);
}

/* A workspace at the default place that names this cluster: what is left
 * after a destroy that removed the Docker objects but not the workspace. */
static char *orphan_workspace(const char *name)
{
	_cleanup_free_ char *ws = dd_cluster_workspace_path(name);
	_cleanup_free_ char *marker = dd_asprintf("%s/" DD_WORKSPACE_MARKER, ws);
	_cleanup_free_ char *owner = NULL;
	if (dd_read_file(marker, 4096, &owner, NULL) < 0 || strcmp(owner, name) != 0)
		return NULL;
	return TAKE_PTR(ws);
}

/* An image to run a helper container from, for files only root may remove:
 * one of the cluster's own nodes' (it has chown), else the installer's. */
static char *helper_image(json_t *ctrs, const char *ws)
{
	size_t i;
	json_t *c;
	json_array_foreach (ctrs, i, c) {
		const char *img = json_string_value(json_object_get(c, "Image"));
		if (img && *img)
			return dd_strdup(img);
	}
	_cleanup_free_ char *path = dd_asprintf("%s/installer.json", ws);
	_cleanup_free_ char *text = NULL;
	if (dd_read_file(path, 64u << 10, &text, NULL) == 0) {
		_cleanup_json_ json_t *j = json_loads(text, 0, NULL);
		const char *img = json_string_value(json_object_get(j, "image"));
		if (img)
			return dd_strdup(img);
	}
	return dd_image_tag(DD_IMAGE_DEFAULT_DISTRO);
}

static int interrupted(const char *name, dd_error *err)
{
	return dd_error_set(err, -ECANCELED, "Interrupted: cluster '%s' is partly destroyed", name);
}

int dd_cluster_destroy(dd_docker *d, const char *name, dd_event_cb progress, void *userdata,
                       dd_error *err)
{
	_cleanup_json_ json_t *ctrs = NULL;
	int r = dd_container_list(d, DD_LABEL_CLUSTER, name, &ctrs, err);
	if (r < 0)
		return r;
	_cleanup_json_ json_t *nets = NULL;
	r = dd_network_list(d, DD_LABEL_CLUSTER, name, &nets, err);
	if (r < 0)
		return r;
	_cleanup_json_ json_t *vols = NULL;
	r = dd_volume_list(d, DD_LABEL_CLUSTER, name, &vols, err);
	if (r < 0)
		return r;
	char ws[4096] = "";
	size_t i;
	json_t *c;
	json_array_foreach (ctrs, i, c) {
		const char *w = dd_json_label(json_object_get(c, "Labels"), DD_LABEL_WORKSPACE);
		if (w && !ws[0])
			snprintf(ws, sizeof(ws), "%s", w);
	}
	json_array_foreach (nets, i, c) {
		const char *w = dd_json_label(json_object_get(c, "Labels"), DD_LABEL_WORKSPACE);
		if (w && !ws[0])
			snprintf(ws, sizeof(ws), "%s", w);
	}
	if (!ws[0]) {
		/* Labels without a workspace (volumes only): an earlier destroy
		 * may have left the workspace at its default place. */
		_cleanup_free_ char *orphan = orphan_workspace(name);
		if (orphan)
			snprintf(ws, sizeof(ws), "%s", orphan);
	}
	if (json_array_size(ctrs) == 0 && json_array_size(nets) == 0 &&
	    json_array_size(vols) == 0) {
		/* Nothing in Docker, but an earlier destroy may have stopped at
		 * the workspace: that is still this cluster. */
		_cleanup_free_ char *marker = dd_asprintf("%s/" DD_WORKSPACE_MARKER, ws);
		if (!ws[0] || access(marker, F_OK) != 0)
			return not_exist_error(name, err);
		dd_event_status(progress, userdata, NULL,
		                "only the workspace was left; removing it", false);
	}
	_cleanup_free_ char *image = helper_image(ctrs, ws);
	/* Containers are removed whole even after Ctrl-C (a node half removed
	 * helps no one); the steps after are not begun. */
	r = dd_remove_containers_parallel(d, ctrs, progress, userdata, err);
	if (r < 0 && !dd_cancelled())
		return r;
	if (dd_cancelled())
		return interrupted(name, err);
	r = remove_labelled(d, true, name, progress, userdata, err);
	if (r == -ECANCELED)
		return interrupted(name, err);
	if (r < 0)
		return r;
	if (dd_cancelled())
		return interrupted(name, err);
	/* The installer's place goes with the last cluster that used it; read
	 * from the workspace, so before the workspace goes. */
	dd_error ie = {0};
	dd_installer_release(d, NULL, ws, name, &ie);
	/* The network goes last: it names the workspace (a label), so a
	 * destroy that stops at the workspace leaves the cluster findable. */
	r = dd_workspace_reclaim(d, ws, image, err);
	if (r < 0)
		return r;
	if (dd_cancelled())
		return interrupted(name, err);
	r = remove_labelled(d, false, name, progress, userdata, err);
	return r == -ECANCELED ? interrupted(name, err) : r;
}

/* ---- clean ---- */

dd_leftover *dd_leftover_add(dd_leftover **list, size_t *n)
{
	dd_leftover *nl = realloc(*list, (*n + 1) * sizeof(**list));
	if (!nl)
		abort();
	*list = nl;
	memset(&nl[*n], 0, sizeof(**list));
	return &nl[(*n)++];
}

/* The DC/OS installer's containers: "<cluster>-installer" (genconf) and
 * "dcos-docker-installer-version-<pid>" (--version), run by the installer's
 * own wrapper, so without our labels. Left over: not running, or its
 * cluster or process gone. */
static bool under_root(const char *root, const char *ws);

static int installer_leftovers(dd_docker *d, const char *root, const dd_cluster_summary *clusters,
                               size_t n_clusters, bool dry_run, dd_leftover **list, size_t *n,
                               dd_error *err)
{
	_cleanup_json_ json_t *f = json_pack("{s:[s]}", "name", "installer");
	_cleanup_free_ char *text = json_dumps(f, JSON_COMPACT);
	_cleanup_free_ char *path = DD_PATH("/containers/json?all=1&filters=%s", text);
	_cleanup_json_ json_t *ctrs = NULL;
	int r = dd_docker_get_array(d, path, "containers", &ctrs, err);
	if (r < 0)
		return r;
	size_t i;
	json_t *c;
	json_array_foreach (ctrs, i, c) {
		const char *name =
		    json_string_value(json_array_get(json_object_get(c, "Names"), 0));
		const char *id = json_string_value(json_object_get(c, "Id"));
		const char *state = json_string_value(json_object_get(c, "State")) ?: "";
		if (!name || !id)
			continue;
		name += name[0] == '/';
		bool running = strcmp(state, "running") == 0, gone = false;
		long pid = 0;
		char cluster[DD_CLUSTER_NAME_MAX + 1] = "";
		if (sscanf(name, "dcos-docker-installer-version-%ld", &pid) == 1 && pid > 0)
			gone = kill((pid_t)pid, 0) < 0 && errno == ESRCH;
		else if (dd_endswith(name, "-installer") &&
		         strlen(name) - strlen("-installer") < sizeof(cluster)) {
			/* Only genconf's image: a container of the user's that
			 * happens to be called so is not ours. */
			const char *img = json_string_value(json_object_get(c, "Image")) ?: "";
			if (!strstr(img, "dcos-genconf"))
				continue;
			snprintf(cluster, sizeof(cluster), "%.*s",
			         (int)(strlen(name) - strlen("-installer")), name);
			gone = true;
			bool theirs = false;
			for (size_t k = 0; k < n_clusters && gone; k++)
				if (strcmp(clusters[k].name, cluster) == 0) {
					gone = false;
					theirs = !under_root(root, clusters[k].workspace);
				}
			if (theirs)
				continue; /* another workspace root's cluster */
		} else
			continue;
		if (running && !gone)
			continue; /* an install or --version at work */
		dd_leftover *l = dd_leftover_add(list, n);
		snprintf(l->name, sizeof(l->name), "%s", name);
		snprintf(l->state, sizeof(l->state), "%s%s", state,
		         gone ? (pid ? ", its process is gone" : ", its cluster is gone") : "");
		if (dry_run)
			continue;
		dd_error e = {0};
		if (dd_container_remove(d, id, DD_RM_FORCE | DD_RM_VOLUMES | DD_RM_MISSING_OK, &e) <
		    0)
			snprintf(l->error, sizeof(l->error), "%s", e.msg);
		else
			l->removed = true;
	}
	return 0;
}

/* Clean takes only the clusters of this workspace root: those of another
 * (another user's, a test's) are theirs to clean, and one whose workspace
 * is elsewhere (--workspace) is left to destroy. */
static bool under_root(const char *root, const char *ws)
{
	size_t n = strlen(root);
	while (n > 1 && root[n - 1] == '/')
		n--;
	return ws[0] && strncmp(ws, root, n) == 0 && ws[n] == '/' && !strstr(ws + n, "/../");
}

int dd_clean_leftovers(dd_docker *d, bool dry_run, dd_leftover **ret, size_t *ret_n, dd_error *err)
{
	*ret = NULL;
	*ret_n = 0;
	/* A create claims its name (workspace, then network) under this lock,
	 * and holds its workspace after: nothing being made is taken. */
	_cleanup_close_ int lockfd = -1;
	int r = dd_workspace_root_lock(&lockfd, err);
	if (r < 0)
		return r;
	_cleanup_free_ dd_cluster_summary *clusters = NULL;
	size_t n_clusters = 0;
	r = dd_cluster_list(d, &clusters, &n_clusters, err);
	if (r < 0)
		return r;
	dd_leftover *list = NULL;
	size_t n = 0;
	_cleanup_free_ char *root = dd_workspace_root();
	for (size_t i = 0; i < n_clusters; i++) {
		const dd_cluster_summary *s = &clusters[i];
		if (s->complete || !under_root(root, s->workspace))
			continue;
		dd_leftover *l = dd_leftover_add(&list, &n);
		l->cluster = true;
		snprintf(l->name, sizeof(l->name), "%s", s->name);
		if (!s->incomplete) {
			l->kept = true;
			snprintf(l->state, sizeof(l->state), "%s: a node is running", s->state);
			continue;
		}
		if (s->workspace[0] && workspace_held(s->workspace)) {
			l->kept = true;
			snprintf(l->state, sizeof(l->state), "%s: it is being created", s->state);
			continue;
		}
		snprintf(l->state, sizeof(l->state), "%s", s->state);
		if (dry_run)
			continue;
		dd_error e = {0};
		if (dd_cluster_destroy(d, s->name, NULL, NULL, &e) < 0 && e.code != -ENOENT)
			snprintf(l->error, sizeof(l->error), "%s", e.msg);
		else
			l->removed = true;
		if (dd_cancelled())
			break;
	}
	r = dd_cancelled()
	        ? 0
	        : installer_leftovers(d, root, clusters, n_clusters, dry_run, &list, &n, err);
	if (r == 0 && !dd_cancelled())
		r = dd_snapshot_leftovers(d, dry_run, &list, &n, err);
	*ret = list;
	*ret_n = n;
	return r;
}
