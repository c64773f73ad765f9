/* export-logs: one worker per node (bounded), each part streamed straight to
 * its file: a journal of any size never sits in memory. */
#define _GNU_SOURCE
#include "dcos-docker/logs.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "dcos-docker/exec.h"
#include "dcos-docker/files.h"
#include "docker/objects.h"
#include "docker/stream-internal.h"
#include "files-internal.h"
#include "pool.h"
#include "util.h"

#define MAX_STDERR         (8u << 10)
#define JOURNAL_TIMEOUT_MS (10L * 60 * 1000)
#define COMMAND_TIMEOUT_MS (2L * 60 * 1000)

static const char *const part_files[DD_LOGS_PART_COUNT] = {
    [DD_LOGS_INSPECT] = "docker-inspect.json",
    [DD_LOGS_CONSOLE] = "console.log",
    [DD_LOGS_JOURNAL] = "journal.log",
    [DD_LOGS_UNITS] = "systemd-units.txt",
    [DD_LOGS_DOCKER_INFO] = "docker-info.txt",
    [DD_LOGS_DOCKER_PS] = "docker-ps.txt",
    [DD_LOGS_VAR_LOG] = "var-log",
};

const char *dd_logs_part_file(enum dd_logs_part part)
{
	return part >= 0 && part < DD_LOGS_PART_COUNT ? part_files[part] : NULL;
}

void dd_logs_report_free(dd_logs_report *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->n_nodes; i++) {
		free(r->nodes[i].dir);
		for (int p = 0; p < DD_LOGS_PART_COUNT; p++)
			free(r->nodes[i].why[p]);
	}
	free(r->nodes);
	free(r->dir);
	free(r->host_why);
	free(r);
}

static int write_all(int fd, const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, buf, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

static int open_out(const char *dir, const char *file, dd_error *err)
{
	_cleanup_free_ char *path = dd_asprintf("%s/%s", dir, file);
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd < 0)
		return dd_error_set(err, -errno, "Cannot create %s: %s", path, strerror(errno));
	return fd;
}

static int write_json_file(const char *dir, const char *file, json_t *j, dd_error *err)
{
	_cleanup_free_ char *text = json_dumps(j, JSON_INDENT(2) | JSON_SORT_KEYS);
	if (!text)
		return dd_error_set(err, -ENOMEM, "Cannot encode %s", file);
	_cleanup_close_ int fd = open_out(dir, file, err);
	if (fd < 0)
		return fd;
	int r = write_all(fd, text, strlen(text));
	if (r == 0)
		r = write_all(fd, "\n", 1);
	if (r < 0)
		return dd_error_set(err, r, "Cannot write %s/%s: %s", dir, file, strerror(-r));
	return 0;
}

/* ---- streaming into a file ---- */

struct file_sink {
	int fd;
	int error;
	dd_buf err; /* the tail of stderr, for the reason of a failure */
	dd_demux demux;
};

static int on_stream(int stream, const char *buf, size_t len, void *userdata)
{
	struct file_sink *s = userdata;
	if (stream == DD_STREAM_STDERR)
		dd_buf_add(&s->err, buf, len);
	int r = write_all(s->fd, buf, len);
	if (r < 0)
		s->error = r;
	return r;
}

static int on_raw(const char *buf, size_t len, void *userdata)
{
	return on_stream(DD_STREAM_STDOUT, buf, len, userdata);
}

static int on_muxed(const char *buf, size_t len, void *userdata)
{
	struct file_sink *s = userdata;
	return dd_demux_feed(&s->demux, buf, len);
}

/* Runs argv in the node, stdout and stderr into dir/file. */
static int exec_to_file(dd_docker *d, const dd_node *node, const char *dir, const char *file,
                        const char *const *argv, long timeout_ms, dd_error *err)
{
	struct file_sink s = {.fd = open_out(dir, file, err), .err = DD_BUF_TAIL(MAX_STDERR)};
	if (s.fd < 0)
		return s.fd;
	dd_exec_opts opts = {.argv = argv,
	                     .stdin_fd = -1,
	                     .resize_fd = -1,
	                     .on_output = on_stream,
	                     .userdata = &s,
	                     .timeout_ms = timeout_ms,
	                     .name = node->short_name};
	int code = 0;
	int r = dd_exec(d, node->id, &opts, &code, err);
	close(s.fd);
	_cleanup_free_ char *why = dd_buf_take(&s.err);
	if (s.error < 0)
		return dd_error_set(err, s.error, "Cannot write %s/%s: %s", dir, file,
		                    strerror(-s.error));
	if (r < 0)
		return r;
	if (code != 0)
		return dd_error_set(err, -EIO, "'%s' exited with %d%s%s", argv[0], code,
		                    *why ? ": " : "", dd_last_line(why));
	return 0;
}

/* ---- per node ---- */

struct logs_ctx {
	const dd_cluster *c;
	const dd_logs_opts *opts;
	dd_logs_report *report;
	pthread_mutex_t lock;
};

static void part_done(dd_logs_node *n, enum dd_logs_part part, int r, const dd_error *e)
{
	n->status[part] = r < 0 ? DD_LOGS_FAILED : DD_LOGS_OK;
	if (r < 0)
		n->why[part] = dd_strdup(e->msg[0] ? e->msg : strerror(-r));
}

static void part_skip(dd_logs_node *n, enum dd_logs_part part, const char *why)
{
	n->status[part] = DD_LOGS_SKIPPED;
	n->why[part] = dd_strdup(why);
}

static int export_console(dd_docker *d, const dd_node *node, const char *dir, bool tty,
                          dd_error *err)
{
	struct file_sink s = {.fd = open_out(dir, part_files[DD_LOGS_CONSOLE], err)};
	if (s.fd < 0)
		return s.fd;
	/* The nodes have a TTY, so their log is a raw byte stream; a container
	 * without one gets the multiplexed framing. */
	dd_demux_init(&s.demux, on_stream, &s);
	int r = dd_container_logs(d, node->id, -1, 0, tty ? on_raw : on_muxed, &s, err);
	close(s.fd);
	if (s.error < 0)
		return dd_error_set(err, s.error, "Cannot write the console log: %s",
		                    strerror(-s.error));
	if (r == -EPROTO)
		return dd_error_set(err, r, "Malformed log stream");
	if (r < 0)
		return err->msg[0] ? r : dd_error_set(err, r, "%s", strerror(-r));
	return 0;
}

static void export_node(dd_docker *d, dd_logs_node *n)
{
	const dd_node *node = n->node;
	dd_error e = {0};

	/* docker inspect: also says whether the node runs and has a TTY. */
	_cleanup_json_ json_t *info = NULL;
	int r = dd_container_inspect(d, node->id, &info, &e);
	if (r == 0)
		r = write_json_file(n->dir, part_files[DD_LOGS_INSPECT], info, &e);
	part_done(n, DD_LOGS_INSPECT, r, &e);
	json_t *state = json_object_get(info, "State");
	n->running = json_is_true(json_object_get(state, "Running")) &&
	             !json_is_true(json_object_get(state, "Paused"));
	bool tty = !info || json_is_true(json_object_get(json_object_get(info, "Config"), "Tty"));

	dd_error_clear(&e);
	r = export_console(d, node, n->dir, tty, &e);
	part_done(n, DD_LOGS_CONSOLE, r, &e);

	static const struct {
		enum dd_logs_part part;
		const char *const argv[8];
		long timeout_ms;
	} commands[] = {
	    {DD_LOGS_JOURNAL,
	     {"journalctl", "--no-pager", "-o", "short-precise", NULL},
	     JOURNAL_TIMEOUT_MS},
	    {DD_LOGS_UNITS,
	     {"systemctl", "list-units", "--all", "--no-pager", NULL},
	     COMMAND_TIMEOUT_MS},
	    /* The inner dockerd is socket-activated: asking starts it, which is fine. */
	    {DD_LOGS_DOCKER_INFO, {"docker", "info", NULL}, COMMAND_TIMEOUT_MS},
	    {DD_LOGS_DOCKER_PS, {"docker", "ps", "-a", "--no-trunc", NULL}, COMMAND_TIMEOUT_MS},
	};
	_cleanup_free_ char *why =
	    dd_asprintf("node is not running (%s); its binary journal is in var-log/journal "
	                "('journalctl -D var-log/journal' reads it)",
	                json_string_value(json_object_get(state, "Status")) ?: node->state);
	for (size_t i = 0; i < ELEMENTSOF(commands); i++) {
		if (!n->running) {
			part_skip(n, commands[i].part, why);
			continue;
		}
		dd_error_clear(&e);
		r = exec_to_file(d, node, n->dir, part_files[commands[i].part], commands[i].argv,
		                 commands[i].timeout_ms, &e);
		part_done(n, commands[i].part, r, &e);
	}

	/* /var/log through the archive API: works on stopped nodes too. */
	dd_error_clear(&e);
	_cleanup_free_ char *varlog = dd_asprintf("%s/%s", n->dir, part_files[DD_LOGS_VAR_LOG]);
	r = dd_files_get_archive(d, node->name, "/var/log", varlog, &e);
	part_done(n, DD_LOGS_VAR_LOG, r, &e);
}

static int node_job(void *userdata, size_t i, void *state)
{
	struct logs_ctx *ctx = userdata;
	dd_pool_docker *w = state;
	dd_logs_node *n = &ctx->report->nodes[i];
	if (w->r < 0)
		for (int p = 0; p < DD_LOGS_PART_COUNT; p++)
			part_done(n, p, w->r, &w->err);
	else
		export_node(w->d, n);
	if (ctx->opts->on_event) {
		dd_event ev = {.kind = DD_EVENT_LOGS_NODE, .node = n->node->name, .logs = n};
		pthread_mutex_lock(&ctx->lock);
		ctx->opts->on_event(&ev, ctx->opts->userdata);
		pthread_mutex_unlock(&ctx->lock);
	}
	return 0;
}

/* ---- the host ---- */

static int export_host(dd_docker *d, const dd_logs_opts *opts, const char *dir, dd_error *err)
{
	static const struct {
		int (*get)(dd_docker *d, json_t **ret, dd_error *err);
		const char *file;
	} calls[] = {{dd_docker_info, "host-docker-info.json"},
	             {dd_docker_version, "host-docker-version.json"}};
	for (size_t i = 0; i < ELEMENTSOF(calls); i++) {
		_cleanup_json_ json_t *j = NULL;
		int r = calls[i].get(d, &j, err);
		if (r == 0)
			r = write_json_file(dir, calls[i].file, j, err);
		if (r < 0)
			return dd_error_prefix(err, "%s: ", calls[i].file);
	}
	_cleanup_free_ char *version =
	    dd_asprintf("dcos-docker %s\n", opts->tool_version ? opts->tool_version : "unknown");
	_cleanup_close_ int fd = open_out(dir, "dcos-docker-version.txt", err);
	if (fd < 0)
		return dd_error_prefix(err, "dcos-docker-version.txt: ");
	int r = write_all(fd, version, strlen(version));
	if (r < 0)
		return dd_error_set(err, r, "dcos-docker-version.txt: %s", strerror(-r));
	return 0;
}

int dd_logs_export(dd_docker *d, const dd_cluster *c, const dd_logs_opts *opts,
                   dd_logs_report **ret, dd_error *err)
{
	if (!opts->dir || !*opts->dir)
		return dd_error_usage(err, -EINVAL, "No output directory given");
	struct stat st;
	if (stat(opts->dir, &st) == 0 && !S_ISDIR(st.st_mode))
		return dd_error_usage(err, -ENOTDIR, "'%s' exists and is not a directory",
		                      opts->dir);
	/* Refuse before writing anything: a half-overwritten export misleads. */
	for (size_t i = 0; i < c->n_nodes; i++) {
		_cleanup_free_ char *nd = dd_asprintf("%s/%s", opts->dir, c->nodes[i].name);
		if (lstat(nd, &st) == 0) {
			dd_error_set(err, -EEXIST, "'%s' already exists", nd);
			return dd_error_hint(err, "Export into a new or empty directory.");
		}
	}
	int r = dd_mkdir_p(opts->dir, 0700);
	if (r < 0)
		return dd_error_set(err, r, "Cannot create '%s': %s", opts->dir, strerror(-r));
	_cleanup_free_ char *dir = realpath(opts->dir, NULL);
	if (!dir)
		return dd_error_set(err, -errno, "Cannot resolve '%s': %s", opts->dir,
		                    strerror(errno));

	dd_logs_report *rep = dd_malloc0(sizeof(*rep));
	rep->dir = TAKE_PTR(dir);
	rep->n_nodes = c->n_nodes;
	rep->nodes = dd_malloc0((c->n_nodes + 1) * sizeof(*rep->nodes));
	for (size_t i = 0; i < c->n_nodes; i++) {
		dd_logs_node *n = &rep->nodes[i];
		n->node = &c->nodes[i];
		n->dir = dd_asprintf("%s/%s", rep->dir, c->nodes[i].name);
		if (mkdir(n->dir, 0755) < 0) {
			r = dd_error_set(err, -errno, "Cannot create '%s': %s", n->dir,
			                 strerror(errno));
			dd_logs_report_free(rep);
			return r;
		}
	}

	dd_error he = {0};
	if (export_host(d, opts, rep->dir, &he) < 0) {
		rep->host_why = dd_strdup(he.msg);
		rep->failed++;
	}

	struct logs_ctx ctx = {.c = c, .opts = opts, .report = rep};
	pthread_mutex_init(&ctx.lock, NULL);
	dd_pool pool = {.n = c->n_nodes, .job = node_job, .userdata = &ctx, .docker = d};
	dd_pool_run(&pool, NULL);
	pthread_mutex_destroy(&ctx.lock);

	for (size_t i = 0; i < rep->n_nodes; i++)
		for (int p = 0; p < DD_LOGS_PART_COUNT; p++) {
			if (rep->nodes[i].status[p] == DD_LOGS_FAILED)
				rep->failed++;
			else if (rep->nodes[i].status[p] == DD_LOGS_SKIPPED)
				rep->skipped++;
		}
	*ret = rep;
	return 0;
}
