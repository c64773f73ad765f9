/* The Docker API client (lib/docker/docker.c) against a fake daemon on a unix
 * socket: protocol corner cases a real daemon rarely produces on demand —
 * bodies split anywhere, chunked answers, errors with and without JSON,
 * oversize and truncated answers, streamed bodies both ways, no daemon. */
#define _GNU_SOURCE
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "dcos-docker/docker.h"
#include "dcos-docker/error.h"
#include "docker/docker-internal.h"
#include "docker/stream-internal.h"
#include "fake-daemon.h"

#define API "/v" DD_DOCKER_API_VERSION

/* Per-test state. The fixture owns the client and scratch memory so that a
 * failed assertion (which longjmps out of the test) leaks nothing. */
struct ctx {
	struct fake_daemon f; /* first member: tests use *state as the fake */
	dd_docker *d;
	void *scratch;
};

static int setup(void **state)
{
	struct ctx *t = calloc(1, sizeof(*t));
	if (!t)
		return -1;
	fake_init(&t->f);
	*state = t;
	return 0;
}

static int teardown(void **state)
{
	struct ctx *t = *state;
	dd_docker_free(t->d);
	free(t->scratch);
	fake_free(&t->f);
	free(t);
	return 0;
}

static void *scratch(struct fake_daemon *f, size_t size)
{
	struct ctx *t = (struct ctx *)f;
	free(t->scratch);
	t->scratch = calloc(1, size);
	assert_non_null(t->scratch);
	return t->scratch;
}

static void close_client(struct fake_daemon *f)
{
	struct ctx *t = (struct ctx *)f;
	dd_docker_free(t->d);
	t->d = NULL;
}

static dd_docker *start_and_open(struct fake_daemon *f, fake_handler h, void *userdata)
{
	assert_int_equal(fake_start(f, h, userdata), 0);
	dd_docker *d = NULL;
	dd_error err = {0};
	int r = dd_docker_open(f->path, &d, &err);
	if (r < 0)
		fail_msg("dd_docker_open(%s): %s", f->path, err.msg);
	assert_string_equal(dd_docker_socket_path(d), f->path);
	((struct ctx *)f)->d = d;
	return d;
}

static bool has_header(const struct fake_request *req, const char *name, const char *value)
{
	char v[256];
	if (!fake_header(req->headers, name, v, sizeof(v)))
		return false;
	return !value || strcasecmp(v, value) == 0;
}

#define assert_contains(hay, needle)                                                               \
	do {                                                                                       \
		if (!strstr((hay), (needle)))                                                      \
			fail_msg("\"%s\" does not contain \"%s\"", (hay), (needle));               \
	} while (0)

/* ---- (a) plain JSON answers, and what the client sends ---- */

static const char containers_json[] =
    "[{\"Id\":\"abc123\",\"Names\":[\"/dcos-docker-master1\"],"
    "\"Labels\":{\"dcos-docker.cluster\":\"dcos-docker\",\"dcos-docker.role\":\"master\"}}]";

static void h_containers(struct fake_daemon *f, int fd, const struct fake_request *req)
{
	(void)f;
	(void)req;
	fake_respond(fd, 200, "OK", "application/json", containers_json);
}

static void test_get_json(void **state)
{
	struct fake_daemon *f = *state;
	dd_docker *d = start_and_open(f, h_containers, NULL);
	dd_error err = {0};
	json_t *j = NULL;
	long status = 0;
	const char *path = "/containers/json?all=1&filters=%7B%22label%22%3A%5B%22a%3Db%22%5D%7D";
	int r = dd_docker_call(d, "GET", path, NULL, &j, &status, &err);
	if (r < 0)
		fail_msg("dd_docker_call: %s", err.msg);
	assert_int_equal(status, 200);
	assert_true(json_is_array(j));
	assert_string_equal(json_string_value(json_object_get(json_array_get(j, 0), "Id")),
	                    "abc123");
	json_decref(j);
	close_client(f);

	fake_stop(f);
	assert_string_equal(f->error, "");
	assert_int_equal(f->nreqs, 1);
	assert_string_equal(f->reqs[0].method, "GET");
	/* The API version prefix, the path and the query exactly as given. */
	assert_string_equal(f->reqs[0].target,
	                    API "/containers/json?all=1&filters=%7B%22label%22%3A"
	                        "%5B%22a%3Db%22%5D%7D");
	/* Docker (Go's net/http) refuses HTTP/1.1 requests without a Host. */
	assert_true(has_header(&f->reqs[0], "Host", NULL));
	assert_int_equal(f->reqs[0].body_len, 0);
}

static void h_create(struct fake_daemon *f, int fd, const struct fake_request *req)
{
	(void)f;
	(void)req;
	fake_respond(fd, 201, "Created", "application/json", "{\"Id\":\"c0ffee\",\"Warnings\":[]}");
}

static void test_post_json_body(void **state)
{
	struct fake_daemon *f = *state;
	dd_docker *d = start_and_open(f, h_create, NULL);
	dd_error err = {0};
	json_t *body =
	    json_pack("{s:s, s:{s:s}, s:[s,s]}", "Image", "dcos-docker-node:abc", "Labels",
	              "dcos-docker.cluster", "c1", "Cmd", "/sbin/init", "--log-level=info");
	json_t *j = NULL;
	long status = 0;
	int r = dd_docker_call(d, "POST", "/containers/create?name=c1-master1", body, &j, &status,
	                       &err);
	if (r < 0)
		fail_msg("dd_docker_call: %s", err.msg);
	assert_int_equal(status, 201);
	assert_string_equal(json_string_value(json_object_get(j, "Id")), "c0ffee");
	json_decref(j);
	close_client(f);

	fake_stop(f);
	assert_string_equal(f->error, "");
	assert_int_equal(f->nreqs, 1);
	const struct fake_request *req = &f->reqs[0];
	assert_string_equal(req->method, "POST");
	assert_string_equal(req->target, API "/containers/create?name=c1-master1");
	assert_true(has_header(req, "Content-Type", "application/json"));
	/* An Expect: 100-continue round trip would cost a second per call with
	 * servers that ignore it. */
	assert_false(has_header(req, "Expect", NULL));
	json_t *sent = json_loadb(req->body, req->body_len, 0, NULL);
	assert_non_null(sent);
	assert_true(json_equal(sent, body));
	json_decref(sent);
	json_decref(body);
}

/* One dd_docker is one connection: requests reuse it. */
static void test_keepalive(void **state)
{
	struct fake_daemon *f = *state;
	dd_docker *d = start_and_open(f, h_containers, NULL);
	for (int i = 0; i < 3; i++) {
		dd_error err = {0};
		json_t *j = NULL;
		assert_int_equal(dd_docker_call(d, "GET", "/containers/json", NULL, &j, NULL, &err),
		                 0);
		json_decref(j);
	}
	close_client(f);
	fake_stop(f);
	assert_int_equal(f->nreqs, 3);
	assert_int_equal(f->connections, 1);
}

/* ---- (b) chunked answer in tiny pieces ---- */

static const char info_json[] =
    "{\"ID\":\"7TRN:IPZB\",\"Driver\":\"overlay2\",\"CgroupVersion\":\"1\",\"NCPU\":2,"
    "\"Name\":\"host\",\"ServerVersion\":\"20.10.24\",\"SecurityOptions\":"
    "[\"name=seccomp,profile=default\"],\"Labels\":[],\"Warnings\":[\"WARNING: no swap "
    "limit support\"],\"Escaped\":\"a\\\"b\\\\c\\u00e9\"}";

static void h_chunked_trickle(struct fake_daemon *f, int fd, const struct fake_request *req)
{
	(void)f;
	(void)req;
	size_t n;
	char *chunks = fake_chunk_encode(info_json, strlen(info_json), 7, &n);
	const char head[] =
	    "HTTP/1.1 200 OK\r\nApi-Version: 1.41\r\nContent-Type: application/json\r\n"
	    "Transfer-Encoding: chunked\r\n\r\n";
	/* The head itself trickles too. */
	if (fake_send_trickle(fd, head, strlen(head), 5, 100) == 0)
		fake_send_trickle(fd, chunks, n, 4, 100);
	free(chunks);
}

static void test_chunked_trickle(void **state)
{
	struct fake_daemon *f = *state;
	dd_docker *d = start_and_open(f, h_chunked_trickle, NULL);
	dd_error err = {0};
	json_t *j = NULL;
	int r = dd_docker_call(d, "GET", "/info", NULL, &j, NULL, &err);
	if (r < 0)
		fail_msg("dd_docker_call: %s", err.msg);
	json_t *expect = json_loads(info_json, 0, NULL);
	assert_non_null(expect);
	assert_true(json_equal(j, expect));
	json_decref(expect);
	json_decref(j);
	close_client(f);
	fake_stop(f);
	assert_string_equal(f->reqs[0].target, API "/info");
}

/* A body delimited by the end of the connection (no length, not chunked). */
static void h_until_close(struct fake_daemon *f, int fd, const struct fake_request *req)
{
	(void)f;
	(void)req;
	fake_sendf(
	    fd, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n");
	fake_send_trickle(fd, containers_json, strlen(containers_json), 16, 0);
	fake_close_after();
}

static void test_body_until_close(void **state)
{
	struct fake_daemon *f = *state;
	dd_docker *d = start_and_open(f, h_until_close, NULL);
	dd_error err = {0};
	json_t *j = NULL;
	for (int i = 0; i < 2; i++) { /* the second call needs a new connection */
		int r = dd_docker_call(d, "GET", "/containers/json", NULL, &j, NULL, &err);
		if (r < 0)
			fail_msg("dd_docker_call #%d: %s", i, err.msg);
		assert_int_equal(json_array_size(j), 1);
		json_decref(j);
	}
	close_client(f);
	fake_stop(f);
	assert_int_equal(f->connections, 2);
}

/* ---- (c), (d) errors carry Docker's text ---- */

static void h_errors(struct fake_daemon *f, int fd, const struct fake_request *req)
{
	(void)f;
	if (strstr(req->target, "/containers/x/json"))
		fake_respond(fd, 404, "Not Found", "application/json",
		             "{\"message\":\"No such container: x\"}\n");
	else if (strstr(req->target, "/containers/create"))
		fake_respond(fd, 409, "Conflict", "application/json",
		             "{\"message\":\"Conflict. The container name \\\"/c1-master1\\\" is "
		             "already in use by container \\\"abc\\\".\"}\n");
	else if (strstr(req->target, "/chunked-404")) {
		/* Go's server sends bigger error bodies chunked. */
		const char msg[] = "{\"message\":\"No such image: dcos-docker-node:abc\"}\n";
		size_t n;
		char *chunks = fake_chunk_encode(msg, strlen(msg), 9, &n);
		fake_sendf(fd, "HTTP/1.1 404 Not Found\r\nContent-Type: application/json\r\n"
		               "Transfer-Encoding: chunked\r\n\r\n");
		fake_send_trickle(fd, chunks, n, 13, 50);
		free(chunks);
	} else
		fake_respond(fd, 500, "Internal Server Error", "text/plain; charset=utf-8",
		             "runtime error: invalid memory address or nil pointer dereference\n");
}

static void test_error_404_json(void **state)
{
	struct fake_daemon *f = *state;
	dd_docker *d = start_and_open(f, h_errors, NULL);
	dd_error err = {0};
	json_t *j = (json_t *)&err; /* must stay untouched on failure */
	int r = dd_docker_call(d, "GET", "/containers/x/json", NULL, &j, NULL, &err);
	/* -ENOENT lets callers treat "already gone" as success (destroy). */
	assert_int_equal(r, -ENOENT);
	assert_int_equal(err.code, r);
	assert_contains(err.msg, "No such container: x");
	assert_null(strchr(err.msg, '\n')); /* one line */
	assert_ptr_equal(j, (json_t *)&err);

	dd_error_clear(&err);
	r = dd_docker_call(d, "GET", "/chunked-404", NULL, NULL, NULL, &err);
	assert_int_equal(r, -ENOENT);
	assert_contains(err.msg, "No such image: dcos-docker-node:abc");

	dd_error_clear(&err);
	json_t *body = json_pack("{s:s}", "Image", "i");
	r = dd_docker_call(d, "POST", "/containers/create?name=c1-master1", body, NULL, NULL, &err);
	json_decref(body);
	assert_true(r < 0);
	assert_contains(err.msg, "The container name \"/c1-master1\" is already in use");
	close_client(f);
}

static void test_error_500_text(void **state)
{
	struct fake_daemon *f = *state;
	dd_docker *d = start_and_open(f, h_errors, NULL);
	dd_error err = {0};
	long status = 0;
	int r = dd_docker_call(d, "POST", "/containers/y/start", NULL, NULL, &status, &err);
	assert_true(r < 0);
	assert_int_equal(err.code, r);
	assert_contains(err.msg,
	                "runtime error: invalid memory address or nil pointer dereference");
	assert_null(strchr(err.msg, '\n'));

	/* The raw request API returns any status for the caller to judge. */
	dd_request req = {.method = "GET", .path = "/whatever", .timeout_ms = 10000};
	dd_response resp = {0};
	dd_error_clear(&err);
	r = dd_docker_request(d, &req, &resp, &err);
	assert_int_equal(r, 0);
	assert_int_equal(resp.status, 500);
	char text[256];
	dd_docker_error_text(&resp, text, sizeof(text));
	assert_string_equal(text,
	                    "runtime error: invalid memory address or nil pointer dereference");
	dd_response_clear(&resp);
	close_client(f);
}

/* ---- (e) answers over the cap ---- */

static void h_big(struct fake_daemon *f, int fd, const struct fake_request *req)
{
	(void)f;
	static char block[65536];
	memset(block, ' ', sizeof(block));
	if (strstr(req->target, "/small")) {
		fake_respond(fd, 200, "OK", "application/json", containers_json);
	} else if (strstr(req->target, "/chunked")) {
		/* No length announced: the cap must hold while reading. */
		fake_sendf(fd, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
		               "Transfer-Encoding: chunked\r\n\r\n");
		for (int i = 0; i < 64; i++)
			if (fake_sendf(fd, "%zx\r\n", sizeof(block)) < 0 ||
			    fake_send(fd, block, sizeof(block)) < 0 || fake_send(fd, "\r\n", 2) < 0)
				return;
		fake_send(fd, "0\r\n\r\n", 5);
	} else {
		/* Just over the default cap, announced up front. */
		size_t total = DD_DOCKER_MAX_JSON + 1;
		if (fake_sendf(fd,
		               "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
		               "Content-Length: %zu\r\n\r\n",
		               total) < 0)
			return;
		while (total > 0) {
			size_t k = total < sizeof(block) ? total : sizeof(block);
			if (fake_send(fd, block, k) < 0)
				return; /* the client hung up, as it should */
			total -= k;
		}
	}
}

static void test_body_over_cap(void **state)
{
	struct fake_daemon *f = *state;
	dd_docker *d = start_and_open(f, h_big, NULL);
	dd_error err = {0};

	dd_request req = {.method = "GET", .path = "/small", .max_body = 100, .timeout_ms = 10000};
	dd_response resp = {0};
	int r = dd_docker_request(d, &req, &resp, &err);
	assert_true(r < 0);
	assert_int_equal(err.code, r);
	assert_true(err.msg[0] != '\0');
	assert_null(resp.body);

	/* Exactly at the cap is fine. */
	req.max_body = strlen(containers_json);
	dd_error_clear(&err);
	r = dd_docker_request(d, &req, &resp, &err);
	if (r < 0)
		fail_msg("at the cap: %s", err.msg);
	assert_int_equal(resp.body_len, strlen(containers_json));
	assert_string_equal(resp.body, containers_json);
	dd_response_clear(&resp);

	dd_error_clear(&err);
	req = (dd_request){
	    .method = "GET", .path = "/chunked", .max_body = 100000, .timeout_ms = 10000};
	r = dd_docker_request(d, &req, &resp, &err);
	assert_true(r < 0);
	assert_true(err.msg[0] != '\0');
	assert_null(resp.body);

	/* The default cap of dd_docker_call. */
	dd_error_clear(&err);
	json_t *j = NULL;
	r = dd_docker_call(d, "GET", "/huge", NULL, &j, NULL, &err);
	assert_true(r < 0);
	assert_null(j);
	assert_true(err.msg[0] != '\0');

	/* The connection is not left in a confused state. */
	dd_error_clear(&err);
	r = dd_docker_call(d, "GET", "/small", NULL, &j, NULL, &err);
	if (r < 0)
		fail_msg("after the oversize answers: %s", err.msg);
	assert_int_equal(json_array_size(j), 1);
	json_decref(j);
	close_client(f);
}

/* ---- (f) the daemon hangs up mid-answer ---- */

static void h_hangup(struct fake_daemon *f, int fd, const struct fake_request *req)
{
	(void)f;
	if (strstr(req->target, "/ok")) {
		fake_respond(fd, 200, "OK", "application/json", "{\"ok\":true}");
		return;
	}
	if (strstr(req->target, "/length"))
		fake_sendf(fd, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
		               "Content-Length: 100\r\n\r\n{\"Id\":\"ab");
	else if (strstr(req->target, "/chunked"))
		fake_sendf(fd, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
		               "Transfer-Encoding: chunked\r\n\r\n20\r\n{\"Id\":\"ab");
	else if (strstr(req->target, "/last-chunk"))
		fake_sendf(fd, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
		               "Transfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n");
	else if (strstr(req->target, "/head"))
		fake_sendf(fd, "HTTP/1.1 200 OK\r\nContent-Le");
	/* "/nothing": close without a byte */
	fake_close_after();
}

static void test_closed_mid_answer(void **state)
{
	struct fake_daemon *f = *state;
	dd_docker *d = start_and_open(f, h_hangup, NULL);
	const char *paths[] = {"/length", "/chunked", "/last-chunk", "/head", "/nothing"};
	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		dd_error err = {0};
		json_t *j = NULL;
		int r = dd_docker_call(d, "GET", paths[i], NULL, &j, NULL, &err);
		if (r >= 0)
			fail_msg("%s: a truncated answer was taken for a whole one", paths[i]);
		assert_int_equal(err.code, r);
		assert_true(err.msg[0] != '\0');
		assert_null(j);
	}
	dd_error err = {0};
	json_t *j = NULL;
	int r = dd_docker_call(d, "GET", "/ok", NULL, &j, NULL, &err);
	if (r < 0)
		fail_msg("after the hang-ups: %s", err.msg);
	assert_true(json_is_true(json_object_get(j, "ok")));
	json_decref(j);
	close_client(f);
	fake_stop(f);
	assert_int_equal(f->connections, 6);
}

/* ---- (g) 204 No Content, DELETE, HEAD ---- */

static void h_no_content(struct fake_daemon *f, int fd, const struct fake_request *req)
{
	(void)f;
	if (strcmp(req->method, "HEAD") == 0)
		/* A HEAD answer announces a length but carries no body. */
		fake_sendf(fd, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
		               "Content-Length: 1234\r\n\r\n");
	else
		fake_sendf(fd, "HTTP/1.1 204 No Content\r\nApi-Version: 1.41\r\n\r\n");
}

static void test_no_content(void **state)
{
	struct fake_daemon *f = *state;
	dd_docker *d = start_and_open(f, h_no_content, NULL);
	dd_error err = {0};
	json_t *j = (json_t *)&err;
	long status = 0;
	int r = dd_docker_call(d, "DELETE", "/containers/c1-master1?force=1&v=1", NULL, &j, &status,
	                       &err);
	if (r < 0)
		fail_msg("DELETE: %s", err.msg);
	assert_int_equal(status, 204);
	assert_null(j);

	r = dd_docker_call(d, "POST", "/containers/c1-master1/start", NULL, NULL, &status, &err);
	if (r < 0)
		fail_msg("POST without body: %s", err.msg);
	assert_int_equal(status, 204);

	dd_request req = {.method = "HEAD", .path = "/images/x/json", .timeout_ms = 10000};
	dd_response resp = {0};
	r = dd_docker_request(d, &req, &resp, &err);
	if (r < 0)
		fail_msg("HEAD: %s", err.msg);
	assert_int_equal(resp.status, 200);
	assert_int_equal(resp.body_len, 0);
	dd_response_clear(&resp);
	close_client(f);

	fake_stop(f);
	assert_string_equal(f->error, "");
	assert_int_equal(f->nreqs, 3);
	assert_string_equal(f->reqs[0].method, "DELETE");
	assert_string_equal(f->reqs[0].target, API "/containers/c1-master1?force=1&v=1");
	assert_string_equal(f->reqs[1].method, "POST");
	assert_string_equal(f->reqs[1].target, API "/containers/c1-master1/start");
	assert_int_equal(f->reqs[1].body_len, 0);
	assert_string_equal(f->reqs[2].method, "HEAD");
	/* All on one connection: the HEAD answer's length did not desync it. */
	assert_int_equal(f->connections, 1);
}

/* ---- (h) streamed multiplexed answer ---- */

struct mux_capture {
	dd_demux demux;
	char out[3][8192];
	size_t len[3];
	int data_calls;
	int frames;
	int fail_with; /* on_data returns this on its first call when non-zero */
};

static int mux_frame(int stream, const char *buf, size_t len, void *userdata)
{
	struct mux_capture *c = userdata;
	if (c->len[stream] + len >= sizeof(c->out[stream]))
		return -E2BIG;
	memcpy(c->out[stream] + c->len[stream], buf, len);
	c->len[stream] += len;
	c->out[stream][c->len[stream]] = '\0';
	c->frames++;
	return 0;
}

static int mux_data(const char *buf, size_t len, void *userdata)
{
	struct mux_capture *c = userdata;
	c->data_calls++;
	if (c->fail_with)
		return c->fail_with;
	return dd_demux_feed(&c->demux, buf, len);
}

static void put_frame(char *buf, size_t *off, int stream, const char *s)
{
	size_t n = strlen(s);
	unsigned char hdr[8] = {(unsigned char)stream,
	                        0,
	                        0,
	                        0,
	                        (unsigned char)(n >> 24),
	                        (unsigned char)(n >> 16),
	                        (unsigned char)(n >> 8),
	                        (unsigned char)n};
	memcpy(buf + *off, hdr, 8);
	memcpy(buf + *off + 8, s, n);
	*off += 8 + n;
}

static char mux_body[8192];
static size_t mux_body_len;
static char mux_expect[3][4096];

static void build_mux_body(void)
{
	mux_body_len = 0;
	memset(mux_expect, 0, sizeof(mux_expect));
	for (int i = 0; i < 40; i++) {
		char line[64];
		int stream = i % 4 == 3 ? DD_STREAM_STDERR : DD_STREAM_STDOUT;
		snprintf(line, sizeof(line), "%s line %d\n", stream == 1 ? "out" : "err", i);
		put_frame(mux_body, &mux_body_len, stream, line);
		strcat(mux_expect[stream], line);
		if (i == 20)
			put_frame(mux_body, &mux_body_len, DD_STREAM_STDOUT, "");
	}
}

static void h_mux(struct fake_daemon *f, int fd, const struct fake_request *req)
{
	(void)f;
	if (strstr(req->target, "/containers/missing/")) {
		fake_respond(fd, 404, "Not Found", "application/json",
		             "{\"message\":\"No such container: missing\"}\n");
		return;
	}
	size_t n;
	char *chunks = fake_chunk_encode(mux_body, mux_body_len, 11, &n);
	fake_sendf(fd,
	           "HTTP/1.1 200 OK\r\nContent-Type: application/vnd.docker.multiplexed-stream\r\n"
	           "Transfer-Encoding: chunked\r\n\r\n");
	fake_send_trickle(fd, chunks, n, 9, 20);
	free(chunks);
}

static void test_stream_multiplexed(void **state)
{
	struct fake_daemon *f = *state;
	build_mux_body();
	dd_docker *d = start_and_open(f, h_mux, NULL);
	struct mux_capture *c = scratch(f, sizeof(*c));
	dd_demux_init(&c->demux, mux_frame, c);
	dd_request req = {.method = "GET",
	                  .path = "/containers/c1-master1/logs?stdout=1&stderr=1&follow=0",
	                  .on_data = mux_data,
	                  .on_data_userdata = c,
	                  .timeout_ms = 10000};
	dd_response resp = {0};
	dd_error err = {0};
	int r = dd_docker_request(d, &req, &resp, &err);
	if (r < 0)
		fail_msg("streamed request: %d %s", r, err.msg);
	assert_int_equal(resp.status, 200);
	assert_null(resp.body);
	assert_true(dd_demux_complete(&c->demux));
	assert_string_equal(c->out[DD_STREAM_STDOUT], mux_expect[DD_STREAM_STDOUT]);
	assert_string_equal(c->out[DD_STREAM_STDERR], mux_expect[DD_STREAM_STDERR]);
	assert_int_equal(c->len[DD_STREAM_STDIN], 0);
	dd_response_clear(&resp);
	close_client(f);
	fake_stop(f);
	assert_string_equal(f->reqs[0].target,
	                    API "/containers/c1-master1/logs?stdout=1&stderr=1&follow=0");
}

/* An error answer to a streamed request is Docker's message, not "stream"
 * data: a demuxer fed {"message":...} can only say "malformed stream". */
static void test_stream_error_answer(void **state)
{
	struct fake_daemon *f = *state;
	build_mux_body();
	dd_docker *d = start_and_open(f, h_mux, NULL);
	struct mux_capture *c = scratch(f, sizeof(*c));
	dd_demux_init(&c->demux, mux_frame, c);
	dd_request req = {.method = "GET",
	                  .path = "/containers/missing/logs?stdout=1",
	                  .on_data = mux_data,
	                  .on_data_userdata = c,
	                  .timeout_ms = 10000};
	dd_response resp = {0};
	dd_error err = {0};
	int r = dd_docker_request(d, &req, &resp, &err);
	char text[DD_ERROR_MSG_MAX] = "";
	if (r == 0) {
		assert_int_equal(resp.status, 404);
		dd_docker_error_text(&resp, text, sizeof(text));
	}
	if (r < 0)
		snprintf(text, sizeof(text), "%s", err.msg);
	if (!strstr(text, "No such container: missing"))
		fail_msg("the caller cannot show Docker's error: r=%d status=%ld message=\"%s\" "
		         "(on_data was called %d times with the error body)",
		         r, resp.status, text, c->data_calls);
	assert_int_equal(c->data_calls, 0);
	dd_response_clear(&resp);
	close_client(f);
}

/* A callback that gives up aborts the transfer with its own error. */
static void test_stream_callback_abort(void **state)
{
	struct fake_daemon *f = *state;
	build_mux_body();
	dd_docker *d = start_and_open(f, h_mux, NULL);
	struct mux_capture *c = scratch(f, sizeof(*c));
	c->fail_with = -ECANCELED;
	dd_request req = {.method = "GET",
	                  .path = "/containers/c1-master1/logs?stdout=1",
	                  .on_data = mux_data,
	                  .on_data_userdata = c,
	                  .timeout_ms = 10000};
	dd_response resp = {0};
	dd_error err = {0};
	int r = dd_docker_request(d, &req, &resp, &err);
	assert_int_equal(r, -ECANCELED);
	assert_int_equal(c->data_calls, 1);
	/* The library's convention: a failure always comes with a message. */
	if (err.code != r || !err.msg[0])
		fail_msg(
		    "callback error %d returned without an error message (err.code=%d msg=\"%s\")",
		    r, err.code, err.msg);
	close_client(f);
}

/* ---- (i) streamed request body ---- */

#define UPLOAD_SIZE 200000

static char upload_byte(size_t i)
{
	return (char)((i * 31 + (i >> 8)) & 0xff);
}

struct upload {
	size_t sent;
	size_t fail_after; /* 0: never */
	int calls;
};

static ssize_t upload_reader(char *buf, size_t size, void *userdata)
{
	struct upload *u = userdata;
	static const size_t pattern[] = {1, 7, 4096, 3, 999, 65536, 2};
	u->calls++;
	if (u->fail_after && u->sent >= u->fail_after)
		return -ENOSPC;
	size_t n = pattern[u->calls % 7];
	if (n > size)
		n = size;
	if (n > UPLOAD_SIZE - u->sent)
		n = UPLOAD_SIZE - u->sent;
	for (size_t i = 0; i < n; i++)
		buf[i] = upload_byte(u->sent + i);
	u->sent += n;
	return (ssize_t)n;
}

static void h_upload(struct fake_daemon *f, int fd, const struct fake_request *req)
{
	(void)f;
	(void)req;
	fake_respond(fd, 200, "OK", NULL, NULL);
}

static void test_streamed_request_body(void **state)
{
	struct fake_daemon *f = *state;
	dd_docker *d = start_and_open(f, h_upload, NULL);
	struct upload u = {0};
	dd_request req = {.method = "PUT",
	                  .path = "/containers/c1-master1/archive?path=%2Fopt",
	                  .content_type = "application/x-tar",
	                  .body_reader = upload_reader,
	                  .body_userdata = &u,
	                  .timeout_ms = 10000};
	dd_response resp = {0};
	dd_error err = {0};
	int r = dd_docker_request(d, &req, &resp, &err);
	if (r < 0)
		fail_msg("upload: %s", err.msg);
	assert_int_equal(resp.status, 200);
	dd_response_clear(&resp);
	close_client(f);

	fake_stop(f);
	assert_string_equal(f->error, "");
	assert_int_equal(f->nreqs, 1);
	const struct fake_request *got = &f->reqs[0];
	assert_string_equal(got->method, "PUT");
	assert_string_equal(got->target, API "/containers/c1-master1/archive?path=%2Fopt");
	assert_true(got->chunked);
	assert_true(has_header(got, "Content-Type", "application/x-tar"));
	assert_false(has_header(got, "Expect", NULL));
	assert_int_equal(got->body_len, UPLOAD_SIZE);
	for (size_t i = 0; i < UPLOAD_SIZE; i++)
		if (got->body[i] != upload_byte(i))
			fail_msg("uploaded byte %zu differs", i);
}

static void h_upload_or_ok(struct fake_daemon *f, int fd, const struct fake_request *req)
{
	(void)f;
	(void)req;
	fake_respond(fd, 200, "OK", "application/json", "{}");
}

static void test_request_body_reader_error(void **state)
{
	struct fake_daemon *f = *state;
	dd_docker *d = start_and_open(f, h_upload_or_ok, NULL);
	struct upload u = {.fail_after = 70000};
	dd_request req = {.method = "PUT",
	                  .path = "/containers/c1-master1/archive?path=%2F",
	                  .content_type = "application/x-tar",
	                  .body_reader = upload_reader,
	                  .body_userdata = &u,
	                  .timeout_ms = 10000};
	dd_response resp = {0};
	dd_error err = {0};
	int r = dd_docker_request(d, &req, &resp, &err);
	assert_int_equal(r, -ENOSPC);
	assert_int_equal(err.code, r);
	assert_true(err.msg[0] != '\0');
	/* Still usable. */
	json_t *j = NULL;
	dd_error_clear(&err);
	r = dd_docker_call(d, "GET", "/info", NULL, &j, NULL, &err);
	if (r < 0)
		fail_msg("after the failed upload: %s", err.msg);
	json_decref(j);
	close_client(f);
	fake_stop(f);
	/* The daemon never saw a complete (and so acceptable) upload. */
	assert_int_equal(f->nreqs, 1);
	assert_string_equal(f->reqs[0].target, API "/info");
}

/* ---- (j) no daemon ---- */

static void test_no_daemon(void **state)
{
	(void)state;
	char dir[] = "/tmp/dd-test-http-nodaemon-XXXXXX";
	assert_non_null(mkdtemp(dir));
	char path[108]; /* sun_path */
	snprintf(path, sizeof(path), "%s/docker.sock", dir);

	/* Nothing at the path. */
	dd_docker *d = NULL;
	dd_error err = {0};
	assert_int_equal(dd_docker_open(path, &d, &err), 0);
	int r = dd_docker_ping(d, &err);
	assert_true(r < 0);
	assert_int_equal(err.code, r);
	assert_contains(err.msg, path);
	assert_true(err.hint[0] != '\0');
	dd_docker_free(d);

	/* A socket file nobody listens on (a dead daemon's leftover). */
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	close(fd);
	dd_error_clear(&err);
	assert_int_equal(dd_docker_open(path, &d, &err), 0);
	r = dd_docker_ping(d, &err);
	assert_true(r < 0);
	assert_contains(err.msg, path);
	/* dd_docker_call too, not only ping. */
	dd_error_clear(&err);
	r = dd_docker_call(d, "GET", "/info", NULL, NULL, NULL, &err);
	assert_true(r < 0);
	assert_contains(err.msg, path);
	dd_docker_free(d);
	unlink(path);
	rmdir(dir);
}

static void h_ping(struct fake_daemon *f, int fd, const struct fake_request *req)
{
	(void)f;
	if (strstr(req->target, "/_ping"))
		fake_respond(fd, 200, "OK", "text/plain; charset=utf-8", "OK");
	else
		fake_respond(fd, 500, "Internal Server Error", "text/plain", "boom");
}

static void test_ping(void **state)
{
	struct fake_daemon *f = *state;
	dd_docker *d = start_and_open(f, h_ping, NULL);
	dd_error err = {0};
	int r = dd_docker_ping(d, &err);
	if (r < 0)
		fail_msg("ping: %s", err.msg);
	close_client(f);
	fake_stop(f);
	assert_int_equal(f->nreqs, 1);
	assert_string_equal(f->reqs[0].method, "GET");
	assert_true(strcmp(f->reqs[0].target, API "/_ping") == 0 ||
	            strcmp(f->reqs[0].target, "/_ping") == 0);
}

/* ---- (k) DOCKER_HOST ---- */

struct saved_env {
	char *value;
	bool set;
};

static struct saved_env save_docker_host(void)
{
	const char *v = getenv("DOCKER_HOST");
	return (struct saved_env){.value = v ? strdup(v) : NULL, .set = v != NULL};
}

static void restore_docker_host(struct saved_env *s)
{
	if (s->set)
		setenv("DOCKER_HOST", s->value, 1);
	else
		unsetenv("DOCKER_HOST");
	free(s->value);
}

static void test_docker_host(void **state)
{
	struct fake_daemon *f = *state;
	assert_int_equal(fake_start(f, h_ping, NULL), 0);
	struct saved_env saved = save_docker_host();
	char url[256];
	snprintf(url, sizeof(url), "unix://%s", f->path);

	setenv("DOCKER_HOST", url, 1);
	dd_docker *d = NULL;
	dd_error err = {0};
	assert_int_equal(dd_docker_open(NULL, &d, &err), 0);
	assert_string_equal(dd_docker_socket_path(d), f->path);
	int r = dd_docker_ping(d, &err);
	if (r < 0)
		fail_msg("ping through DOCKER_HOST: %s", err.msg);
	/* A duplicate talks to the same daemon. */
	dd_docker *d2 = NULL;
	assert_int_equal(dd_docker_dup(d, &d2, &err), 0);
	assert_string_equal(dd_docker_socket_path(d2), f->path);
	assert_int_equal(dd_docker_ping(d2, &err), 0);
	dd_docker_free(d2);
	dd_docker_free(d);

	/* TCP is not supported: a usage error (exit 2) that names the value. */
	setenv("DOCKER_HOST", "tcp://127.0.0.1:2375", 1);
	dd_error_clear(&err);
	d = NULL;
	r = dd_docker_open(NULL, &d, &err);
	assert_true(r < 0);
	assert_null(d);
	assert_int_equal(err.code, r);
	assert_int_equal(err.kind, DD_ERR_USAGE);
	assert_contains(err.msg, "tcp://127.0.0.1:2375");

	/* An explicit host wins over DOCKER_HOST. */
	dd_error_clear(&err);
	assert_int_equal(dd_docker_open(url, &d, &err), 0);
	assert_string_equal(dd_docker_socket_path(d), f->path);
	dd_docker_free(d);

	/* Unset: the standard socket (not contacted here). */
	unsetenv("DOCKER_HOST");
	assert_int_equal(dd_docker_open(NULL, &d, &err), 0);
	assert_string_equal(dd_docker_socket_path(d), "/var/run/docker.sock");
	dd_docker_free(d);

	restore_docker_host(&saved);
	fake_stop(f);
	assert_int_equal(f->nreqs, 2);
}

static void test_escape(void **state)
{
	(void)state;
	char *e = dd_docker_escape("{\"label\":[\"dcos-docker.cluster=my cluster/é&x\"]}");
	assert_string_equal(e,
	                    "%7B%22label%22%3A%5B%22dcos-docker.cluster%3Dmy%20cluster%2F%C3%A9%26x"
	                    "%22%5D%7D");
	free(e);
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
	const struct CMUnitTest tests[] = {
	    T(test_get_json),
	    T(test_post_json_body),
	    T(test_keepalive),
	    T(test_chunked_trickle),
	    T(test_body_until_close),
	    T(test_error_404_json),
	    T(test_error_500_text),
	    T(test_body_over_cap),
	    T(test_closed_mid_answer),
	    T(test_no_content),
	    T(test_stream_multiplexed),
	    T(test_stream_error_answer),
	    T(test_stream_callback_abort),
	    T(test_streamed_request_body),
	    T(test_request_body_reader_error),
	    T(test_no_daemon),
	    T(test_ping),
	    T(test_docker_host),
	    T(test_escape),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
