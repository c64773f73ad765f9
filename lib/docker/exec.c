/* Non-interactive exec: the output arrives as the body of POST /exec/{id}/start.
 * Interactive exec (stdin, TTY) needs the upgraded connection: see attach.c. */
#define _GNU_SOURCE
#include <errno.h>
#include <string.h>

#include "buf.h"
#include "dcos-docker/exec.h"
#include "docker/docker-internal.h"
#include "docker/exec-internal.h"
#include "docker/stream-internal.h"
#include "util.h"

/* When the runtime cannot start the process, the daemon writes its error into
 * the stdout stream, before any output of the process could exist. Output
 * starting like one of these is held back (at most START_ERROR_MAX bytes)
 * until the exit status says whether the process ever ran (Pid 0: it did
 * not). Held bytes of a process that did run are released unchanged. */
static const char *const start_error_prefixes[] = {
    "OCI runtime exec failed",
    "unable to find user",
    "unable to find group",
};
#define START_ERROR_MAX 4096

enum { FILTER_PROBE, FILTER_HOLD, FILTER_PASS };

struct start_filter {
	const dd_exec_opts *user;
	int state;
	size_t len;
	char held[START_ERROR_MAX + 1];
};

static int filter_emit(struct start_filter *f, int stream, const char *buf, size_t len)
{
	if (len == 0 || !f->user->on_output)
		return 0;
	return f->user->on_output(stream, buf, len, f->user->userdata);
}

static int filter_release(struct start_filter *f)
{
	f->state = FILTER_PASS;
	size_t n = f->len;
	f->len = 0;
	return filter_emit(f, DD_STREAM_STDOUT, f->held, n);
}

/* 1: held is a start error's beginning (or all of it), 0: cannot be one. */
static int held_matches(const struct start_filter *f, bool *ret_complete)
{
	for (size_t i = 0; i < ELEMENTSOF(start_error_prefixes); i++) {
		size_t pl = strlen(start_error_prefixes[i]);
		size_t n = f->len < pl ? f->len : pl;
		if (memcmp(f->held, start_error_prefixes[i], n) == 0) {
			*ret_complete = f->len >= pl;
			return 1;
		}
	}
	return 0;
}

static int filter_output(int stream, const char *buf, size_t len, void *userdata)
{
	struct start_filter *f = userdata;
	if (f->state == FILTER_PASS)
		return filter_emit(f, stream, buf, len);
	if (stream != DD_STREAM_STDOUT || len > START_ERROR_MAX - f->len) {
		/* stderr output, or more than one error line: the process runs. */
		int r = filter_release(f);
		return r < 0 ? r : filter_emit(f, stream, buf, len);
	}
	memcpy(f->held + f->len, buf, len);
	f->len += len;
	f->held[f->len] = '\0';
	bool complete = false;
	if (!held_matches(f, &complete))
		return filter_release(f);
	if (complete)
		f->state = FILTER_HOLD;
	return 0;
}

/* Turns the daemon's start error into a shell-like line and exit code. */
static int report_start_error(struct start_filter *f, const char *label)
{
	char *m = f->held;
	const char *tag = "unable to start container process: ";
	char *p = strstr(m, tag);
	if (p)
		m = p + strlen(tag);
	else if (dd_startswith(m, "OCI runtime exec failed: "))
		m += strlen("OCI runtime exec failed: ");
	size_t n = strlen(m);
	while (n > 0 && strchr("\r\n \t", m[n - 1]))
		m[--n] = '\0';
	if (n >= strlen(": unknown") && strcmp(m + n - strlen(": unknown"), ": unknown") == 0)
		m[n -= strlen(": unknown")] = '\0';

	int code = 126;
	_cleanup_free_ char *line = NULL;
	if (dd_startswith(m, "exec: \"")) {
		char *exe = m + strlen("exec: \"");
		char *q = strstr(exe, "\": ");
		if (q) {
			*q = '\0';
			const char *why = q + 3;
			if (strstr(why, "not found") || strstr(why, "no such file or directory")) {
				code = 127;
				line = dd_asprintf("executable file not found in node %s: %s\n",
				                   label, exe);
			} else
				line = dd_asprintf("cannot execute %s in node %s: %s\n", exe, label,
				                   why);
		}
	} else if (dd_startswith(m, "chdir to cwd (\"")) {
		char *dir = m + strlen("chdir to cwd (\"");
		char *q = strstr(dir, "\")");
		if (q) {
			*q = '\0';
			line = dd_asprintf("working directory %s does not exist in node %s\n", dir,
			                   label);
		}
	}
	if (!line)
		line = dd_asprintf("cannot start the command in node %s: %s\n", label, m);
	f->state = FILTER_PASS;
	f->len = 0;
	int r = filter_emit(f, DD_STREAM_STDERR, line, strlen(line));
	return r < 0 ? r : code;
}

int dd_exec_resize(dd_docker *d, const char *exec_id, unsigned rows, unsigned cols, dd_error *err)
{
	_cleanup_free_ char *path = dd_asprintf("/exec/%s/resize?h=%u&w=%u", exec_id, rows, cols);
	return dd_docker_call(d, "POST", path, NULL, NULL, NULL, err);
}

static json_t *strv_json(const char *const *v)
{
	json_t *a = json_array();
	for (; v && *v; v++)
		json_array_append_new(a, json_string(*v));
	return a;
}

struct out_ctx {
	const dd_exec_opts *opts;
	dd_demux demux;
	bool tty;
};

static int on_raw(const char *buf, size_t len, void *userdata)
{
	struct out_ctx *o = userdata;
	if (o->tty)
		return o->opts->on_output
		           ? o->opts->on_output(DD_STREAM_STDOUT, buf, len, o->opts->userdata)
		           : 0;
	return dd_demux_feed(&o->demux, buf, len);
}

static int on_frame(int stream, const char *buf, size_t len, void *userdata)
{
	const dd_exec_opts *opts = userdata;
	return opts->on_output ? opts->on_output(stream, buf, len, opts->userdata) : 0;
}

int dd_exec(dd_docker *d, const char *container, const dd_exec_opts *user_opts, int *ret_exit_code,
            dd_error *err)
{
	const char *label = user_opts->name ? user_opts->name : container;
	_cleanup_free_ struct start_filter *filter = dd_malloc0(sizeof(*filter));
	filter->user = user_opts;
	dd_exec_opts fopts = *user_opts;
	fopts.on_output = filter_output;
	fopts.userdata = filter;
	const dd_exec_opts *opts = &fopts;

	_cleanup_json_ json_t *body = json_pack(
	    "{s:b, s:b, s:b, s:b, s:o}", "AttachStdin", opts->stdin_fd >= 0, "AttachStdout", 1,
	    "AttachStderr", 1, "Tty", opts->tty, "Cmd", strv_json(opts->argv));
	if (opts->env)
		json_object_set_new(body, "Env", strv_json(opts->env));
	if (opts->user)
		json_object_set_new(body, "User", json_string(opts->user));
	if (opts->workdir)
		json_object_set_new(body, "WorkingDir", json_string(opts->workdir));

	_cleanup_free_ char *esc = dd_docker_escape(container);
	_cleanup_free_ char *path = dd_asprintf("/containers/%s/exec", esc);
	_cleanup_json_ json_t *created = NULL;
	int r = dd_docker_call(d, "POST", path, body, &created, NULL, err);
	if (r < 0) {
		if (r == -EEXIST) {
			dd_error_set(err, -ESRCH, "Node %s is not running", label);
			return dd_error_hint(err, "Start it with 'docker start %s'.", container);
		}
		if (r == -ENOENT)
			return dd_error_set(err, -ENOENT,
			                    "Node %s does not exist (container %s is gone)", label,
			                    container);
		return dd_error_prefix(err, "Failed to run a command in %s: ", label);
	}
	const char *id = json_string_value(json_object_get(created, "Id"));
	if (!id)
		return dd_error_set(err, -EPROTO, "The Docker daemon returned no exec id");

	if (opts->stdin_fd >= 0 || opts->tty) {
		r = dd_exec_interactive(d, id, label, opts, err);
		if (r < 0)
			return r;
	} else {
		struct out_ctx o = {.opts = opts, .tty = opts->tty};
		dd_demux_init(&o.demux, on_frame, (void *)opts);
		_cleanup_free_ char *start = dd_asprintf("/exec/%s/start", id);
		const char *sbody = "{\"Detach\":false,\"Tty\":false}";
		dd_request req = {.method = "POST",
		                  .path = start,
		                  .body = sbody,
		                  .body_len = strlen(sbody),
		                  .on_data = on_raw,
		                  .on_data_userdata = &o,
		                  .timeout_ms = opts->timeout_ms};
		dd_response resp = {0};
		r = dd_docker_request(d, &req, &resp, err);
		if (r == -EPROTO)
			return dd_error_set(err, r, "Malformed output stream from %s", container);
		if (r < 0 && !err->msg[0])
			return dd_error_set(
			    err, r, "Output of the command in %s could not be delivered: %s",
			    container, strerror(-r));
		if (r < 0)
			return r;
		long st = resp.status;
		dd_response_clear(&resp);
		if (st >= 400)
			return dd_error_set(err, -EIO, "Failed to start a command in %s (HTTP %ld)",
			                    container, st);
	}

	_cleanup_free_ char *inspect = dd_asprintf("/exec/%s/json", id);
	_cleanup_json_ json_t *info = NULL;
	/* The stream closes when the process exits; the daemon records the exit
	 * status in the same step, but give a lagging daemon a moment. */
	for (int tries = 0;; tries++) {
		json_decref(info);
		info = NULL;
		r = dd_docker_call(d, "GET", inspect, NULL, &info, NULL, err);
		if (r < 0)
			return r;
		if (!json_is_true(json_object_get(info, "Running")) || tries >= 200)
			break;
		usleep(5000);
	}
	json_t *code = json_object_get(info, "ExitCode");
	if (!json_is_integer(code))
		return dd_error_set(err, -EPROTO, "The command in %s left no exit code", label);
	int exit_code = (int)json_integer_value(code);
	json_t *pid = json_object_get(info, "Pid");
	if (filter->state == FILTER_HOLD && exit_code == 126 && json_is_integer(pid) &&
	    json_integer_value(pid) == 0) {
		r = report_start_error(filter, label);
		if (r < 0)
			return dd_error_set(
			    err, r, "Output of the command in %s could not be delivered", label);
		exit_code = r;
	} else {
		r = filter_release(filter);
		if (r < 0)
			return dd_error_set(
			    err, r, "Output of the command in %s could not be delivered", label);
	}
	*ret_exit_code = exit_code;
	return 0;
}

/* Keeps the head of each stream: callers want a bounded summary. */
static int on_capture(int stream, const char *buf, size_t len, void *userdata)
{
	dd_buf *c = userdata;
	if (stream == DD_STREAM_STDOUT || stream == DD_STREAM_STDERR)
		dd_buf_add(&c[stream], buf, len);
	return 0;
}

int dd_exec_capture(dd_docker *d, const char *container, const char *const *argv, size_t max,
                    char **ret_stdout, char **ret_stderr, int *ret_exit_code, dd_error *err)
{
	dd_buf c[3] = {{0}, DD_BUF_HEAD(max), DD_BUF_HEAD(max)};
	dd_exec_opts opts = {.argv = argv, .stdin_fd = -1, .on_output = on_capture, .userdata = c};
	int r = dd_exec(d, container, &opts, ret_exit_code, err);
	if (r == 0 && ret_stdout)
		*ret_stdout = dd_buf_take(&c[DD_STREAM_STDOUT]);
	if (r == 0 && ret_stderr)
		*ret_stderr = dd_buf_take(&c[DD_STREAM_STDERR]);
	dd_buf_free(&c[DD_STREAM_STDOUT]);
	dd_buf_free(&c[DD_STREAM_STDERR]);
	return r;
}
