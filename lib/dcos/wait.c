/* Waiting until DC/OS is healthy on every node ("postflight"): one thread per
 * node polls its stages in order, with a short interval that backs off to
 * 2 s, and one exec (or HTTP request) per poll. The poststart check is a
 * dozen processes in the node each time; all nodes share the host's CPUs, so
 * its pause grows with the nodes checking at once (dd_dcos_poststart_pause):
 * waiting keeps at most half of the host's CPUs busy with checks, however
 * many nodes there are. */
#define _GNU_SOURCE
#include "dcos-docker/install.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "buf.h"
#include "dcos-docker/cancel.h"
#include "dcos-docker/exec.h"
#include "dcos-docker/wait.h"
#include "dcos/wait-internal.h"
#include "pool.h"
#include "util.h"

/* ---- pure parts ---- */

double dd_dcos_poststart_pause(double interval, double check_s, int nodes_checking, int ncpu)
{
	/* A node checks for check_s out of every check_s + pause; with n nodes
	 * that is n * check_s / (check_s + pause) checks running at once, which
	 * stays at most ncpu / 2 when pause >= check_s * (2n / ncpu - 1). A
	 * slower check (a loaded host) thus also means a longer pause. */
	if (ncpu < 1)
		ncpu = 1;
	if (nodes_checking < 1)
		nodes_checking = 1;
	double pause = check_s * (2.0 * nodes_checking / ncpu - 1);
	if (pause < check_s)
		pause = check_s; /* never more than half of the node's own time */
	return pause > interval ? pause : interval;
}

const char *const dd_dcos_units_argv[] = {
    "systemctl",
    "show",
    "-p",
    "Id,LoadState,ActiveState,SubState,Result,ExecMainCode,ExecMainStatus",
    "dcos-download.service",
    "dcos-setup.service",
    NULL};

struct unit_state {
	char id[64], load[32], active[32], sub[32], result[32];
	long main_code, main_status;
	bool seen;
};

static void unit_set(struct unit_state *u, const char *key, size_t klen, const char *val,
                     size_t vlen)
{
#define FIELD(name, field)                                                                         \
	if (klen == strlen(name) && memcmp(key, name, klen) == 0) {                                \
		snprintf(u->field, sizeof(u->field), "%.*s", (int)vlen, val);                      \
		u->seen = true;                                                                    \
		return;                                                                            \
	}
	FIELD("Id", id)
	FIELD("LoadState", load)
	FIELD("ActiveState", active)
	FIELD("SubState", sub)
	FIELD("Result", result)
#undef FIELD
	char num[32];
	snprintf(num, sizeof(num), "%.*s", (int)(vlen < 31 ? vlen : 31), val);
	if (klen == 12 && memcmp(key, "ExecMainCode", 12) == 0) {
		u->main_code = strtol(num, NULL, 10);
		u->seen = true;
	} else if (klen == 14 && memcmp(key, "ExecMainStatus", 14) == 0) {
		u->main_status = strtol(num, NULL, 10);
		u->seen = true;
	}
}

/* CLD_EXITED: the main process ran and exited (0 before it ever ran). */
#define MAIN_CODE_EXITED 1

static bool unit_ok(const struct unit_state *u)
{
	return strcmp(u->load, "loaded") == 0 && strcmp(u->result, "success") == 0 &&
	       u->main_code == MAIN_CODE_EXITED && u->main_status == 0 &&
	       (strcmp(u->active, "active") == 0 || strcmp(u->active, "inactive") == 0);
}

static void append(char *buf, size_t size, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void append(char *buf, size_t size, const char *fmt, ...)
{
	size_t l = strnlen(buf, size);
	if (l + 1 >= size)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf + l, size - l, fmt, ap);
	va_end(ap);
}

bool dd_dcos_units_passed(const char *out, char *summary, size_t size)
{
	static const char *const wanted[] = {"dcos-download.service", "dcos-setup.service"};
	struct unit_state units[2] = {0}, cur = {0};
	if (size)
		summary[0] = '\0';
	const char *p = out ? out : "";
	/* Blocks per unit, separated by blank lines; Id says which unit. */
	for (;;) {
		const char *eol = strchr(p, '\n');
		size_t len = eol ? (size_t)(eol - p) : strlen(p);
		if (len > 0 && p[len - 1] == '\r')
			len--;
		if (len == 0) {
			for (size_t i = 0; i < 2 && cur.seen; i++)
				if (strcmp(cur.id, wanted[i]) == 0)
					units[i] = cur;
			memset(&cur, 0, sizeof(cur));
		} else {
			const char *eq = memchr(p, '=', len);
			if (eq)
				unit_set(&cur, p, (size_t)(eq - p), eq + 1,
				         len - (size_t)(eq - p) - 1);
		}
		if (!eol) {
			for (size_t i = 0; i < 2 && cur.seen; i++)
				if (strcmp(cur.id, wanted[i]) == 0)
					units[i] = cur;
			break;
		}
		p = eol + 1;
	}
	/* dcos-download is skipped by its condition (no download when
	 * /opt/mesosphere exists) after a node restart; dcos-setup requires it
	 * and runs after it, so a successful dcos-setup vouches for it. */
	bool setup_ok = unit_ok(&units[1]);
	const struct unit_state *dl = &units[0];
	bool dl_skipped = setup_ok && strcmp(dl->load, "loaded") == 0 &&
	                  strcmp(dl->active, "inactive") == 0 &&
	                  strcmp(dl->result, "success") == 0 && dl->main_code == 0;
	bool ok = true;
	for (size_t i = 0; i < 2; i++) {
		const struct unit_state *u = &units[i];
		if (unit_ok(u) || (i == 0 && dl_skipped))
			continue;
		ok = false;
		char name[32];
		snprintf(name, sizeof(name), "%.*s", (int)(strlen(wanted[i]) - strlen(".service")),
		         wanted[i]);
		const char *sep = summary[0] ? "; " : "";
		if (!u->seen)
			append(summary, size, "%s%s: no status", sep, name);
		else if (strcmp(u->load, "not-found") == 0)
			append(summary, size, "%s%s: not installed yet", sep, name);
		else if (strcmp(u->active, "failed") == 0 ||
		         (u->main_code == MAIN_CODE_EXITED && u->main_status != 0))
			append(summary, size, "%s%s: failed (%s, exit status %ld)", sep, name,
			       u->result[0] ? u->result : "?", u->main_status);
		else if (u->main_code > MAIN_CODE_EXITED)
			append(summary, size, "%s%s: main process killed (%s)", sep, name,
			       u->result[0] ? u->result : "?");
		else if (strcmp(u->active, "inactive") == 0 && u->main_code == 0)
			append(summary, size, "%s%s: not started yet", sep, name);
		else
			append(summary, size, "%s%s: %s (%s)", sep, name,
			       u->active[0] ? u->active : "?", u->sub[0] ? u->sub : "?");
	}
	if (ok)
		append(summary, size, "dcos-download and dcos-setup finished successfully");
	return ok;
}

/* The report in a check's output. Tools may log before it: the first '{'
 * that starts an object with "checks" (dcos-check-runner: a map of results;
 * or, when checks could not run, {"error": ..., "checks": [...]}). */
static json_t *poststart_report(const char *output)
{
	if (!output)
		return NULL;
	for (const char *b = strchr(output, '{'); b; b = strchr(b + 1, '{')) {
		json_t *j = json_loads(b, JSON_DISABLE_EOF_CHECK, NULL);
		json_t *checks = json_object_get(j, "checks");
		if (json_is_object(checks) || json_is_array(checks))
			return j;
		json_decref(j);
	}
	return NULL;
}

int dd_dcos_poststart_status(const char *output)
{
	_cleanup_json_ json_t *j = poststart_report(output);
	if (!j)
		return -1;
	/* dcos-check-runner's combinedResponseError (runner/runner.go): checks
	 * that failed to execute. Its exit code is still the status of those
	 * that ran, often 0: the report, not the exit code, says it failed. */
	if (json_is_string(json_object_get(j, "error")))
		return DD_CHECK_STATUS_UNKNOWN;
	json_t *st = json_object_get(j, "status");
	if (!json_is_integer(st))
		return DD_CHECK_STATUS_UNKNOWN;
	json_int_t v = json_integer_value(st);
	/* Like the runner's own max(): anything outside 0..3 counts as unknown. */
	return v >= 0 && v <= DD_CHECK_STATUS_UNKNOWN ? (int)v : DD_CHECK_STATUS_UNKNOWN;
}

/* The text, with "..." at its end when it did not fit. */
static char *take_ellipsized(dd_buf *b)
{
	if (b->truncated)
		memcpy(b->data + b->len - 3, "...", 3);
	return dd_buf_take(b);
}

char *dd_dcos_poststart_failures(const char *output, size_t max)
{
	if (!output || max < 4)
		return NULL;
	_cleanup_json_ json_t *j = poststart_report(output);
	if (!j)
		return NULL;
	json_t *checks = json_object_get(j, "checks");
	const char *error = json_string_value(json_object_get(j, "error"));
	if (error) {
		/* {"error": "One or more requested checks failed to execute.",
		 *  "checks": ["name: why", ...]} */
		dd_buf s = DD_BUF_HEAD(max - 1);
		dd_buf_add(&s, error, strlen(error));
		size_t i;
		json_t *item;
		json_array_foreach (checks, i, item) {
			const char *t = json_string_value(item);
			if (t)
				dd_buf_addf(&s, "%s %s", i ? ";" : "", t);
		}
		for (char *q = s.data; q && *q; q++)
			if (*q == '\n' || *q == '\r' || *q == '\t')
				*q = ' ';
		return take_ellipsized(&s);
	}
	if (!json_is_object(checks))
		return NULL;
	_cleanup_buf_ dd_buf s = DD_BUF_HEAD(max - 1);
	const char *name;
	json_t *c;
	json_object_foreach (checks, name, c) {
		json_t *st = json_object_get(c, "status");
		if (json_is_integer(st) && json_integer_value(st) == 0)
			continue;
		const char *o = json_string_value(json_object_get(c, "output"));
		_cleanup_free_ char *item =
		    dd_asprintf("%s%s: %s", s.len ? "; " : "", name, o && *o ? o : "(no output)");
		/* Check output may span lines; one line reads better in a status. */
		for (char *q = item; *q; q++)
			if (*q == '\n' || *q == '\r' || *q == '\t')
				*q = ' ';
		size_t il = strlen(item);
		while (il > 0 && strchr(" ;", item[il - 1]))
			item[--il] = '\0';
		dd_buf_add(&s, item, il);
	}
	if (s.len == 0) {
		json_t *st = json_object_get(j, "status");
		return dd_asprintf("status %lld with no failing check listed",
		                   json_is_integer(st) ? (long long)json_integer_value(st) : -1LL);
	}
	return take_ellipsized(&s);
}

int dd_dcos_version_cmp(const char *a, const char *b)
{
	for (int part = 0; part < 4; part++) {
		long x = 0, y = 0;
		char *e;
		if (a && *a >= '0' && *a <= '9') {
			x = strtol(a, &e, 10);
			a = *e == '.' ? e + 1 : NULL;
		} else
			a = NULL;
		if (b && *b >= '0' && *b <= '9') {
			y = strtol(b, &e, 10);
			b = *e == '.' ? e + 1 : NULL;
		} else
			b = NULL;
		if (x != y)
			return x < y ? -1 : 1;
	}
	return 0;
}

/* ---- the wait ---- */

enum stage { STAGE_UNITS, STAGE_POSTSTART, STAGE_HTTP, STAGE_DONE };

/* Which tool exists decides the check; the script says which on its first
 * line. Nothing user-given is in it. */
static const char poststart_script[] =
    "b=/opt/mesosphere/bin\n"
    "if [ -x $b/dcos-check-runner ]; then\n"
    "  echo '+ dcos-check-runner check node-poststart'\n"
    "  exec $b/dcos-check-runner check node-poststart\n"
    "fi\n"
    "if [ -x $b/dcos-diagnostics ]; then\n"
    "  echo '+ dcos-diagnostics check node-poststart'\n"
    "  exec $b/dcos-diagnostics check node-poststart\n"
    "fi\n"
    "if [ -x $b/3dt ]; then\n"
    "  for c in /opt/mesosphere/etc/dcos-3dt-endpoint-config*.json "
    "/opt/mesosphere/etc/endpoints_config*.json; do\n"
    "    if [ -f \"$c\" ]; then echo \"+ 3dt --diag --endpoint-config=$c\"; "
    "exec $b/3dt --diag --endpoint-config=\"$c\"; fi\n"
    "  done\n"
    "  echo '+ 3dt --diag'\n"
    "  exec $b/3dt --diag\n"
    "fi\n"
    "echo '+ (no check tool)'\n"
    "echo 'none of dcos-check-runner, dcos-diagnostics or 3dt is in /opt/mesosphere/bin'\n"
    "exit 127\n";

/* Output of one check, kept for the report. */
#define CHECK_OUTPUT_MAX 1500
/* What we read of a check's output (a real poststart report is a few KB). */
#define CAPTURE_MAX (1u << 20)

struct wait_ctx {
	const dd_cluster *c;
	const dd_wait_opts *o;
	double t0, deadline;
	bool old_metadata; /* DC/OS before 1.10: Admin Router has no dcos-metadata */
	pthread_mutex_t lock;
	bool abort;   /* under lock: a node hit an error that ends the wait */
	int checking; /* under lock: nodes at the poststart stage */
	int ncpu;     /* the host's CPUs */
};

struct wait_job {
	struct wait_ctx *ctx;
	const dd_node *n;
	enum stage stage;
	char check[160];                   /* the check of the current stage */
	char output[CHECK_OUTPUT_MAX + 4]; /* its last output */
	int via_node; /* HTTP check: 0 unknown, 1 from inside the node, -1 from the host */
	double passed_at;
	double last_check_s; /* how long the last poststart check took */
	int r;
	dd_error err;
};

static void report(struct wait_job *j, bool done, const char *detail)
{
	struct wait_ctx *ctx = j->ctx;
	if (!ctx->o->progress)
		return;
	static const char *const names[] = {"units", "poststart", "Admin Router", "healthy"};
	char status[160];
	/* The elapsed time comes last, after two blanks: a log that is not a
	 * terminal only needs a new line when what comes before changes. */
	if (j->stage == STAGE_DONE)
		snprintf(status, sizeof(status), "healthy  [%.0fs]", j->passed_at - ctx->t0);
	else {
		/* One terminal line: the whole output is in the error if it comes to that. */
		const char *d = detail && *detail ? detail : "waiting";
		char shown[64];
		size_t dl = strcspn(d, "\n");
		if (dl >= sizeof(shown))
			snprintf(shown, sizeof(shown), "%.*s...", (int)sizeof(shown) - 4, d);
		else
			snprintf(shown, sizeof(shown), "%.*s", (int)dl, d);
		snprintf(status, sizeof(status), "%s: %s  [%.0fs]", names[j->stage], shown,
		         dd_now() - ctx->t0);
	}
	pthread_mutex_lock(&ctx->lock);
	ctx->o->progress(j->n->name, status, done, ctx->o->userdata);
	pthread_mutex_unlock(&ctx->lock);
}

static int on_capture(int stream, const char *buf, size_t len, void *userdata)
{
	if (stream == DD_STREAM_STDOUT || stream == DD_STREAM_STDERR)
		dd_buf_add(userdata, buf, len);
	return 0;
}

/* Runs argv in the node with stdout and stderr merged. A command that
 * timed out is a check that did not pass (*ret_timed_out), not an error. */
static int node_exec(dd_docker *d, struct wait_job *j, const char *const *argv, double cap_s,
                     char **ret_out, int *ret_code, bool *ret_timed_out, dd_error *err)
{
	double left = j->ctx->deadline - dd_now();
	double t = left < cap_s ? left : cap_s;
	if (t < 2)
		t = 2;
	dd_buf c = DD_BUF_HEAD(CAPTURE_MAX);
	dd_exec_opts eo = {.argv = argv,
	                   .stdin_fd = -1,
	                   .on_output = on_capture,
	                   .userdata = &c,
	                   .name = j->n->short_name,
	                   .timeout_ms = (long)(t * 1000),
	                   .resize_fd = -1};
	dd_error e = {0};
	int code = -1;
	int r = dd_exec(d, j->n->id, &eo, &code, &e);
	*ret_timed_out = r == -ETIMEDOUT;
	if (r < 0 && r != -ETIMEDOUT) {
		dd_buf_free(&c);
		dd_error_copy(err, &e);
		return r;
	}
	if (r == -ETIMEDOUT) {
		*ret_out = dd_asprintf("%s(no answer within %.0f s)", dd_buf_str(&c), t);
		dd_buf_free(&c);
	} else
		*ret_out = dd_buf_take(&c);
	*ret_code = code;
	return 0;
}

/* The last bytes of out, for the report. */
static void keep_output(struct wait_job *j, const char *out)
{
	size_t n = strlen(out);
	while (n > 0 && strchr(" \t\r\n", out[n - 1]))
		n--;
	if (n <= CHECK_OUTPUT_MAX)
		snprintf(j->output, sizeof(j->output), "%.*s", (int)n, out);
	else
		snprintf(j->output, sizeof(j->output), "...%.*s", CHECK_OUTPUT_MAX - 3,
		         out + n - (CHECK_OUTPUT_MAX - 3));
}

static int check_units(dd_docker *d, struct wait_job *j, bool *ret_ok, dd_error *err)
{
	snprintf(j->check, sizeof(j->check), "the dcos-download and dcos-setup units");
	_cleanup_free_ char *out = NULL;
	int code;
	bool timed_out;
	int r = node_exec(d, j, dd_dcos_units_argv, 15, &out, &code, &timed_out, err);
	if (r < 0)
		return r;
	char summary[512];
	*ret_ok = !timed_out && dd_dcos_units_passed(out, summary, sizeof(summary));
	if (timed_out || (code != 0 && !*ret_ok))
		keep_output(j, out);
	else
		keep_output(j, summary);
	return 0;
}

static int check_poststart(dd_docker *d, struct wait_job *j, bool *ret_ok, dd_error *err)
{
	const char *argv[] = {"/bin/sh", "-c", poststart_script, NULL};
	_cleanup_free_ char *out = NULL;
	int code;
	bool timed_out;
	int r = node_exec(d, j, argv, 60, &out, &code, &timed_out, err);
	if (r < 0)
		return r;
	const char *body = out;
	snprintf(j->check, sizeof(j->check), "the node-poststart check");
	if (dd_startswith(out, "+ ")) {
		const char *eol = strchr(out, '\n');
		int l = eol ? (int)(eol - out - 2) : (int)strlen(out + 2);
		snprintf(j->check, sizeof(j->check), "the node-poststart check (%.*s)", l, out + 2);
		body = eol ? eol + 1 : "";
	}
	/* A report decides, whatever the exit code: dcos-check-runner exits 0
	 * when its checks could not even run. Without one (3dt), the exit code. */
	int status = dd_dcos_poststart_status(body);
	*ret_ok = !timed_out && code == 0 && status <= 0;
	if (*ret_ok) {
		keep_output(j, "passed");
		return 0;
	}
	_cleanup_free_ char *failures = dd_dcos_poststart_failures(body, CHECK_OUTPUT_MAX);
	if (failures)
		keep_output(j, failures);
	else if (!timed_out && !*body)
		keep_output(j, "(no output)");
	else
		keep_output(j, body);
	if (!timed_out && !failures && code != 0 && strstr(j->output, "level=fatal")) {
		/* logrus: time="..." level=fatal msg="unable to open config file: ..."
		 * (dcos-check-runner before dcos-setup wrote its config). */
		const char *m = strstr(j->output, "msg=");
		if (m) {
			char msg[CHECK_OUTPUT_MAX + 4];
			snprintf(msg, sizeof(msg), "%s", m + 4);
			snprintf(j->output, sizeof(j->output), "exit code %d: %s", code, msg);
		}
	} else if (!timed_out && !failures && code != 0) {
		char tail[CHECK_OUTPUT_MAX + 4];
		snprintf(tail, sizeof(tail), "%s", j->output);
		snprintf(j->output, sizeof(j->output), "exit code %d: %s", code, tail);
	}
	return 0;
}

/* Whether the host reaches node IPs (not so with Docker Desktop's VM, or a
 * daemon in another network namespace): a TCP connect to the node's sshd. */
static bool host_reaches(const char *ip)
{
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(22)};
	if (inet_pton(AF_INET, ip, &sa.sin_addr) != 1)
		return false;
	_cleanup_close_ int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return false;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0)
		return true;
	if (errno != EINPROGRESS)
		return false;
	struct pollfd pfd = {.fd = fd, .events = POLLOUT};
	if (poll(&pfd, 1, 2000) != 1)
		return false;
	int soerr = 0;
	socklen_t sl = sizeof(soerr);
	getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl);
	/* A refusal comes from the node itself: it is reachable. */
	return soerr == 0 || soerr == ECONNREFUSED;
}

/* The head of the answer: enough to say what a failing node answered. */
static size_t on_body(char *ptr, size_t size, size_t nmemb, void *userdata)
{
	dd_buf_add(userdata, ptr, size * nmemb);
	return size * nmemb;
}

static int check_http(dd_docker *d, struct wait_job *j, bool *ret_ok, dd_error *err)
{
	int port = j->n->role == DD_ROLE_MASTER ? 80 : 61001;
	const char *path = j->ctx->old_metadata ? "/" : "/dcos-metadata/dcos-version.json";
	if (j->via_node == 0)
		j->via_node = host_reaches(j->n->ip) ? -1 : 1;
	if (j->via_node > 0) {
		/* The host cannot reach node IPs: ask from inside the node, as the
		 * original postflight did. */
		_cleanup_free_ char *url = dd_asprintf("http://127.0.0.1:%d%s", port, path);
		snprintf(j->check, sizeof(j->check), "GET %s inside the node", url);
		const char *argv[] = {"curl",     "--insecure",   "--fail",     "--location",
		                      "--silent", "--show-error", "--max-time", "5",
		                      "--output", "/dev/null",    url,          NULL};
		_cleanup_free_ char *out = NULL;
		int code;
		bool timed_out;
		int r = node_exec(d, j, argv, 10, &out, &code, &timed_out, err);
		if (r < 0)
			return r;
		*ret_ok = !timed_out && code == 0;
		keep_output(j, *ret_ok ? "answered" : *out ? out : "curl failed");
		return 0;
	}
	_cleanup_free_ char *url = dd_asprintf("http://%s:%d%s", j->n->ip, port, path);
	snprintf(j->check, sizeof(j->check), "GET %s", url);
	CURL *curl = curl_easy_init();
	if (!curl)
		return dd_error_set(err, -ENOMEM, "Failed to set up an HTTP request");
	_cleanup_buf_ dd_buf body = DD_BUF_HEAD(255);
	char errbuf[CURL_ERROR_SIZE] = "";
	curl_easy_setopt(curl, CURLOPT_URL, url);
	curl_easy_setopt(curl, CURLOPT_NOPROXY, "*"); /* node IPs are local: no proxy */
	curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, 2000L);
	curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, 5000L);
	/* Enterprise in strict mode redirects to HTTPS with its own CA. */
	curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 1L);
	curl_easy_setopt(curl, CURLOPT_MAXREDIRS, 5L);
	curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, 0L);
	curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, 0L);
	curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(curl, CURLOPT_WRITEDATA, &body);
	curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, errbuf);
	CURLcode cr = curl_easy_perform(curl);
	long status = 0, os_errno = 0;
	curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
	curl_easy_getinfo(curl, CURLINFO_OS_ERRNO, &os_errno);
	curl_easy_cleanup(curl);
	*ret_ok = cr == CURLE_OK && status == 200;
	if (*ret_ok)
		keep_output(j, "HTTP 200");
	else if (cr == CURLE_COULDNT_CONNECT && os_errno > 0) {
		keep_output(
		    j,
		    strerror((int)os_errno)); /* "Connection refused": short, for the status line */
	} else if (cr == CURLE_OPERATION_TIMEDOUT) {
		keep_output(j, "no answer within 5 s");
	} else if (cr != CURLE_OK) {
		char msg[CURL_ERROR_SIZE + 64];
		snprintf(msg, sizeof(msg), "%s", errbuf[0] ? errbuf : curl_easy_strerror(cr));
		keep_output(j, msg);
	} else {
		_cleanup_free_ char *msg = dd_asprintf("HTTP %ld: %s", status, dd_buf_str(&body));
		keep_output(j, msg);
	}
	return 0;
}

static bool should_stop(struct wait_ctx *ctx)
{
	pthread_mutex_lock(&ctx->lock);
	bool a = ctx->abort;
	pthread_mutex_unlock(&ctx->lock);
	return a || dd_cancelled();
}

/* Sleeps up to s seconds, waking early for a cancellation or the deadline. */
static void nap(struct wait_ctx *ctx, double s)
{
	double until = dd_now() + s;
	if (until > ctx->deadline)
		until = ctx->deadline;
	while (!should_stop(ctx)) {
		double left = until - dd_now();
		if (left <= 0)
			break;
		usleep((useconds_t)((left < 0.1 ? left : 0.1) * 1e6));
	}
}

static void set_checking(struct wait_ctx *ctx, int delta)
{
	pthread_mutex_lock(&ctx->lock);
	ctx->checking += delta;
	pthread_mutex_unlock(&ctx->lock);
}

static int get_checking(struct wait_ctx *ctx)
{
	pthread_mutex_lock(&ctx->lock);
	int n = ctx->checking;
	pthread_mutex_unlock(&ctx->lock);
	return n;
}

static int wait_node(struct wait_job *j, dd_docker *d)
{
	struct wait_ctx *ctx = j->ctx;
	int r = 0;
	double interval = 0.5;
	report(j, false, "waiting");
	while (j->stage != STAGE_DONE) {
		if (should_stop(ctx))
			return dd_cancelled() ? dd_error_set(&j->err, -ECANCELED, "Interrupted")
			                      : 0;
		bool ok = false;
		switch (j->stage) {
		case STAGE_UNITS: r = check_units(d, j, &ok, &j->err); break;
		case STAGE_POSTSTART: {
			double t0 = dd_now();
			r = check_poststart(d, j, &ok, &j->err);
			j->last_check_s = dd_now() - t0;
			break;
		}
		case STAGE_HTTP: r = check_http(d, j, &ok, &j->err); break;
		case STAGE_DONE: break;
		}
		if (r < 0)
			return r;
		if (ok) {
			if (j->stage == STAGE_UNITS || j->stage == STAGE_POSTSTART)
				set_checking(ctx, j->stage == STAGE_UNITS ? 1 : -1);
			j->stage++;
			if (j->stage == STAGE_HTTP && ctx->o->skip_http_checks)
				j->stage = STAGE_DONE;
			interval = 0.5;
			if (j->stage == STAGE_DONE) {
				j->passed_at = dd_now();
				report(j, true, NULL);
			} else
				report(j, false, "checking");
			continue;
		}
		report(j, false, j->output);
		if (dd_now() >= ctx->deadline)
			return -ETIMEDOUT;
		double pause = interval;
		if (j->stage == STAGE_POSTSTART)
			pause = dd_dcos_poststart_pause(interval, j->last_check_s,
			                                get_checking(ctx), ctx->ncpu);
		nap(ctx, pause);
		interval = interval * 1.5 > 2 ? 2 : interval * 1.5;
	}
	return 0;
}

static int wait_job(void *userdata, size_t i, void *state)
{
	struct wait_job *j = &((struct wait_job *)userdata)[i];
	dd_docker *d = dd_pool_docker_get(state, &j->r, &j->err);
	if (d)
		j->r = wait_node(j, d);
	if (j->stage == STAGE_POSTSTART)
		set_checking(j->ctx, -1); /* the others' pauses need not count it */
	if (j->r < 0 && j->r != -ETIMEDOUT && j->r != -ECANCELED) {
		pthread_mutex_lock(&j->ctx->lock);
		j->ctx->abort = true;
		pthread_mutex_unlock(&j->ctx->lock);
	}
	return j->r;
}

static const char *stage_name(enum stage s)
{
	switch (s) {
	case STAGE_UNITS: return "units";
	case STAGE_POSTSTART: return "poststart";
	case STAGE_HTTP: return "Admin Router";
	case STAGE_DONE: break;
	}
	return "healthy";
}

int dd_dcos_wait(dd_docker *d, const dd_cluster *c, const dd_wait_opts *o, dd_error *err)
{
	char stopped[512] = "";
	for (size_t i = 0; i < c->n_nodes; i++)
		if (strcmp(c->nodes[i].state, "running") != 0) {
			size_t l = strlen(stopped);
			snprintf(stopped + l, sizeof(stopped) - l, "%s%s (%s)", l ? ", " : "",
			         c->nodes[i].short_name, c->nodes[i].state);
		}
	if (stopped[0]) {
		dd_error_set(err, -ESRCH, "Cannot wait for DC/OS on cluster '%s': not running: %s",
		             c->name, stopped);
		return dd_error_hint(err, "Start the node containers ('docker start NAME').");
	}
	dd_dcos_info info;
	dd_error ie = {0};
	int r = dd_dcos_info_load(c->workspace, &info, &ie);
	if (r == -ENOENT) {
		dd_error_set(err, -ENOENT, "DC/OS is not installed on cluster '%s'", c->name);
		return dd_error_hint(err,
		                     "Install it first: 'dcos-docker install --cluster %s "
		                     "PATH/TO/dcos_generate_config.sh'.",
		                     c->name);
	}
	if (r < 0) {
		dd_error_copy(err, &ie);
		return r;
	}

	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	struct wait_ctx ctx = {.c = c, .o = o, .t0 = dd_now(), .ncpu = ncpu > 0 ? (int)ncpu : 1};
	double timeout = o->timeout > 0 ? o->timeout : DD_DCOS_WAIT_DEFAULT_TIMEOUT;
	ctx.deadline = ctx.t0 + timeout;
	ctx.old_metadata = dd_dcos_version_cmp(info.version, "1.10") < 0;
	pthread_mutex_init(&ctx.lock, NULL);
	if (o->progress) {
		_cleanup_free_ char *head = dd_asprintf(
		    "Waiting for DC/OS %s on cluster '%s' (%zu node%s, timeout %.0f s)",
		    info.version, c->name, c->n_nodes, c->n_nodes == 1 ? "" : "s", timeout);
		o->progress(NULL, head, false, o->userdata);
	}
	struct wait_job *jobs = dd_malloc0(c->n_nodes * sizeof(*jobs));
	for (size_t i = 0; i < c->n_nodes; i++) {
		jobs[i].ctx = &ctx;
		jobs[i].n = &c->nodes[i];
	}
	/* A node not handed out before Ctrl-C: dd_cancelled() below. */
	dd_pool pool = {.n = c->n_nodes, .job = wait_job, .userdata = jobs, .docker = d};
	dd_pool_run(&pool, NULL);
	r = 0;
	pthread_mutex_destroy(&ctx.lock);

	size_t n_timed_out = 0;
	for (size_t i = 0; i < c->n_nodes && r == 0; i++) {
		struct wait_job *j = &jobs[i];
		if (j->r == -ETIMEDOUT)
			n_timed_out++;
		else if (j->r < 0 && j->r != -ECANCELED) {
			dd_error_copy(err, &j->err);
			r = dd_error_prefix(
			    err, "Waiting for DC/OS on node %s failed: ", j->n->short_name);
		}
	}
	if (r == 0 && dd_cancelled())
		r = dd_error_set(err, -ECANCELED, "Interrupted while waiting for DC/OS");
	if (r == 0 && n_timed_out > 0) {
		/* Each node that did not pass, with the check it was in and what the
		 * check said, within what an error message holds. */
		char msg[DD_ERROR_MSG_MAX];
		size_t len = (size_t)snprintf(
		    msg, sizeof(msg),
		    "DC/OS did not become healthy within %.0f s on %zu of %zu node%s:", timeout,
		    n_timed_out, c->n_nodes, c->n_nodes == 1 ? "" : "s");
		size_t budget = (DD_ERROR_MSG_MAX - 120) / n_timed_out;
		for (size_t i = 0; i < c->n_nodes && len < sizeof(msg); i++) {
			const struct wait_job *j = &jobs[i];
			if (j->r != -ETIMEDOUT)
				continue;
			_cleanup_free_ char *head = dd_asprintf(
			    "\nnode %s (%s, %s) stuck at %s: %s %s: ", j->n->short_name, j->n->name,
			    j->n->ip, stage_name(j->stage), j->check,
			    j->stage == STAGE_UNITS ? "have not finished" : "did not pass");
			size_t room = budget > strlen(head) + 8 ? budget - strlen(head) : 8;
			size_t ol = strlen(j->output);
			len += (size_t)snprintf(msg + len, sizeof(msg) - len, "%s%.*s%s", head,
			                        (int)(ol > room ? room - 3 : ol), j->output,
			                        ol > room ? "..." : "");
		}
		r = dd_error_set(err, -ETIMEDOUT, "%s", msg);
		dd_error_hint(err,
		              "Give it more time with --timeout, or look at the node's journal: "
		              "'dcos-docker run --cluster %s --node NODE -- journalctl -n 100'.",
		              c->name);
	}
	free(jobs);
	return r;
}
