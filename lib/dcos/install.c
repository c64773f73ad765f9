/* Installing DC/OS on a cluster: check what the user named, write genconf/,
 * run the installer's genconf on the host, then the role installs on all
 * nodes at once, straight from the read-only serve/ mount (no copies). */
#define _GNU_SOURCE
#include "dcos-docker/install.h"
#include "event-internal.h"

#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "cluster-internal.h"
#include "dcos-docker/cancel.h"
#include "dcos-docker/doctor.h"
#include "dcos-docker/exec.h"
#include "dcos-docker/wait.h"
#include "dcos/config-internal.h"
#include "dcos/genconf-internal.h"
#include "dcos/install-internal.h"
#include "dcos/installer-internal.h"
#include "doctor-internal.h"
#include "pool.h"
#include "util.h"

/* Lines of a role install kept for the error message. */
#define ROLE_TAIL_LINES 40
#define ROLE_TAIL_KEEP  (16u << 10)
#define ROLE_LINE_MAX   1024
/* Where the role install's shell records its PID, so a cancellation can stop
 * it (and its children: Docker makes every exec'd process a session and
 * process group leader). /run is a tmpfs in every node. */
#define ROLE_PID_FILE "/run/dcos-docker-install.pid"

struct dd_install_plan {
	const dd_install_opts *o;
	char *version;
	char *variant; /* oss | enterprise */
	char *detected_variant;
	char *license;
	char *password_hash;
	char **resolvers;
	size_t n_resolvers;
	dd_installer *installer; /* its place; held (shared lock) while the plan lives */
	pthread_mutex_t lock;    /* serialises the caller's callbacks */
};

static void note(dd_install_plan *p, const char *node, bool done, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void note(dd_install_plan *p, const char *node, bool done, const char *fmt, ...)
{
	if (!p->o->on_event)
		return;
	va_list ap;
	va_start(ap, fmt);
	_cleanup_free_ char *s = NULL;
	if (vasprintf(&s, fmt, ap) < 0)
		abort();
	va_end(ap);
	pthread_mutex_lock(&p->lock);
	dd_event_status(p->o->on_event, p->o->userdata, node, s, done);
	pthread_mutex_unlock(&p->lock);
}

static void output(dd_install_plan *p, const char *node, const char *line)
{
	if (!p->o->on_event)
		return;
	pthread_mutex_lock(&p->lock);
	dd_event_send(p->o->on_event, p->o->userdata, DD_EVENT_OUTPUT, node, line);
	pthread_mutex_unlock(&p->lock);
}

void dd_install_plan_free(dd_install_plan *p)
{
	if (!p)
		return;
	free(p->version);
	free(p->variant);
	free(p->detected_variant);
	free(p->license);
	free(p->password_hash);
	strvfreep(&p->resolvers);
	dd_installer_free(p->installer);
	pthread_mutex_destroy(&p->lock);
	free(p);
}

const char *dd_install_plan_version(const dd_install_plan *p)
{
	return p->version;
}
const char *dd_install_plan_variant(const dd_install_plan *p)
{
	return p->variant;
}
const dd_installer *dd_install_plan_installer(const dd_install_plan *p)
{
	return p->installer;
}

static void output(dd_install_plan *p, const char *node, const char *line);

static void on_installer_line(const dd_event *ev, void *userdata)
{
	output(userdata, NULL, ev->text);
}

/* The host facts the real installer needs before anything is spent on it. */
static int check_host(dd_docker *d, const dd_install_opts *o, dd_error *err)
{
	/* Its wrapper's first line: `docker version` or "docker should be
	 * installed and running. Aborting." (dcos_generate_config.sh.in). */
	int r = dd_host_docker_cli_check(err);
	if (r < 0)
		return r;
	bool v2 = false;
	char hint[DD_ERROR_HINT_MAX];
	if ((r = dd_host_cgroup_v2(d, &v2, hint, sizeof(hint), err)) < 0)
		return r;
	if (v2 && !o->allow_cgroup_v2) {
		dd_error_usage(
		    err, -ENOTSUP,
		    "This Docker host runs cgroup v2: the nodes work, but no DC/OS release "
		    "can run its agents there (DC/OS 2.2's Mesos 1.11 needs cgroup v1); "
		    "--allow-cgroup-v2 installs anyway");
		return dd_error_hint(err, "%s", hint);
	}
	return 0;
}

/* A file the user named: a usage error when it is missing or not a file. */
static int check_user_file(const char *what, const char *path, bool dir, dd_error *err)
{
	struct stat st;
	if (stat(path, &st) < 0) {
		if (errno == ENOENT)
			return dd_error_usage(err, -ENOENT, "%s not found: %s", what, path);
		return dd_error_usage(err, -errno, "Cannot access the %s %s: %s", what, path,
		                      strerror(errno));
	}
	if (dir && !S_ISDIR(st.st_mode))
		return dd_error_usage(err, -ENOTDIR, "The %s %s is not a directory", what, path);
	if (!dir && !S_ISREG(st.st_mode))
		return dd_error_usage(err, -EINVAL, "The %s %s is not a regular file", what, path);
	if (access(path, R_OK | (dir ? X_OK : 0)) < 0)
		return dd_error_usage(err, -errno, "The %s %s is not readable: %s", what, path,
		                      strerror(errno));
	return 0;
}

/* DC/OS's resolvers: Docker's embedded DNS server, which every container on
 * a user-defined network (the cluster's) has at 127.0.0.11 in its own network
 * namespace. Once installed, DC/OS points each node's /etc/resolv.conf at its
 * own DNS, dcos-net (gen_resolvconf.py: 198.51.100.1-3), which forwards what
 * it does not know to `resolvers`. With the host's resolvers there, nodes no
 * longer find each other by name (master1, <cluster>-agent2) after the
 * install; through Docker's, they do, and every other name is resolved as on
 * the host (Docker forwards to the host's resolvers, systemd-resolved's
 * included). --extra-config 'resolvers' chooses others. */
static void pick_resolvers(dd_install_plan *p)
{
	p->resolvers = dd_malloc0(2 * sizeof(char *));
	p->resolvers[p->n_resolvers++] = dd_strdup("127.0.0.11");
}

/* config.yaml for the given node IPs. */
static int render_config(const dd_install_plan *p, const char *cluster_name,
                         const char *const *ips[DD_ROLE_COUNT], const size_t n[DD_ROLE_COUNT],
                         char **ret, dd_error *err)
{
	bool ee = strcmp(p->variant, "enterprise") == 0;
	struct dd_dcos_config_input in = {
	    .cluster_name = cluster_name,
	    .master_ips = ips[DD_ROLE_MASTER],
	    .n_master_ips = n[DD_ROLE_MASTER],
	    .agent_ips = ips[DD_ROLE_AGENT],
	    .n_agent_ips = n[DD_ROLE_AGENT],
	    .public_agent_ips = ips[DD_ROLE_PUBLIC_AGENT],
	    .n_public_agent_ips = n[DD_ROLE_PUBLIC_AGENT],
	    .resolvers = (const char *const *)p->resolvers,
	    .n_resolvers = p->n_resolvers,
	    .enterprise = ee,
	    .superuser_username = p->o->superuser_username,
	    .superuser_password_hash = p->password_hash,
	    .license_key_contents = p->license,
	    .security_mode = p->o->security_mode,
	    .extra_config_path = p->o->extra_config,
	};
	return dd_dcos_config_yaml(&in, ret, err);
}

/* config.yaml of the cluster's nodes, their IPs per role in node order
 * (masters, agents, public agents by index), into the workspace's genconf. */
static int write_cluster_config(const dd_install_plan *p, const dd_cluster *c, dd_error *err)
{
	const char **ips[DD_ROLE_COUNT] = {0};
	size_t n[DD_ROLE_COUNT] = {0};
	for (int role = 0; role < DD_ROLE_COUNT; role++)
		ips[role] = dd_malloc0((c->n_nodes + 1) * sizeof(char *));
	for (size_t i = 0; i < c->n_nodes; i++) {
		const dd_node *node = &c->nodes[i];
		ips[node->role][n[node->role]++] = node->ip;
	}
	_cleanup_free_ char *yaml = NULL;
	int r = render_config(p, c->name, (const char *const **)ips, n, &yaml, err);
	for (int role = 0; role < DD_ROLE_COUNT; role++)
		free(ips[role]);
	if (r < 0)
		return r;
	return dd_dcos_write_genconf(c->workspace, yaml, p->o->genconf_dir, err);
}

/* A trial rendering with documentation addresses (RFC 5737) checks the
 * extra config and the options against the variant, as DC/OS's gen will
 * (dd_dcos_config_check), before any cluster exists. */
static int trial_render(const dd_install_plan *p, dd_error *err)
{
	static const char *const m[] = {"192.0.2.1"}, *const a[] = {"192.0.2.2"},
	                         *const pa[] = {"192.0.2.3"};
	const char *const *ips[DD_ROLE_COUNT] = {m, a, pa};
	const size_t n[DD_ROLE_COUNT] = {1, 1, 1};
	_cleanup_free_ char *trial = NULL;
	return render_config(p, "trial", ips, n, &trial, err);
}

int dd_dcos_install_prepare(dd_docker *d, const dd_install_opts *o, dd_install_plan **ret,
                            dd_error *err)
{
	if (!o->installer || !*o->installer)
		return dd_error_usage(err, -EINVAL, "No DC/OS installer given");
	const char *want = o->variant && strcmp(o->variant, "auto") != 0 ? o->variant : NULL;
	if (want && strcmp(want, "oss") != 0 && strcmp(want, "enterprise") != 0)
		return dd_error_usage(
		    err, -EINVAL, "Unknown variant '%s' (expected auto, oss or enterprise)", want);
	if (o->security_mode && strcmp(o->security_mode, "disabled") != 0 &&
	    strcmp(o->security_mode, "permissive") != 0 && strcmp(o->security_mode, "strict") != 0)
		return dd_error_usage(
		    err, -EINVAL,
		    "Unknown security mode '%s' (expected disabled, permissive or strict)",
		    o->security_mode);
	/* The cheap checks of what the user named come before the installer's
	 * --version run, which takes minutes with a real installer. */
	int r;
	if ((r = check_user_file("DC/OS installer", o->installer, false, err)) < 0)
		return dd_error_hint(err, "Pass the path of a DC/OS installer file "
		                          "(dcos_generate_config.sh, or dcos_generate_config.ee.sh "
		                          "for Enterprise).");
	if (o->extra_config &&
	    (r = check_user_file("extra config file", o->extra_config, false, err)) < 0)
		return r;
	if (o->genconf_dir &&
	    (r = check_user_file("genconf directory", o->genconf_dir, true, err)) < 0)
		return r;
	if (o->license_key_path &&
	    (r = check_user_file("license key file", o->license_key_path, false, err)) < 0)
		return r;
	if (o->superuser_password && !*o->superuser_password)
		return dd_error_usage(err, -EINVAL, "The superuser password must not be empty");
	if (o->superuser_username && !*o->superuser_username)
		return dd_error_usage(err, -EINVAL, "The superuser username must not be empty");
	if (o->workspace && (r = dd_installer_path_check(o->workspace, "the workspace", err)) < 0)
		return r;
	if ((r = check_host(d, o, err)) < 0)
		return r;

	_cleanup_(dd_install_plan_freep) dd_install_plan *p = dd_malloc0(sizeof(*p));
	pthread_mutex_init(&p->lock, NULL);
	p->o = o;
	if (o->license_key_path) {
		size_t len = 0;
		r = dd_read_file(o->license_key_path, DD_DCOS_LICENSE_MAX, &p->license, &len);
		if (r < 0)
			return dd_error_usage(
			    err, r, "Cannot read the license key file %s: %s", o->license_key_path,
			    r == -EFBIG ? "too large for a license key" : strerror(-r));
		if (strspn(p->license, " \t\r\n") == len)
			return dd_error_usage(err, -EINVAL, "The license key file %s is empty",
			                      o->license_key_path);
	}

	pick_resolvers(p);
	/* Before the installer's first run, which takes minutes with a real one:
	 * as the variant asked for, or as Enterprise while it is not known yet
	 * (open source calculates some keys itself and refuses them, Enterprise
	 * refuses nothing open source takes). Again below, as the variant it is. */
	p->variant = dd_strdup(want ? want : "enterprise");
	r = trial_render(p, err);
	free(p->variant);
	p->variant = NULL;
	if (r < 0)
		return r;

	note(p, NULL, false, "Checking the DC/OS installer %s", o->installer);
	r = dd_installer_open(d, o->installer, NULL, on_installer_line, p, &p->installer, err);
	if (r < 0)
		return r;
	p->version = dd_strdup(dd_installer_version(p->installer));
	p->detected_variant = dd_strdup(dd_installer_variant(p->installer));
	if (dd_installer_extracted(p->installer))
		note(p, NULL, false,
		     "Extracted the installer once into %s; clusters from the same file reuse it, "
		     "and it goes with the last of them (or 'dcos-docker clean')",
		     dd_installer_place(p->installer));
	p->variant = dd_strdup(want ? want : p->detected_variant);
	if (want && strcmp(want, p->detected_variant) != 0)
		note(p, NULL, false,
		     "Note: --variant %s overrides the installer's own variant (%s)", want,
		     p->detected_variant);
	bool ee = strcmp(p->variant, "enterprise") == 0;
	if (!ee && (o->license_key_path || o->superuser_username || o->superuser_password))
		note(p, NULL, false,
		     "Note: the license key and superuser options apply to DC/OS Enterprise only; "
		     "this installer is open source, so they are ignored");
	if (ee && o->superuser_password &&
	    (r = dd_dcos_password_hash(o->superuser_password, &p->password_hash, err)) < 0)
		return r;
	if ((r = trial_render(p, err)) < 0)
		return r;
	*ret = TAKE_PTR(p);
	return 0;
}

int dd_dcos_info_load(const char *workspace, dd_dcos_info *ret, dd_error *err)
{
	_cleanup_free_ char *path = dd_asprintf("%s/" DD_DCOS_INFO_FILE, workspace);
	_cleanup_free_ char *text = NULL;
	int r = dd_read_file(path, 64u << 10, &text, NULL);
	if (r == -ENOENT)
		return r;
	if (r < 0)
		return dd_error_set(err, r, "Failed to read %s: %s", path, strerror(-r));
	json_error_t je;
	_cleanup_json_ json_t *j = json_loads(text, 0, &je);
	const char *version = json_string_value(json_object_get(j, "version"));
	const char *variant = json_string_value(json_object_get(j, "variant"));
	const char *at = json_string_value(json_object_get(j, "installed_at"));
	const char *from = json_string_value(json_object_get(j, "upgraded_from"));
	if (!version || !variant)
		return dd_error_set(err, -EBADMSG, "%s is damaged (no version or variant)", path);
	dd_dcos_info info = {0};
	snprintf(info.version, sizeof(info.version), "%s", version);
	snprintf(info.variant, sizeof(info.variant), "%s", variant);
	snprintf(info.installed_at, sizeof(info.installed_at), "%s", at ? at : "");
	snprintf(info.upgraded_from, sizeof(info.upgraded_from), "%s", from ? from : "");
	*ret = info;
	return 0;
}

int dd_dcos_info_require(const dd_cluster *c, const char *why, dd_dcos_info *ret, dd_error *err)
{
	int r = dd_dcos_info_load(c->workspace, ret, err);
	if (r != -ENOENT)
		return r;
	dd_error_set(err, -ENOENT, "DC/OS is not installed on cluster '%s'%s%s", c->name,
	             why ? ": " : "", why ? why : "");
	return dd_error_hint(err,
	                     "Install it first: dcos-docker install --cluster %s "
	                     "PATH/TO/dcos_generate_config.sh",
	                     c->name);
}

/* upgraded_from: NULL for an install; the version before, for an upgrade
 * (installed_at is then when the upgrade finished). */
static int write_info(const dd_cluster *c, const dd_install_plan *p, const char *upgraded_from,
                      dd_error *err)
{
	char at[32];
	time_t now = time(NULL);
	struct tm tm;
	strftime(at, sizeof(at), "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&now, &tm));
	_cleanup_json_ json_t *j = json_pack("{s:s, s:s, s:s}", "version", p->version, "variant",
	                                     p->variant, "installed_at", at);
	if (upgraded_from)
		json_object_set_new(j, "upgraded_from", json_string(upgraded_from));
	_cleanup_free_ char *s = json_dumps(j, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	_cleanup_free_ char *path = dd_asprintf("%s/" DD_DCOS_INFO_FILE, c->workspace);
	_cleanup_free_ char *body = dd_asprintf("%s\n", s);
	int r = dd_write_file(path, body, strlen(body), 0644);
	if (r < 0)
		return dd_error_set(err, r, "Failed to write %s: %s", path, strerror(-r));
	return 0;
}

/* ---- role installs ---- */

struct role_job {
	dd_install_plan *p;
	const dd_node *n;
	bool running; /* under role_run.lock: the install may be in the node */
	int r;
	int exit_code;
	dd_error err;
	/* Output split into lines per stream; the last lines kept. */
	dd_buf partial[3];
	dd_buf tail; /* the newest lines */
};

struct role_run {
	dd_docker *d; /* the caller's: only the tick on the calling thread uses it */
	struct role_job *jobs;
	size_t n;
	pthread_mutex_t lock;
	double last_kill;
};

static void set_running(struct role_run *run, struct role_job *j, bool running)
{
	pthread_mutex_lock(&run->lock);
	j->running = running;
	pthread_mutex_unlock(&run->lock);
}

static void role_line(const char *line, void *userdata)
{
	struct role_job *j = userdata;
	output(j->p, j->n->name, line);
	dd_buf_addf(&j->tail, "%s\n", line);
}

static int role_output(int stream, const char *buf, size_t len, void *userdata)
{
	struct role_job *j = userdata;
	if (stream == DD_STREAM_STDOUT || stream == DD_STREAM_STDERR)
		dd_buf_lines(&j->partial[stream], buf, len, role_line, j);
	return dd_cancelled() ? -ECANCELED : 0;
}

static int role_job(void *userdata, size_t i, void *state)
{
	struct role_run *run = userdata;
	struct role_job *j = &run->jobs[i];
	set_running(run, j, true);
	dd_docker *d = dd_pool_docker_get(state, &j->r, &j->err);
	if (d) {
		note(j->p, j->n->name, false, "installing (%s)", dd_role_dcos(j->n->role));
		/* Nothing user-given is in the script: the role is $1. */
		const char *argv[] = {"/bin/sh",
		                      "-c",
		                      "echo $$ >" ROLE_PID_FILE "; exec /bin/bash "
		                      "\"$0\" --no-block-dcos-setup \"$1\"",
		                      DD_NODE_INSTALL_DIR "/dcos_install.sh",
		                      dd_role_dcos(j->n->role),
		                      NULL};
		dd_exec_opts eo = {.argv = argv,
		                   .stdin_fd = -1,
		                   .on_output = role_output,
		                   .userdata = j,
		                   .name = j->n->short_name,
		                   .resize_fd = -1};
		j->r = dd_exec(d, j->n->id, &eo, &j->exit_code, &j->err);
		for (int s = 1; s <= 2; s++)
			if (j->partial[s].len > 0)
				dd_buf_lines_flush(&j->partial[s], role_line, j);
	}
	if (j->r == -ECANCELED || ((j->r < 0 || j->exit_code != 0) && dd_cancelled()))
		note(j->p, j->n->name, true, "interrupted");
	else if (j->r < 0)
		note(j->p, j->n->name, true, "failed: %s", j->err.msg);
	else if (j->exit_code != 0)
		note(j->p, j->n->name, true, "failed (exit code %d)", j->exit_code);
	else
		note(j->p, j->n->name, true, "installed");
	set_running(run, j, false);
	return j->r;
}

/* Stops a role install that is still running in a node (cancellation). */
static void role_kill(dd_docker *d, const dd_node *n)
{
	/* The whole process group; no "--": dash's kill does not take it. */
	static const char *const argv[] = {
	    "/bin/sh", "-c",
	    "p=$(cat " ROLE_PID_FILE " 2>/dev/null) && [ -n \"$p\" ] && kill -TERM \"-$p\"", NULL};
	dd_error e = {0};
	int code = 0;
	dd_exec_capture(d, n->id, argv, 4096, NULL, NULL, &code, &e);
}

static void role_job_done(struct role_job *j)
{
	dd_buf_free(&j->tail);
	dd_buf_free(&j->partial[DD_STREAM_STDOUT]);
	dd_buf_free(&j->partial[DD_STREAM_STDERR]);
}

/* On cancellation, stops the installs still running (they may print nothing
 * for a long time, so the workers would not notice), every 2 s. */
static void role_tick(void *userdata)
{
	struct role_run *run = userdata;
	if (!dd_cancelled() || dd_now() - run->last_kill <= 2)
		return;
	_cleanup_free_ bool *running = dd_malloc0(run->n * sizeof(bool));
	pthread_mutex_lock(&run->lock);
	for (size_t i = 0; i < run->n; i++)
		running[i] = run->jobs[i].running;
	pthread_mutex_unlock(&run->lock);
	for (size_t i = 0; i < run->n; i++)
		if (running[i])
			role_kill(run->d, run->jobs[i].n);
	run->last_kill = dd_now();
}

/* Ctrl-C came before this node's turn. */
static void role_skipped(void *userdata, size_t i)
{
	struct role_run *run = userdata;
	note(run->jobs[i].p, run->jobs[i].n->name, true, "interrupted");
}

/* The role installs on nodes of cluster c (all of them for install, the new
 * ones for add-node), in parallel. */
static int role_installs(dd_docker *d, const dd_cluster *c, const dd_node *const *nodes,
                         size_t n_nodes, dd_install_plan *p, dd_error *err)
{
	struct role_job *jobs = dd_malloc0(n_nodes * sizeof(*jobs));
	for (size_t i = 0; i < n_nodes; i++)
		jobs[i] = (struct role_job){
		    .p = p,
		    .n = nodes[i],
		    .tail = DD_BUF_TAIL(ROLE_TAIL_KEEP),
		    .partial = {{0}, DD_BUF_HEAD(ROLE_LINE_MAX), DD_BUF_HEAD(ROLE_LINE_MAX)}};
	struct role_run run = {.d = d, .jobs = jobs, .n = n_nodes};
	pthread_mutex_init(&run.lock, NULL);
	dd_pool pool = {.n = n_nodes,
	                .job = role_job,
	                .userdata = &run,
	                .docker = d,
	                .tick = role_tick,
	                .skipped = role_skipped};
	dd_pool_run(&pool, NULL);
	pthread_mutex_destroy(&run.lock);

	int r = 0;
	if (dd_cancelled())
		r = dd_error_set(err, -ECANCELED, "Interrupted during the role installs");
	if (r == 0) {
		size_t n_failed = 0;
		for (size_t i = 0; i < n_nodes; i++)
			n_failed += jobs[i].r < 0 || jobs[i].exit_code != 0;
		if (n_failed > 0) {
			/* One sentence, then each failed node with its last lines, in
			 * what fits in an error message. */
			size_t budget = (DD_ERROR_MSG_MAX - 200) / n_failed;
			char msg[DD_ERROR_MSG_MAX];
			size_t len = 0;
			len += (size_t)snprintf(msg, sizeof(msg),
			                        "DC/OS role install failed on %zu of %zu node%s:",
			                        n_failed, n_nodes, n_nodes == 1 ? "" : "s");
			for (size_t i = 0; i < n_nodes && len < sizeof(msg); i++) {
				const struct role_job *j = &jobs[i];
				if (j->r == 0 && j->exit_code == 0)
					continue;
				_cleanup_free_ char *what =
				    j->r < 0 ? dd_asprintf("%s", j->err.msg)
				             : dd_asprintf("dcos_install.sh %s exited with code %d",
				                           dd_role_dcos(j->n->role), j->exit_code);
				size_t head = strlen(what) + strlen(j->n->name) + 80;
				_cleanup_free_ char *tail =
				    dd_tail_text(&j->tail, ROLE_TAIL_LINES, 200,
				                 budget > head ? budget - head : 0, "  ");
				len += (size_t)snprintf(
				    msg + len, sizeof(msg) - len,
				    "\nnode %s (%s, %s): %s. Its last lines:\n%s", j->n->short_name,
				    j->n->name, j->n->ip, what, tail);
			}
			r = dd_error_set(err, -EIO, "%s", msg);
			dd_error_hint(
			    err,
			    "The nodes keep what the install did. Look around with "
			    "'dcos-docker run --cluster %s --node NODE -- journalctl -n 100', "
			    "then destroy and recreate the cluster to try again.",
			    c->name);
		}
	}
	for (size_t i = 0; i < n_nodes; i++)
		role_job_done(&jobs[i]);
	free(jobs);
	return r;
}

/* ---- the whole install ---- */

struct genconf_ctx {
	dd_install_plan *p;
};

static void on_genconf_line(const dd_event *ev, void *userdata)
{
	struct genconf_ctx *g = userdata;
	output(g->p, NULL, ev->text);
}

int dd_dcos_install(dd_docker *d, const dd_cluster *c, dd_install_plan *p, dd_error *err)
{
	/* Every node must take part: DC/OS's node lists are fixed at genconf. */
	char stopped[512] = "";
	size_t n_stopped = 0;
	for (size_t i = 0; i < c->n_nodes; i++)
		if (strcmp(c->nodes[i].state, "running") != 0) {
			size_t l = strlen(stopped);
			snprintf(stopped + l, sizeof(stopped) - l, "%s%s (%s)", l ? ", " : "",
			         c->nodes[i].short_name, c->nodes[i].state);
			n_stopped++;
		}
	if (n_stopped > 0) {
		dd_error_set(err, -ESRCH,
		             "Cannot install DC/OS on cluster '%s': node%s not running: %s",
		             c->name, n_stopped == 1 ? " is" : "s are", stopped);
		return dd_error_hint(err, "Start the node containers ('docker start NAME') or "
		                          "recreate the cluster.");
	}
	if (dd_cluster_count_role(c, DD_ROLE_MASTER) == 0)
		return dd_error_usage(err, -EINVAL, "Cluster '%s' has no master: DC/OS needs one",
		                      c->name);
	dd_dcos_info info;
	dd_error ie = {0};
	int r = dd_dcos_info_load(c->workspace, &info, &ie);
	if (r == 0) {
		dd_error_set(err, -EEXIST,
		             "DC/OS %s (%s) is already installed on cluster '%s' (since %s)",
		             info.version, info.variant, c->name, info.installed_at);
		return dd_error_hint(err, "DC/OS installs once per node: destroy the cluster and "
		                          "create it again to install another.");
	}
	if (r != -ENOENT) {
		dd_error_copy(err, &ie);
		return r;
	}
	/* Before anything is written: genconf runs there. */
	if ((r = dd_installer_path_check(c->workspace, "the workspace", err)) < 0)
		return r;

	if ((r = write_cluster_config(p, c, err)) < 0)
		return r;
	if (dd_cancelled())
		return dd_error_set(err, -ECANCELED, "Interrupted");

	note(p, NULL, false,
	     "Running the DC/OS %s %s installer's genconf (this takes a while "
	     "with a real installer)",
	     p->variant, p->version);
	struct genconf_ctx g = {.p = p};
	r = dd_installer_genconf(d, p->installer, c->workspace, c->name, on_genconf_line, &g, err);
	if (r < 0) {
		if (r != -ECANCELED && strcmp(p->variant, "enterprise") == 0 && !p->license)
			dd_error_hint(err,
			              "DC/OS Enterprise 1.11 and later needs a license key: pass "
			              "--license-key FILE (or set DCOS_LICENSE_KEY_PATH).");
		else if (r != -ECANCELED && !err->hint[0])
			dd_error_hint(
			    err,
			    "The generated configuration is in %s/genconf/config.yaml; "
			    "nothing was installed on the nodes, so 'dcos-docker install' "
			    "can run again.",
			    c->workspace);
		return r;
	}
	if (dd_cancelled())
		return dd_error_set(err, -ECANCELED, "Interrupted");

	note(p, NULL, false, "Installing DC/OS on %zu node%s in parallel", c->n_nodes,
	     c->n_nodes == 1 ? "" : "s");
	_cleanup_free_ const dd_node **nodes = dd_malloc0((c->n_nodes + 1) * sizeof(*nodes));
	for (size_t i = 0; i < c->n_nodes; i++)
		nodes[i] = &c->nodes[i];
	if ((r = role_installs(d, c, nodes, c->n_nodes, p, err)) < 0)
		return r;
	return write_info(c, p, NULL, err);
}

int dd_dcos_install_nodes(dd_docker *d, const dd_cluster *c, const dd_node *const *nodes, size_t n,
                          const dd_install_opts *o, dd_error *err)
{
	/* What genconf made: the nodes mount it read-only at DD_NODE_INSTALL_DIR. */
	_cleanup_free_ char *script = dd_asprintf("%s/genconf/serve/dcos_install.sh", c->workspace);
	if (access(script, R_OK) != 0)
		return dd_error_set(err, -ENOENT,
		                    "Cluster '%s' records DC/OS as installed, but %s is missing: "
		                    "cannot install DC/OS on new nodes",
		                    c->name, script);
	dd_install_plan p = {.o = o};
	pthread_mutex_init(&p.lock, NULL);
	note(&p, NULL, false, "Installing DC/OS on %zu new node%s in parallel", n,
	     n == 1 ? "" : "s");
	int r = role_installs(d, c, nodes, n, &p, err);
	pthread_mutex_destroy(&p.lock);
	return r;
}

/* ---- upgrade ---- */

/* What an upgrade keeps about each node: its last step, and for the one that
 * failed, the end of its output. */
struct upgrade_ctx {
	dd_install_plan *p;
	const dd_cluster *c;
	const char *from;
	const char *script; /* the script's path in the nodes */
	double timeout;
	bool skip_http;
	bool *done; /* per node of c: upgraded */
};

static void upgrade_state(const struct upgrade_ctx *u, char *buf, size_t size)
{
	size_t len = (size_t)snprintf(buf, size, "upgraded: ");
	bool any = false;
	for (size_t i = 0; i < u->c->n_nodes && len < size; i++)
		if (u->done[i]) {
			len += (size_t)snprintf(buf + len, size - len, "%s%s", any ? ", " : "",
			                        u->c->nodes[i].short_name);
			any = true;
		}
	if (!any && len < size)
		len += (size_t)snprintf(buf + len, size - len, "none");
	any = false;
	if (len < size)
		len += (size_t)snprintf(buf + len, size - len, "; still on %s: ", u->from);
	for (size_t i = 0; i < u->c->n_nodes && len < size; i++)
		if (!u->done[i]) {
			len += (size_t)snprintf(buf + len, size - len, "%s%s", any ? ", " : "",
			                        u->c->nodes[i].short_name);
			any = true;
		}
	if (!any && len < size)
		snprintf(buf + len, size - len, "none");
}

/* The node's failure; dd_dcos_upgrade adds the cluster's state once no
 * node is upgrading any more. */
static int upgrade_failed(const struct upgrade_ctx *u, const dd_node *n, const char *step,
                          const char *what, const char *out, const char *errout, dd_error *err)
{
	dd_buf b = DD_BUF_TAIL(1800);
	if (out && *out)
		dd_buf_addf(&b, "%s%s", out, out[strlen(out) - 1] == '\n' ? "" : "\n");
	if (errout && *errout)
		dd_buf_addf(&b, "%s%s", errout, errout[strlen(errout) - 1] == '\n' ? "" : "\n");
	_cleanup_free_ char *tail = dd_tail_text(&b, 20, 200, 1800, "  ");
	dd_buf_free(&b);
	dd_error_set(err, -EIO,
	             "Upgrade to DC/OS %s failed on node %s (%s, %s) at step '%s': %s. "
	             "Its last lines:\n%s",
	             u->p->version, n->short_name, n->name, n->ip, step, what,
	             *tail ? tail : "  (no output)\n");
	return dd_error_hint(err,
	                     "Nothing further was touched. Look around with 'dcos-docker run "
	                     "--cluster %s --node %s -- journalctl -n 100'; running 'upgrade' "
	                     "again upgrades the nodes still on %s only if the script's version "
	                     "check lets it (the upgraded ones refuse: they run the new version).",
	                     u->c->name, n->short_name, u->from);
}

/* Adds "Cluster state: upgraded: ...; still on <old>: ..." to err's message. */
static void upgrade_add_state(const struct upgrade_ctx *u, dd_error *err)
{
	char state[1024];
	upgrade_state(u, state, sizeof(state));
	size_t len = strlen(err->msg);
	if (len > 0 && err->msg[len - 1] == '\n')
		err->msg[--len] = '\0';
	snprintf(err->msg + len, sizeof(err->msg) - len, "\nCluster state: %s", state);
}

/* Runs one step (argv) in node n; a failure names node, step and output. */
static int upgrade_step(dd_docker *d, const struct upgrade_ctx *u, const dd_node *n,
                        const char *step, const char *const *argv, dd_error *err)
{
	_cleanup_free_ char *out = NULL, *errout = NULL;
	int code = 0;
	dd_error e = {0};
	int r = dd_exec_capture(d, n->id, argv, 256u << 10, &out, &errout, &code, &e);
	if (r < 0)
		return upgrade_failed(u, n, step, e.msg, NULL, NULL, err);
	if (out || errout) {
		_cleanup_free_ char *all =
		    dd_asprintf("%s%s", out ? out : "", errout ? errout : "");
		char *save = NULL;
		for (char *l = strtok_r(all, "\r\n", &save); l; l = strtok_r(NULL, "\r\n", &save))
			output(u->p, n->name, l);
	}
	if (dd_cancelled())
		return dd_error_set(err, -ECANCELED, "Interrupted during the upgrade of %s",
		                    n->short_name);
	if (code != 0) {
		_cleanup_free_ char *what = dd_asprintf("exit code %d", code);
		return upgrade_failed(u, n, step, what, out, errout, err);
	}
	return 0;
}

/* wait.c's progress, serialised with the other nodes' (agents upgrade in
 * parallel, each with a wait of its own). */
static void upgrade_wait_progress(const dd_event *ev, void *userdata)
{
	dd_install_plan *p = userdata;
	if (!p->o->on_event)
		return;
	pthread_mutex_lock(&p->lock);
	p->o->on_event(ev, p->o->userdata);
	pthread_mutex_unlock(&p->lock);
}

/* Waits (wait.c) until node i alone is healthy. */
static int upgrade_wait(dd_docker *d, const struct upgrade_ctx *u, size_t i, dd_error *err)
{
	dd_cluster one = *u->c;
	one.nodes = &u->c->nodes[i];
	one.n_nodes = 1;
	dd_wait_opts wo = {.timeout = u->timeout,
	                   .skip_http_checks = u->skip_http,
	                   .superuser_username = u->p->o->superuser_username,
	                   .superuser_password = u->p->o->superuser_password,
	                   .on_event = upgrade_wait_progress,
	                   .userdata = u->p};
	dd_error e = {0};
	int r = dd_dcos_wait(d, &one, &wo, &e);
	if (r == -ECANCELED)
		return dd_error_set(err, r, "Interrupted while waiting for %s",
		                    u->c->nodes[i].short_name);
	if (r < 0)
		return upgrade_failed(u, &u->c->nodes[i], "health check after the upgrade", e.msg,
		                      NULL, NULL, err);
	return 0;
}

static int upgrade_node(dd_docker *d, struct upgrade_ctx *u, size_t i, bool wait, dd_error *err)
{
	const dd_node *n = &u->c->nodes[i];
	int r;
	note(u->p, n->name, false, "upgrading (%s %s -> %s)", dd_role_dcos(n->role), u->from,
	     u->p->version);
	if (n->role != DD_ROLE_MASTER) {
		/* DC/OS E2E's workaround before an agent's upgrade: the old
		 * libltdl.so.7 under /opt/mesosphere/lib breaks the new packages'
		 * activation on agents. */
		static const char *const rm[] = {"rm", "-f", "/opt/mesosphere/lib/libltdl.so.7",
		                                 NULL};
		if ((r = upgrade_step(d, u, n, "removing /opt/mesosphere/lib/libltdl.so.7", rm,
		                      err)) < 0)
			return r;
	}
	/* Not executable (write_string: 0644), and it needs root: bash, as root
	 * (docker exec's default user). Nothing user-given in argv. */
	const char *argv[] = {"/bin/bash", u->script, NULL};
	if ((r = upgrade_step(d, u, n, "dcos_node_upgrade.sh", argv, err)) < 0)
		return r;
	if (wait && (r = upgrade_wait(d, u, i, err)) < 0)
		return r;
	u->done[i] = true;
	note(u->p, n->name, true, "upgraded to %s", u->p->version);
	return 0;
}

/* The agents of one role in parallel (pool.c): a job per node, each with
 * its own connection; after a failure no further node starts. */
struct upgrade_job {
	struct upgrade_ctx *u;
	size_t node; /* index in c */
	bool wait;
	int r;
	dd_error err;
};

struct upgrade_run {
	struct upgrade_job *jobs;
	pthread_mutex_t lock;
	bool stop; /* under lock: a node failed */
};

static int upgrade_job(void *userdata, size_t i, void *state)
{
	struct upgrade_run *run = userdata;
	struct upgrade_job *j = &run->jobs[i];
	pthread_mutex_lock(&run->lock);
	bool stop = run->stop;
	pthread_mutex_unlock(&run->lock);
	if (stop)
		return 0; /* not started: still on the old version */
	dd_docker *d = dd_pool_docker_get(state, &j->r, &j->err);
	if (d)
		j->r = upgrade_node(d, j->u, j->node, j->wait, &j->err);
	if (j->r < 0) {
		pthread_mutex_lock(&run->lock);
		run->stop = true;
		pthread_mutex_unlock(&run->lock);
	}
	return j->r;
}

static int upgrade_parallel(dd_docker *d, struct upgrade_ctx *u, const size_t *nodes, size_t n,
                            bool wait, dd_error *err)
{
	if (n == 0)
		return 0;
	struct upgrade_job *jobs = dd_malloc0(n * sizeof(*jobs));
	for (size_t i = 0; i < n; i++)
		jobs[i] = (struct upgrade_job){.u = u, .node = nodes[i], .wait = wait};
	struct upgrade_run run = {.jobs = jobs};
	pthread_mutex_init(&run.lock, NULL);
	dd_pool pool = {.n = n, .job = upgrade_job, .userdata = &run, .docker = d};
	dd_pool_run(&pool, NULL);
	pthread_mutex_destroy(&run.lock);
	int r = 0;
	size_t n_failed = 0;
	for (size_t i = 0; i < n; i++)
		if (jobs[i].r < 0 && n_failed++ == 0) {
			dd_error_copy(err, &jobs[i].err);
			r = jobs[i].r;
		}
	if (r == 0 && dd_cancelled())
		r = dd_error_set(err, -ECANCELED, "Interrupted during the upgrade");
	if (n_failed > 1) {
		size_t len = strlen(err->msg);
		if (len > 0 && err->msg[len - 1] == '\n')
			err->msg[--len] = '\0';
		snprintf(err->msg + len, sizeof(err->msg) - len,
		         "\n(%zu more node%s of that role failed at the same time)", n_failed - 1,
		         n_failed == 2 ? "" : "s");
	}
	free(jobs);
	return r;
}

int dd_dcos_upgrade(dd_docker *d, const dd_cluster *c, dd_install_plan *p,
                    const dd_upgrade_opts *uo, dd_error *err)
{
	for (size_t i = 0; i < c->n_nodes; i++)
		if (strcmp(c->nodes[i].state, "running") != 0) {
			dd_error_set(err, -ESRCH, "Cannot upgrade cluster '%s': node %s is %s",
			             c->name, c->nodes[i].short_name, c->nodes[i].state);
			return dd_error_hint(err, "Start it first ('docker start %s').",
			                     c->nodes[i].name);
		}
	dd_dcos_info info;
	int r = dd_dcos_info_require(c, NULL, &info, err);
	if (r < 0)
		return r;
	if ((r = dd_installer_path_check(c->workspace, "the workspace", err)) < 0)
		return r;
	/* The same-version upgrade is not refused: the real installer and the
	 * script take any installed version (dcos_installer/upgrade.py checks only
	 * that the node runs the version the script was made for), and it is
	 * how a developer rolls a rebuilt installer of the same version out. */
	if (strcmp(info.version, p->version) == 0)
		note(p, NULL, false,
		     "Note: cluster '%s' runs DC/OS %s already; upgrading to the "
		     "same version (the installer's packages replace the nodes' if they differ)",
		     c->name, p->version);

	/* config.yaml again, from the nodes as they are and the options given:
	 * the installer generates the new packages from it. */
	if ((r = write_cluster_config(p, c, err)) < 0)
		return r;

	note(p, NULL, false,
	     "Generating the node upgrade script from DC/OS %s with the %s %s "
	     "installer",
	     info.version, p->variant, p->version);
	struct genconf_ctx g = {.p = p};
	_cleanup_free_ char *url = NULL;
	r = dd_installer_upgrade_script(d, p->installer, c->workspace, c->name, info.version,
	                                on_genconf_line, &g, &url, err);
	if (r < 0)
		return r;
	/* The nodes see genconf/serve/ at DD_NODE_INSTALL_DIR: the URL must be
	 * there (bootstrap_url is file://DD_NODE_INSTALL_DIR, config.c). */
	const char *script = url + strlen("file://");
	if (!dd_startswith(script, DD_NODE_INSTALL_DIR "/") || strstr(script, "/../"))
		return dd_error_set(err, -EBADMSG,
		                    "The installer's node upgrade script URL %s is not under %s, "
		                    "where the nodes see genconf/serve/",
		                    url, DD_NODE_INSTALL_DIR);
	_cleanup_free_ char *host_path =
	    dd_asprintf("%s/genconf/serve%s", c->workspace, script + strlen(DD_NODE_INSTALL_DIR));
	if (access(host_path, R_OK) != 0)
		return dd_error_set(err, -ENOENT,
		                    "The installer printed %s, but %s is not there: %s", url,
		                    host_path, strerror(errno));
	note(p, NULL, false, "Node upgrade script: %s", url);

	_cleanup_free_ bool *done = dd_malloc0((c->n_nodes + 1) * sizeof(bool));
	struct upgrade_ctx u = {.p = p,
	                        .c = c,
	                        .from = info.version,
	                        .script = script,
	                        .timeout = uo ? uo->timeout : 0,
	                        .skip_http = uo && uo->skip_http_checks,
	                        .done = done};
	/* Masters one at a time, each healthy before the next (a quorum of
	 * ZooKeeper and Mesos masters must stay up); then the agents in
	 * parallel, then the public agents in parallel. */
	for (size_t i = 0; i < c->n_nodes && r == 0; i++) {
		if (c->nodes[i].role != DD_ROLE_MASTER)
			continue;
		if (dd_cancelled())
			r = dd_error_set(err, -ECANCELED, "Interrupted");
		else
			r = upgrade_node(d, &u, i, true, err);
	}
	_cleanup_free_ size_t *agents = dd_malloc0((c->n_nodes + 1) * sizeof(size_t));
	static const enum dd_role agent_roles[] = {DD_ROLE_AGENT, DD_ROLE_PUBLIC_AGENT};
	for (size_t k = 0; k < 2 && r == 0; k++) {
		size_t n_agents = 0;
		for (size_t i = 0; i < c->n_nodes; i++)
			if (c->nodes[i].role == agent_roles[k])
				agents[n_agents++] = i;
		r = upgrade_parallel(d, &u, agents, n_agents, uo && uo->wait, err);
	}
	if (r < 0) {
		if (r != -ECANCELED)
			upgrade_add_state(&u, err);
		return r;
	}
	return write_info(c, p, info.version, err);
}
