/* Snapshots of whole clusters, and their restore.
 *
 * What is big and does not change is never copied at restore: each node's
 * root filesystem is an image committed from the stopped container (restore
 * creates the node from it: copy-on-write layers), and /opt (where DC/OS
 * lives, GBs with a real installer) is copied once at snapshot time and
 * becomes, at restore, the lower layer of an overlay volume whose upper and
 * work directories are in the restored cluster's workspace. What cannot sit
 * on overlayfs (the inner Docker's overlay2 in /var/lib/docker) and what is
 * small (the Mesos agent's work dir, the journal) is copied both ways. */
#define _GNU_SOURCE
#include "dcos-docker/snapshot.h"
#include "event-internal.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <pthread.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>

#include "cluster-internal.h"
#include "create-internal.h"
#include "dcos-docker/cancel.h"
#include "dcos-docker/fault.h"
#include "dcos-docker/install.h"
#include "docker/objects.h"
#include "inotify-internal.h"
#include "node-boot-internal.h"
#include "pool.h"
#include "privilege-internal.h"
#include "process-internal.h"
#include "util.h"

#define MANIFEST_FILE   "manifest.json"
#define MANIFEST_FORMAT 1
/* On the committed images and the restored /opt volumes: snapshot --delete
 * finds its images, and refuses while a restored cluster reads its /opt. */
#define DD_LABEL_SNAPSHOT      "dcos-docker.snapshot"
#define DD_LABEL_SNAPSHOT_NODE "dcos-docker.snapshot-node"
/* On the committed images: the snapshot directory they belong to, so clean
 * of one workspace root never takes another root's images. */
#define DD_LABEL_SNAPSHOT_DIR "dcos-docker.snapshot-dir"
/* A copy of GBs can take long; a helper stuck longer than this is not copying. */
#define COPY_TIMEOUT_S 3600
/* In a restored cluster's workspace: the upper and work directories of its
 * overlay volumes, per node and volume. */
#define OVERLAY_DIR "snapshot-overlay"

static int cancelled_error(dd_error *err)
{
	return dd_error_set(err, -ECANCELED, "Interrupted");
}

int dd_snapshot_name_check(const char *name, dd_error *err)
{
	size_t n = name ? strlen(name) : 0;
	bool ok = n > 0 && n <= DD_SNAPSHOT_NAME_MAX && isalnum((unsigned char)name[0]) &&
	          name[n - 1] != '-';
	for (size_t i = 0; ok && i < n; i++)
		ok = islower((unsigned char)name[i]) || isdigit((unsigned char)name[i]) ||
		     name[i] == '-';
	if (!ok) {
		dd_error_usage(err, -EINVAL, "Invalid snapshot name '%s'", name ? name : "");
		return dd_error_hint(err,
		                     "Use 1 to %d lowercase letters, digits and '-', starting with "
		                     "a letter or digit (it becomes part of image names).",
		                     DD_SNAPSHOT_NAME_MAX);
	}
	return 0;
}

char *dd_snapshot_root(void)
{
	_cleanup_free_ char *root = dd_workspace_root();
	return dd_asprintf("%s/.snapshots", root);
}

static char *snapshot_dir(const char *name)
{
	_cleanup_free_ char *root = dd_snapshot_root();
	return dd_asprintf("%s/%s", root, name);
}

static char *node_image(const char *snap, const char *short_name)
{
	return dd_asprintf(DD_SNAPSHOT_IMAGE_REPO "/%s:%s", snap, short_name);
}

static void progress(dd_event_cb cb, void *userdata, pthread_mutex_t *lock, const char *node,
                     const char *status, bool done)
{
	if (!cb)
		return;
	if (lock)
		pthread_mutex_lock(lock);
	dd_event_status(cb, userdata, node, status, done);
	if (lock)
		pthread_mutex_unlock(lock);
}

/* cp -a SRC DST on the host (argv, never a shell): the workspace both ways. */
static int copy_tree(const char *src, const char *dst, dd_error *err)
{
	const char *argv[] = {"cp", "-a", "--", src, dst, NULL};
	_cleanup_free_ char *out = NULL;
	int status = 0;
	int r = dd_process_run(argv, NULL, 8192, &out, &status, err);
	if (r < 0)
		return dd_error_prefix(err, "Failed to copy %s: ", src);
	if (status != 0)
		return dd_error_set(err, -EIO, "Failed to copy %s to %s: %s", src, dst,
		                    out ? dd_last_line(out) : "cp failed");
	return 0;
}

/* Runs argv in a helper container of image with binds; a non-zero exit is an
 * error naming what. */
static int helper(dd_docker *d, const char *image, const char *const *argv,
                  const char *const *binds, const char *what, dd_error *err)
{
	int code = 0;
	int r = dd_docker_run_once(d, image, argv, binds, COPY_TIMEOUT_S, &code, err);
	if (r < 0)
		return dd_error_prefix(err, "Failed to copy %s: ", what);
	if (code != 0)
		return dd_error_set(err, -EIO, "Failed to copy %s: cp exited with %d", what, code);
	return 0;
}

/* The volumes a snapshot keeps as directories, which restore mounts as the
 * lower layer of an overlay volume: /opt (DC/OS: GBs) and the journal. The
 * others are copied at restore: the inner Docker's overlay2 cannot sit on
 * overlayfs, nor can the Mesos agent's provisioner (its overlay backend). */
static bool layered(int vol)
{
	return vol == DD_VOL_OPT || vol == DD_VOL_JOURNAL;
}

/* The name of a layered volume's directory in a node's snapshot directory. */
static const char *layer_dir(int vol)
{
	return vol == DD_VOL_OPT ? "opt" : "journal";
}

/* "var-lib-docker.tar" for "/var/lib/docker": the volume's tar in a node's
 * directory of the snapshot. */
static char *tar_name(const char *target)
{
	char *t = dd_asprintf("%s.tar", target + (*target == '/'));
	for (char *p = t; *p; p++)
		if (*p == '/')
			*p = '-';
	return t;
}

static int write_fd(const char *buf, size_t len, void *userdata)
{
	int fd = *(int *)userdata;
	while (len > 0) {
		ssize_t w = write(fd, buf, len);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -errno;
		buf += w;
		len -= (size_t)w;
	}
	return 0;
}

static ssize_t read_fd(char *buf, size_t size, void *userdata)
{
	int fd = *(int *)userdata;
	ssize_t r;
	do
		r = read(fd, buf, size);
	while (r < 0 && errno == EINTR);
	return r;
}

/* The daemon's tar of path in the (stopped) container into dir/<tar_name>. */
static int archive_to_file(dd_docker *d, const char *id, const char *path, const char *dir,
                           dd_error *err)
{
	_cleanup_free_ char *name = tar_name(path);
	_cleanup_free_ char *file = dd_asprintf("%s/%s", dir, name);
	_cleanup_close_ int fd = open(file, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return dd_error_set(err, -errno, "Failed to create %s: %s", file, strerror(errno));
	int r = dd_archive_get(d, id, path, write_fd, &fd, err);
	if (r < 0)
		return dd_error_prefix(err, "Failed to copy %s: ", path);
	if (fsync(fd) < 0)
		return dd_error_set(err, -errno, "Failed to write %s: %s", file, strerror(errno));
	return 0;
}

/* ---- sizes ---- */

static unsigned long long walk_bytes;

static int walk_add(const char *path, const struct stat *st, int flag, struct FTW *f)
{
	(void)path;
	(void)flag;
	(void)f;
	walk_bytes += (unsigned long long)st->st_blocks * 512ull;
	return 0;
}

static pthread_mutex_t walk_lock = PTHREAD_MUTEX_INITIALIZER;

/* Bytes on disk under path (nftw keeps its state in a global: one at a time). */
static unsigned long long dir_bytes(const char *path)
{
	pthread_mutex_lock(&walk_lock);
	walk_bytes = 0;
	nftw(path, walk_add, 32, FTW_PHYS | FTW_MOUNT);
	unsigned long long b = walk_bytes;
	pthread_mutex_unlock(&walk_lock);
	return b;
}

/* ---- manifests ---- */

static int manifest_load(const char *name, json_t **ret, dd_error *err)
{
	_cleanup_free_ char *dir = snapshot_dir(name);
	_cleanup_free_ char *path = dd_asprintf("%s/" MANIFEST_FILE, dir);
	struct stat st;
	if (stat(dir, &st) < 0) {
		dd_error_usage(err, -ENOENT, "Snapshot '%s' does not exist", name);
		return dd_error_hint(err, "'dcos-docker snapshots' lists the snapshots there are.");
	}
	_cleanup_free_ char *text = NULL;
	int r = dd_read_file(path, 16u << 20, &text, NULL);
	if (r == -ENOENT) {
		dd_error_usage(err, -ENOENT,
		               "Snapshot '%s' is incomplete (an interrupted snapshot: no "
		               "manifest)",
		               name);
		return dd_error_hint(err, "Remove it with 'dcos-docker snapshot --delete %s'.",
		                     name);
	}
	if (r < 0)
		return dd_error_set(err, r, "Failed to read %s: %s", path, strerror(-r));
	json_error_t je;
	json_t *j = json_loads(text, 0, &je);
	if (!j || !json_is_array(json_object_get(j, "nodes")) ||
	    !json_string_value(json_object_get(j, "cluster")) ||
	    !json_string_value(json_object_get(j, "subnet"))) {
		json_decref(j);
		return dd_error_set(err, -EBADMSG, "%s is damaged", path);
	}
	*ret = j;
	return 0;
}

static const char *jstr(json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key)) ?: "";
}

/* ---- snapshot ---- */

struct snap_ctx {
	dd_docker *d;
	const dd_snapshot_opts *o;
	const dd_cluster *c;
	const char *dir;
	const char *helper_image;
	json_t **node_json; /* per node, filled by its job */
	int *results;
	dd_error *errs;
	pthread_mutex_t lock;
};

static int snap_node(struct snap_ctx *x, dd_docker *d, const dd_node *n, json_t **ret,
                     dd_error *err)
{
	progress(x->o->on_event, x->o->userdata, &x->lock, n->name, "committing", false);
	_cleanup_free_ char *image = node_image(x->o->name, n->short_name);
	/* The committed image inherits the container's labels: ours are
	 * blanked, so no image claims to be of a cluster; restore labels the
	 * node it makes as create would. */
	_cleanup_json_ json_t *config =
	    json_pack("{s:{s:s, s:s, s:s, s:s, s:s}}", "Labels", DD_LABEL_SNAPSHOT, x->o->name,
	              DD_LABEL_SNAPSHOT_NODE, n->short_name, DD_LABEL_CLUSTER, "", DD_LABEL_RUN, "",
	              DD_LABEL_WORKSPACE, "");
	int r = dd_image_commit(d, n->id, image, config, err);
	if (r < 0)
		return dd_error_prefix(err, "Failed to commit node %s: ", n->short_name);
	if (dd_cancelled())
		return cancelled_error(err);
	_cleanup_json_ json_t *j = NULL;
	if ((r = dd_container_inspect(d, n->id, &j, err)) < 0)
		return r;
	_cleanup_free_ char *ndir = dd_asprintf("%s/nodes/%s", x->dir, n->short_name);
	if ((r = dd_mkdir_p(ndir, 0700)) < 0)
		return dd_error_set(err, r, "Failed to create %s: %s", ndir, strerror(-r));
	/* /opt and the journal become directories (restore's overlay lower
	 * layers), copied by one helper container; the other volumes become
	 * tar files of the daemon's own archive API (ownership, modes, xattrs
	 * and device nodes kept), which restore puts back without a helper. */
	progress(x->o->on_event, x->o->userdata, &x->lock, n->name, "copying volumes", false);
	json_t *vols = json_array();
	/* the helper's binds and cp sources, one per layered volume */
	char *owned[2 * DD_VOL_COUNT] = {0};
	const char *binds[DD_VOL_COUNT + 2] = {0};
	const char *argv[DD_VOL_COUNT + 5] = {"cp", "-a"};
	size_t nb = 0, na = 2, no = 0;
	size_t i;
	json_t *m;
	json_array_foreach (json_object_get(j, "Mounts"), i, m) {
		if (strcmp(jstr(m, "Type"), "volume") != 0)
			continue;
		const char *dst = jstr(m, "Destination");
		int vol = -1;
		for (int v = 0; v < DD_VOL_COUNT; v++)
			if (strcmp(dst, dd_node_volume_targets[v]) == 0)
				vol = v;
		if (vol < 0)
			continue;
		r = 0;
		if (layered(vol) && nb < DD_VOL_COUNT) {
			binds[nb++] = owned[no++] =
			    dd_asprintf("%s:/src/%s:ro", jstr(m, "Name"), layer_dir(vol));
			argv[na++] = owned[no++] = dd_asprintf("/src/%s", layer_dir(vol));
		} else if (!layered(vol))
			r = archive_to_file(d, n->id, dst, ndir, err);
		if (r < 0)
			break;
		json_array_append_new(vols, json_string(dst));
	}
	_cleanup_free_ char *snap = dd_asprintf("%s:/snap", ndir);
	if (r == 0 && nb > 0) {
		binds[nb] = snap;
		argv[na] = "/snap/";
		_cleanup_free_ char *what =
		    dd_asprintf("/opt and the journal of node %s", n->short_name);
		r = helper(d, x->helper_image ? x->helper_image : image, argv, binds, what, err);
	}
	for (size_t k = 0; k < no; k++)
		free(owned[k]);
	if (r < 0) {
		json_decref(vols);
		return dd_error_prefix(err, "Node %s: ", n->short_name);
	}
	*ret =
	    json_pack("{s:s, s:i, s:s, s:s, s:s, s:s, s:b, s:o}", "role", dd_role_label(n->role),
	              "index", n->index, "short_name", n->short_name, "name", n->name, "ip", n->ip,
	              "image", image, "running", strcmp(n->state, "running") == 0, "volumes", vols);
	progress(x->o->on_event, x->o->userdata, &x->lock, n->name, "saved", true);
	return 0;
}

static int snap_job(void *userdata, size_t i, void *state)
{
	struct snap_ctx *x = userdata;
	dd_docker *d = dd_pool_docker_get(state, &x->results[i], &x->errs[i]);
	if (d)
		x->results[i] = snap_node(x, d, &x->c->nodes[i], &x->node_json[i], &x->errs[i]);
	return x->results[i];
}

/* The host ports master1 publishes, as create's --publish gave them. */
static json_t *published_ports(dd_docker *d, const dd_cluster *c)
{
	json_t *ports = json_array();
	for (size_t i = 0; i < c->n_nodes; i++) {
		const dd_node *n = &c->nodes[i];
		if (n->role != DD_ROLE_MASTER || n->index != 1)
			continue;
		_cleanup_json_ json_t *j = NULL;
		dd_error e = {0};
		if (dd_container_inspect(d, n->id, &j, &e) < 0)
			break;
		const char *key;
		json_t *list;
		json_object_foreach (
		    json_object_get(json_object_get(j, "HostConfig"), "PortBindings"), key, list) {
			int port = 0;
			char proto[8] = "tcp";
			if (sscanf(key, "%d/%7s", &port, proto) < 1)
				continue;
			size_t k;
			json_t *b;
			json_array_foreach (list, k, b)
				json_array_append_new(ports,
				                      json_pack("{s:s, s:i, s:i, s:s}", "host_ip",
				                                jstr(b, "HostIp"), "host_port",
				                                atoi(jstr(b, "HostPort")), "port",
				                                port, "proto", proto));
		}
	}
	return ports;
}

/* The images of snapshot name in directory dir: tags are the daemon's,
 * names a workspace root's, so another root's snapshot of the same name is
 * never touched. */
static int snapshot_images(dd_docker *d, const char *name, const char *dir, json_t **ret,
                           dd_error *err)
{
	_cleanup_json_ json_t *all = NULL;
	int r = dd_image_list(d, DD_LABEL_SNAPSHOT, name, &all, err);
	if (r < 0)
		return r;
	json_t *mine = json_array();
	size_t i;
	json_t *img;
	json_array_foreach (all, i, img) {
		const char *l =
		    dd_json_label(json_object_get(img, "Labels"), DD_LABEL_SNAPSHOT_DIR);
		if (!l || strcmp(l, dir) == 0)
			json_array_append(mine, img);
	}
	*ret = mine;
	return 0;
}

static void remove_snapshot_images(dd_docker *d, const char *name, const char *dir)
{
	_cleanup_json_ json_t *imgs = NULL;
	dd_error e = {0};
	if (snapshot_images(d, name, dir, &imgs, &e) < 0)
		return;
	size_t i;
	json_t *img;
	json_array_foreach (imgs, i, img) {
		size_t k;
		json_t *tag;
		bool tagged = false;
		json_array_foreach (json_object_get(img, "RepoTags"), k, tag) {
			const char *t = json_string_value(tag);
			if (t && dd_startswith(t, DD_SNAPSHOT_IMAGE_REPO "/")) {
				dd_image_remove(d, t, DD_RM_MISSING_OK, &e);
				tagged = true;
			}
		}
		if (!tagged)
			dd_image_remove(d, jstr(img, "Id"), DD_RM_MISSING_OK, &e);
	}
}

/* Starts the nodes that were running before the snapshot stopped them. */
static int restart_nodes(dd_docker *d, const dd_cluster *c, const dd_node *const *nodes, size_t n,
                         const dd_snapshot_opts *o, dd_error *err)
{
	if (n == 0)
		return 0;
	dd_node_op_opts oo = {.op = DD_NODE_START,
	                      .boot_timeout = o->boot_timeout,
	                      .on_event = o->on_event,
	                      .userdata = o->userdata};
	_cleanup_free_ dd_node_op_result *res = NULL;
	return dd_nodes_op(d, c, nodes, n, &oo, &res, err);
}

int dd_snapshot_create(dd_docker *d, const dd_snapshot_opts *o, dd_error *err)
{
	int r;
	if ((r = dd_snapshot_name_check(o->name, err)) < 0 ||
	    (r = dd_cluster_name_check(o->cluster, err)) < 0)
		return r;
	_cleanup_free_ char *dir = snapshot_dir(o->name);
	struct stat st;
	_cleanup_json_ json_t *imgs = NULL;
	if ((r = dd_image_list(d, DD_LABEL_SNAPSHOT, o->name, &imgs, err)) < 0)
		return r;
	const char *other = dd_json_label(json_object_get(json_array_get(imgs, 0), "Labels"),
	                                  DD_LABEL_SNAPSHOT_DIR);
	if (lstat(dir, &st) != 0 && other && strcmp(other, dir) != 0) {
		/* Image names are the Docker host's, snapshot names a root's. */
		dd_error_usage(err, -EEXIST,
		               "Snapshot name '%s' is taken on this Docker host by the snapshot in "
		               "%s (another workspace root)",
		               o->name, other);
		return dd_error_hint(err, "Choose another name.");
	}
	if (lstat(dir, &st) == 0 || json_array_size(imgs) > 0) {
		dd_error_usage(err, -EEXIST, "Snapshot '%s' already exists", o->name);
		return dd_error_hint(err,
		                     "Choose another name, or remove it first with 'dcos-docker "
		                     "snapshot --delete %s'.",
		                     o->name);
	}
	_cleanup_(dd_cluster_freep) dd_cluster *c = NULL;
	if ((r = dd_cluster_load(d, o->cluster, &c, err)) < 0)
		return r;
	_cleanup_json_ json_t *net = NULL;
	if (!c->network[0] || dd_network_inspect(d, c->network, &net, NULL) < 0 ||
	    strcmp(dd_json_label(json_object_get(net, "Labels"), DD_LABEL_CLUSTER) ?: "",
	           c->name) != 0)
		return dd_error_usage(err, -EINVAL,
		                      "Cluster '%s' is not on a network of its own (create "
		                      "--network): restore could not give it its subnet back",
		                      c->name);
	for (size_t i = 0; i < c->n_nodes; i++)
		if (strcmp(c->nodes[i].state, "paused") == 0) {
			dd_error_usage(err, -EBUSY,
			               "Node %s is paused: it cannot be stopped cleanly",
			               c->nodes[i].short_name);
			return dd_error_hint(err,
			                     "Unpause it first ('dcos-docker unpause --cluster "
			                     "%s %s').",
			                     c->name, c->nodes[i].short_name);
		}
	_cleanup_free_ char *root = dd_snapshot_root();
	if ((r = dd_mkdir_p(root, 0700)) < 0)
		return dd_error_set(err, r, "Failed to create %s: %s", root, strerror(-r));
	/* mkdir claims the name: two snapshots of one name, one wins. */
	if (mkdir(dir, 0700) < 0) {
		if (errno == EEXIST)
			return dd_error_usage(err, -EEXIST, "Snapshot '%s' already exists",
			                      o->name);
		return dd_error_set(err, -errno, "Failed to create %s: %s", dir, strerror(errno));
	}
	/* Held until done: clean never takes a snapshot being taken (it has
	 * no manifest until the end). */
	_cleanup_close_ int holdfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (holdfd >= 0)
		flock(holdfd, LOCK_EX);

	size_t n = c->n_nodes;
	_cleanup_free_ const dd_node **running = dd_malloc0((n + 1) * sizeof(*running));
	size_t n_running = 0;
	for (size_t i = 0; i < n; i++)
		if (strcmp(c->nodes[i].state, "running") == 0 ||
		    strcmp(c->nodes[i].state, "restarting") == 0)
			running[n_running++] = &c->nodes[i];
	bool has_base = false;
	dd_error be = {0};
	dd_image_exists(d, c->image, &has_base, &be);
	struct snap_ctx x = {.d = d,
	                     .o = o,
	                     .c = c,
	                     .dir = dir,
	                     .helper_image = has_base ? c->image : NULL,
	                     .node_json = dd_malloc0((n + 1) * sizeof(json_t *)),
	                     .results = dd_malloc0((n + 1) * sizeof(int)),
	                     .errs = dd_malloc0((n + 1) * sizeof(dd_error))};
	pthread_mutex_init(&x.lock, NULL);
	_cleanup_json_ json_t *manifest = NULL;
	bool stopped = false;

	/* Consistent: every node is shut down cleanly (systemd's SIGRTMIN+3)
	 * before anything of it is read. */
	progress(o->on_event, o->userdata, NULL, NULL, "stopping the nodes", false);
	{
		dd_node_op_opts oo = {.op = DD_NODE_STOP,
		                      .stop_timeout = o->stop_timeout,
		                      .on_event = o->on_event,
		                      .userdata = o->userdata};
		_cleanup_free_ dd_node_op_result *res = NULL;
		stopped = true;
		if ((r = dd_nodes_op(d, c, running, n_running, &oo, &res, err)) < 0)
			goto fail;
	}
	if (dd_cancelled()) {
		r = cancelled_error(err);
		goto fail;
	}
	{
		dd_pool pool = {.n = n, .job = snap_job, .userdata = &x, .docker = d};
		dd_pool_run(&pool, NULL);
		size_t first, failed;
		if ((r = dd_pool_first_failure(x.results, x.errs, n, &first, &failed, err)) < 0)
			goto fail;
	}
	if (dd_cancelled()) {
		r = cancelled_error(err);
		goto fail;
	}
	progress(o->on_event, o->userdata, NULL, NULL, "copying the workspace", false);
	{
		_cleanup_free_ char *wsdst = dd_asprintf("%s/workspace", dir);
		if ((r = copy_tree(c->workspace, wsdst, err)) < 0)
			goto fail;
		/* A restored cluster's upper layers: its volumes are copied whole
		 * above, and a restore makes new ones. */
		_cleanup_free_ char *upper = dd_asprintf("%s/" OVERLAY_DIR, wsdst);
		dd_rm_rf(upper);
	}
	{
		dd_dcos_info info = {0};
		bool dcos = dd_dcos_info_load(c->workspace, &info, NULL) == 0;
		char created[32];
		time_t now = time(NULL);
		struct tm tm;
		strftime(created, sizeof(created), "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&now, &tm));
		char shape[4096] = "";
		if (!dd_nodes_record_read(c->workspace, shape, sizeof(shape)))
			for (size_t i = 0, off = 0; i < n && off < sizeof(shape); i++)
				off += (size_t)snprintf(shape + off, sizeof(shape) - off, "%s%s",
				                        off ? "," : "", c->nodes[i].short_name);
		json_t *nodes = json_array();
		for (size_t i = 0; i < n; i++)
			json_array_append_new(nodes, TAKE_PTR(x.node_json[i]));
		manifest = json_pack(
		    "{s:i, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:o, s:o, s:o}", "format",
		    MANIFEST_FORMAT, "name", o->name, "cluster", c->name, "created", created,
		    "workspace", c->workspace, "network", c->network, "subnet", c->subnet,
		    "gateway", c->gateway, "image", c->image, "shape", shape, "dcos",
		    dcos ? json_pack("{s:s, s:s}", "version", info.version, "variant", info.variant)
		         : json_null(),
		    "ports", published_ports(d, c), "nodes", nodes);
		_cleanup_free_ char *text = manifest ? json_dumps(manifest, JSON_INDENT(2)) : NULL;
		_cleanup_free_ char *path = dd_asprintf("%s/" MANIFEST_FILE, dir);
		/* 0600: it names the workspace copy that holds the private key. */
		r = text ? dd_write_file(path, text, strlen(text), 0600) : -ENOMEM;
		if (r < 0) {
			dd_error_set(err, r, "Failed to write %s: %s", path, strerror(-r));
			goto fail;
		}
	}
	if (!o->stop) {
		progress(o->on_event, o->userdata, NULL, NULL, "starting the nodes again", false);
		if ((r = restart_nodes(d, c, running, n_running, o, err)) < 0)
			dd_error_prefix(err, "The snapshot was taken, but: ");
	}
	goto out;
fail:
	progress(o->on_event, o->userdata, NULL, NULL, "removing the partial snapshot", false);
	{
		_cleanup_(dd_docker_freep) dd_docker *d2 = NULL;
		dd_error e = {0};
		if (dd_docker_dup(d, &d2, &e) == 0)
			remove_snapshot_images(d2, o->name, dir);
		dd_rm_rf(dir);
		/* The nodes come back as they were, even after a Ctrl-C: then
		 * started without waiting for them (a cancelled wait ends at
		 * once), they boot on their own. */
		if (stopped && !o->stop && d2) {
			dd_error e2 = {0};
			if (dd_cancelled())
				for (size_t i = 0; i < n_running; i++)
					dd_container_start(d2, running[i]->id, &e2);
			else
				restart_nodes(d2, c, running, n_running, o, &e2);
		}
	}
out:
	for (size_t i = 0; i < n; i++)
		json_decref(x.node_json[i]);
	free(x.node_json);
	free(x.results);
	free(x.errs);
	pthread_mutex_destroy(&x.lock);
	return r;
}

/* ---- list and delete ---- */

static unsigned long long images_bytes(dd_docker *d, const char *name, const char *dir,
                                       const char *base)
{
	long long base_size = 0;
	_cleanup_json_ json_t *bj = NULL;
	dd_error e = {0};
	if (base && *base && dd_image_inspect(d, base, &bj, &e) == 0)
		base_size = json_integer_value(json_object_get(bj, "Size"));
	_cleanup_json_ json_t *imgs = NULL;
	if (snapshot_images(d, name, dir, &imgs, &e) < 0)
		return 0;
	unsigned long long sum = 0;
	size_t i;
	json_t *img;
	/* Each image's own layer: its size beyond the node image it was made of. */
	json_array_foreach (imgs, i, img) {
		long long s = json_integer_value(json_object_get(img, "Size")) - base_size;
		if (s > 0)
			sum += (unsigned long long)s;
	}
	return sum;
}

static int info_cmp(const void *a, const void *b)
{
	return strcmp(((const dd_snapshot_info *)a)->name, ((const dd_snapshot_info *)b)->name);
}

int dd_snapshot_list(dd_docker *d, dd_snapshot_info **ret, size_t *ret_n, dd_error *err)
{
	_cleanup_free_ char *root = dd_snapshot_root();
	size_t n = 0, cap = 8;
	_cleanup_free_ dd_snapshot_info *list = dd_malloc0(cap * sizeof(*list));
	DIR *dir = opendir(root);
	if (!dir && errno != ENOENT)
		return dd_error_set(err, -errno, "Failed to read %s: %s", root, strerror(errno));
	struct dirent *e;
	while (dir && (e = readdir(dir))) {
		if (dd_snapshot_name_check(e->d_name, NULL) < 0)
			continue;
		if (n == cap) {
			cap *= 2;
			dd_snapshot_info *l = realloc(list, cap * sizeof(*list));
			if (!l)
				abort();
			list = l;
		}
		dd_snapshot_info *s = &list[n++];
		memset(s, 0, sizeof(*s));
		snprintf(s->name, sizeof(s->name), "%s", e->d_name);
		snprintf(s->path, sizeof(s->path), "%s/%s", root, e->d_name);
		_cleanup_json_ json_t *m = NULL;
		const char *base = NULL;
		if (manifest_load(e->d_name, &m, NULL) == 0) {
			s->complete = true;
			snprintf(s->cluster, sizeof(s->cluster), "%s", jstr(m, "cluster"));
			snprintf(s->created, sizeof(s->created), "%s", jstr(m, "created"));
			snprintf(s->dcos_version, sizeof(s->dcos_version), "%s",
			         jstr(json_object_get(m, "dcos"), "version"));
			snprintf(s->nodes, sizeof(s->nodes), "%s", jstr(m, "shape"));
			s->n_nodes = json_array_size(json_object_get(m, "nodes"));
			base = jstr(m, "image");
		}
		s->bytes = dir_bytes(s->path) + images_bytes(d, s->name, s->path, base);
	}
	if (dir)
		closedir(dir);
	qsort(list, n, sizeof(*list), info_cmp);
	*ret = TAKE_PTR(list);
	*ret_n = n;
	return 0;
}

int dd_snapshot_delete(dd_docker *d, const char *name, dd_event_cb cb, void *userdata,
                       dd_error *err)
{
	int r = dd_snapshot_name_check(name, err);
	if (r < 0)
		return r;
	_cleanup_free_ char *dir = snapshot_dir(name);
	_cleanup_json_ json_t *imgs = NULL, *vols = NULL;
	if ((r = snapshot_images(d, name, dir, &imgs, err)) < 0 ||
	    (r = dd_volume_list(d, DD_LABEL_SNAPSHOT, name, &vols, err)) < 0)
		return r;
	struct stat st;
	if (lstat(dir, &st) < 0 && json_array_size(imgs) == 0) {
		dd_error_usage(err, -ENOENT, "Snapshot '%s' does not exist", name);
		return dd_error_hint(err, "'dcos-docker snapshots' lists the snapshots there are.");
	}
	/* A restored cluster's /opt is an overlay over the snapshot's copy:
	 * removing it would pull the floor from under that cluster. */
	if (json_array_size(vols) > 0) {
		const char *holder =
		    dd_json_label(json_object_get(json_array_get(vols, 0), "Labels"),
		                  DD_LABEL_CLUSTER)
		        ?: "?";
		dd_error_usage(err, -EBUSY,
		               "Snapshot '%s' is in use: cluster '%s' was restored from it and "
		               "its /opt reads the snapshot's",
		               name, holder);
		return dd_error_hint(err,
		                     "Destroy that cluster first ('dcos-docker destroy --cluster "
		                     "%s').",
		                     holder);
	}
	progress(cb, userdata, NULL, NULL, "removing images", false);
	remove_snapshot_images(d, name, dir);
	_cleanup_json_ json_t *left = NULL;
	if ((r = snapshot_images(d, name, dir, &left, err)) < 0)
		return r;
	if (json_array_size(left) > 0)
		return dd_error_set(err, -EBUSY,
		                    "Failed to remove the images of snapshot '%s' (%zu left): "
		                    "a container uses them",
		                    name, json_array_size(left));
	progress(cb, userdata, NULL, NULL, "removing files", false);
	if ((r = dd_rm_rf(dir)) < 0)
		return dd_error_set(err, r, "Failed to remove %s: %s", dir, strerror(-r));
	return 0;
}

/* ---- restore ---- */

struct rnode {
	json_t *j; /* its manifest entry */
	enum dd_role role;
	int index;
	char short_name[32];
	char name[128];
	char ip[48];
	char image[256];
	char volumes[DD_VOL_COUNT][80];
	char id[72];
	int r;
	dd_error err;
};

struct restore_ctx {
	dd_docker *d;
	const dd_restore_opts *o;
	json_t *m;
	const char *snap;
	char snapdir[4096];
	char name[DD_CLUSTER_NAME_MAX + 1];
	char workspace[4096];
	char run_id[33];
	char network[160];
	char network_id[72];
	char helper_image[256];
	bool privileged;
	char **missing_caps;
	int cgroup_version;
	struct rnode *nodes;
	size_t n;
	dd_create_opts co;
	dd_mount_spec *mounts[DD_ROLE_COUNT];
	dd_label_spec *labels[DD_ROLE_COUNT];
	dd_port_spec *ports;
	json_t *create_record;
	char shape[4096];
	char registry_ip[48];
	pthread_mutex_t lock;
};

static void rprogress(struct restore_ctx *x, const char *node, const char *status, bool done)
{
	progress(x->o->on_event, x->o->userdata, &x->lock, node, status, done);
}

/* The first network, or host route, that overlaps the snapshot's subnet:
 * a usage error naming who holds it. */
static int check_subnet_free(struct restore_ctx *x, const char *subnet, dd_error *err)
{
	uint32_t want;
	int wprefix;
	if (dd_parse_cidr(subnet, &want, &wprefix) < 0)
		return dd_error_set(err, -EBADMSG, "The snapshot's subnet '%s' is damaged", subnet);
	_cleanup_json_ json_t *nets = NULL;
	int r = dd_network_list(x->d, NULL, NULL, &nets, err);
	if (r < 0)
		return r;
	size_t i;
	json_t *net;
	json_array_foreach (nets, i, net) {
		struct dd_used_nets one = {0};
		_cleanup_json_ json_t *arr = json_pack("[O]", net);
		dd_used_add_networks(&one, arr);
		for (size_t k = 0; k < one.n; k++) {
			int p = one.prefix[k] < wprefix ? one.prefix[k] : wprefix;
			uint32_t mask = p == 0 ? 0 : ~0u << (32 - p);
			if ((one.addr[k] & mask) != (want & mask))
				continue;
			const char *holder =
			    dd_json_label(json_object_get(net, "Labels"), DD_LABEL_CLUSTER);
			if (holder) {
				dd_error_usage(
				    err, -EADDRINUSE,
				    "Subnet %s of snapshot '%s' is in use by cluster '%s' "
				    "(network %s)",
				    subnet, x->snap, holder, jstr(net, "Name"));
				return dd_error_hint(err,
				                     "Destroy cluster '%s' first: a snapshot comes "
				                     "back with its own subnet and IPs.",
				                     holder);
			}
			dd_error_usage(
			    err, -EADDRINUSE,
			    "Subnet %s of snapshot '%s' is in use by Docker network '%s'", subnet,
			    x->snap, jstr(net, "Name"));
			return dd_error_hint(err,
			                     "Remove that network first: a snapshot comes back "
			                     "with its own subnet and IPs.");
		}
	}
	return 0;
}

static int check_cluster_free(dd_docker *d, const char *name, dd_error *err)
{
	for (int kind = 0; kind < 3; kind++) {
		_cleanup_json_ json_t *list = NULL;
		int r = kind == 0   ? dd_container_list(d, DD_LABEL_CLUSTER, name, &list, err)
		        : kind == 1 ? dd_network_list(d, DD_LABEL_CLUSTER, name, &list, err)
		                    : dd_volume_list(d, DD_LABEL_CLUSTER, name, &list, err);
		if (r < 0)
			return r;
		if (json_array_size(list) > 0) {
			dd_error_usage(err, -EEXIST, "Cluster '%s' already exists", name);
			return dd_error_hint(
			    err,
			    "Destroy it first ('dcos-docker destroy --cluster %s'), "
			    "or restore under another --cluster.",
			    name);
		}
	}
	return 0;
}

/* The create options the nodes were made with (<workspace>/create.json, in
 * the copied workspace), so that dd_node_spec_body gives each node the
 * spec create gave it. */
static int load_create_opts(struct restore_ctx *x, dd_error *err)
{
	_cleanup_free_ char *path = dd_asprintf("%s/create.json", x->workspace);
	_cleanup_free_ char *text = NULL;
	int r = dd_read_file(path, 4u << 20, &text, NULL);
	if (r == 0)
		x->create_record = json_loads(text, 0, NULL);
	json_t *roles = json_object_get(x->create_record, "roles");
	dd_create_opts *co = &x->co;
	co->name = x->name;
	co->image = jstr(x->m, "image");
	for (int role = 0; role < DD_ROLE_COUNT; role++) {
		json_t *rj = json_object_get(roles, dd_role_label((enum dd_role)role));
		json_t *mounts = json_object_get(rj, "mounts"),
		       *labels = json_object_get(rj, "labels");
		x->mounts[role] = dd_malloc0((json_array_size(mounts) + 1) * sizeof(dd_mount_spec));
		x->labels[role] =
		    dd_malloc0((json_object_size(labels) + 1) * sizeof(dd_label_spec));
		size_t i;
		json_t *mj;
		json_array_foreach (mounts, i, mj) {
			const char *src = json_string_value(json_object_get(mj, "src"));
			const char *dst = json_string_value(json_object_get(mj, "dst"));
			if (!src || !dst)
				return dd_error_set(err, -EBADMSG, "%s is damaged (a volume)",
				                    path);
			x->mounts[role][co->n_mounts[role]++] =
			    (dd_mount_spec){.src = (char *)src,
			                    .dst = (char *)dst,
			                    .ro = json_is_true(json_object_get(mj, "ro"))};
		}
		const char *key;
		json_t *v;
		json_object_foreach (labels, key, v)
			x->labels[role][co->n_labels[role]++] = (dd_label_spec){
			    .key = (char *)key, .value = (char *)json_string_value(v)};
		co->mounts[role] = x->mounts[role];
		co->labels[role] = x->labels[role];
		co->cpus[role] = json_number_value(json_object_get(rj, "cpus"));
		co->memory[role] = json_integer_value(json_object_get(rj, "memory"));
	}
	json_t *ports = json_object_get(x->m, "ports");
	x->ports = dd_malloc0((json_array_size(ports) + 1) * sizeof(dd_port_spec));
	size_t i;
	json_t *p;
	json_array_foreach (ports, i, p) {
		dd_port_spec *ps = &x->ports[co->n_ports++];
		snprintf(ps->host_ip, sizeof(ps->host_ip), "%s", jstr(p, "host_ip"));
		snprintf(ps->proto, sizeof(ps->proto), "%s", jstr(p, "proto"));
		ps->host_port = (int)json_integer_value(json_object_get(p, "host_port"));
		ps->port = (int)json_integer_value(json_object_get(p, "port"));
	}
	co->ports = x->ports;
	for (size_t k = 0; k < x->n; k++)
		co->counts[x->nodes[k].role]++;
	return 0;
}

static int make_volume(struct restore_ctx *x, dd_docker *d, struct rnode *n, int vol, bool overlay,
                       dd_error *err)
{
	json_t *labels = json_pack("{s:s, s:s, s:s}", DD_LABEL_CLUSTER, x->name, DD_LABEL_RUN,
	                           x->run_id, DD_LABEL_WORKSPACE, x->workspace);
	_cleanup_json_ json_t *body = json_pack("{s:s, s:o}", "Driver", "local", "Labels", labels);
	if (overlay) {
		_cleanup_free_ char *lower =
		    dd_asprintf("%s/nodes/%s/%s", x->snapdir, n->short_name, layer_dir(vol));
		_cleanup_free_ char *base = dd_asprintf("%s/" OVERLAY_DIR "/%s/%s", x->workspace,
		                                        n->short_name, layer_dir(vol));
		_cleanup_free_ char *upper = dd_asprintf("%s/upper", base);
		_cleanup_free_ char *work = dd_asprintf("%s/work", base);
		int r;
		if ((r = dd_mkdir_p(lower, 0755)) < 0 || (r = dd_mkdir_p(upper, 0755)) < 0 ||
		    (r = dd_mkdir_p(work, 0755)) < 0)
			return dd_error_set(err, r, "Failed to create %s: %s", base, strerror(-r));
		_cleanup_free_ char *o =
		    dd_asprintf("lowerdir=%s,upperdir=%s,workdir=%s", lower, upper, work);
		json_object_set_new(
		    body, "DriverOpts",
		    json_pack("{s:s, s:s, s:s}", "type", "overlay", "device", "overlay", "o", o));
		/* snapshot --delete refuses while this volume reads the snapshot. */
		json_object_set_new(labels, DD_LABEL_SNAPSHOT, json_string(x->snap));
	}
	return dd_volume_create(d, body, n->volumes[vol], sizeof(n->volumes[vol]), err);
}

/* /opt and the journal as copies of the snapshot's (where overlay volumes
 * do not work). */
static int copy_layers(struct restore_ctx *x, dd_docker *d, struct rnode *n, dd_error *err)
{
	_cleanup_free_ char *src = dd_asprintf("%s/nodes/%s:/snap:ro", x->snapdir, n->short_name);
	_cleanup_free_ char *opt = dd_asprintf("%s:/v/opt", n->volumes[DD_VOL_OPT]);
	_cleanup_free_ char *journal = dd_asprintf("%s:/v/journal", n->volumes[DD_VOL_JOURNAL]);
	const char *binds[] = {src, opt, journal, NULL};
	const char *argv[] = {"cp", "-a", "/snap/opt", "/snap/journal", "/v/", NULL};
	_cleanup_free_ char *what = dd_asprintf("/opt and the journal of node %s", n->short_name);
	return helper(d, x->helper_image, argv, binds, what, err);
}

static int create_container(struct restore_ctx *x, dd_docker *d, struct rnode *n, dd_error *err)
{
	_cleanup_free_ char *node_dir = dd_asprintf("%s/nodes/%s", x->workspace, n->short_name);
	struct dd_node_spec spec = {.opts = &x->co,
	                            .role = n->role,
	                            .index = n->index,
	                            .name = n->name,
	                            .short_name = n->short_name,
	                            .ip = n->ip,
	                            .node_dir = node_dir,
	                            .workspace = x->workspace,
	                            .run_id = x->run_id,
	                            .network = x->network,
	                            .privileged = x->privileged,
	                            .cgroup_version = x->cgroup_version,
	                            .missing_caps = x->missing_caps,
	                            .shape = x->shape,
	                            .registry_ip = x->registry_ip[0] ? x->registry_ip : NULL,
	                            .image = n->image};
	for (int v = 0; v < DD_VOL_COUNT; v++)
		spec.volumes[v] = n->volumes[v][0] ? n->volumes[v] : NULL;
	_cleanup_json_ json_t *body = dd_node_spec_body(&spec);
	int r = dd_container_create(d, n->name, body, n->id, sizeof(n->id), err);
	if (r == -EEXIST) {
		dd_error_usage(err, -EEXIST,
		               "Cluster name '%s' is already in use: a container named %s exists",
		               x->name, n->name);
		return dd_error_hint(err, "Restore under another --cluster, or remove it first.");
	}
	return r;
}

static bool boot_should_stop(void *userdata)
{
	(void)userdata;
	return dd_cancelled();
}

/* Started and waited for as create does (systemd's READY=1 on the notify
 * socket, the inner Docker socket, sshd), each node as soon as it is made. */
static int boot_node(struct restore_ctx *x, dd_docker *d, struct rnode *n, dd_error *err)
{
	_cleanup_free_ char *node_dir = dd_asprintf("%s/nodes/%s", x->workspace, n->short_name);
	int fd = -1;
	int r = dd_node_notify_bind(node_dir, &fd, err);
	if (r < 0)
		return r;
	rprogress(x, n->name, "starting", false);
	r = dd_container_start(d, n->id, err);
	if (r == 0) {
		rprogress(x, n->name, "booting", false);
		char status[640];
		dd_boot_wait w = {.id = n->id,
		                  .ip = n->ip,
		                  .notify_fd = fd,
		                  .timeout = x->o->timeout,
		                  .should_stop = boot_should_stop};
		r = dd_node_boot_wait(d, &w, status, sizeof(status), err);
		if (r == 0) {
			/* As create: only a node that booted restarts with the daemon. */
			_cleanup_json_ json_t *policy =
			    json_pack("{s:{s:s}}", "RestartPolicy", "Name", "unless-stopped");
			if ((r = dd_container_update(d, n->id, policy, err)) < 0)
				dd_error_prefix(err, "Failed to set the restart policy: ");
			else
				rprogress(x, n->name, status, true);
		}
	}
	dd_node_notify_close(node_dir, fd);
	return r;
}

/* The volumes made, the container created (Docker mounts the overlay /opt
 * then: where that fails, /opt is copied instead, said so), the copied
 * volumes put back from their tars through the archive API (no helper
 * container: a node costs about what create's does). */
static int restore_node(struct restore_ctx *x, dd_docker *d, struct rnode *n, dd_error *err)
{
	rprogress(x, n->name, "creating", false);
	/* overlayfs takes its options comma separated, ':' separating lower
	 * layers: a path with either cannot be said to it. */
	bool overlay = !strpbrk(x->snapdir, ",:") && !strpbrk(x->workspace, ",:");
	int r;
	for (int v = 0; v < DD_VOL_COUNT; v++) {
		if (v == DD_VOL_MESOS && n->role == DD_ROLE_MASTER)
			continue;
		if ((r = make_volume(x, d, n, v, layered(v) && overlay, err)) < 0)
			return r;
	}
	if (!overlay && (r = copy_layers(x, d, n, err)) < 0)
		return r;
	dd_error e = {0};
	r = create_container(x, d, n, &e);
	if (r < 0 && overlay && r != -EEXIST && strstr(e.msg, "mount")) {
		/* This host (a nested one, an old kernel) cannot mount it. */
		rprogress(x, n->name,
		          "overlay volumes do not work on this host: copying /opt and the journal",
		          false);
		for (int v = 0; v < DD_VOL_COUNT; v++) {
			if (!layered(v))
				continue;
			dd_error e2 = {0};
			dd_volume_remove(d, n->volumes[v], DD_RM_FORCE | DD_RM_MISSING_OK, &e2);
			n->volumes[v][0] = '\0';
			if ((r = make_volume(x, d, n, v, false, err)) < 0)
				return r;
		}
		if ((r = copy_layers(x, d, n, err)) < 0)
			return r;
		dd_error_clear(&e);
		r = create_container(x, d, n, &e);
	}
	if (r < 0) {
		dd_error_copy(err, &e);
		return r == -EEXIST
		           ? r
		           : dd_error_prefix(err, "Failed to create node %s: ", n->short_name);
	}
	if (dd_cancelled())
		return cancelled_error(err);
	rprogress(x, n->name, "restoring volumes", false);
	size_t i;
	json_t *t;
	json_array_foreach (json_object_get(n->j, "volumes"), i, t) {
		const char *target = json_string_value(t) ?: "";
		bool skip = !*target;
		for (int v = 0; v < DD_VOL_COUNT; v++)
			skip |= layered(v) && strcmp(target, dd_node_volume_targets[v]) == 0;
		if (skip)
			continue;
		_cleanup_free_ char *name = tar_name(target);
		_cleanup_free_ char *file =
		    dd_asprintf("%s/nodes/%s/%s", x->snapdir, n->short_name, name);
		_cleanup_close_ int fd = open(file, O_RDONLY | O_CLOEXEC);
		struct stat st;
		if (fd < 0 || fstat(fd, &st) < 0)
			return dd_error_set(err, -errno, "Snapshot '%s' is damaged: %s: %s",
			                    x->snap, file, strerror(errno));
		/* The volume was empty (the tar holds only its directory: one
		 * header and the end blocks): nothing to put back. Its directory
		 * is already as it was, as Docker made both from the same
		 * directory of the image. A put costs the daemon a re-exec. */
		if (st.st_size <= 3 * 512)
			continue;
		/* The tar's top entry is the volume's own directory. */
		_cleanup_free_ char *parent = dd_strdup(target);
		char *slash = strrchr(parent, '/');
		if (slash == parent)
			slash[1] = '\0';
		else if (slash)
			*slash = '\0';
		if ((r = dd_archive_put(d, n->id, parent, read_fd, &fd, err)) < 0)
			return dd_error_prefix(err, "Failed to restore %s of node %s: ", target,
			                       n->short_name);
	}
	if (dd_cancelled())
		return cancelled_error(err);
	return boot_node(x, d, n, err);
}

static int restore_job(void *userdata, size_t i, void *state)
{
	struct restore_ctx *x = userdata;
	struct rnode *n = &x->nodes[i];
	dd_docker *d = dd_pool_docker_get(state, &n->r, &n->err);
	if (d)
		n->r = restore_node(x, d, n, &n->err);
	if (n->r < 0)
		rprogress(x, n->name, "failed", true);
	return n->r;
}

/* Under another cluster name, what in the workspace says the old one. */
static int rename_workspace(struct restore_ctx *x, const char *old, dd_error *err)
{
	_cleanup_free_ char *marker = dd_asprintf("%s/" DD_WORKSPACE_MARKER, x->workspace);
	int r = dd_write_file(marker, x->name, strlen(x->name), 0644);
	if (r < 0)
		return dd_error_set(err, r, "Failed to write %s: %s", marker, strerror(-r));
	/* known_hosts: "IP,OLD-master1 KEY" lines become "IP,NEW-master1 KEY". */
	_cleanup_free_ char *kh = dd_asprintf("%s/ssh/known_hosts", x->workspace);
	_cleanup_free_ char *text = NULL;
	if (dd_read_file(kh, 4u << 20, &text, NULL) == 0) {
		_cleanup_free_ char *from = dd_asprintf(",%s-", old);
		_cleanup_free_ char *to = dd_asprintf(",%s-", x->name);
		size_t lines = 1;
		for (const char *p = text; *p; p++)
			lines += *p == '\n';
		/* At most one name per line grows. */
		_cleanup_free_ char *out = dd_malloc0(strlen(text) + lines * strlen(to) + 1);
		char *o = out;
		for (const char *p = text; *p;) {
			const char *hit = strstr(p, from);
			const char *eol = strchr(p, '\n');
			if (hit && (!eol || hit < eol)) {
				memcpy(o, p, (size_t)(hit - p));
				o += hit - p;
				o = stpcpy(o, to);
				p = hit + strlen(from);
			}
			eol = strchr(p, '\n');
			size_t l = eol ? (size_t)(eol - p + 1) : strlen(p);
			memcpy(o, p, l);
			o += l;
			p += l;
		}
		if ((r = dd_write_file(kh, out, (size_t)(o - out), 0600)) < 0)
			return dd_error_set(err, r, "Failed to write %s: %s", kh, strerror(-r));
	}
	for (size_t i = 0; i < x->n; i++) {
		struct rnode *n = &x->nodes[i];
		_cleanup_free_ char *env =
		    dd_asprintf("%s/nodes/%s/etc/node.env", x->workspace, n->short_name);
		_cleanup_free_ char *data = dd_asprintf(
		    "DCOS_DOCKER_CLUSTER=%s\nDCOS_DOCKER_ROLE=%s\nDCOS_DOCKER_INDEX=%d\nDCOS_"
		    "DOCKER_IP=%s\n",
		    x->name, dd_role_label(n->role), n->index, n->ip);
		if ((r = dd_write_file(env, data, strlen(data), 0644)) < 0)
			return dd_error_set(err, r, "Failed to write %s: %s", env, strerror(-r));
	}
	return 0;
}

static void restore_rollback(struct restore_ctx *x, bool workspace)
{
	rprogress(x, NULL, "rolling back", false);
	dd_remove_run(x->d, x->run_id, x->network_id);
	if (workspace) {
		dd_error e = {0};
		dd_workspace_reclaim(x->d, x->workspace, x->helper_image, &e);
		/* A copy cut short before the marker arrived: the path did not
		 * exist before this restore (checked), so it is ours. */
		dd_rm_rf(x->workspace);
	}
}

static int create_network(struct restore_ctx *x, dd_error *err)
{
	snprintf(x->network, sizeof(x->network), "%s", x->name);
	_cleanup_json_ json_t *body =
	    json_pack("{s:s, s:b, s:s, s:{s:s, s:s, s:s, s:s}, s:{s:s, s:[{s:s, s:s}]}, s:{s:s}}",
	              "Name", x->network, "CheckDuplicate", 1, "Driver", "bridge", "Labels",
	              DD_LABEL_CLUSTER, x->name, DD_LABEL_WORKSPACE, x->workspace, DD_LABEL_RUN,
	              x->run_id, DD_LABEL_NODES, x->shape, "IPAM", "Driver", "default", "Config",
	              "Subnet", jstr(x->m, "subnet"), "Gateway", jstr(x->m, "gateway"), "Options",
	              "com.docker.network.bridge.enable_ip_masquerade", "true");
	dd_error e = {0};
	int r = dd_network_create(x->d, body, x->network_id, sizeof(x->network_id), &e);
	if (r == 0)
		return 0;
	dd_error_copy(err, &e);
	if (r == -EEXIST || strstr(e.msg, "already exists"))
		return dd_error_usage(err, -EEXIST,
		                      "Cluster name '%s' is already in use: a network of that "
		                      "name exists",
		                      x->name);
	if (strstr(e.msg, "overlap"))
		return dd_error_usage(err, -EADDRINUSE, "Subnet %s of snapshot '%s' is in use (%s)",
		                      jstr(x->m, "subnet"), x->snap, e.msg);
	return dd_error_prefix(err, "Failed to create the cluster network: ");
}

static int restore_prepare_nodes(struct restore_ctx *x, dd_error *err)
{
	json_t *nodes = json_object_get(x->m, "nodes");
	x->n = json_array_size(nodes);
	if (x->n == 0 || x->n > DD_CLUSTER_NODES_MAX)
		return dd_error_set(err, -EBADMSG, "The manifest of snapshot '%s' is damaged",
		                    x->snap);
	x->nodes = dd_malloc0(x->n * sizeof(*x->nodes));
	for (size_t i = 0; i < x->n; i++) {
		struct rnode *n = &x->nodes[i];
		json_t *j = json_array_get(nodes, i);
		n->j = j;
		const char *role = jstr(j, "role");
		bool known = false;
		for (int k = 0; k < DD_ROLE_COUNT; k++)
			if (strcmp(role, dd_role_label((enum dd_role)k)) == 0) {
				n->role = (enum dd_role)k;
				known = true;
			}
		n->index = (int)json_integer_value(json_object_get(j, "index"));
		if (!known || n->index < 1 || !*jstr(j, "ip") || !*jstr(j, "image"))
			return dd_error_set(err, -EBADMSG,
			                    "The manifest of snapshot '%s' is damaged (node %zu)",
			                    x->snap, i + 1);
		snprintf(n->short_name, sizeof(n->short_name), "%s%d", dd_role_prefix(n->role),
		         n->index);
		snprintf(n->name, sizeof(n->name), "%s-%s", x->name, n->short_name);
		snprintf(n->ip, sizeof(n->ip), "%s", jstr(j, "ip"));
		snprintf(n->image, sizeof(n->image), "%s", jstr(j, "image"));
		if (n->role == DD_ROLE_MASTER && n->index == 1)
			snprintf(x->registry_ip, sizeof(x->registry_ip), "%s", n->ip);
		bool has = false;
		int r = dd_image_exists(x->d, n->image, &has, err);
		if (r < 0)
			return r;
		if (!has) {
			dd_error_usage(err, -ENOENT,
			               "Snapshot '%s' is damaged: the image %s of node %s is gone",
			               x->snap, n->image, n->short_name);
			return dd_error_hint(
			    err, "Remove it with 'dcos-docker snapshot --delete %s'.", x->snap);
		}
	}
	return 0;
}

int dd_snapshot_restore(dd_docker *d, const dd_restore_opts *o, dd_cluster **ret, dd_error *err)
{
	int r = dd_snapshot_name_check(o->snapshot, err);
	if (r < 0)
		return r;
	if (o->cluster && (r = dd_cluster_name_check(o->cluster, err)) < 0)
		return r;
	struct restore_ctx x = {.d = d, .o = o, .snap = o->snapshot};
	pthread_mutex_init(&x.lock, NULL);
	_cleanup_close_ int lockfd = -1, wsfd = -1;
	_cleanup_free_ char *sdir = snapshot_dir(o->snapshot);
	bool made_workspace = false;
	if ((r = manifest_load(o->snapshot, &x.m, err)) < 0)
		goto out;
	snprintf(x.snapdir, sizeof(x.snapdir), "%s", sdir);
	const char *orig = jstr(x.m, "cluster");
	snprintf(x.name, sizeof(x.name), "%s", o->cluster ? o->cluster : orig);
	if ((r = dd_cluster_name_check(x.name, err)) < 0)
		goto out;
	snprintf(x.shape, sizeof(x.shape), "%s", jstr(x.m, "shape"));
	/* The same name comes back at the same workspace (its nodes bind files
	 * from there); another name at that name's default place. */
	if (strcmp(x.name, orig) == 0 && *jstr(x.m, "workspace"))
		snprintf(x.workspace, sizeof(x.workspace), "%s", jstr(x.m, "workspace"));
	else {
		_cleanup_free_ char *ws = dd_cluster_workspace_path(x.name);
		if (dd_snprintf(x.workspace, sizeof(x.workspace), "%s", ws) < 0) {
			r = dd_error_usage(err, -ENAMETOOLONG, "Workspace path too long");
			goto out;
		}
	}
	if ((r = restore_prepare_nodes(&x, err)) < 0)
		goto out;
	bool has_base = false;
	dd_error be = {0};
	dd_image_exists(d, jstr(x.m, "image"), &has_base, &be);
	/* Helpers from the node image: a committed image still carries the
	 * node's labels (blanked, but there). */
	snprintf(x.helper_image, sizeof(x.helper_image), "%s",
	         has_base ? jstr(x.m, "image") : x.nodes[0].image);
	if ((r = dd_inotify_check(x.n, err)) < 0 ||
	    (r = dd_workspace_root_lock(&lockfd, err)) < 0 ||
	    (r = check_cluster_free(d, x.name, err)) < 0 ||
	    (r = check_subnet_free(&x, jstr(x.m, "subnet"), err)) < 0)
		goto out;
	struct stat st;
	if (lstat(x.workspace, &st) == 0) {
		dd_error_usage(err, -EEXIST, "Workspace %s exists", x.workspace);
		r = dd_error_hint(err,
		                  "A cluster's workspace is left there: 'dcos-docker destroy "
		                  "--cluster %s' removes it.",
		                  x.name);
		goto out;
	}
	{
		_cleanup_json_ json_t *info = NULL;
		if ((r = dd_docker_info(d, &info, err)) < 0)
			goto out;
		const char *cg = json_string_value(json_object_get(info, "CgroupVersion"));
		x.cgroup_version = cg && strcmp(cg, "2") == 0 ? 2 : 1;
		bool priv = false;
		if ((r = dd_privilege_detect(d, &priv, &x.missing_caps, err)) < 0)
			goto out;
		x.privileged = priv;
	}
	if ((r = dd_random_hex(x.run_id, 16)) < 0) {
		r = dd_error_set(err, r, "Failed to make a run id: %s", strerror(-r));
		goto out;
	}
	if (dd_cancelled()) {
		r = cancelled_error(err);
		goto out;
	}

	/* ---- from here on, a failure removes what was made ---- */
	rprogress(&x, NULL, "copying the workspace", false);
	{
		_cleanup_free_ char *src = dd_asprintf("%s/workspace", x.snapdir);
		_cleanup_free_ char *parent = dd_strdup(x.workspace);
		char *slash = strrchr(parent, '/');
		if (slash && slash != parent)
			*slash = '\0';
		if ((r = dd_mkdir_p(parent, 0700)) < 0) {
			r = dd_error_set(err, r, "Failed to create %s: %s", parent, strerror(-r));
			goto out;
		}
		made_workspace = true;
		if ((r = copy_tree(src, x.workspace, err)) < 0)
			goto fail;
	}
	wsfd = dd_workspace_hold(x.workspace);
	if (strcmp(x.name, orig) != 0 && (r = rename_workspace(&x, orig, err)) < 0)
		goto fail;
	if ((r = load_create_opts(&x, err)) < 0)
		goto fail;
	rprogress(&x, NULL, "creating network", false);
	if ((r = create_network(&x, err)) < 0)
		goto fail;
	/* The labelled network holds the name and the subnet now. */
	close(TAKE_FD(lockfd));
	{
		dd_pool pool = {.n = x.n, .job = restore_job, .userdata = &x, .docker = d};
		dd_pool_run(&pool, NULL);
		for (int pass = 0; pass < 2 && r == 0; pass++)
			for (size_t i = 0; i < x.n; i++)
				if (x.nodes[i].r < 0 && (pass == 1 || x.nodes[i].r != -ECANCELED)) {
					r = x.nodes[i].r;
					dd_error_copy(err, &x.nodes[i].err);
					break;
				}
		if (r == 0 && dd_cancelled())
			r = cancelled_error(err);
		if (r < 0)
			goto fail;
	}
	if ((r = dd_cluster_load(d, x.name, ret, err)) < 0)
		goto fail;
	goto out;
fail:
	restore_rollback(&x, made_workspace);
out:
	if (x.missing_caps)
		for (char **cp = x.missing_caps; *cp; cp++)
			free(*cp);
	free(x.missing_caps);
	for (int role = 0; role < DD_ROLE_COUNT; role++) {
		free(x.mounts[role]);
		free(x.labels[role]);
	}
	free(x.ports);
	free(x.nodes);
	json_decref(x.create_record);
	json_decref(x.m);
	pthread_mutex_destroy(&x.lock);
	return r;
}

/* ---- clean ---- */

int dd_snapshot_leftovers(dd_docker *d, bool dry_run, dd_leftover **list, size_t *n, dd_error *err)
{
	_cleanup_free_ char *root = dd_snapshot_root();
	DIR *dir = opendir(root);
	struct dirent *e;
	while (dir && (e = readdir(dir))) {
		if (dd_snapshot_name_check(e->d_name, NULL) < 0)
			continue;
		_cleanup_free_ char *sdir = dd_asprintf("%s/%s", root, e->d_name);
		_cleanup_free_ char *manifest = dd_asprintf("%s/" MANIFEST_FILE, sdir);
		if (access(manifest, F_OK) == 0)
			continue;
		dd_leftover *l = dd_leftover_add(list, n);
		l->snapshot = true;
		snprintf(l->name, sizeof(l->name), "%s", e->d_name);
		_cleanup_close_ int fd = open(sdir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (fd >= 0 && flock(fd, LOCK_EX | LOCK_NB) < 0) {
			l->kept = true;
			snprintf(l->state, sizeof(l->state), "incomplete: it is being taken");
			continue;
		}
		snprintf(l->state, sizeof(l->state), "incomplete: no manifest");
		if (dry_run)
			continue;
		remove_snapshot_images(d, e->d_name, sdir);
		int r = dd_rm_rf(sdir);
		if (r < 0)
			snprintf(l->error, sizeof(l->error), "%s", strerror(-r));
		else
			l->removed = true;
	}
	if (dir)
		closedir(dir);
	/* Images of this root's snapshots whose directory is gone (a delete or
	 * a rollback that was killed half-way). */
	_cleanup_json_ json_t *imgs = NULL;
	int r = dd_image_list(d, DD_LABEL_SNAPSHOT, NULL, &imgs, err);
	if (r < 0)
		return r;
	size_t i;
	json_t *img;
	json_array_foreach (imgs, i, img) {
		json_t *labels = json_object_get(img, "Labels");
		const char *sdir = dd_json_label(labels, DD_LABEL_SNAPSHOT_DIR);
		const char *name = dd_json_label(labels, DD_LABEL_SNAPSHOT);
		struct stat st;
		if (!sdir || !name || !dd_startswith(sdir, root) || sdir[strlen(root)] != '/' ||
		    lstat(sdir, &st) == 0)
			continue;
		bool seen = false;
		for (size_t k = 0; k < *n && !seen; k++)
			seen = (*list)[k].snapshot && strcmp((*list)[k].name, name) == 0;
		if (seen)
			continue;
		dd_leftover *l = dd_leftover_add(list, n);
		l->snapshot = true;
		snprintf(l->name, sizeof(l->name), "%s", name);
		snprintf(l->state, sizeof(l->state), "images without their snapshot directory");
		if (dry_run)
			continue;
		remove_snapshot_images(d, name, sdir);
		_cleanup_json_ json_t *left = NULL;
		dd_error e2 = {0};
		if (snapshot_images(d, name, sdir, &left, &e2) == 0 && json_array_size(left) > 0)
			snprintf(l->error, sizeof(l->error), "a container uses its images");
		else
			l->removed = true;
	}
	return 0;
}
