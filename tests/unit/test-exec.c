/* dd_exec against a fake daemon: the hijacked connection for stdin and TTY
 * (upgrade request, stdin copied and half-closed, output demultiplexed or
 * raw, resize, error answers with chunked JSON), and the daemon's "cannot
 * start" message turned into a shell-like exit code and stderr line. */
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
#include "dcos-docker/exec.h"
#include "docker/docker-internal.h"
#include "docker/stream-internal.h"
#include "fake-daemon.h"

#define API "/v" DD_DOCKER_API_VERSION

/* What the fake answers; read by its threads, written by the test before fake_start(). */
struct scenario {
	const char *frames; /* body of a non-interactive start */
	size_t frames_len;
	const char *inspect;      /* GET /exec/e1/json */
	const char *create_error; /* non-NULL: POST /containers/c1/exec fails with 409 and this */
	bool upgrade_404;         /* the upgraded start answers 404 with a chunked JSON body */
	bool echo;                /* upgraded, multiplexed: echo stdin as stdout frames until EOF */
	const char *raw;          /* upgraded, TTY: send this raw and close */
};

struct out {
	char *buf[3];
	size_t len[3];
};

struct ctx {
	struct fake_daemon f; /* first member: the handler gets it */
	struct scenario sc;
	dd_docker *d;
	struct out out;
	FILE *in;
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
	fake_free(&t->f);
	for (int i = 0; i < 3; i++)
		free(t->out.buf[i]);
	if (t->in)
		fclose(t->in);
	free(t);
	return 0;
}

static int on_output(int stream, const char *buf, size_t len, void *userdata)
{
	struct out *o = userdata;
	if (stream < 1 || stream > 2)
		return -EINVAL;
	char *nb = realloc(o->buf[stream], o->len[stream] + len + 1);
	if (!nb)
		return -ENOMEM;
	memcpy(nb + o->len[stream], buf, len);
	o->len[stream] += len;
	nb[o->len[stream]] = '\0';
	o->buf[stream] = nb;
	return 0;
}

static const char *out_str(const struct out *o, int stream)
{
	return o->buf[stream] ? o->buf[stream] : "";
}

/* Appends one multiplexed frame to buf at *len. */
static void frame(char *buf, size_t *len, int stream, const char *data, size_t n)
{
	unsigned char h[8] = {(unsigned char)stream,
	                      0,
	                      0,
	                      0,
	                      (unsigned char)(n >> 24),
	                      (unsigned char)(n >> 16),
	                      (unsigned char)(n >> 8),
	                      (unsigned char)n};
	memcpy(buf + *len, h, 8);
	memcpy(buf + *len + 8, data, n);
	*len += 8 + n;
}

static void upgraded_echo(int fd)
{
	char buf[65536];
	for (;;) {
		ssize_t n = recv(fd, buf, sizeof(buf), 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break; /* EOF: the client half-closed after its stdin ended */
		size_t k = (size_t)n;
		char hdr[8] = {DD_STREAM_STDOUT, 0,      0, 0, (char)(k >> 24), (char)(k >> 16),
		               (char)(k >> 8),   (char)k};
		/* Header and payload in odd pieces: the client must reassemble. */
		if (fake_send_trickle(fd, hdr, 8, 3, 0) < 0 || fake_send(fd, buf, (size_t)n) < 0)
			return;
	}
	char tail[32];
	size_t len = 0;
	frame(tail, &len, DD_STREAM_STDERR, "bye\n", 4);
	fake_send(fd, tail, len);
}

static void handler(struct fake_daemon *f, int fd, const struct fake_request *req)
{
	const struct scenario *sc = &((struct ctx *)f)->sc;
	if (strcmp(req->target, API "/containers/c1/exec") == 0) {
		if (sc->create_error)
			fake_respond(fd, 409, "Conflict", "application/json", sc->create_error);
		else
			fake_respond(fd, 201, "Created", "application/json", "{\"Id\":\"e1\"}");
	} else if (strcmp(req->target, API "/exec/e1/start") == 0) {
		char conn[64] = "";
		fake_header(req->headers, "Connection", conn, sizeof(conn));
		fake_close_after();
		if (strcasecmp(conn, "Upgrade") != 0) {
			fake_sendf(
			    fd,
			    "HTTP/1.1 200 OK\r\nContent-Type: "
			    "application/vnd.docker.raw-stream\r\nContent-Length: %zu\r\n\r\n",
			    sc->frames_len);
			fake_send_trickle(fd, sc->frames, sc->frames_len, 5, 0);
			return;
		}
		if (sc->upgrade_404) {
			const char *msg = "{\"message\":\"No such exec instance: e1\"}\n";
			size_t n;
			char *chunks = fake_chunk_encode(msg, strlen(msg), 6, &n);
			fake_sendf(fd,
			           "HTTP/1.1 404 Not Found\r\nContent-Type: application/json\r\n"
			           "Transfer-Encoding: chunked\r\n\r\n");
			fake_send_trickle(fd, chunks, n, 7, 0);
			free(chunks);
			return;
		}
		fake_sendf(fd, "HTTP/1.1 101 UPGRADED\r\nContent-Type: "
		               "application/vnd.docker.raw-stream\r\nConnection: Upgrade\r\n"
		               "Upgrade: tcp\r\n\r\n");
		if (sc->echo)
			upgraded_echo(fd);
		else if (sc->raw)
			fake_send(fd, sc->raw, strlen(sc->raw));
	} else if (strcmp(req->target, API "/exec/e1/json") == 0) {
		fake_respond(fd, 200, "OK", "application/json", sc->inspect);
	} else if (strncmp(req->target, API "/exec/e1/resize?", strlen(API "/exec/e1/resize?")) ==
	           0) {
		fake_respond(fd, 201, "Created", NULL, NULL);
	} else {
		fake_errorf(f, "unexpected request %s %s", req->method, req->target);
		fake_respond(fd, 404, "Not Found", "application/json", "{\"message\":\"no\"}");
	}
}

static dd_docker *start(struct ctx *t)
{
	assert_int_equal(fake_start(&t->f, handler, NULL), 0);
	dd_error err = {0};
	if (dd_docker_open(t->f.path, &t->d, &err) < 0)
		fail_msg("dd_docker_open: %s", err.msg);
	return t->d;
}

static const char *argv_foo[] = {"foo", "bar", NULL};

static dd_exec_opts opts_for(struct ctx *t)
{
	return (dd_exec_opts){.argv = argv_foo,
	                      .stdin_fd = -1,
	                      .resize_fd = -1,
	                      .name = "master1",
	                      .on_output = on_output,
	                      .userdata = &t->out};
}

static const char oci_not_found[] =
    "OCI runtime exec failed: exec failed: unable to start container process: exec: "
    "\"foo\": executable file not found in $PATH: unknown\r\n";

static void test_start_failure_becomes_127(void **state)
{
	struct ctx *t = *state;
	static char frames[512];
	size_t n = 0;
	frame(frames, &n, DD_STREAM_STDOUT, oci_not_found, strlen(oci_not_found));
	t->sc = (struct scenario){.frames = frames,
	                          .frames_len = n,
	                          .inspect = "{\"Running\":false,\"ExitCode\":126,\"Pid\":0}"};
	dd_docker *d = start(t);
	dd_exec_opts o = opts_for(t);
	dd_error err = {0};
	int code = -1;
	int r = dd_exec(d, "c1", &o, &code, &err);
	fake_stop(&t->f);
	assert_string_equal(t->f.error, "");
	if (r < 0)
		fail_msg("dd_exec: %s", err.msg);
	assert_int_equal(code, 127);
	assert_string_equal(out_str(&t->out, 1), "");
	assert_string_equal(out_str(&t->out, 2),
	                    "executable file not found in node master1: foo\n");
}

static void test_same_text_from_a_process_that_ran_passes(void **state)
{
	struct ctx *t = *state;
	static char frames[512];
	size_t n = 0;
	frame(frames, &n, DD_STREAM_STDOUT, oci_not_found, strlen(oci_not_found));
	t->sc = (struct scenario){.frames = frames,
	                          .frames_len = n,
	                          .inspect = "{\"Running\":false,\"ExitCode\":126,\"Pid\":4242}"};
	dd_docker *d = start(t);
	dd_exec_opts o = opts_for(t);
	dd_error err = {0};
	int code = -1;
	assert_int_equal(dd_exec(d, "c1", &o, &code, &err), 0);
	assert_int_equal(code, 126);
	assert_string_equal(out_str(&t->out, 1), oci_not_found);
	assert_string_equal(out_str(&t->out, 2), "");
}

static void test_held_prefix_released_in_order(void **state)
{
	struct ctx *t = *state;
	static char frames[512];
	size_t n = 0;
	frame(frames, &n, DD_STREAM_STDOUT, "OC", 2);    /* could start Docker's message... */
	frame(frames, &n, DD_STREAM_STDOUT, "Kay\n", 4); /* ...but does not */
	frame(frames, &n, DD_STREAM_STDERR, "e\n", 2);
	frame(frames, &n, DD_STREAM_STDOUT, "unable to find user? no, me\n", 28);
	t->sc = (struct scenario){.frames = frames,
	                          .frames_len = n,
	                          .inspect = "{\"Running\":false,\"ExitCode\":0,\"Pid\":99}"};
	dd_docker *d = start(t);
	dd_exec_opts o = opts_for(t);
	dd_error err = {0};
	int code = -1;
	assert_int_equal(dd_exec(d, "c1", &o, &code, &err), 0);
	assert_int_equal(code, 0);
	assert_string_equal(out_str(&t->out, 1), "OCKay\nunable to find user? no, me\n");
	assert_string_equal(out_str(&t->out, 2), "e\n");
}

static void test_stdin_through_the_upgraded_connection(void **state)
{
	struct ctx *t = *state;
	t->sc = (struct scenario){.echo = true,
	                          .inspect = "{\"Running\":false,\"ExitCode\":3,\"Pid\":7}"};
	/* 1 MiB with every byte value: more than any socket buffer, so both
	 * directions must make progress at once. */
	const size_t size = 1u << 20;
	t->in = tmpfile();
	assert_non_null(t->in);
	unsigned seed = 42;
	for (size_t i = 0; i < size; i++) {
		seed = seed * 1103515245u + 12345u;
		fputc((int)(seed >> 16) & 0xff, t->in);
	}
	fflush(t->in);
	rewind(t->in);
	dd_docker *d = start(t);
	dd_exec_opts o = opts_for(t);
	o.stdin_fd = fileno(t->in);
	dd_error err = {0};
	int code = -1;
	int r = dd_exec(d, "c1", &o, &code, &err);
	fake_stop(&t->f);
	assert_string_equal(t->f.error, "");
	if (r < 0)
		fail_msg("dd_exec: %s", err.msg);
	assert_int_equal(code, 3);
	assert_int_equal(t->out.len[1], size);
	seed = 42;
	for (size_t i = 0; i < size; i++) {
		seed = seed * 1103515245u + 12345u;
		if ((unsigned char)t->out.buf[1][i] != ((seed >> 16) & 0xff))
			fail_msg("byte %zu differs", i);
	}
	assert_string_equal(out_str(&t->out, 2), "bye\n");

	const struct fake_request *start_req = NULL, *create_req = NULL;
	for (int i = 0; i < t->f.nreqs; i++) {
		if (strcmp(t->f.reqs[i].target, API "/exec/e1/start") == 0)
			start_req = &t->f.reqs[i];
		if (strcmp(t->f.reqs[i].target, API "/containers/c1/exec") == 0)
			create_req = &t->f.reqs[i];
	}
	assert_non_null(start_req);
	assert_non_null(create_req);
	char v[64];
	assert_true(fake_header(start_req->headers, "Upgrade", v, sizeof(v)));
	assert_string_equal(v, "tcp");
	assert_string_equal(start_req->body, "{\"Detach\":false,\"Tty\":false}");
	assert_non_null(strstr(create_req->body, "\"AttachStdin\":true"));
	assert_non_null(strstr(create_req->body, "[\"foo\",\"bar\"]"));
}

static int size_24x80(unsigned *ret_rows, unsigned *ret_cols, void *userdata)
{
	(void)userdata;
	*ret_rows = 24;
	*ret_cols = 80;
	return 0;
}

static void test_tty_is_raw_and_resized(void **state)
{
	struct ctx *t = *state;
	/* Not a valid frame header: a TTY stream must not be demultiplexed. */
	t->sc = (struct scenario){.raw = "hello\r\n\x01\x02",
	                          .inspect = "{\"Running\":false,\"ExitCode\":0,\"Pid\":7}"};
	t->in = tmpfile();
	assert_non_null(t->in);
	dd_docker *d = start(t);
	dd_exec_opts o = opts_for(t);
	o.tty = true;
	o.stdin_fd = fileno(t->in);
	o.get_size = size_24x80;
	dd_error err = {0};
	int code = -1;
	int r = dd_exec(d, "c1", &o, &code, &err);
	fake_stop(&t->f);
	assert_string_equal(t->f.error, "");
	if (r < 0)
		fail_msg("dd_exec: %s", err.msg);
	assert_string_equal(out_str(&t->out, 1), "hello\r\n\x01\x02");
	bool resized = false;
	for (int i = 0; i < t->f.nreqs; i++)
		resized |= strcmp(t->f.reqs[i].target, API "/exec/e1/resize?h=24&w=80") == 0;
	assert_true(resized);
}

static void test_upgrade_error_reports_dockers_message(void **state)
{
	struct ctx *t = *state;
	t->sc = (struct scenario){.upgrade_404 = true};
	t->in = tmpfile();
	assert_non_null(t->in);
	dd_docker *d = start(t);
	dd_exec_opts o = opts_for(t);
	o.stdin_fd = fileno(t->in);
	dd_error err = {0};
	int code = -1;
	assert_true(dd_exec(d, "c1", &o, &code, &err) < 0);
	assert_int_equal(code, -1);
	if (!strstr(err.msg, "No such exec instance: e1") || !strstr(err.msg, "master1"))
		fail_msg("unexpected message: %s", err.msg);
}

static void test_stopped_container(void **state)
{
	struct ctx *t = *state;
	t->sc = (struct scenario){.create_error = "{\"message\":\"Container c1 is not running\"}"};
	dd_docker *d = start(t);
	dd_exec_opts o = opts_for(t);
	dd_error err = {0};
	int code = -1;
	assert_int_equal(dd_exec(d, "c1", &o, &code, &err), -ESRCH);
	assert_string_equal(err.msg, "Node master1 is not running");
	assert_non_null(strstr(err.hint, "docker start c1"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_start_failure_becomes_127, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_same_text_from_a_process_that_ran_passes, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(test_held_prefix_released_in_order, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_stdin_through_the_upgraded_connection, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(test_tty_is_raw_and_resized, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_upgrade_error_reports_dockers_message, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(test_stopped_container, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
