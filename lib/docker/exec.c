/* Non-interactive exec: the output arrives as the body of POST /exec/{id}/start.
 * Interactive exec (stdin, TTY) needs the upgraded connection: see attach.c. */
#define _GNU_SOURCE
#include <errno.h>
#include <string.h>

#include "dcos-docker/exec.h"
#include "util.h"

/* attach.c: the upgraded-connection path for stdin and TTY. */
int dd_exec_interactive(dd_docker *d, const char *exec_id, const dd_exec_opts *opts, dd_error *err);

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
		return o->opts->on_output ? o->opts->on_output(DD_STREAM_STDOUT, buf, len,
								o->opts->userdata)
					  : 0;
	return dd_demux_feed(&o->demux, buf, len);
}

static int on_frame(int stream, const char *buf, size_t len, void *userdata)
{
	const dd_exec_opts *opts = userdata;
	return opts->on_output ? opts->on_output(stream, buf, len, opts->userdata) : 0;
}

int dd_exec(dd_docker *d, const char *container, const dd_exec_opts *opts, int *ret_exit_code,
	    dd_error *err)
{
	_cleanup_json_ json_t *body = json_pack("{s:b, s:b, s:b, s:b, s:o}", "AttachStdin",
						 opts->stdin_fd >= 0, "AttachStdout", 1, "AttachStderr",
						 1, "Tty", opts->tty, "Cmd", strv_json(opts->argv));
	if (opts->env)
		json_object_set_new(body, "Env", strv_json(opts->env));
	if (opts->user)
		json_object_set_new(body, "User", json_string(opts->user));
	if (opts->workdir)
		json_object_set_new(body, "WorkingDir", json_string(opts->workdir));

	_cleanup_free_ char *esc = dd_docker_escape(container);
	_cleanup_free_ char *path = dd_asprintf("/containers/%s/exec", esc);
	_cleanup_json_ json_t *created = NULL;
	long status = 0;
	int r = dd_docker_call(d, "POST", path, body, &created, &status, err);
	if (r < 0) {
		if (status == 409)
			return dd_error_prefix(err, "Container %s is not running: ", container);
		return dd_error_prefix(err, "Failed to run a command in %s: ", container);
	}
	const char *id = json_string_value(json_object_get(created, "Id"));
	if (!id)
		return dd_error_set(err, -EPROTO, "The Docker daemon returned no exec id");

	if (opts->stdin_fd >= 0 || opts->tty) {
		r = dd_exec_interactive(d, id, opts, err);
		if (r < 0)
			return r;
	} else {
		struct out_ctx o = {.opts = opts, .tty = opts->tty};
		dd_demux_init(&o.demux, on_frame, (void *)opts);
		_cleanup_free_ char *start = dd_asprintf("/exec/%s/start", id);
		const char *sbody = "{\"Detach\":false,\"Tty\":false}";
		dd_request req = {.method = "POST", .path = start, .body = sbody,
				  .body_len = strlen(sbody), .on_data = on_raw, .on_data_userdata = &o,
				  .timeout_ms = opts->timeout_ms};
		dd_response resp = {0};
		r = dd_docker_request(d, &req, &resp, err);
		if (r == -EPROTO)
			return dd_error_set(err, r, "Malformed output stream from %s", container);
		if (r < 0 && !err->msg[0])
			return dd_error_set(err, r, "Output of the command in %s could not be delivered: %s",
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
	r = dd_docker_call(d, "GET", inspect, NULL, &info, NULL, err);
	if (r < 0)
		return r;
	json_t *code = json_object_get(info, "ExitCode");
	if (!json_is_integer(code))
		return dd_error_set(err, -EPROTO, "The command in %s left no exit code", container);
	*ret_exit_code = (int)json_integer_value(code);
	return 0;
}

struct capture {
	char *buf[3];
	size_t len[3];
	size_t max;
};

static int on_capture(int stream, const char *buf, size_t len, void *userdata)
{
	struct capture *c = userdata;
	if (stream < 1 || stream > 2)
		return 0;
	size_t room = c->max - c->len[stream];
	if (len > room)
		len = room; /* keep the head, drop the rest: callers want a bounded summary */
	memcpy(c->buf[stream] + c->len[stream], buf, len);
	c->len[stream] += len;
	c->buf[stream][c->len[stream]] = '\0';
	return 0;
}

int dd_exec_capture(dd_docker *d, const char *container, const char *const *argv, size_t max,
		    char **ret_stdout, char **ret_stderr, int *ret_exit_code, dd_error *err)
{
	struct capture c = {.max = max};
	c.buf[1] = dd_malloc0(max + 1);
	c.buf[2] = dd_malloc0(max + 1);
	dd_exec_opts opts = {.argv = argv, .stdin_fd = -1, .on_output = on_capture, .userdata = &c};
	int r = dd_exec(d, container, &opts, ret_exit_code, err);
	if (r < 0) {
		free(c.buf[1]);
		free(c.buf[2]);
		return r;
	}
	if (ret_stdout)
		*ret_stdout = c.buf[1];
	else
		free(c.buf[1]);
	if (ret_stderr)
		*ret_stderr = c.buf[2];
	else
		free(c.buf[2]);
	return 0;
}
