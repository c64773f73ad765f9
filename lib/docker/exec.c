/* Non-interactive exec: the output arrives as the body of POST /exec/{id}/start.
 * Interactive exec (stdin, TTY) needs the upgraded connection: see attach.c. */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "cancel-internal.h"
#include "dcos-docker/cancel.h"
#include "dcos-docker/exec.h"
#include "docker/docker-internal.h"
#include "docker/exec-internal.h"
#include "docker/objects.h"
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

int dd_exec_inspect(dd_docker *d, const char *exec_id, bool *ret_running, long *ret_pid,
                    json_t **ret_info, dd_error *err)
{
	_cleanup_free_ char *path = DD_PATH("/exec/%s/json", exec_id);
	_cleanup_json_ json_t *info = NULL;
	int r = dd_docker_call(d, "GET", path, NULL, &info, NULL, err);
	if (r < 0)
		return r;
	if (ret_running)
		*ret_running = json_is_true(json_object_get(info, "Running"));
	if (ret_pid) {
		json_t *pid = json_object_get(info, "Pid");
		*ret_pid = json_is_integer(pid) ? (long)json_integer_value(pid) : 0;
	}
	if (ret_info)
		*ret_info = TAKE_PTR(info);
	return 0;
}

/* ---- stopping a cancelled exec (stop_on_cancel) ----
 *
 * Docker cannot signal an exec: there is no kill endpoint for one, and the
 * Pid of GET /exec/{id}/json is "the system process ID for the exec process"
 * (Engine API docs), a pid of the daemon's host: for an exec in node
 * container C it is 15731 where the node sees 7 (/proc/15731/status on the
 * host: "NSpid: 15731 7"). Killing it from here would only work for a daemon
 * on this host and as root. So a second exec in the same node signals it,
 * finding it by the random token the stopped exec got in its environment.
 * runc starts each exec in a session and process group of its own (its
 * parent, outside the node's pid namespace, shows as PPid 0), so the signal
 * goes to that group, as a terminal's Ctrl-C goes to its foreground group;
 * SIGKILL also reaches every other process that carries the token. */

/* $1: the token's NAME=VALUE, $2: the signal's name. Exit 0 when the exec's
 * process was found. Nothing user-given is in the script. */
static const char stop_script[] =
    "found=1\n"
    "for d in /proc/[0-9]*; do\n"
    "  p=${d#/proc/}\n"
    "  [ \"$p\" = \"$$\" ] && continue\n"
    "  tr '\\0' '\\n' <\"$d/environ\" 2>/dev/null | grep -qxF -e \"$1\" || continue\n"
    "  [ \"$2\" = KILL ] && kill -KILL \"$p\" 2>/dev/null\n"
    "  if grep -q '^PPid:[[:space:]]*0$' \"$d/status\" 2>/dev/null; then\n"
    /* dash's kill takes no "--": "-PID" after the signal is the group. */
    "    kill -\"$2\" \"-$p\" 2>/dev/null && found=0\n"
    "  fi\n"
    "done\n"
    "exit $found\n";

struct stopper {
	dd_docker *d; /* a connection of its own: the exec's carries its stream */
	const char *container, *exec_id, *token_env, *label;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	bool done;      /* dd_exec will not start the process (any more) */
	bool cancelled; /* a cancellation came while the exec could run */
	int r;
	dd_error err;
};

static const char *signal_name(int sig)
{
	switch (sig) {
	case SIGINT: return "INT";
	case SIGHUP: return "HUP";
	case SIGQUIT: return "QUIT";
	default: return "TERM";
	}
}

/* Waits up to seconds or until dd_exec says it is done; returns that. */
static bool stopper_nap(struct stopper *s, double seconds)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	long ns = ts.tv_nsec + (long)(seconds * 1e9);
	ts.tv_sec += ns / 1000000000L;
	ts.tv_nsec = ns % 1000000000L;
	pthread_mutex_lock(&s->lock);
	if (!s->done)
		pthread_cond_timedwait(&s->cond, &s->lock, &ts);
	bool done = s->done;
	pthread_mutex_unlock(&s->lock);
	return done;
}

/* 1: the process group got sig, 0: the process was not found, or -errno. */
static int stopper_signal(struct stopper *s, const char *sig)
{
	const char *argv[] = {"/bin/sh", "-c", stop_script, "sh", s->token_env, sig, NULL};
	dd_exec_opts o = {
	    .argv = argv, .user = "0:0", .stdin_fd = -1, .resize_fd = -1, .name = s->label};
	int code = 0;
	dd_error e = {0};
	int r = dd_exec(s->d, s->container, &o, &code, &e);
	if (r < 0) {
		dd_error_copy(&s->err, &e);
		return r;
	}
	return code == 0;
}

static void *stopper_main(void *arg)
{
	struct stopper *s = arg;
	while (!dd_cancelled())
		if (stopper_nap(s, 0.1))
			return NULL; /* done without a cancellation */
	s->cancelled = true;
	const char *sig = signal_name(dd_cancel_signal());
	enum { FINDING, SIGNALLED, KILLED } phase = FINDING;
	double deadline = dd_now() + DD_EXEC_STOP_GRACE_S;
	/* Most commands end within milliseconds of a signal: poll soon after
	 * one, then less often (20 ms doubling to 200 ms). */
	double interval = 0.02;
	for (;;) {
		bool running = false;
		long pid = 0;
		dd_error e = {0};
		int r = dd_exec_inspect(s->d, s->exec_id, &running, &pid, NULL, &e);
		if (r == -ENOENT)
			break; /* the exec went with its container */
		if (r < 0) {
			dd_error_copy(&s->err, &e);
			s->r = dd_error_prefix(&s->err,
			                       "Could not stop the command in %s: ", s->label);
			break;
		}
		if (!running) {
			/* Ended; or never started, and dd_exec will not start it. */
			bool done = stopper_nap(s, 0);
			if (pid != 0 || done)
				break;
		} else if (phase == FINDING) {
			r = stopper_signal(s, sig);
			if (r < 0) {
				s->r = dd_error_prefix(
				    &s->err, "Could not stop the command in %s: ", s->label);
				break;
			}
			if (r > 0) {
				phase = SIGNALLED;
				deadline = dd_now() + DD_EXEC_STOP_GRACE_S;
				interval = 0.02;
			} else if (dd_now() >= deadline) {
				s->r =
				    dd_error_set(&s->err, -ESRCH,
				                 "Could not find the command in %s to stop it "
				                 "(it cleared its environment?); it may still run",
				                 s->label);
				break;
			}
		} else if (dd_now() >= deadline) {
			if (phase == KILLED) {
				s->r =
				    dd_error_set(&s->err, -ETIMEDOUT,
				                 "The command in %s still runs %d s after SIGKILL",
				                 s->label, DD_EXEC_STOP_GRACE_S);
				break;
			}
			r = stopper_signal(s, "KILL");
			if (r < 0) {
				s->r = dd_error_prefix(
				    &s->err, "Could not stop the command in %s: ", s->label);
				break;
			}
			phase = KILLED;
			deadline = dd_now() + DD_EXEC_STOP_GRACE_S;
			interval = 0.02;
		}
		(void)stopper_nap(s, interval);
		interval = interval * 2 < 0.2 ? interval * 2 : 0.2;
	}
	return NULL;
}

static int exec_start(dd_docker *d, const char *container, const char *id, const char *label,
                      const dd_exec_opts *opts, struct start_filter *filter, int *ret_exit_code,
                      dd_error *err)
{
	int r;
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

	_cleanup_json_ json_t *info = NULL;
	/* The stream closes when the process exits; the daemon records the exit
	 * status in the same step, but give a lagging daemon a moment. */
	for (int tries = 0;; tries++) {
		json_decref(info);
		info = NULL;
		bool running = false;
		r = dd_exec_inspect(d, id, &running, NULL, &info, err);
		if (r < 0)
			return r;
		if (!running || tries >= 200)
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

int dd_exec(dd_docker *d, const char *container, const dd_exec_opts *user_opts, int *ret_exit_code,
            dd_error *err)
{
	const char *label = user_opts->name ? user_opts->name : container;
	bool stoppable = user_opts->stop_on_cancel;
	if (stoppable && dd_cancelled())
		return dd_error_set(err, -ECANCELED, "Interrupted");
	_cleanup_free_ struct start_filter *filter = dd_malloc0(sizeof(*filter));
	filter->user = user_opts;
	dd_exec_opts fopts = *user_opts;
	fopts.on_output = filter_output;
	fopts.userdata = filter;
	const dd_exec_opts *opts = &fopts;

	_cleanup_json_ json_t *body = json_pack(
	    "{s:b, s:b, s:b, s:b, s:o}", "AttachStdin", opts->stdin_fd >= 0, "AttachStdout", 1,
	    "AttachStderr", 1, "Tty", opts->tty, "Cmd", strv_json(opts->argv));
	char token[2 * 16 + 1];
	_cleanup_free_ char *token_env = NULL;
	if (stoppable) {
		int r = dd_random_hex(token, 16);
		if (r < 0)
			return dd_error_set(err, r, "No random token for the command in %s: %s",
			                    label, strerror(-r));
		token_env = dd_asprintf(DD_EXEC_TOKEN_ENV "=%s", token);
	}
	if (opts->env || token_env) {
		json_t *env = strv_json(opts->env);
		if (token_env)
			json_array_append_new(env, json_string(token_env));
		json_object_set_new(body, "Env", env);
	}
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
			/* A 12-digit id as docker ps shows it, never the raw 64. */
			return dd_error_hint(err, "Start it with 'docker start %.12s'.", container);
		}
		if (r == -ENOENT)
			return dd_error_set(err, -ENOENT,
			                    "Node %s is gone: its container was removed (is the "
			                    "cluster being destroyed?)",
			                    label);
		return dd_error_prefix(err, "Failed to run a command in %s: ", label);
	}
	const char *id = json_string_value(json_object_get(created, "Id"));
	if (!id)
		return dd_error_set(err, -EPROTO, "The Docker daemon returned no exec id");
	if (!stoppable)
		return exec_start(d, container, id, label, opts, filter, ret_exit_code, err);

	struct stopper s = {
	    .container = container, .exec_id = id, .token_env = token_env, .label = label};
	pthread_t thread;
	bool watching = dd_docker_dup(d, &s.d, err) == 0;
	if (watching) {
		pthread_mutex_init(&s.lock, NULL);
		pthread_cond_init(&s.cond, NULL);
		watching = dd_thread_create(&thread, stopper_main, &s) == 0;
		if (!watching) {
			pthread_cond_destroy(&s.cond);
			pthread_mutex_destroy(&s.lock);
			dd_docker_free(s.d);
			dd_error_set(err, -EAGAIN, "Cannot watch the command in %s for Ctrl-C",
			             label);
		}
	}
	if (!watching)
		return dd_error_prefix(err, "Not running the command: ");
	/* A cancellation from here on is the stopper's: it waits for the start
	 * when it is under way. */
	if (dd_cancelled())
		r = -ECANCELED;
	else
		r = exec_start(d, container, id, label, opts, filter, ret_exit_code, err);
	pthread_mutex_lock(&s.lock);
	s.done = true;
	pthread_cond_signal(&s.cond);
	pthread_mutex_unlock(&s.lock);
	pthread_join(thread, NULL);
	pthread_cond_destroy(&s.cond);
	pthread_mutex_destroy(&s.lock);
	dd_docker_free(s.d);
	if (s.cancelled || r == -ECANCELED) {
		/* The interruption, not what it did to the stream, is the result. */
		if (s.r < 0) {
			dd_error_copy(err, &s.err);
			return s.r;
		}
		return dd_error_set(err, -ECANCELED, "Interrupted");
	}
	return r;
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
