/* Waiting until DC/OS is healthy on every node ("postflight"): one thread per
 * node polls its stages in order, with a short interval that backs off to
 * 2 s, and one exec (or HTTP request) per poll. The poststart check is a
 * dozen processes in the node each time; all nodes share the host's CPUs, so
 * its pause grows with the nodes checking at once (dd_dcos_poststart_pause):
 * waiting keeps at most half of the host's CPUs busy with checks, however
 * many nodes there are. */
#define _GNU_SOURCE
#include "dcos-docker/install.h"
#include "event-internal.h"

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
#include "dcos/config-internal.h"
#include "dcos/iam-internal.h"
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

/* An answer's JSON, or NULL; summary says why not. */
static json_t *answer_json(const char *body, char *summary, size_t size)
{
	json_error_t je;
	json_t *j = body ? json_loads(body, 0, &je) : NULL;
	if (!j)
		snprintf(summary, size, "not JSON (%s)", body ? je.text : "no body");
	return j;
}

bool dd_dcos_zk_quorum_ok(const char *body, size_t n_masters, char *summary, size_t size)
{
	if (size)
		summary[0] = '\0';
	_cleanup_json_ json_t *j = answer_json(body, summary, size);
	if (!j)
		return false;
	if (!json_is_array(j)) {
		snprintf(summary, size, "not a JSON array of servers");
		return false;
	}
	size_t i, serving = 0, leaders = 0;
	json_t *s;
	char not_serving[256] = "";
	json_array_foreach (j, i, s) {
		const char *host = json_string_value(json_object_get(s, "hostname"));
		const char *desc = json_string_value(json_object_get(s, "description"));
		if (desc && strcmp(desc, "serving") == 0)
			serving++;
		else
			append(not_serving, sizeof(not_serving), "%s%s %s",
			       not_serving[0] ? ", " : "", host ? host : "?",
			       desc ? desc : "(no description)");
		if (json_is_true(json_object_get(s, "isLeader")))
			leaders++;
	}
	size_t n = json_array_size(j);
	if (n != n_masters)
		snprintf(summary, size, "ZooKeeper has %zu of %zu servers", n, n_masters);
	else if (serving != n)
		snprintf(summary, size, "%zu of %zu ZooKeeper servers serving; not: %s", serving, n,
		         not_serving);
	else if (leaders != 1)
		snprintf(summary, size, "%zu ZooKeeper leaders among %zu servers", leaders, n);
	else {
		snprintf(summary, size, "%zu ZooKeeper servers serving, one leader", n);
		return true;
	}
	return false;
}

bool dd_dcos_agents_joined(const char *body, const char *const *agents, size_t n, char *summary,
                           size_t size)
{
	if (size)
		summary[0] = '\0';
	_cleanup_json_ json_t *j = answer_json(body, summary, size);
	if (!j)
		return false;
	json_t *slaves = json_object_get(j, "slaves");
	if (!json_is_array(slaves)) {
		snprintf(summary, size, "no \"slaves\" list");
		return false;
	}
	char missing[256] = "", inactive[256] = "";
	size_t n_missing = 0, n_inactive = 0;
	for (size_t a = 0; a < n; a++) {
		size_t i;
		json_t *s;
		int found = 0; /* 1 inactive, 2 active */
		json_array_foreach (slaves, i, s) {
			const char *host = json_string_value(json_object_get(s, "hostname"));
			if (!host || strcmp(host, agents[a]) != 0)
				continue;
			/* An agent that went away stays listed, inactive, until the
			 * master marks it unreachable (src/master/master.cpp). */
			int f = json_is_true(json_object_get(s, "active")) ? 2 : 1;
			found = f > found ? f : found;
		}
		if (found == 0) {
			n_missing++;
			append(missing, sizeof(missing), "%s%s", missing[0] ? ", " : "", agents[a]);
		} else if (found == 1) {
			n_inactive++;
			append(inactive, sizeof(inactive), "%s%s", inactive[0] ? ", " : "",
			       agents[a]);
		}
	}
	size_t joined = n - n_missing - n_inactive;
	if (joined == n) {
		snprintf(summary, size, "all %zu agents registered and active", n);
		return true;
	}
	snprintf(summary, size, "%zu of %zu agents registered and active", joined, n);
	if (n_missing)
		append(summary, size, "; not registered: %s", missing);
	if (n_inactive)
		append(summary, size, "; inactive: %s", inactive);
	return false;
}

bool dd_dcos_units_healthy(const char *body, char *summary, size_t size)
{
	if (size)
		summary[0] = '\0';
	_cleanup_json_ json_t *j = answer_json(body, summary, size);
	if (!j)
		return false;
	json_t *units = json_object_get(j, "units");
	if (!json_is_array(units)) {
		snprintf(summary, size, "no \"units\" list");
		return false;
	}
	size_t i, bad = 0;
	json_t *u;
	char list[320] = "";
	json_array_foreach (units, i, u) {
		json_t *h = json_object_get(u, "health");
		if (json_is_integer(h) && json_integer_value(h) == 0)
			continue;
		bad++;
		const char *id = json_string_value(json_object_get(u, "id"));
		append(list, sizeof(list), "%s%s (health %lld)", list[0] ? ", " : "", id ? id : "?",
		       json_is_integer(h) ? (long long)json_integer_value(h) : -1LL);
	}
	size_t n = json_array_size(units);
	if (n == 0)
		snprintf(summary, size, "no units reported yet");
	else if (bad)
		snprintf(summary, size, "%zu of %zu units unhealthy: %s", bad, n, list);
	else {
		snprintf(summary, size, "all %zu units healthy", n);
		return true;
	}
	return false;
}

bool dd_dcos_marathon_up(long status, const char *body, char *summary, size_t size)
{
	if (status != 200) {
		snprintf(summary, size, "HTTP %ld", status);
		return false;
	}
	_cleanup_json_ json_t *j = body ? json_loads(body, 0, NULL) : NULL;
	const char *v = json_string_value(json_object_get(j, "version"));
	const char *l = json_string_value(json_object_get(j, "leader"));
	if (v && l)
		snprintf(summary, size, "Marathon %s up, leader %s", v, l);
	else
		snprintf(summary, size, "Marathon up");
	return true;
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
	bool enterprise;   /* the cluster checks log in first */
	const char *su_username, *su_password;
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
	bool finished; /* under the ctx lock: the node's wait ended (r says how) */
	/* The cluster checks' job (the last one): n is the first master. */
	bool is_cluster;
	bool cluster_started; /* every master passed, the checks began */
	int cc;               /* enum cluster_check it is at */
	/* Enterprise: what the login found, then its token (a secret: in memory
	 * only, zeroed when freed, never in a report). */
	int ssl_enabled; /* -1 not read yet */
	char *ca_pem;    /* with ssl_enabled: the cluster's CA */
	char *token;
	int logins; /* how many times it logged in */
};

static void report(struct wait_job *j, bool done, const char *detail)
{
	struct wait_ctx *ctx = j->ctx;
	if (!ctx->o->on_event)
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
	dd_event_status(ctx->o->on_event, ctx->o->userdata, j->n->name, status, done);
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
static int node_exec_in(dd_docker *d, struct wait_job *j, const char *const *argv, double cap_s,
                        int stdin_fd, char **ret_out, int *ret_code, bool *ret_timed_out,
                        dd_error *err)
{
	double left = j->ctx->deadline - dd_now();
	double t = left < cap_s ? left : cap_s;
	if (t < 2)
		t = 2;
	dd_buf c = DD_BUF_HEAD(CAPTURE_MAX);
	dd_exec_opts eo = {.argv = argv,
	                   .stdin_fd = stdin_fd,
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

static int node_exec(dd_docker *d, struct wait_job *j, const char *const *argv, double cap_s,
                     char **ret_out, int *ret_code, bool *ret_timed_out, dd_error *err)
{
	return node_exec_in(d, j, argv, cap_s, -1, ret_out, ret_code, ret_timed_out, err);
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

/* dcos-checks-poststart.service runs at boot, before the components are
 * up, and fails; it stays failed (dcos-diagnostics: unhealthy, so the
 * cluster's units check fails) until its minutely timer runs it again. Once
 * the node's own poststart check passed, start the unit now, as the timer
 * would within the minute: the cluster check then need not wait for it.
 * Constant text; best effort (an older DC/OS has no such unit). */
static const char poststart_rerun_script[] =
    "u=dcos-checks-poststart.service\n"
    "if systemctl is-failed -q $u; then systemctl start --no-block $u; fi\n"
    "exit 0\n";

static void rerun_failed_poststart_unit(dd_docker *d, struct wait_job *j)
{
	const char *argv[] = {"/bin/sh", "-c", poststart_rerun_script, NULL};
	_cleanup_free_ char *out = NULL;
	int code;
	bool timed_out;
	dd_error e = {0};
	(void)node_exec(d, j, argv, 15, &out, &code, &timed_out, &e);
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
		rerun_failed_poststart_unit(d, j);
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

/* An HTTP answer: status 0 and error set when there was none. */
struct answer {
	long status;
	dd_buf body; /* its head */
	char error[CURL_ERROR_SIZE + 64];
	char www_authenticate[64]; /* that header's value, from the host only */
};

/* A request beyond a plain GET: the Enterprise login and what follows it. */
struct request {
	const char *post_json; /* POST this body (a secret: the login's), else GET */
	const char *token;     /* "Authorization: token=<token>" (a secret) */
	const char *ca_pem;    /* https: verify with this CA (else unverified) */
};

static size_t on_header(char *ptr, size_t size, size_t nmemb, void *userdata)
{
	struct answer *a = userdata;
	size_t n = size * nmemb;
	static const char name[] = "WWW-Authenticate:";
	if (n > sizeof(name) - 1 && strncasecmp(ptr, name, sizeof(name) - 1) == 0) {
		const char *v = ptr + sizeof(name) - 1;
		size_t l = n - (sizeof(name) - 1);
		while (l > 0 && (*v == ' ' || *v == '\t'))
			v++, l--;
		while (l > 0 && strchr(" \t\r\n", v[l - 1]))
			l--;
		/* Only what prints safely in a report. */
		size_t k = 0;
		for (size_t i = 0; i < l && k + 1 < sizeof(a->www_authenticate); i++)
			if ((unsigned char)v[i] >= ' ' && (unsigned char)v[i] < 0x7f)
				a->www_authenticate[k++] = v[i];
		a->www_authenticate[k] = '\0';
	}
	return n;
}

/* GET (or, with rq->post_json, POST) url from the host. Node IPs are
 * local: no proxy. Enterprise in strict mode redirects to HTTPS with its own
 * CA: a GET follows, unverified unless rq->ca_pem names the CA. */
static int host_request(const char *url, const struct request *rq, struct answer *a, dd_error *err)
{
	CURL *curl = curl_easy_init();
	if (!curl)
		return dd_error_set(err, -ENOMEM, "Failed to set up an HTTP request");
	char errbuf[CURL_ERROR_SIZE] = "";
	struct curl_slist *headers = NULL;
	char auth[512 + 32] = "";
	curl_easy_setopt(curl, CURLOPT_URL, url);
	curl_easy_setopt(curl, CURLOPT_NOPROXY, "*");
	curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, 2000L);
	curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, 5000L);
	curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(curl, CURLOPT_WRITEDATA, &a->body);
	curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(curl, CURLOPT_HEADERDATA, a);
	curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, errbuf);
	if (rq && rq->ca_pem) {
		/* EnterpriseApiSession.set_ca_cert: the cluster's CA verifies Admin
		 * Router from now on (peer and host name). */
#if LIBCURL_VERSION_NUM >= 0x074d00
		struct curl_blob ca = {
		    .data = (void *)rq->ca_pem, .len = strlen(rq->ca_pem), .flags = CURL_BLOB_COPY};
		curl_easy_setopt(curl, CURLOPT_CAINFO_BLOB, &ca);
#else
		curl_easy_cleanup(curl);
		return dd_error_set(err, -ENOTSUP,
		                    "This libcurl (%s) cannot verify with an in-memory CA "
		                    "(CURLOPT_CAINFO_BLOB needs 7.77)",
		                    LIBCURL_VERSION);
#endif
	} else {
		curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, 0L);
		curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, 0L);
	}
	if (rq && rq->post_json) {
		/* A login is not replayed to wherever a redirect points. */
		curl_easy_setopt(curl, CURLOPT_POSTFIELDS, rq->post_json);
		headers = curl_slist_append(headers, "Content-Type: application/json");
	} else {
		curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 1L);
		curl_easy_setopt(curl, CURLOPT_MAXREDIRS, 5L);
	}
	if (rq && rq->token) {
		/* DcosAuth of dcos-test-utils; Admin Router reads "token=(.+)". */
		snprintf(auth, sizeof(auth), "Authorization: token=%s", rq->token);
		headers = curl_slist_append(headers, auth);
	}
	if (headers)
		curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
	CURLcode cr = curl_easy_perform(curl);
	long os_errno = 0;
	a->status = 0;
	curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &a->status);
	curl_easy_getinfo(curl, CURLINFO_OS_ERRNO, &os_errno);
	curl_easy_cleanup(curl);
	/* curl_slist_append copied the token: zero that copy too. */
	for (struct curl_slist *h = headers; h; h = h->next)
		explicit_bzero(h->data, strlen(h->data));
	curl_slist_free_all(headers);
	explicit_bzero(auth, sizeof(auth));
	if (cr == CURLE_OK)
		return 0;
	a->status = 0;
	if (cr == CURLE_COULDNT_CONNECT && os_errno > 0)
		/* "Connection refused": short, for the status line */
		snprintf(a->error, sizeof(a->error), "%s", strerror((int)os_errno));
	else if (cr == CURLE_OPERATION_TIMEDOUT)
		snprintf(a->error, sizeof(a->error), "no answer within 5 s");
	else
		snprintf(a->error, sizeof(a->error), "%s",
		         errbuf[0] ? errbuf : curl_easy_strerror(cr));
	return 0;
}

/* One curl config line, option = "value" (curl's --config syntax: in
 * quotes, backslash escapes). */
static void curl_config_line(dd_buf *b, const char *option, const char *value)
{
	dd_buf_addf(b, "%s = \"", option);
	for (const char *p = value; *p; p++) {
		if (*p == '"' || *p == '\\')
			dd_buf_add(b, "\\", 1);
		if (*p == '\n')
			dd_buf_add(b, "\\n", 2);
		else
			dd_buf_add(b, p, 1);
	}
	dd_buf_add(b, "\"\n", 2);
}

/* GET (or POST) url with curl inside the node (the host cannot reach node
 * IPs, as with Docker Desktop): the body, then the status on a line of its
 * own. Secrets (the login's body, the token) reach curl as a config on its
 * stdin, never in its argv (which any process of the node can read). The
 * node's own Admin Router on 127.0.0.1 is not verified. */
static int node_request(dd_docker *d, struct wait_job *j, const char *url, const struct request *rq,
                        struct answer *a, dd_error *err)
{
	bool secret = rq && (rq->post_json || rq->token);
	const char *argv[] = {"curl", "--insecure", "--silent", "--show-error", "--max-time",
	                      "5",    "--output",   "-",        "--write-out",  "\n%{http_code}",
	                      url,    "--location", NULL,       NULL,           NULL};
	if (secret) {
		argv[11] = "--config"; /* a POST is not replayed to a redirect's target */
		argv[12] = "-";
		if (!rq->post_json)
			argv[13] = "--location";
	}
	int fd = -1;
	if (secret) {
		_cleanup_buf_ dd_buf cfg = DD_BUF_HEAD(8192);
		if (rq->post_json) {
			curl_config_line(&cfg, "header", "Content-Type: application/json");
			curl_config_line(&cfg, "data-raw", rq->post_json);
		}
		if (rq->token) {
			_cleanup_free_ char *h = dd_asprintf("Authorization: token=%s", rq->token);
			curl_config_line(&cfg, "header", h);
			explicit_bzero(h, strlen(h));
		}
		int p[2];
		/* A pipe holds 64 KB: the config is written whole before curl runs. */
		if (cfg.truncated || pipe2(p, O_CLOEXEC) < 0) {
			explicit_bzero(cfg.data, cfg.len);
			return dd_error_set(err, -EIO, "Failed to hand curl its request in node %s",
			                    j->n->short_name);
		}
		ssize_t w = write(p[1], cfg.data, cfg.len);
		explicit_bzero(cfg.data, cfg.len);
		close(p[1]);
		if (w != (ssize_t)cfg.len) {
			close(p[0]);
			return dd_error_set(err, -EIO, "Failed to hand curl its request in node %s",
			                    j->n->short_name);
		}
		fd = p[0];
	}
	_cleanup_free_ char *out = NULL;
	int code;
	bool timed_out;
	int r = node_exec_in(d, j, argv, 10, fd, &out, &code, &timed_out, err);
	if (fd >= 0)
		close(fd);
	if (r < 0)
		return r;
	a->status = 0;
	char *nl = strrchr(out, '\n');
	if (!timed_out && code == 0 && nl) {
		a->status = strtol(nl + 1, NULL, 10);
		dd_buf_add(&a->body, out, (size_t)(nl - out));
	} else {
		size_t n = strlen(out);
		while (n > 0 && strchr(" \t\r\n", out[n - 1]))
			out[--n] = '\0';
		snprintf(a->error, sizeof(a->error), "%s", *out ? out : "curl failed");
	}
	return 0;
}

/* path of the node's Admin Router (port 80 on masters, 61001 on agents;
 * with https, 443 on masters); *ret_url says which URL was asked. */
static int admin_router_request(dd_docker *d, struct wait_job *j, bool https, const char *path,
                                const struct request *rq, struct answer *a, char *ret_url,
                                size_t url_size, dd_error *err)
{
	bool master = j->n->role == DD_ROLE_MASTER;
	int port = https ? (master ? 443 : 61002) : (master ? 80 : 61001);
	const char *scheme = https ? "https" : "http";
	if (j->via_node == 0)
		j->via_node = host_reaches(j->n->ip) ? -1 : 1;
	if (j->via_node > 0) {
		_cleanup_free_ char *url = dd_asprintf("%s://127.0.0.1:%d%s", scheme, port, path);
		snprintf(ret_url, url_size, "%s inside the node", url);
		return node_request(d, j, url, rq, a, err);
	}
	_cleanup_free_ char *url = dd_asprintf("%s://%s:%d%s", scheme, j->n->ip, port, path);
	snprintf(ret_url, url_size, "%s", url);
	return host_request(url, rq, a, err);
}

static int admin_router_get(dd_docker *d, struct wait_job *j, const char *path, struct answer *a,
                            char *ret_url, size_t url_size, dd_error *err)
{
	return admin_router_request(d, j, false, path, NULL, a, ret_url, url_size, err);
}

/* "HTTP 503: <body head>" or the error, for a report. */
static void keep_answer(struct wait_job *j, const struct answer *a, const char *why)
{
	if (a->status == 0) {
		keep_output(j, a->error);
		return;
	}
	/* The head of the body, on one line. */
	char head[320];
	snprintf(head, sizeof(head), "%s", dd_buf_str(&a->body));
	for (char *q = head; *q; q++)
		if (*q == '\n' || *q == '\r' || *q == '\t')
			*q = ' ';
	_cleanup_free_ char *msg =
	    dd_asprintf("%s%sHTTP %ld: %s%s", why ? why : "", why ? "; last answer: " : "",
	                a->status, head, a->body.len >= sizeof(head) - 1 ? "..." : "");
	keep_output(j, msg);
}

static int check_http(dd_docker *d, struct wait_job *j, bool *ret_ok, dd_error *err)
{
	const char *path = j->ctx->old_metadata ? "/" : "/dcos-metadata/dcos-version.json";
	struct answer a = {.body = DD_BUF_HEAD(255)};
	char url[128];
	int r = admin_router_get(d, j, path, &a, url, sizeof(url), err);
	if (r < 0) {
		dd_buf_free(&a.body);
		return r;
	}
	snprintf(j->check, sizeof(j->check), "GET %s", url);
	*ret_ok = a.status == 200;
	if (*ret_ok)
		keep_output(j, j->via_node > 0 ? "answered" : "HTTP 200");
	else
		keep_answer(j, &a, NULL);
	dd_buf_free(&a.body);
	return 0;
}

/* ---- the cluster checks (after every node passed) ---- */

/* dcos-test-utils' DcosApiSession.wait_for_dcos, in its order: Admin Router
 * up (the nodes' last stage), the superuser's login (Enterprise only:
 * EnterpriseApiSession, with its CA first when ssl_enabled), then these. */
enum cluster_check { CC_LOGIN, CC_MARATHON, CC_ZK, CC_AGENTS, CC_UNITS, CC_DONE };
static const struct {
	const char *name, *path;
} cluster_checks[] = {
    [CC_LOGIN] = {"login", DD_IAM_LOGIN_PATH},
    [CC_MARATHON] = {"Marathon", "/marathon/v2/info"},
    [CC_ZK] = {"ZooKeeper quorum", "/exhibitor/exhibitor/v1/cluster/status"},
    [CC_AGENTS] = {"Mesos agents", "/mesos/master/slaves"},
    [CC_UNITS] = {"DC/OS components", "/system/health/v1/units?cache=0"},
};

/* What the cluster checks report as their "node". */
#define CLUSTER_PROGRESS "cluster"

static void report_cluster(struct wait_ctx *ctx, enum cluster_check cc, bool done,
                           const char *detail)
{
	if (!ctx->o->on_event)
		return;
	char status[160];
	if (cc == CC_DONE)
		snprintf(status, sizeof(status), "works  [%.0fs]", dd_now() - ctx->t0);
	else {
		char shown[80];
		const char *d = detail && *detail ? detail : "waiting";
		size_t dl = strcspn(d, "\n");
		if (dl >= sizeof(shown))
			snprintf(shown, sizeof(shown), "%.*s...", (int)sizeof(shown) - 4, d);
		else
			snprintf(shown, sizeof(shown), "%.*s", (int)dl, d);
		snprintf(status, sizeof(status), "%s: %s  [%.0fs]", cluster_checks[cc].name, shown,
		         dd_now() - ctx->t0);
	}
	pthread_mutex_lock(&ctx->lock);
	dd_event_status(ctx->o->on_event, ctx->o->userdata, CLUSTER_PROGRESS, status, done);
	pthread_mutex_unlock(&ctx->lock);
}

/* One cluster check against j's node (a master): *ret_ok, and j->output
 * says what passed or what the answer lacked. */
static int check_cluster(dd_docker *d, struct wait_job *j, enum cluster_check cc,
                         const char *const *agents, size_t n_agents, bool *ret_ok,
                         bool *ret_relogin, dd_error *err)
{
	const dd_cluster *c = j->ctx->c;
	/* A Mesos /slaves answer holds every agent's resources: room for many. */
	struct answer a = {.body = DD_BUF_HEAD(CAPTURE_MAX)};
	char url[160];
	struct request rq = {.token = j->token, .ca_pem = j->ca_pem};
	int r = admin_router_request(d, j, j->ssl_enabled > 0, cluster_checks[cc].path, &rq, &a,
	                             url, sizeof(url), err);
	if (r < 0) {
		dd_buf_free(&a.body);
		return r;
	}
	snprintf(j->check, sizeof(j->check), "%s (GET %s)", cluster_checks[cc].name, url);
	char summary[512] = "";
	const char *body = a.status ? dd_buf_str(&a.body) : NULL;
	switch (cc) {
	case CC_MARATHON:
		*ret_ok = dd_dcos_marathon_up(a.status, body, summary, sizeof(summary));
		break;
	case CC_ZK: {
		size_t n_masters = 0;
		for (size_t i = 0; i < c->n_nodes; i++)
			n_masters += c->nodes[i].role == DD_ROLE_MASTER;
		*ret_ok = a.status == 200 &&
		          dd_dcos_zk_quorum_ok(body, n_masters, summary, sizeof(summary));
		break;
	}
	case CC_AGENTS:
		*ret_ok = a.status == 200 &&
		          dd_dcos_agents_joined(body, agents, n_agents, summary, sizeof(summary));
		break;
	case CC_UNITS:
		*ret_ok = a.status == 200 && dd_dcos_units_healthy(body, summary, sizeof(summary));
		break;
	case CC_LOGIN:
	case CC_DONE: *ret_ok = true; break;
	}
	if (*ret_ok)
		keep_output(j, summary);
	else if (a.status == 401) {
		char why[200];
		dd_iam_explain_401(a.www_authenticate[0] ? a.www_authenticate : NULL,
		                   j->ctx->enterprise, j->token != NULL, why, sizeof(why));
		keep_answer(j, &a, why);
		/* A token Admin Router no longer takes (it expired, or the masters'
		 * key changed): log in again, a few times at most. */
		if (j->token && j->logins < 3) {
			dd_iam_free_secret(j->token);
			j->token = NULL;
			*ret_relogin = true;
		}
	} else
		keep_answer(j, &a, a.status == 200 ? summary : NULL);
	dd_buf_free(&a.body);
	return 0;
}

/* The body head of an answer on one line, for a message. */
static void answer_head(const struct answer *a, char *out, size_t size)
{
	snprintf(out, size, "%s", dd_buf_str(&a->body));
	for (char *q = out; *q; q++)
		if ((unsigned char)*q < ' ' || *q == 0x7f)
			*q = ' ';
}

/* The Enterprise login, as E2E's wait_for_dcos_ee and EnterpriseApiSession
 * do it: ssl_enabled from a master's bootstrap-config.json; with it, the
 * CA from /ca/dcos-ca.crt (fetched unverified), which verifies everything
 * after; then POST /acs/api/v1/auth/login. Until the IAM answers, the check
 * does not pass (retried); a definite refusal (dd_iam_login_verdict) ends
 * the wait with an error, as asking again cannot help. */
static int check_login(dd_docker *d, struct wait_job *j, bool *ret_ok, dd_error *err)
{
	struct wait_ctx *ctx = j->ctx;
	const char *user = ctx->su_username ? ctx->su_username : DD_DCOS_DEFAULT_SUPERUSER_USERNAME;
	const char *pw = ctx->su_password ? ctx->su_password : DD_DCOS_DEFAULT_SUPERUSER_PASSWORD;
	*ret_ok = false;
	if (j->ssl_enabled < 0) {
		snprintf(j->check, sizeof(j->check), "login (ssl_enabled in %s on %s)",
		         DD_IAM_BOOTSTRAP_CONFIG, j->n->short_name);
		const char *argv[] = {"cat", DD_IAM_BOOTSTRAP_CONFIG, NULL};
		_cleanup_free_ char *out = NULL;
		int code;
		bool timed_out;
		int r = node_exec(d, j, argv, 15, &out, &code, &timed_out, err);
		if (r < 0)
			return r;
		int s = !timed_out && code == 0 ? dd_iam_ssl_enabled(out) : -1;
		if (s < 0) {
			keep_output(j, code == 0 && !timed_out ? "not a JSON object" : out);
			return 0;
		}
		j->ssl_enabled = s;
	}
	char url[160];
	if (j->ssl_enabled > 0 && !j->ca_pem) {
		struct answer a = {.body = DD_BUF_HEAD(64 * 1024)};
		int r = admin_router_request(d, j, true, DD_IAM_CA_PATH, NULL, &a, url, sizeof(url),
		                             err);
		if (r < 0) {
			dd_buf_free(&a.body);
			return r;
		}
		snprintf(j->check, sizeof(j->check), "login (the cluster's CA: GET %s)", url);
		if (a.status == 200 && dd_iam_is_pem(dd_buf_str(&a.body)))
			j->ca_pem = dd_buf_take(&a.body);
		else {
			keep_answer(j, &a, a.status == 200 ? "not a PEM certificate" : NULL);
			dd_buf_free(&a.body);
			return 0;
		}
	}
	char *body = dd_iam_login_body(user, pw);
	if (!body)
		return dd_error_set(err, -EINVAL,
		                    "The superuser's name or password is not valid UTF-8");
	struct request rq = {.post_json = body, .ca_pem = j->ca_pem};
	struct answer a = {.body = DD_BUF_HEAD(64 * 1024)};
	int r = admin_router_request(d, j, j->ssl_enabled > 0, DD_IAM_LOGIN_PATH, &rq, &a, url,
	                             sizeof(url), err);
	dd_iam_free_secret(body);
	snprintf(j->check, sizeof(j->check), "login as %s (POST %s)", user, url);
	if (r == 0) {
		switch (dd_iam_login_verdict(a.status)) {
		case DD_IAM_LOGGED_IN:
			j->token = dd_iam_parse_token(dd_buf_str(&a.body));
			*ret_ok = j->token != NULL;
			if (*ret_ok) {
				j->logins++;
				keep_output(j, "logged in");
			} else
				/* Not the body: it may hold a token after all. */
				keep_output(j, "HTTP 200 without a token in its JSON");
			break;
		case DD_IAM_REFUSED: {
			char head[200];
			answer_head(&a, head, sizeof(head));
			r = dd_error_set(err, -EACCES, "login as %s failed: HTTP %ld%s%s", user,
			                 a.status, head[0] ? ": " : "", head);
			dd_error_hint(
			    err,
			    "Give the superuser the cluster was installed with: "
			    "--superuser-username and --superuser-password (defaults: %s, %s).",
			    DD_DCOS_DEFAULT_SUPERUSER_USERNAME, DD_DCOS_DEFAULT_SUPERUSER_PASSWORD);
			break;
		}
		case DD_IAM_RETRY: keep_answer(j, &a, NULL); break;
		}
	}
	/* A login's answer holds the token. */
	if (a.body.data)
		explicit_bzero(a.body.data, a.body.len);
	dd_buf_free(&a.body);
	return r;
}

static void nap(struct wait_ctx *ctx, double s);
static bool should_stop(struct wait_ctx *ctx);

/* Runs the cluster checks in order on master j until all passed, the
 * deadline (-ETIMEDOUT, j->check and j->output say which and why) or a
 * cancellation. *ret_cc: the check it ended at. */
static int wait_cluster(dd_docker *d, struct wait_job *j, enum cluster_check *ret_cc)
{
	struct wait_ctx *ctx = j->ctx;
	const dd_cluster *c = ctx->c;
	_cleanup_free_ const char **agents = dd_malloc0((c->n_nodes + 1) * sizeof(*agents));
	size_t n_agents = 0;
	for (size_t i = 0; i < c->n_nodes; i++)
		if (c->nodes[i].role != DD_ROLE_MASTER)
			agents[n_agents++] = c->nodes[i].ip;
	enum cluster_check cc = ctx->enterprise ? CC_LOGIN : CC_MARATHON;
	report_cluster(ctx, cc, false, "checking");
	while (cc != CC_DONE) {
		*ret_cc = cc;
		if (should_stop(ctx))
			return dd_cancelled() ? dd_error_set(&j->err, -ECANCELED, "Interrupted")
			                      : 0;
		bool ok = false, relogin = false;
		int r = cc == CC_LOGIN
		            ? check_login(d, j, &ok, &j->err)
		            : check_cluster(d, j, cc, agents, n_agents, &ok, &relogin, &j->err);
		if (r < 0)
			return r;
		if (relogin) {
			report_cluster(ctx, cc, false, j->output);
			cc = CC_LOGIN;
			continue;
		}
		if (ok) {
			cc++;
			*ret_cc = cc;
			report_cluster(ctx, cc, cc == CC_DONE, "checking");
			continue;
		}
		report_cluster(ctx, cc, false, j->output);
		if (dd_now() >= ctx->deadline)
			return -ETIMEDOUT;
		/* dcos-test-utils polls these every 1 or 2 s. */
		nap(ctx, 1);
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

/* The cluster checks start once every master passed, as E2E's
 * wait_for_dcos starts the API checks after the masters' poststart check:
 * the agents' node checks may still run meanwhile, and a timeout names both.
 * 0 without running them when a master did not pass. */
static int wait_masters_then_cluster(struct wait_job *jobs, struct wait_job *j, dd_docker *d)
{
	struct wait_ctx *ctx = j->ctx;
	const dd_cluster *c = ctx->c;
	report_cluster(ctx, ctx->enterprise ? CC_LOGIN : CC_MARATHON, false,
	               "waiting for the masters");
	for (;;) {
		bool all = true, failed = false;
		pthread_mutex_lock(&ctx->lock);
		for (size_t i = 0; i < c->n_nodes; i++) {
			if (c->nodes[i].role != DD_ROLE_MASTER)
				continue;
			if (!jobs[i].finished)
				all = false;
			else if (jobs[i].r != 0)
				failed = true;
		}
		pthread_mutex_unlock(&ctx->lock);
		if (failed)
			return 0;
		if (all)
			break;
		if (should_stop(ctx))
			return dd_cancelled() ? dd_error_set(&j->err, -ECANCELED, "Interrupted")
			                      : 0;
		nap(ctx, 0.5);
		if (dd_now() >= ctx->deadline)
			return 0; /* the masters time out and say why */
	}
	j->cluster_started = true;
	enum cluster_check cc = ctx->enterprise ? CC_LOGIN : CC_MARATHON;
	int r = wait_cluster(d, j, &cc);
	j->cc = (int)cc;
	return r;
}

static int wait_job(void *userdata, size_t i, void *state)
{
	struct wait_job *jobs = userdata;
	struct wait_job *j = &jobs[i];
	dd_docker *d = dd_pool_docker_get(state, &j->r, &j->err);
	if (d)
		j->r = j->is_cluster ? wait_masters_then_cluster(jobs, j, d) : wait_node(j, d);
	if (!j->is_cluster && j->stage == STAGE_POSTSTART)
		set_checking(j->ctx, -1); /* the others' pauses need not count it */
	pthread_mutex_lock(&j->ctx->lock);
	j->finished = true;
	pthread_mutex_unlock(&j->ctx->lock);
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
	int r = dd_dcos_info_require(c, NULL, &info, err);
	if (r < 0)
		return r;

	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	struct wait_ctx ctx = {.c = c, .o = o, .t0 = dd_now(), .ncpu = ncpu > 0 ? (int)ncpu : 1};
	double timeout = o->timeout > 0 ? o->timeout : DD_DCOS_WAIT_DEFAULT_TIMEOUT;
	ctx.deadline = ctx.t0 + timeout;
	ctx.old_metadata = dd_dcos_version_cmp(info.version, "1.10") < 0;
	ctx.enterprise = strcmp(info.variant, "enterprise") == 0;
	ctx.su_username = o->superuser_username;
	ctx.su_password = o->superuser_password;
	pthread_mutex_init(&ctx.lock, NULL);
	if (o->on_event) {
		_cleanup_free_ char *head = dd_asprintf(
		    "Waiting for DC/OS %s on cluster '%s' (%zu node%s, timeout %.0f s)",
		    info.version, c->name, c->n_nodes, c->n_nodes == 1 ? "" : "s", timeout);
		dd_event_status(o->on_event, o->userdata, NULL, head, false);
	}
	/* One job per node, then the cluster checks' job (unless skipped),
	 * asking the first master's Admin Router. */
	struct wait_job *jobs = dd_malloc0((c->n_nodes + 1) * sizeof(*jobs));
	size_t n_jobs = c->n_nodes;
	for (size_t i = 0; i < c->n_nodes; i++) {
		jobs[i].ctx = &ctx;
		jobs[i].n = &c->nodes[i];
	}
	struct wait_job *cj = NULL;
	for (size_t i = 0; i < c->n_nodes && !o->skip_http_checks && !cj; i++)
		if (c->nodes[i].role == DD_ROLE_MASTER) {
			cj = &jobs[n_jobs++];
			cj->ctx = &ctx;
			cj->n = &c->nodes[i];
			cj->is_cluster = true;
			cj->ssl_enabled = -1;
		}
	/* A node not handed out before Ctrl-C: dd_cancelled() below. */
	dd_pool pool = {.n = n_jobs, .job = wait_job, .userdata = jobs, .docker = d};
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
	if (r == 0 && cj && cj->r < 0 && cj->r != -ETIMEDOUT && cj->r != -ECANCELED) {
		dd_error_copy(err, &cj->err);
		r = dd_error_prefix(err,
		                    "Checking the cluster through %s failed: ", cj->n->short_name);
	}
	bool cluster_timed_out = cj && cj->r == -ETIMEDOUT;
	if (r == 0 && n_timed_out == 0 && cluster_timed_out) {
		r = dd_error_set(err, -ETIMEDOUT,
		                 "DC/OS did not become healthy within %.0f s: every node passed, "
		                 "but the cluster check %s did not pass: %s",
		                 timeout, cj->check, cj->output);
		dd_error_hint(err,
		              "Give it more time with --timeout, skip the cluster checks with "
		              "--skip-http-checks, or look at the masters' journal: "
		              "'dcos-docker run --cluster %s -- journalctl -n 100'.",
		              c->name);
	}
	if (r == 0 && n_timed_out > 0) {
		/* Each node that did not pass, with the check it was in and what the
		 * check said, within what an error message holds. */
		char msg[DD_ERROR_MSG_MAX];
		size_t len = (size_t)snprintf(
		    msg, sizeof(msg),
		    "DC/OS did not become healthy within %.0f s on %zu of %zu node%s:", timeout,
		    n_timed_out, c->n_nodes, c->n_nodes == 1 ? "" : "s");
		size_t budget =
		    (DD_ERROR_MSG_MAX - 120) / (n_timed_out + (cluster_timed_out ? 1 : 0));
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
		if (cluster_timed_out && len < sizeof(msg)) {
			_cleanup_free_ char *head =
			    dd_asprintf("\ncluster check %s did not pass: ", cj->check);
			size_t room = budget > strlen(head) + 8 ? budget - strlen(head) : 8;
			size_t ol = strlen(cj->output);
			snprintf(msg + len, sizeof(msg) - len, "%s%.*s%s", head,
			         (int)(ol > room ? room - 3 : ol), cj->output,
			         ol > room ? "..." : "");
		}
		r = dd_error_set(err, -ETIMEDOUT, "%s", msg);
		dd_error_hint(err,
		              "Give it more time with --timeout, or look at the node's journal: "
		              "'dcos-docker run --cluster %s --node NODE -- journalctl -n 100'.",
		              c->name);
	}
	if (cj) {
		dd_iam_free_secret(cj->token);
		free(cj->ca_pem);
	}
	free(jobs);
	return r;
}
