/* Creating a cluster: validate everything first, then the network, then
 * every node in parallel (create, seed files, start, wait for systemd's
 * READY=1 on a notify socket), rolling back on any failure or Ctrl-C. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>

#include "buf.h"
#include "cluster-internal.h"
#include "create-internal.h"
#include "dcos-docker/cancel.h"
#include "dcos-docker/cluster.h"
#include "dcos-docker/create.h"
#include "dcos-docker/exec.h"
#include "dcos-docker/image.h"
#include "dcos-docker/install.h"
#include "dcos-docker/kmod.h"
#include "dcos-docker/wait.h"
#include "dcos/install-internal.h"
#include "docker/objects.h"
#include "event-internal.h"
#include "inotify-internal.h"
#include "kmod-internal.h"
#include "node-boot-internal.h"
#include "pool.h"
#include "privilege-internal.h"
#include "sshkey-internal.h"
#include "util.h"

#define DEFAULT_TIMEOUT 120.0

struct create_ctx;

struct node_job {
	struct create_ctx *ctx;
	enum dd_role role;
	int index;
	char short_name[32];
	char name[128];
	char ip[48];
	char id[72];
	char node_dir[4096];
	char *hostkey_pub; /* "ssh-ed25519 AAAA... root@name" for known_hosts */
	int notify_fd;
	int r;
	dd_error err;
};

struct create_ctx {
	dd_docker *d;
	const dd_create_opts *opts;
	char run_id[33];
	char network[160];
	char network_id[72];
	char subnet[32];
	char gateway[20];
	uint32_t *user_addrs; /* --network: the nodes' addresses, in node order */
	char workspace[4096];
	bool privileged;
	char **missing_caps;
	/* The modules the host kernel has loaded or built in, for the nodes'
	 * modprobe (/etc/dcos-docker/host-modules): a node cannot see
	 * modules.builtin or the kernel config. NULL when nothing could be told. */
	char *host_modules;
	char storage_driver[32];
	bool storage_slow; /* auto fell back to vfs */
	int cgroup_version;
	char *authorized_key;
	struct node_job *jobs;
	size_t n_jobs;
	const char *shape;    /* add-node: the nodes' DD_LABEL_NODES (the shape after it) */
	char registry_ip[48]; /* master1's (see dd_node_spec.registry_ip) */
	atomic_bool failed;
	pthread_mutex_t progress_lock;
};

static void progress(struct create_ctx *ctx, const char *node, const char *status, bool done)
{
	if (!ctx->opts->on_event)
		return;
	pthread_mutex_lock(&ctx->progress_lock);
	dd_event_status(ctx->opts->on_event, ctx->opts->userdata, node, status, done);
	pthread_mutex_unlock(&ctx->progress_lock);
}

static bool should_stop(struct create_ctx *ctx)
{
	return dd_cancelled() || ctx->failed;
}

static int cancelled_error(dd_error *err)
{
	return dd_error_set(err, -ECANCELED, "Interrupted");
}

/* ---- validation ---- */

int dd_create_opts_check(const dd_create_opts *o, dd_error *err)
{
	int r = dd_cluster_name_check(o->name, err);
	if (r < 0)
		return r;
	int m = o->counts[DD_ROLE_MASTER];
	if (m < 1 || m > DD_MASTERS_MAX || m % 2 == 0) {
		dd_error_usage(err, -EINVAL, "Invalid number of masters: %d", m);
		return dd_error_hint(err, "DC/OS with static master discovery needs 1, 3, 5, 7 or "
		                          "9 masters.");
	}
	for (int role = DD_ROLE_AGENT; role < DD_ROLE_COUNT; role++) {
		int n = o->counts[role];
		if (n < 0 || n > DD_AGENTS_MAX)
			return dd_error_usage(err, -EINVAL, "Invalid number of %ss: %d (0 to %d)",
			                      role == DD_ROLE_AGENT ? "agent" : "public agent", n,
			                      DD_AGENTS_MAX);
	}
	for (int role = 0; role < DD_ROLE_COUNT; role++)
		for (size_t i = 0; i < o->n_labels[role]; i++)
			if ((r = dd_label_key_check(o->labels[role][i].key, err)) < 0)
				return r;
	if (o->storage_driver && strcmp(o->storage_driver, "auto") != 0) {
		r = dd_storage_driver_check(o->storage_driver, err);
		if (r < 0)
			return r;
	}
	if (o->network && (!*o->network || strlen(o->network) > 128))
		return dd_error_usage(err, -EINVAL, "Invalid network name '%s'", o->network);
	struct stat st;
	if (o->workspace && stat(o->workspace, &st) == 0 && !S_ISDIR(st.st_mode)) {
		dd_error_usage(err, -ENOTDIR, "Workspace %s is not a directory", o->workspace);
		return dd_error_hint(err, "Pass a new or empty directory to --workspace.");
	}
	for (int role = 0; role < DD_ROLE_COUNT; role++)
		for (size_t i = 0; i < o->n_mounts[role]; i++) {
			/* The daemon would refuse the node with "Duplicate mount point"
			 * once the network and the other nodes exist. */
			for (size_t j = 0; j < i; j++)
				if (strcmp(o->mounts[role][i].dst, o->mounts[role][j].dst) == 0)
					return dd_error_usage(err, -EINVAL,
					                      "Two volumes of the %ss go to %s",
					                      dd_role_label((enum dd_role)role),
					                      o->mounts[role][i].dst);
			r = dd_mount_target_check(o->mounts[role][i].dst, err);
			if (r < 0)
				return r;
		}
	return dd_port_specs_check(o->ports, o->n_ports, err);
}

/* ---- the network ---- */

/* Docker's networks and, when the daemon is local, the host's routes: a
 * cluster subnet must overlap neither. */
static int collect_used(dd_docker *d, struct dd_used_nets *u, dd_error *err)
{
	_cleanup_json_ json_t *nets = NULL;
	int r = dd_network_list(d, NULL, NULL, &nets, err);
	if (r < 0)
		return r;
	dd_used_add_networks(u, nets);
	_cleanup_free_ char *routes = NULL;
	if (dd_read_file("/proc/net/route", 1u << 20, &routes, NULL) == 0)
		dd_used_add_routes(u, routes);
	return 0;
}

/* create --network: the user's network, never created or removed by us. */
static int take_network(struct create_ctx *ctx, size_t n_nodes, dd_error *err)
{
	const char *name = ctx->opts->network;
	_cleanup_json_ json_t *net = NULL;
	int r = dd_network_inspect(ctx->d, name, &net, err);
	if (r == -ENOENT) {
		dd_error_usage(err, -ENOENT, "Network '%s' does not exist", name);
		return dd_error_hint(err,
		                     "Create it first ('docker network create --subnet "
		                     "10.10.0.0/24 %s'), or leave out --network.",
		                     name);
	}
	if (r < 0)
		return dd_error_prefix(err, "Failed to look at network '%s': ", name);
	/* Docker gives static addresses only on user-defined networks. */
	const char *driver = json_string_value(json_object_get(net, "Driver")) ?: "";
	const char *real = json_string_value(json_object_get(net, "Name")) ?: name;
	if (strcmp(real, "bridge") == 0 || strcmp(driver, "host") == 0 ||
	    strcmp(driver, "null") == 0) {
		dd_error_usage(err, -EINVAL,
		               "Network '%s' cannot give the nodes static addresses "
		               "(Docker does that only on networks made with 'docker network "
		               "create')",
		               real);
		return dd_error_hint(err, "Create a network of your own, or leave out --network.");
	}
	ctx->user_addrs = dd_malloc0((n_nodes + 1) * sizeof(*ctx->user_addrs));
	r = dd_user_network_addrs(net, n_nodes, ctx->subnet, sizeof(ctx->subnet), ctx->gateway,
	                          sizeof(ctx->gateway), ctx->user_addrs, err);
	if (r < 0)
		return r;
	snprintf(ctx->network, sizeof(ctx->network), "%s", real);
	/* network_id stays empty: rollback and destroy leave the network alone. */
	return 0;
}

static int create_network(struct create_ctx *ctx, dd_error *err)
{
	struct dd_used_nets used = {0};
	int r = collect_used(ctx->d, &used, err);
	if (r < 0)
		return r;
	snprintf(ctx->network, sizeof(ctx->network), "%s", ctx->opts->name);
	uint32_t cursor = 0, base;
	/* Another process may take the same free subnet between our listing and
	 * our create: Docker then says the pool overlaps, and we try the next. */
	for (int attempt = 0; attempt < 32; attempt++) {
		if (!dd_next_subnet(&used, &cursor, &base))
			break;
		char net[20], gw[20];
		dd_fmt_ip(base, net, sizeof(net));
		dd_fmt_ip(base + 1, gw, sizeof(gw));
		snprintf(ctx->subnet, sizeof(ctx->subnet), "%s/24", net);
		snprintf(ctx->gateway, sizeof(ctx->gateway), "%s", gw);
		_cleanup_json_ json_t *body = json_pack(
		    "{s:s, s:b, s:s, s:{s:s, s:s, s:s}, s:{s:s, s:[{s:s, s:s}]}, s:{s:s}}", "Name",
		    ctx->network, "CheckDuplicate", 1, "Driver", "bridge", "Labels",
		    DD_LABEL_CLUSTER, ctx->opts->name, DD_LABEL_WORKSPACE, ctx->workspace,
		    DD_LABEL_RUN, ctx->run_id, "IPAM", "Driver", "default", "Config", "Subnet",
		    ctx->subnet, "Gateway", ctx->gateway, "Options",
		    "com.docker.network.bridge.enable_ip_masquerade", "true");
		_cleanup_free_ char *shape = dd_cluster_shape_label(ctx->opts->counts);
		json_object_set_new(json_object_get(body, "Labels"), DD_LABEL_NODES,
		                    json_string(shape));
		dd_error e = {0};
		r = dd_network_create(ctx->d, body, ctx->network_id, sizeof(ctx->network_id), &e);
		if (r == 0)
			return 0;
		if (r == -EEXIST || strstr(e.msg, "already exists")) {
			dd_error_usage(err, -EEXIST,
			               "Cluster name '%s' is already in use: a network "
			               "of that name exists",
			               ctx->opts->name);
			return dd_error_hint(err,
			                     "Choose another --cluster, or remove the network "
			                     "with 'docker network rm %s'.",
			                     ctx->network);
		}
		if (!strstr(e.msg, "overlap")) {
			dd_error_copy(err, &e);
			return dd_error_prefix(err, "Failed to create the cluster network: ");
		}
		dd_used_add(&used, base, 24);
	}
	dd_error_set(err, -EADDRNOTAVAIL,
	             "No free /24 subnet left in 172.16.0.0/12 for the "
	             "cluster network");
	return dd_error_hint(err, "Remove unused Docker networks ('docker network prune').");
}

/* ---- workspace and keys ---- */

static bool dir_empty_or_missing(const char *path)
{
	DIR *dir = opendir(path);
	if (!dir)
		return errno == ENOENT;
	struct dirent *e;
	bool empty = true;
	while (empty && (e = readdir(dir)))
		empty = strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0;
	closedir(dir);
	return empty;
}

/* Where the workspace goes, and whether it may: done before any output. */
static int resolve_workspace(struct create_ctx *ctx, dd_error *err)
{
	const char *ws = ctx->opts->workspace;
	_cleanup_free_ char *def = NULL;
	if (!ws) {
		_cleanup_free_ char *root = dd_workspace_root();
		ws = def = dd_asprintf("%s/%s", root, ctx->opts->name);
	}
	/* The workspace is a bind source of every node: a relative one would be
	 * taken by the daemon for a volume name, after the network was made. */
	_cleanup_free_ char *abs = dd_path_absolute(ws);
	if (!abs)
		return dd_error_set(err, -errno, "Failed to resolve the workspace %s: %s", ws,
		                    strerror(errno));
	if (dd_snprintf(ctx->workspace, sizeof(ctx->workspace), "%s", abs) < 0)
		return dd_error_usage(err, -ENAMETOOLONG, "Workspace path too long");
	struct stat st;
	if (stat(ctx->workspace, &st) == 0 && !S_ISDIR(st.st_mode)) {
		dd_error_usage(err, -ENOTDIR, "Workspace %s is not a directory", ctx->workspace);
		return dd_error_hint(err, "Pass a new or empty directory to --workspace.");
	}
	/* destroy removes the workspace whole: a directory of the user's that
	 * already holds files must never become one. */
	_cleanup_free_ char *mark = dd_asprintf("%s/" DD_WORKSPACE_MARKER, ctx->workspace);
	if (access(mark, F_OK) != 0 && !dir_empty_or_missing(ctx->workspace)) {
		dd_error_usage(err, -EEXIST, "Workspace %s exists and is not empty",
		               ctx->workspace);
		return dd_error_hint(err, "Pass a new or empty directory to --workspace.");
	}
	return 0;
}

static int prepare_workspace(struct create_ctx *ctx, dd_error *err)
{
	int r;
	/* A marked workspace without containers is a leftover of a killed run: reuse it. */
	dd_workspace_remove(ctx->workspace);
	r = dd_mkdir_p(ctx->workspace, 0700);
	if (r < 0)
		return dd_error_set(err, r, "Failed to create the workspace %s: %s", ctx->workspace,
		                    strerror(-r));
	_cleanup_free_ char *genconf = dd_asprintf("%s/genconf/serve", ctx->workspace);
	_cleanup_free_ char *sshdir = dd_asprintf("%s/ssh", ctx->workspace);
	_cleanup_free_ char *marker = dd_asprintf("%s/" DD_WORKSPACE_MARKER, ctx->workspace);
	if ((r = dd_mkdir_p(genconf, 0755)) < 0 || (r = dd_mkdir_p(sshdir, 0700)) < 0 ||
	    (r = dd_write_file(marker, ctx->opts->name, strlen(ctx->opts->name), 0644)) < 0)
		return dd_error_set(err, r, "Failed to prepare the workspace %s: %s",
		                    ctx->workspace, strerror(-r));
	_cleanup_free_ char *key = dd_asprintf("%s/genconf/ssh_key", ctx->workspace);
	_cleanup_free_ char *comment = dd_asprintf("dcos-docker-%s", ctx->opts->name);
	r = dd_sshkey_ed25519(key, comment, err);
	if (r < 0)
		return r;
	_cleanup_free_ char *pub = dd_asprintf("%s.pub", key);
	r = dd_read_file(pub, 16384, &ctx->authorized_key, NULL);
	if (r < 0)
		return dd_error_set(err, r, "Failed to read %s: %s", pub, strerror(-r));
	return 0;
}

/* ---- per-node seed files ---- */

static int seed_file(struct node_job *job, const char *name, const char *data, unsigned mode,
                     dd_error *err)
{
	_cleanup_free_ char *path = dd_asprintf("%s/%s", job->node_dir, name);
	int r = dd_write_file(path, data, strlen(data), mode);
	if (r < 0)
		return dd_error_set(err, r, "Failed to write %s: %s", path, strerror(-r));
	return 0;
}

/* Writes the node's own files into its workspace directory; they reach the
 * node as read-only bind mounts (see node-spec.c). A bind costs nothing at
 * start, where copying them in through the archive API made dockerd re-exec
 * itself to unpack (~0.08 CPU-s per node). */
static int write_seed(struct node_job *job, dd_error *err)
{
	struct create_ctx *ctx = job->ctx;
	_cleanup_free_ char *etc = dd_asprintf("%s/etc", job->node_dir);
	_cleanup_free_ char *notify = dd_asprintf("%s/notify", job->node_dir);
	int r;
	if ((r = dd_mkdir_p(etc, 0755)) < 0 || (r = dd_mkdir_p(notify, 0755)) < 0)
		return dd_error_set(err, r, "Failed to create %s: %s", job->node_dir, strerror(-r));

	_cleanup_free_ char *keypath = dd_asprintf("%s/ssh_host_ed25519_key", job->node_dir);
	_cleanup_free_ char *comment = dd_asprintf("root@%s", job->name);
	r = dd_sshkey_ed25519(keypath, comment, err);
	if (r < 0)
		return r;
	_cleanup_free_ char *pubpath = dd_asprintf("%s.pub", keypath);
	r = dd_read_file(pubpath, 16384, &job->hostkey_pub, NULL);
	if (r < 0)
		return dd_error_set(err, r, "Failed to read the host key of %s", job->name);

	char machine_id[34];
	if ((r = dd_random_hex(machine_id, 16)) < 0)
		return dd_error_set(err, r, "Failed to make the machine id of %s: %s", job->name,
		                    strerror(-r));
	machine_id[32] = '\n';
	machine_id[33] = '\0';
	_cleanup_free_ char *daemon_json =
	    dd_asprintf("{\n  \"storage-driver\": \"%s\",\n  \"exec-opts\": "
	                "[\"native.cgroupdriver=cgroupfs\"]\n}\n",
	                ctx->storage_driver);
	_cleanup_free_ char *node_env =
	    dd_asprintf("DCOS_DOCKER_CLUSTER=%s\nDCOS_DOCKER_ROLE=%s\nDCOS_DOCKER_INDEX=%d\nDCOS_"
	                "DOCKER_IP=%s\n",
	                ctx->opts->name, dd_role_label(job->role), job->index, job->ip);
	if ((r = seed_file(job, "machine-id", machine_id, 0444, err)) < 0 ||
	    (r = seed_file(job, "daemon.json", daemon_json, 0644, err)) < 0 ||
	    (r = seed_file(job, "etc/node.env", node_env, 0644, err)) < 0)
		return r;
	if (ctx->host_modules &&
	    (r = seed_file(job, "etc/host-modules", ctx->host_modules, 0644, err)) < 0)
		return r;
	if (job->role == DD_ROLE_MASTER)
		return 0;
	if ((r = seed_file(job, "etc/agent", "", 0644, err)) < 0)
		return r;
	double cpus = ctx->opts->cpus[job->role];
	long long mem = ctx->opts->memory[job->role];
	if (cpus <= 0 && mem <= 0)
		return 0;
	/* Declare to DC/OS what the container may use, so Mesos does not offer
	 * the whole host's resources from every agent (copied into
	 * /var/lib/dcos/mesos-resources at boot by the node's agent setup). */
	char res[512] = "MESOS_RESOURCES='[";
	if (cpus > 0)
		snprintf(res + strlen(res), sizeof(res) - strlen(res),
		         "{\"name\":\"cpus\",\"type\":\"SCALAR\",\"scalar\":{\"value\":%g}}%s",
		         cpus, mem > 0 ? "," : "");
	if (mem > 0)
		snprintf(res + strlen(res), sizeof(res) - strlen(res),
		         "{\"name\":\"mem\",\"type\":\"SCALAR\",\"scalar\":{\"value\":%lld}}",
		         mem / (1024 * 1024));
	snprintf(res + strlen(res), sizeof(res) - strlen(res), "]'\n");
	return seed_file(job, "etc/mesos-resources", res, 0644, err);
}

/* ---- per-node work ---- */

static int bind_notify(struct node_job *job, dd_error *err)
{
	return dd_node_notify_bind(job->node_dir, &job->notify_fd, err);
}

static bool job_should_stop(void *userdata)
{
	return should_stop(userdata);
}

static int wait_ready(dd_docker *d, struct node_job *job, dd_error *err)
{
	struct create_ctx *ctx = job->ctx;
	dd_boot_wait w = {.id = job->id,
	                  .ip = job->ip,
	                  .notify_fd = job->notify_fd,
	                  .timeout = ctx->opts->timeout > 0 ? ctx->opts->timeout : DEFAULT_TIMEOUT,
	                  .should_stop = job_should_stop,
	                  .userdata = ctx};
	char status[640];
	int r = dd_node_boot_wait(d, &w, status, sizeof(status), err);
	if (r < 0)
		return r;
	/* Only a node that booted restarts with the daemon: a node that crashes
	 * while booting must stop, so the failure shows instead of a restart loop. */
	_cleanup_json_ json_t *policy =
	    json_pack("{s:{s:s}}", "RestartPolicy", "Name", "unless-stopped");
	r = dd_container_update(d, job->id, policy, err);
	if (r < 0)
		return dd_error_prefix(err, "Failed to set the restart policy: ");
	progress(ctx, job->name, status, true);
	return 0;
}

static int run_node(struct node_job *job, dd_docker *d, dd_error *err)
{
	struct create_ctx *ctx = job->ctx;
	progress(ctx, job->name, "creating", false);
	int r = write_seed(job, err);
	if (r < 0)
		return r;
	if (should_stop(ctx))
		return cancelled_error(err);

	struct dd_node_spec spec = {.opts = ctx->opts,
	                            .role = job->role,
	                            .index = job->index,
	                            .name = job->name,
	                            .short_name = job->short_name,
	                            .ip = job->ip,
	                            .node_dir = job->node_dir,
	                            .workspace = ctx->workspace,
	                            .run_id = ctx->run_id,
	                            .network = ctx->network,
	                            .privileged = ctx->privileged,
	                            .cgroup_version = ctx->cgroup_version,
	                            .missing_caps = ctx->missing_caps,
	                            .shape = ctx->shape,
	                            .registry_ip = ctx->registry_ip[0] ? ctx->registry_ip : NULL};
	_cleanup_json_ json_t *body = dd_node_spec_body(&spec);
	r = dd_container_create(d, job->name, body, job->id, sizeof(job->id), err);
	if (r < 0) {
		if (r == -EEXIST) {
			dd_error_usage(err, -EEXIST,
			               "Cluster name '%s' is already in use: a "
			               "container named %s exists",
			               ctx->opts->name, job->name);
			return dd_error_hint(err, "Choose another --cluster, or destroy the other "
			                          "cluster first.");
		}
		if (r == -ENOENT)
			dd_error_hint(err, "Build the node image with 'dcos-docker build-image', "
			                   "or pass an existing image with --image.");
		return r;
	}

	r = bind_notify(job, err);
	if (r < 0)
		return r;
	if (should_stop(ctx))
		return cancelled_error(err);
	progress(ctx, job->name, "starting", false);
	r = dd_container_start(d, job->id, err);
	if (r < 0)
		return r;
	progress(ctx, job->name, "booting", false);
	return wait_ready(d, job, err);
}

static int create_job(void *userdata, size_t i, void *state)
{
	struct create_ctx *ctx = userdata;
	struct node_job *job = &ctx->jobs[i];
	dd_docker *d = dd_pool_docker_get(state, &job->r, &job->err);
	if (d)
		job->r = run_node(job, d, &job->err);
	if (job->r < 0) {
		if (job->r != -ECANCELED || !ctx->failed)
			progress(ctx, job->name, "failed", true);
		ctx->failed = true;
	}
	return job->r;
}

/* Creates, starts and waits for ctx->jobs in parallel: the first root
 * cause of a failure (not a node cancelled because another failed). */
static int run_jobs(struct create_ctx *ctx, dd_error *err)
{
	struct node_job *jobs = ctx->jobs;
	size_t n = ctx->n_jobs;
	dd_pool pool = {.n = n, .job = create_job, .userdata = ctx, .docker = ctx->d};
	dd_pool_run(&pool, NULL); /* a node not started on Ctrl-C: dd_cancelled() below */

	int r = 0;
	for (size_t i = 0; i < n; i++) {
		if (jobs[i].notify_fd >= 0) {
			dd_node_notify_close(jobs[i].node_dir, jobs[i].notify_fd);
			jobs[i].notify_fd = -1;
		}
	}
	/* Report the root cause: the first failure that is not a mere consequence
	 * of another node's failure (those end with -ECANCELED). */
	for (int pass = 0; pass < 2 && r == 0; pass++)
		for (size_t i = 0; i < n; i++)
			if (jobs[i].r < 0 && (pass == 1 || jobs[i].r != -ECANCELED)) {
				r = jobs[i].r;
				dd_error_copy(err, &jobs[i].err);
				if (r != -ECANCELED)
					dd_error_prefix(err, "Node %s: ", jobs[i].name);
				break;
			}
	if (r == 0 && dd_cancelled())
		r = cancelled_error(err);
	return r;
}

/* ---- what add-node needs to know of a create ---- */

/* <workspace>/create.json: the options the nodes were made with, per role,
 * so add-node makes new ones the same way (a role with no node left
 * included). Strings only point into the JSON. */
#define CREATE_RECORD_FILE "create.json"

static int write_records(struct create_ctx *ctx, dd_error *err)
{
	const dd_create_opts *o = ctx->opts;
	_cleanup_json_ json_t *roles = json_object();
	for (int role = 0; role < DD_ROLE_COUNT; role++) {
		json_t *mounts = json_array(), *labels = json_object();
		for (size_t i = 0; i < o->n_mounts[role]; i++)
			json_array_append_new(mounts, json_pack("{s:s, s:s, s:b}", "src",
			                                        o->mounts[role][i].src, "dst",
			                                        o->mounts[role][i].dst, "ro",
			                                        o->mounts[role][i].ro));
		for (size_t i = 0; i < o->n_labels[role]; i++)
			json_object_set_new(labels, o->labels[role][i].key,
			                    json_string(o->labels[role][i].value));
		json_object_set_new(roles, dd_role_label((enum dd_role)role),
		                    json_pack("{s:o, s:o, s:f, s:I}", "mounts", mounts, "labels",
		                              labels, "cpus", o->cpus[role], "memory",
		                              (json_int_t)o->memory[role]));
	}
	_cleanup_json_ json_t *j = json_pack("{s:s, s:s, s:O}", "image", o->image, "storage_driver",
	                                     ctx->storage_driver, "roles", roles);
	_cleanup_free_ char *text = j ? json_dumps(j, JSON_INDENT(2)) : NULL;
	_cleanup_free_ char *path = dd_asprintf("%s/" CREATE_RECORD_FILE, ctx->workspace);
	int r = text ? dd_write_file(path, text, strlen(text), 0644) : -ENOMEM;
	if (r < 0)
		return dd_error_set(err, r, "Failed to write %s: %s", path, strerror(-r));
	_cleanup_free_ char *shape = dd_cluster_shape_label(o->counts);
	return dd_nodes_record_write(ctx->workspace, shape, err);
}

/* ---- rollback ---- */

static void rollback(struct create_ctx *ctx, bool remove_workspace)
{
	progress(ctx, NULL, "rolling back", false);
	dd_remove_run(ctx->d, ctx->run_id, ctx->network_id);
	if (remove_workspace)
		dd_workspace_remove(ctx->workspace);
	else /* add-node: the cluster's workspace stays, the new nodes' seeds go */
		for (size_t i = 0; i < ctx->n_jobs; i++)
			if (ctx->jobs[i].node_dir[0])
				dd_rm_rf(ctx->jobs[i].node_dir);
}

/* ---- the whole ---- */

/* Every node's host key, by IP and by name: ssh can check them strictly
 * without touching the user's ~/.ssh/known_hosts. */
static int write_known_hosts(struct create_ctx *ctx, bool append, dd_error *err)
{
	_cleanup_free_ char *path = dd_asprintf("%s/ssh/known_hosts", ctx->workspace);
	_cleanup_free_ char *old = NULL;
	if (append && dd_read_file(path, 4u << 20, &old, NULL) < 0)
		old = NULL;
	_cleanup_buf_ dd_buf buf = DD_BUF_HEAD(1024 * (ctx->n_jobs + 1) + (old ? strlen(old) : 0));
	if (old && dd_buf_addf(&buf, "%s", old) < 0)
		return dd_error_set(err, -E2BIG, "known_hosts too large");
	for (size_t i = 0; i < ctx->n_jobs; i++) {
		const struct node_job *j = &ctx->jobs[i];
		const char *key = j->hostkey_pub ? j->hostkey_pub : "";
		if (dd_buf_addf(&buf, "%s,%s %s%s", j->ip, j->name, key,
		                dd_endswith(key, "\n") ? "" : "\n") < 0)
			return dd_error_set(err, -E2BIG, "known_hosts too large");
	}
	int r = dd_write_file(path, dd_buf_str(&buf), buf.len, 0600);
	if (r < 0)
		return dd_error_set(err, r, "Failed to write %s: %s", path, strerror(-r));
	return 0;
}

static int check_name_free(dd_docker *d, const char *name, dd_error *err)
{
	for (int networks = 0; networks < 2; networks++) {
		_cleanup_json_ json_t *list = NULL;
		int r = networks ? dd_network_list(d, DD_LABEL_CLUSTER, name, &list, err)
		                 : dd_container_list(d, DD_LABEL_CLUSTER, name, &list, err);
		if (r < 0)
			return r;
		if (json_array_size(list) > 0) {
			dd_error_usage(err, -EEXIST, "Cluster '%s' already exists", name);
			return dd_error_hint(err,
			                     "Choose another --cluster, or remove it first "
			                     "with 'dcos-docker destroy --cluster %s'.",
			                     name);
		}
	}
	return 0;
}

static int check_image(dd_docker *d, const char *image, dd_error *err)
{
	bool has = false;
	int r = dd_image_exists(d, image, &has, err);
	if (r < 0 || has)
		return r;
	dd_error_usage(err, -ENOENT, "Image '%s' does not exist", image);
	return dd_error_hint(err, "Build the node image with 'dcos-docker build-image', or "
	                          "pass an image you have with --image.");
}

static int host_facts(struct create_ctx *ctx, dd_error *err)
{
	_cleanup_json_ json_t *info = NULL;
	int r = dd_docker_info(ctx->d, &info, err);
	if (r < 0)
		return r;
	const char *cg = json_string_value(json_object_get(info, "CgroupVersion"));
	ctx->cgroup_version = cg && strcmp(cg, "2") == 0 ? 2 : 1;
	const char *want = ctx->opts->storage_driver;
	if (!want || strcmp(want, "auto") == 0) {
		struct dd_storage_choice choice;
		dd_storage_driver_auto(json_string_value(json_object_get(info, "Driver")),
		                       dd_daemon_backing_fs(info), &choice);
		snprintf(ctx->storage_driver, sizeof(ctx->storage_driver), "%s", choice.driver);
		ctx->storage_slow = choice.slow;
	} else
		snprintf(ctx->storage_driver, sizeof(ctx->storage_driver), "%s", want);
	bool priv = false;
	r = dd_privilege_detect(ctx->d, &priv, &ctx->missing_caps, err);
	if (r < 0)
		return r;
	ctx->privileged = priv;
	/* Once per create, before the node threads. */
	if (dd_kmod_present_list(NULL, NULL, &ctx->host_modules, NULL) < 0)
		ctx->host_modules = NULL;
	return 0;
}

int dd_cluster_create(dd_docker *d, const dd_create_opts *opts, dd_cluster **ret, dd_error *err)
{
	int r = dd_create_opts_check(opts, err);
	if (r < 0)
		return r;
	struct create_ctx ctx = {.d = d, .opts = opts};
	if ((r = dd_random_hex(ctx.run_id, 16)) < 0)
		return dd_error_set(err, r, "Failed to make a run id: %s", strerror(-r));
	pthread_mutex_init(&ctx.progress_lock, NULL);
	_cleanup_close_ int lockfd = -1, wsfd = -1;
	_cleanup_free_ struct node_job *jobs = NULL;
	bool made_workspace = false;

	size_t n = 0;
	for (int role = 0; role < DD_ROLE_COUNT; role++)
		n += (size_t)opts->counts[role];
	if ((r = check_image(d, opts->image, err)) < 0 || (r = host_facts(&ctx, err)) < 0 ||
	    (r = dd_inotify_check(n, err)) < 0 || (r = dd_workspace_root_lock(&lockfd, err)) < 0 ||
	    (r = check_name_free(d, opts->name, err)) < 0 ||
	    (r = resolve_workspace(&ctx, err)) < 0 ||
	    (opts->network && (r = take_network(&ctx, n, err)) < 0))
		goto out;
	if (dd_cancelled()) {
		r = cancelled_error(err);
		goto out;
	}
	if (ctx.storage_slow)
		progress(&ctx, NULL,
		         "warning: the nodes' Docker uses the vfs storage driver (a full copy per "
		         "image layer: slow, large): the filesystem of the host's Docker volumes "
		         "cannot hold overlay2; --storage-driver chooses another",
		         false);
	progress(&ctx, NULL, "preparing workspace and keys", false);
	r = prepare_workspace(&ctx, err);
	if (r < 0) {
		dd_workspace_remove(ctx.workspace); /* only if it got our marker */
		goto out;
	}
	made_workspace = true;
	wsfd = dd_workspace_hold(ctx.workspace); /* clean keeps off it until we are done */
	if (!opts->network) {
		progress(&ctx, NULL, "creating network", false);
		if ((r = create_network(&ctx, err)) < 0)
			goto fail;
	}
	/* The labelled network holds the name now; on a network of the user's
	 * the workspace (at the default place) does until the nodes exist. */
	close(TAKE_FD(lockfd));
	jobs = dd_malloc0(n * sizeof(*jobs));
	uint32_t base = 0;
	int prefix = 0;
	dd_parse_cidr(ctx.subnet, &base, &prefix);
	size_t k = 0;
	for (int role = 0; role < DD_ROLE_COUNT; role++)
		for (int i = 1; i <= opts->counts[role]; i++, k++) {
			struct node_job *j = &jobs[k];
			j->ctx = &ctx;
			j->role = (enum dd_role)role;
			j->index = i;
			j->notify_fd = -1;
			snprintf(j->short_name, sizeof(j->short_name), "%s%d",
			         dd_role_prefix(j->role), i);
			snprintf(j->name, sizeof(j->name), "%s-%s", opts->name, j->short_name);
			/* Static addresses in node order, after the gateway (.1). */
			dd_fmt_ip(ctx.user_addrs ? ctx.user_addrs[k] : base + 2 + (uint32_t)k,
			          j->ip, sizeof(j->ip));
			if (dd_snprintf(j->node_dir, sizeof(j->node_dir), "%s/nodes/%s",
			                ctx.workspace, j->short_name) < 0) {
				r = dd_error_usage(err, -ENAMETOOLONG,
				                   "Workspace path too long: %s", ctx.workspace);
				goto fail;
			}
		}
	/* Masters come first: jobs[0] is master1. */
	snprintf(ctx.registry_ip, sizeof(ctx.registry_ip), "%s", jobs[0].ip);
	ctx.jobs = jobs;
	ctx.n_jobs = n;
	if ((r = run_jobs(&ctx, err)) < 0 || (r = write_known_hosts(&ctx, false, err)) < 0 ||
	    (r = write_records(&ctx, err)) < 0)
		goto fail;
	r = dd_cluster_load(d, opts->name, ret, err);
	if (r < 0)
		goto fail;
	goto out;
fail:
	rollback(&ctx, made_workspace);
out:
	for (size_t i = 0; jobs && i < ctx.n_jobs; i++)
		free(jobs[i].hostkey_pub);
	free(ctx.authorized_key);
	if (ctx.missing_caps)
		for (char **c = ctx.missing_caps; *c; c++)
			free(*c);
	free(ctx.missing_caps);
	free(ctx.host_modules);
	free(ctx.user_addrs);
	pthread_mutex_destroy(&ctx.progress_lock);
	return r;
}

/* ---- add-node and remove-node ---- */

/* The cluster's own lock for changing its shape: two add-nodes would pick
 * the same names and addresses. Held until the fd is closed. */
static int shape_lock(const dd_cluster *c, int *ret_fd, dd_error *err)
{
	_cleanup_free_ char *path = dd_asprintf("%s/.nodes.lock", c->workspace);
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		return dd_error_set(err, -errno, "Failed to open %s: %s", path, strerror(errno));
	if (flock(fd, LOCK_EX) < 0) {
		int r = -errno;
		close(fd);
		return dd_error_set(err, r, "Failed to lock %s: %s", path, strerror(-r));
	}
	*ret_fd = fd;
	return 0;
}

/* The nodes the cluster has now: the record, else the create-time label. */
static int current_shape(dd_docker *d, const dd_cluster *c, char *buf, size_t size, dd_error *err)
{
	if (dd_nodes_record_read(c->workspace, buf, size))
		return 0;
	buf[0] = '\0';
	_cleanup_json_ json_t *ctrs = NULL;
	int r = dd_container_list(d, DD_LABEL_CLUSTER, c->name, &ctrs, err);
	if (r < 0)
		return r;
	const char *shape =
	    dd_json_label(json_object_get(json_array_get(ctrs, 0), "Labels"), DD_LABEL_NODES);
	if (shape)
		snprintf(buf, size, "%s", shape);
	else /* made before the label: what is there */
		for (size_t i = 0, off = 0; i < c->n_nodes && off < size; i++)
			off += (size_t)snprintf(buf + off, size - off, "%s%s", off ? "," : "",
			                        c->nodes[i].short_name);
	return 0;
}

static bool shape_has(const char *shape, const char *short_name)
{
	size_t len = strlen(short_name);
	for (const char *p = shape; *p;) {
		size_t l = strcspn(p, ",");
		if (l == len && strncmp(p, short_name, len) == 0)
			return true;
		p += l;
		p += *p == ',';
	}
	return false;
}

/* What create.json gave: the create options for the new nodes. */
struct add_record {
	json_t *j;
	dd_mount_spec *mounts[DD_ROLE_COUNT];
	dd_label_spec *labels[DD_ROLE_COUNT];
	dd_create_opts o;
};

static void add_record_clear(struct add_record *a)
{
	for (int role = 0; role < DD_ROLE_COUNT; role++) {
		free(a->mounts[role]);
		free(a->labels[role]);
	}
	json_decref(a->j);
}

/* For a cluster made before create.json: the same record, read back from
 * its nodes (per role, from one node of it: the user's binds, labels and
 * limits; the storage driver from a node's daemon.json). A role without a
 * node gets none of the user's volumes or labels. */
static int derive_create_record(dd_docker *d, const dd_cluster *c, json_t **ret, dd_error *err)
{
	_cleanup_json_ json_t *roles = json_object();
	_cleanup_free_ char *driver = NULL;
	for (int role = 0; role < DD_ROLE_COUNT; role++) {
		json_t *mounts = json_array(), *labels = json_object();
		double cpus = 0;
		json_int_t memory = 0;
		const dd_node *n = NULL;
		for (size_t i = 0; i < c->n_nodes && !n; i++)
			if (c->nodes[i].role == (enum dd_role)role)
				n = &c->nodes[i];
		_cleanup_json_ json_t *j = NULL;
		if (n && dd_container_inspect(d, n->id, &j, err) < 0) {
			json_decref(mounts);
			json_decref(labels);
			return dd_error_prefix(err, "Failed to look at node %s: ", n->name);
		}
		json_t *host = json_object_get(j, "HostConfig");
		size_t i;
		json_t *b;
		json_array_foreach (json_object_get(host, "Binds"), i, b) {
			/* Ours: the workspace's files and the cgroup hierarchy. */
			_cleanup_free_ char *bind = dd_strdup(json_string_value(b) ?: "");
			char *dst = strchr(bind, ':');
			if (!dst)
				continue;
			*dst++ = '\0';
			char *mode = strchr(dst, ':');
			if (mode)
				*mode++ = '\0';
			if (strcmp(bind, "/sys/fs/cgroup") == 0 ||
			    (dd_startswith(bind, c->workspace) &&
			     bind[strlen(c->workspace)] == '/'))
				continue;
			json_array_append_new(mounts,
			                      json_pack("{s:s, s:s, s:b}", "src", bind, "dst", dst,
			                                "ro", mode && strstr(mode, "ro") != NULL));
		}
		const char *key;
		json_t *v;
		json_object_foreach (json_object_get(json_object_get(j, "Config"), "Labels"), key,
		                     v)
			if (!dd_startswith(key, DD_LABEL_PREFIX) && json_is_string(v))
				json_object_set(labels, key, v);
		cpus = (double)json_integer_value(json_object_get(host, "NanoCpus")) / 1e9;
		memory = json_integer_value(json_object_get(host, "Memory"));
		if (n && !driver) {
			_cleanup_free_ char *path =
			    dd_asprintf("%s/nodes/%s/daemon.json", c->workspace, n->short_name);
			_cleanup_free_ char *text = NULL;
			_cleanup_json_ json_t *dj = NULL;
			if (dd_read_file(path, 65536, &text, NULL) == 0 &&
			    (dj = json_loads(text, 0, NULL)) &&
			    json_string_value(json_object_get(dj, "storage-driver")))
				driver = dd_strdup(
				    json_string_value(json_object_get(dj, "storage-driver")));
		}
		json_object_set_new(roles, dd_role_label((enum dd_role)role),
		                    json_pack("{s:o, s:o, s:f, s:I}", "mounts", mounts, "labels",
		                              labels, "cpus", cpus, "memory", memory));
	}
	if (!driver || !c->image[0])
		return dd_error_set(
		    err, -ENOENT,
		    "Cannot tell how the nodes of cluster '%s' were made: no " CREATE_RECORD_FILE
		    " in %s, and no node's daemon.json",
		    c->name, c->workspace);
	*ret = json_pack("{s:s, s:s, s:O}", "image", c->image, "storage_driver", driver, "roles",
	                 roles);
	return 0;
}

static int load_create_record(dd_docker *d, const dd_cluster *c, struct add_record *a,
                              dd_error *err)
{
	_cleanup_free_ char *path = dd_asprintf("%s/" CREATE_RECORD_FILE, c->workspace);
	_cleanup_free_ char *text = NULL;
	int r = dd_read_file(path, 4u << 20, &text, NULL);
	if (r == -ENOENT)
		r = derive_create_record(d, c, &a->j, err);
	else if (r < 0)
		return dd_error_set(err, r, "Failed to read %s: %s", path, strerror(-r));
	else
		a->j = json_loads(text, 0, NULL);
	if (r < 0)
		return r;
	const char *image = json_string_value(json_object_get(a->j, "image"));
	const char *driver = json_string_value(json_object_get(a->j, "storage_driver"));
	json_t *roles = json_object_get(a->j, "roles");
	if (!image || !driver || !json_is_object(roles))
		return dd_error_set(err, -EBADMSG, "%s is damaged", path);
	a->o.image = image;
	a->o.storage_driver = driver;
	for (int role = 0; role < DD_ROLE_COUNT; role++) {
		json_t *rj = json_object_get(roles, dd_role_label((enum dd_role)role));
		json_t *mounts = json_object_get(rj, "mounts"),
		       *labels = json_object_get(rj, "labels");
		a->mounts[role] = dd_malloc0((json_array_size(mounts) + 1) * sizeof(dd_mount_spec));
		a->labels[role] =
		    dd_malloc0((json_object_size(labels) + 1) * sizeof(dd_label_spec));
		size_t i;
		json_t *m;
		json_array_foreach (mounts, i, m) {
			const char *src = json_string_value(json_object_get(m, "src"));
			const char *dst = json_string_value(json_object_get(m, "dst"));
			if (!src || !dst)
				return dd_error_set(err, -EBADMSG, "%s is damaged (a volume)",
				                    path);
			/* Borrowed from the JSON, never freed through the spec. */
			a->mounts[role][a->o.n_mounts[role]++] =
			    (dd_mount_spec){.src = (char *)src,
			                    .dst = (char *)dst,
			                    .ro = json_is_true(json_object_get(m, "ro"))};
		}
		const char *key;
		json_t *v;
		json_object_foreach (labels, key, v)
			a->labels[role][a->o.n_labels[role]++] = (dd_label_spec){
			    .key = (char *)key, .value = (char *)json_string_value(v)};
		a->o.mounts[role] = a->mounts[role];
		a->o.labels[role] = a->labels[role];
		a->o.cpus[role] = json_number_value(json_object_get(rj, "cpus"));
		a->o.memory[role] = json_integer_value(json_object_get(rj, "memory"));
	}
	return 0;
}

/* The addresses the cluster's nodes hold on the network, stopped ones too
 * (Docker lists only running containers as the network's). */
static int next_addrs(struct create_ctx *ctx, const dd_cluster *c, size_t want, dd_error *err)
{
	_cleanup_json_ json_t *net = NULL;
	int r = dd_network_inspect(ctx->d, c->network, &net, err);
	if (r < 0)
		return dd_error_prefix(err, "Failed to look at network '%s': ", c->network);
	size_t extra = c->n_nodes;
	_cleanup_free_ uint32_t *addrs = dd_malloc0((want + extra + 1) * sizeof(*addrs));
	r = dd_user_network_addrs(net, want + extra, ctx->subnet, sizeof(ctx->subnet), ctx->gateway,
	                          sizeof(ctx->gateway), addrs, NULL);
	if (r < 0) /* fewer than that are left: try for what is needed */
		r = dd_user_network_addrs(net, want, ctx->subnet, sizeof(ctx->subnet), ctx->gateway,
		                          sizeof(ctx->gateway), addrs, err);
	if (r < 0)
		return r;
	ctx->user_addrs = dd_malloc0((want + 1) * sizeof(*ctx->user_addrs));
	size_t n = 0;
	for (size_t i = 0; i < want + extra && n < want && addrs[i]; i++) {
		char ip[20];
		dd_fmt_ip(addrs[i], ip, sizeof(ip));
		bool held = false;
		for (size_t k = 0; k < c->n_nodes && !held; k++)
			held = strcmp(c->nodes[k].ip, ip) == 0;
		if (!held)
			ctx->user_addrs[n++] = addrs[i];
	}
	if (n < want)
		return dd_error_set(err, -EADDRNOTAVAIL,
		                    "Network '%s' (%s) has no %zu free addresses", c->network,
		                    ctx->subnet, want);
	return 0;
}

/* DC/OS on the new nodes of an installed cluster: the role installs from
 * its serve/, then the wait (the postflight) on them only. */
static int add_install_dcos(struct create_ctx *ctx, const dd_add_nodes_opts *ao, dd_error *err)
{
	_cleanup_(dd_cluster_freep) dd_cluster *c = NULL;
	int r = dd_cluster_load(ctx->d, ao->name, &c, err);
	if (r < 0)
		return r;
	_cleanup_free_ const dd_node **nodes = dd_malloc0((ctx->n_jobs + 1) * sizeof(*nodes));
	dd_cluster sub = *c;
	sub.nodes = dd_malloc0((ctx->n_jobs + 1) * sizeof(dd_node));
	sub.n_nodes = 0;
	for (size_t i = 0; i < ctx->n_jobs; i++) {
		const dd_node *n = NULL;
		if (dd_cluster_find_node(c, ctx->jobs[i].short_name, &n, err) < 0) {
			free(sub.nodes);
			return -ENOENT;
		}
		nodes[i] = n;
		sub.nodes[sub.n_nodes++] = *n;
	}
	dd_install_opts io = {.on_event = ao->on_event, .userdata = ao->userdata};
	r = dd_dcos_install_nodes(ctx->d, c, nodes, ctx->n_jobs, &io, err);
	if (r == 0 && !ao->no_wait && !dd_cancelled()) {
		dd_wait_opts wo = {.timeout = ao->wait_timeout,
		                   .skip_http_checks = ao->skip_http_checks,
		                   .on_event = ao->on_event,
		                   .userdata = ao->userdata};
		r = dd_dcos_wait(ctx->d, &sub, &wo, err);
	}
	free(sub.nodes);
	if (r == 0 && dd_cancelled())
		r = cancelled_error(err);
	return r;
}

int dd_cluster_add_nodes(dd_docker *d, const dd_add_nodes_opts *ao, dd_cluster **ret,
                         char ***ret_added, dd_error *err)
{
	int r = dd_cluster_name_check(ao->name, err);
	if (r < 0)
		return r;
	if (ao->counts[DD_ROLE_MASTER] != 0) {
		dd_error_usage(err, -EINVAL,
		               "Masters cannot be added: DC/OS's master list is fixed "
		               "at install (master_discovery: static)");
		return dd_error_hint(err, "Add agents or public agents, or create a cluster with "
		                          "more --masters.");
	}
	int total = 0;
	for (int role = DD_ROLE_AGENT; role < DD_ROLE_COUNT; role++) {
		if (ao->counts[role] < 0 || ao->counts[role] > DD_AGENTS_MAX)
			return dd_error_usage(err, -EINVAL, "Invalid number of %ss: %d (0 to %d)",
			                      role == DD_ROLE_AGENT ? "agent" : "public agent",
			                      ao->counts[role], DD_AGENTS_MAX);
		total += ao->counts[role];
	}
	if (total == 0)
		return dd_error_usage(err, -EINVAL,
		                      "No nodes to add: give --agents or --public-agents");
	_cleanup_(dd_cluster_freep) dd_cluster *c = NULL;
	if ((r = dd_cluster_load(d, ao->name, &c, err)) < 0)
		return r;
	_cleanup_close_ int lockfd = -1;
	if ((r = shape_lock(c, &lockfd, err)) < 0)
		return r;
	/* Again under the lock: another add-node may have added nodes meanwhile. */
	dd_cluster_free(TAKE_PTR(c));
	if ((r = dd_cluster_load(d, ao->name, &c, err)) < 0)
		return r;
	if (!c->network[0])
		return dd_error_set(err, -ENOENT, "Cluster '%s' has lost its network", c->name);
	_cleanup_(add_record_clear) struct add_record rec = {0};
	if ((r = load_create_record(d, c, &rec, err)) < 0)
		return r;
	rec.o.name = ao->name;
	rec.o.timeout = ao->timeout;
	rec.o.on_event = ao->on_event;
	rec.o.userdata = ao->userdata;
	for (int role = 0; role < DD_ROLE_COUNT; role++)
		rec.o.counts[role] = ao->counts[role];
	char shape[4096];
	if ((r = current_shape(d, c, shape, sizeof(shape), err)) < 0)
		return r;
	if ((r = check_image(d, rec.o.image, err)) < 0)
		return r;
	dd_dcos_info info;
	bool dcos = dd_dcos_info_load(c->workspace, &info, NULL) == 0;

	struct create_ctx ctx = {.d = d, .opts = &rec.o};
	pthread_mutex_init(&ctx.progress_lock, NULL);
	_cleanup_free_ struct node_job *jobs = NULL;
	char new_shape[sizeof(shape) + 64 * 201] = "";
	size_t n = (size_t)total;
	snprintf(ctx.workspace, sizeof(ctx.workspace), "%s", c->workspace);
	snprintf(ctx.network, sizeof(ctx.network), "%s", c->network);
	for (size_t i = 0; i < c->n_nodes; i++)
		if (c->nodes[i].role == DD_ROLE_MASTER && c->nodes[i].index == 1)
			snprintf(ctx.registry_ip, sizeof(ctx.registry_ip), "%s", c->nodes[i].ip);
	/* network_id stays empty: the rollback leaves the network alone. */
	if ((r = dd_random_hex(ctx.run_id, 16)) < 0) {
		r = dd_error_set(err, r, "Failed to make a run id: %s", strerror(-r));
		goto out;
	}
	if ((r = host_facts(&ctx, err)) < 0 || (r = dd_inotify_check(n, err)) < 0 ||
	    (r = next_addrs(&ctx, c, n, err)) < 0)
		goto out;
	/* After the highest index of each role there is or was in the record:
	 * a removed node's name is not given to another (DC/OS may remember it). */
	int next[DD_ROLE_COUNT] = {0};
	for (size_t i = 0; i < c->n_nodes; i++)
		if (c->nodes[i].index > next[c->nodes[i].role])
			next[c->nodes[i].role] = c->nodes[i].index;
	for (const char *p = shape; *p;) {
		size_t l = strcspn(p, ",");
		for (int role = 0; role < DD_ROLE_COUNT; role++) {
			size_t pl = strlen(dd_role_prefix((enum dd_role)role));
			int idx;
			char rest[8];
			if (l > pl && strncmp(p, dd_role_prefix((enum dd_role)role), pl) == 0 &&
			    sscanf(p + pl, "%d%7[^,]", &idx, rest) == 1 && idx > next[role])
				next[role] = idx;
		}
		p += l;
		p += *p == ',';
	}
	jobs = dd_malloc0(n * sizeof(*jobs));
	snprintf(new_shape, sizeof(new_shape), "%s", shape);
	size_t k = 0;
	for (int role = DD_ROLE_AGENT; role < DD_ROLE_COUNT; role++)
		for (int i = 1; i <= ao->counts[role]; i++, k++) {
			struct node_job *j = &jobs[k];
			j->ctx = &ctx;
			j->role = (enum dd_role)role;
			j->index = next[role] + i;
			j->notify_fd = -1;
			snprintf(j->short_name, sizeof(j->short_name), "%s%d",
			         dd_role_prefix(j->role), j->index);
			snprintf(j->name, sizeof(j->name), "%s-%s", ao->name, j->short_name);
			dd_fmt_ip(ctx.user_addrs[k], j->ip, sizeof(j->ip));
			if (dd_snprintf(j->node_dir, sizeof(j->node_dir), "%s/nodes/%s",
			                ctx.workspace, j->short_name) < 0) {
				r = dd_error_usage(err, -ENAMETOOLONG,
				                   "Workspace path too long: %s", ctx.workspace);
				goto out;
			}
			size_t off = strlen(new_shape);
			snprintf(new_shape + off, sizeof(new_shape) - off, "%s%s", off ? "," : "",
			         j->short_name);
		}
	ctx.jobs = jobs;
	ctx.n_jobs = n;
	ctx.shape = new_shape;
	if (dd_cancelled()) {
		r = cancelled_error(err);
		goto out;
	}
	if ((r = run_jobs(&ctx, err)) < 0 || (dcos && (r = add_install_dcos(&ctx, ao, err)) < 0) ||
	    (r = write_known_hosts(&ctx, true, err)) < 0 ||
	    (r = dd_nodes_record_write(ctx.workspace, new_shape, err)) < 0)
		goto fail;
	if ((r = dd_cluster_load(d, ao->name, ret, err)) < 0)
		goto out; /* the nodes are made and recorded: nothing to undo */
	if (ret_added) {
		char **added = dd_malloc0((n + 1) * sizeof(char *));
		for (size_t i = 0; i < n; i++)
			added[i] = dd_strdup(jobs[i].short_name);
		*ret_added = added;
	}
	goto out;
fail:
	rollback(&ctx, false);
out:
	for (size_t i = 0; jobs && i < ctx.n_jobs; i++)
		free(jobs[i].hostkey_pub);
	if (ctx.missing_caps)
		for (char **cp = ctx.missing_caps; *cp; cp++)
			free(*cp);
	free(ctx.missing_caps);
	free(ctx.host_modules);
	free(ctx.user_addrs);
	pthread_mutex_destroy(&ctx.progress_lock);
	return r;
}

/* known_hosts without the lines of the removed nodes ("IP,NAME KEY"). */
static void known_hosts_drop(const char *ws, const dd_node *const *gone, size_t n)
{
	_cleanup_free_ char *path = dd_asprintf("%s/ssh/known_hosts", ws);
	_cleanup_free_ char *text = NULL;
	if (dd_read_file(path, 4u << 20, &text, NULL) < 0)
		return;
	_cleanup_buf_ dd_buf out = DD_BUF_HEAD(strlen(text) + 1);
	for (char *save = NULL, *l = strtok_r(text, "\n", &save); l;
	     l = strtok_r(NULL, "\n", &save)) {
		bool drop = false;
		for (size_t i = 0; i < n && !drop; i++) {
			_cleanup_free_ char *head =
			    dd_asprintf("%s,%s ", gone[i]->ip, gone[i]->name);
			drop = dd_startswith(l, head);
		}
		if (!drop)
			dd_buf_addf(&out, "%s\n", l);
	}
	dd_write_file(path, out.data ? dd_buf_str(&out) : "", out.len, 0600);
}

int dd_cluster_remove_nodes(dd_docker *d, const char *name, const char *const *specs, size_t n,
                            dd_event_cb progress_cb, void *userdata, dd_error *err)
{
	int r = dd_cluster_name_check(name, err);
	if (r < 0)
		return r;
	if (n == 0)
		return dd_error_usage(err, -EINVAL, "No node to remove");
	_cleanup_(dd_cluster_freep) dd_cluster *c = NULL;
	if ((r = dd_cluster_load(d, name, &c, err)) < 0)
		return r;
	_cleanup_close_ int lockfd = -1;
	if ((r = shape_lock(c, &lockfd, err)) < 0)
		return r;
	dd_cluster_free(TAKE_PTR(c));
	if ((r = dd_cluster_load(d, name, &c, err)) < 0)
		return r;
	/* Every name first: nothing is removed when one is wrong. */
	_cleanup_free_ const dd_node **gone = dd_malloc0((n + 1) * sizeof(*gone));
	size_t n_gone = 0;
	for (size_t i = 0; i < n; i++) {
		const dd_node *node = NULL;
		if ((r = dd_cluster_find_node(c, specs[i], &node, err)) < 0)
			return r;
		if (node->role == DD_ROLE_MASTER) {
			dd_error_usage(
			    err, -EINVAL,
			    "Node %s is a master: DC/OS's master list is fixed at install "
			    "(master_discovery: static), so masters cannot be removed",
			    node->short_name);
			return dd_error_hint(err, "Only agents and public agents can be removed.");
		}
		bool dup = false;
		for (size_t k = 0; k < n_gone; k++)
			dup |= gone[k] == node;
		if (!dup)
			gone[n_gone++] = node;
	}
	char shape[4096];
	if ((r = current_shape(d, c, shape, sizeof(shape), err)) < 0)
		return r;
	_cleanup_json_ json_t *all = NULL;
	if ((r = dd_container_list(d, DD_LABEL_CLUSTER, name, &all, err)) < 0)
		return r;
	_cleanup_json_ json_t *ctrs = json_array();
	size_t i;
	json_t *ctr;
	json_array_foreach (all, i, ctr) {
		const char *id = json_string_value(json_object_get(ctr, "Id")) ?: "";
		for (size_t k = 0; k < n_gone; k++)
			if (strcmp(gone[k]->id, id) == 0)
				json_array_append(ctrs, ctr);
	}
	/* Containers with their anonymous volumes (/var/lib/docker, /opt, ...). */
	r = dd_remove_containers_parallel(d, ctrs, progress_cb, userdata, err);
	/* The record follows what is gone, also after a partial failure. */
	_cleanup_json_ json_t *left = NULL;
	dd_error e = {0};
	bool listed = dd_container_list(d, DD_LABEL_CLUSTER, name, &left, &e) == 0;
	char new_shape[sizeof(shape)] = "";
	for (const char *p = shape; *p;) {
		size_t l = strcspn(p, ",");
		char t[64];
		snprintf(t, sizeof(t), "%.*s", (int)(l < 63 ? l : 63), p);
		bool removed = false;
		for (size_t k = 0; k < n_gone && !removed; k++) {
			if (strcmp(gone[k]->short_name, t) != 0)
				continue;
			bool still = false;
			json_array_foreach (left, i, ctr)
				still |= listed &&
				         strcmp(json_string_value(json_object_get(ctr, "Id")) ?: "",
				                gone[k]->id) == 0;
			removed = !still;
		}
		if (!removed) {
			size_t off = strlen(new_shape);
			snprintf(new_shape + off, sizeof(new_shape) - off, "%s%s", off ? "," : "",
			         t);
		}
		p += l;
		p += *p == ',';
	}
	int w = dd_nodes_record_write(c->workspace, new_shape, r < 0 ? &e : err);
	if (r == 0 && w < 0)
		r = w;
	known_hosts_drop(c->workspace, gone, n_gone);
	for (size_t k = 0; k < n_gone; k++)
		if (!shape_has(new_shape, gone[k]->short_name)) {
			_cleanup_free_ char *dir =
			    dd_asprintf("%s/nodes/%s", c->workspace, gone[k]->short_name);
			dd_rm_rf(dir);
		}
	return r;
}
