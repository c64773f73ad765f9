/* Cluster model: finding clusters and nodes by labels, listing, destroying. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <pwd.h>
#include <string.h>
#include <sys/stat.h>

#include "cluster-internal.h"
#include "dcos-docker/cluster.h"
#include "dcos-docker/image.h"
#include "dcos-docker/specs.h"
#include "dcos/installer-internal.h"
#include "docker/objects.h"
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
		dd_error_set(err, -ENOENT, "Cluster '%s' does not exist", name);
		return dd_error_hint(err, "'dcos-docker list' shows the clusters there are.");
	}
	_cleanup_json_ json_t *nets = NULL;
	r = dd_network_list(d, DD_LABEL_CLUSTER, name, &nets, err);
	if (r < 0)
		return r;

	dd_cluster *c = dd_malloc0(sizeof(*c));
	snprintf(c->name, sizeof(c->name), "%s", name);
	json_t *net = json_array_get(nets, 0);
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
			         json_string_value(json_object_get(ctr, "Image")) ?: "");
		c->n_nodes++;
	}
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

int dd_cluster_list(dd_docker *d, dd_cluster_summary **ret, size_t *ret_n, dd_error *err)
{
	_cleanup_json_ json_t *ctrs = NULL;
	int r = dd_container_list(d, DD_LABEL_CLUSTER, NULL, &ctrs, err);
	if (r < 0)
		return r;
	dd_cluster_summary *list = NULL;
	size_t n = 0, i;
	json_t *ctr;
	json_array_foreach (ctrs, i, ctr) {
		json_t *labels = json_object_get(ctr, "Labels");
		const char *name = dd_json_label(labels, DD_LABEL_CLUSTER);
		enum dd_role role;
		if (!name || dd_role_from_label(dd_json_label(labels, DD_LABEL_ROLE), &role) < 0)
			continue;
		dd_cluster_summary *s = NULL;
		for (size_t k = 0; k < n; k++)
			if (strcmp(list[k].name, name) == 0)
				s = &list[k];
		if (!s) {
			dd_cluster_summary *nl = realloc(list, (n + 1) * sizeof(*list));
			if (!nl)
				abort();
			list = nl;
			s = &list[n++];
			memset(s, 0, sizeof(*s));
			snprintf(s->name, sizeof(s->name), "%s", name);
			snprintf(s->workspace, sizeof(s->workspace), "%s",
			         dd_json_label(labels, DD_LABEL_WORKSPACE) ?: "");
		}
		s->counts[role]++;
		s->total++;
		const char *state = json_string_value(json_object_get(ctr, "State"));
		s->running += state && strcmp(state, "running") == 0;
	}
	/* A cluster whose nodes are gone but whose network is not (a destroy
	 * that stopped at the workspace: the network goes last) is still a
	 * cluster: listed with no nodes, so that destroy is what comes to mind. */
	_cleanup_json_ json_t *nets = NULL;
	r = dd_network_list(d, DD_LABEL_CLUSTER, NULL, &nets, err);
	if (r < 0) {
		free(list);
		return r;
	}
	json_t *net;
	json_array_foreach (nets, i, net) {
		json_t *labels = json_object_get(net, "Labels");
		const char *name = dd_json_label(labels, DD_LABEL_CLUSTER);
		bool known = !name;
		for (size_t k = 0; k < n && !known; k++)
			known = strcmp(list[k].name, name) == 0;
		if (known)
			continue;
		dd_cluster_summary *nl = realloc(list, (n + 1) * sizeof(*list));
		if (!nl)
			abort();
		list = nl;
		dd_cluster_summary *s = &list[n++];
		memset(s, 0, sizeof(*s));
		snprintf(s->name, sizeof(s->name), "%s", name);
		snprintf(s->workspace, sizeof(s->workspace), "%s",
		         dd_json_label(labels, DD_LABEL_WORKSPACE) ?: "");
	}
	*ret = list;
	*ret_n = n;
	return 0;
}

/* ---- destroy ---- */

struct rm_job {
	const char *id, *name;
	dd_error err;
};

struct rm_ctx {
	struct rm_job *jobs;
	dd_progress_cb progress;
	void *userdata;
};

static int rm_container_job(void *userdata, size_t i, void *state)
{
	struct rm_ctx *ctx = userdata;
	struct rm_job *j = &ctx->jobs[i];
	int r = 0;
	dd_docker *d = dd_pool_docker_get(state, &r, &j->err);
	if (d)
		r = dd_container_remove(d, j->id, DD_RM_FORCE | DD_RM_VOLUMES | DD_RM_MISSING_OK,
		                        &j->err);
	if (ctx->progress)
		ctx->progress(j->name, r == 0 ? "removed" : "failed to remove", true,
		              ctx->userdata);
	return r;
}

int dd_remove_containers_parallel(dd_docker *d, json_t *ctrs, dd_progress_cb progress,
                                  void *userdata, dd_error *err)
{
	size_t n = json_array_size(ctrs);
	if (n == 0)
		return 0;
	_cleanup_free_ struct rm_job *jobs = dd_malloc0(n * sizeof(*jobs));
	struct rm_ctx ctx = {.jobs = jobs, .progress = progress, .userdata = userdata};
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

/* Removes the cluster's volumes or networks (volumes true or false). */
static int remove_labelled(dd_docker *d, bool volumes, const char *name, dd_error *err)
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
		r = volumes ? dd_volume_remove(d, key, DD_RM_FORCE | DD_RM_MISSING_OK, err)
		            : dd_network_remove(d, key, DD_RM_MISSING_OK, err);
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

int dd_cluster_destroy(dd_docker *d, const char *name, dd_progress_cb progress, void *userdata,
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
	if (json_array_size(ctrs) == 0 && json_array_size(nets) == 0 &&
	    json_array_size(vols) == 0) {
		/* Nothing in Docker, but an earlier destroy may have stopped at
		 * the workspace: that is still this cluster. */
		_cleanup_free_ char *orphan = orphan_workspace(name);
		if (!orphan) {
			dd_error_set(err, -ENOENT, "Cluster '%s' does not exist", name);
			return dd_error_hint(err,
			                     "'dcos-docker list' shows the clusters there are.");
		}
		snprintf(ws, sizeof(ws), "%s", orphan);
		if (progress)
			progress(NULL, "only the workspace was left; removing it", false, userdata);
	}
	_cleanup_free_ char *image = helper_image(ctrs, ws);
	r = dd_remove_containers_parallel(d, ctrs, progress, userdata, err);
	if (r < 0)
		return r;
	r = remove_labelled(d, true, name, err);
	if (r < 0)
		return r;
	/* The installer's place goes with the last cluster that used it; read
	 * from the workspace, so before the workspace goes. */
	dd_error ie = {0};
	dd_installer_release(d, NULL, ws, name, &ie);
	/* The network goes last: it names the workspace (a label), so a
	 * destroy that stops at the workspace leaves the cluster findable. */
	r = dd_workspace_reclaim(d, ws, image, err);
	if (r < 0)
		return r;
	return remove_labelled(d, false, name, err);
}
