/* A fake Docker daemon for unit tests: an HTTP/1.1 server on a unix socket in
 * a temporary directory, run by one thread. It reads each request (head and
 * body, Content-Length or chunked), records it, and lets the test's handler
 * write whatever answer the test needs, well-formed or not.
 *
 * Each connection gets its own thread (a dd_docker and its dd_docker_dup hold
 * two connections at once). Server threads never call cmocka (its asserts longjmp on the calling
 * thread's stack): it records what it saw, including protocol errors in
 * f->error, and the test asserts on that after fake_stop() joined the thread.
 *
 * Header-only on purpose: each tests/unit/test-*.c is built alone. */
#ifndef DD_TEST_FAKE_DAEMON_H
#define DD_TEST_FAKE_DAEMON_H

#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "docker/stream-internal.h"

#define FAKE_MAX_REQUESTS    16
#define FAKE_MAX_CONNECTIONS 16
#define FAKE_MAX_HEAD        16384
#define FAKE_MAX_BODY        (4u << 20)
/* Only a safety net so a broken client cannot hang the suite forever. */
#define FAKE_IO_TIMEOUT_MS 10000

struct fake_request {
	char method[16];
	char target[2048];           /* request-target as sent: "/v1.41/containers/json?all=1" */
	char headers[FAKE_MAX_HEAD]; /* header lines, CRLF-separated, without the request line */
	char *body;                  /* NUL-terminated; owned by the fake */
	size_t body_len;
	bool chunked;   /* the body came with Transfer-Encoding: chunked */
	int connection; /* 1-based number of the connection it came on */
};

struct fake_daemon;
/* Answers one request on fd; may run on several connection threads at once.
 * Call fake_close_after() to close the connection after it. */
typedef void (*fake_handler)(struct fake_daemon *f, int fd, const struct fake_request *req);

static __thread bool fake_close_conn;
static inline void fake_close_after(void)
{
	fake_close_conn = true;
}

struct fake_daemon {
	char dir[64];
	char path[108]; /* the socket (sun_path size) */
	int listen_fd;
	int stop_pipe[2];
	pthread_t thread;
	bool started;
	fake_handler handler;
	void *userdata;
	pthread_mutex_t lock;
	pthread_t conn_threads[FAKE_MAX_CONNECTIONS];

	/* Written by server threads under lock; read by the test after fake_stop(). */
	struct fake_request reqs[FAKE_MAX_REQUESTS];
	int nreqs;
	int connections;
	char error[512]; /* first protocol error the server saw, "" if none */
};

static void fake_errorf(struct fake_daemon *f, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void fake_errorf(struct fake_daemon *f, const char *fmt, ...)
{
	pthread_mutex_lock(&f->lock);
	if (!f->error[0]) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(f->error, sizeof(f->error), fmt, ap);
		va_end(ap);
	}
	pthread_mutex_unlock(&f->lock);
}

static void fake_usleep(long us)
{
	struct timespec ts = {.tv_sec = us / 1000000, .tv_nsec = (us % 1000000) * 1000};
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* Writes everything, or gives up quietly when the client went away (some
 * tests make the client hang up on purpose). Returns 0 or -errno. */
static int fake_send(int fd, const void *buf, size_t len)
{
	const char *p = buf;
	while (len > 0) {
		ssize_t n = send(fd, p, len, MSG_NOSIGNAL);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static int fake_sendf(int fd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int fake_sendf(int fd, const char *fmt, ...)
{
	char *s = NULL;
	va_list ap;
	va_start(ap, fmt);
	int n = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (n < 0)
		return -ENOMEM;
	int r = fake_send(fd, s, (size_t)n);
	free(s);
	return r;
}

/* A complete response with Content-Length. content_type may be NULL. */
static int fake_respond(int fd, int status, const char *reason, const char *content_type,
                        const char *body)
{
	size_t len = body ? strlen(body) : 0;
	char ct[256] = "";
	if (content_type)
		snprintf(ct, sizeof(ct), "Content-Type: %s\r\n", content_type);
	int r = fake_sendf(fd,
	                   "HTTP/1.1 %d %s\r\nApi-Version: 1.41\r\nServer: fake-docker\r\n%s"
	                   "Content-Length: %zu\r\n\r\n",
	                   status, reason, ct, len);
	if (r == 0 && len > 0)
		r = fake_send(fd, body, len);
	return r;
}

/* Sends buf in pieces of 1..max_piece bytes (a fixed pseudo-random pattern),
 * pausing pause_us between them, so the client sees every kind of split. */
__attribute__((unused)) static int fake_send_trickle(int fd, const char *buf, size_t len,
                                                     size_t max_piece, long pause_us)
{
	unsigned seed = 12345;
	while (len > 0) {
		seed = seed * 1103515245u + 12345u;
		size_t n = 1 + (seed >> 16) % max_piece;
		if (n > len)
			n = len;
		int r = fake_send(fd, buf, n);
		if (r < 0)
			return r;
		buf += n;
		len -= n;
		if (pause_us > 0)
			fake_usleep(pause_us);
	}
	return 0;
}

/* Encodes body as chunks of 1..max_chunk bytes (hex sizes, one with an
 * extension) into a malloc'ed buffer, final chunk and CRLF included. */
__attribute__((unused)) static char *fake_chunk_encode(const char *body, size_t len,
                                                       size_t max_chunk, size_t *ret_len)
{
	size_t cap = len * 16 + 64, n = 0;
	char *out = malloc(cap);
	if (!out)
		abort();
	unsigned seed = 777;
	bool ext = true;
	while (len > 0) {
		seed = seed * 1103515245u + 12345u;
		size_t k = 1 + (seed >> 16) % max_chunk;
		if (k > len)
			k = len;
		n += (size_t)sprintf(out + n, "%zx%s\r\n", k, ext ? ";fake=1" : "");
		ext = false;
		memcpy(out + n, body, k);
		n += k;
		memcpy(out + n, "\r\n", 2);
		n += 2;
		body += k;
		len -= k;
	}
	n += (size_t)sprintf(out + n, "0\r\n\r\n");
	*ret_len = n;
	return out;
}

/* ---- server side ---- */

struct fake_conn {
	int fd;
	char buf[65536];
	size_t len;
};

/* Waits for input or for fake_stop(). */
static int fake_wait(struct fake_daemon *f, int fd)
{
	for (;;) {
		struct pollfd p[2] = {{.fd = fd, .events = POLLIN},
		                      {.fd = f->stop_pipe[0], .events = POLLIN}};
		int r = poll(p, 2, FAKE_IO_TIMEOUT_MS);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -errno;
		if (r == 0)
			return -ETIMEDOUT;
		if (p[1].revents)
			return -ECANCELED;
		return 0;
	}
}

/* Reads more bytes into c->buf. Returns the count, 0 at EOF, -errno. */
static ssize_t fake_fill(struct fake_daemon *f, struct fake_conn *c)
{
	if (c->len == sizeof(c->buf))
		return -ENOBUFS;
	int r = fake_wait(f, c->fd);
	if (r < 0)
		return r;
	for (;;) {
		ssize_t n = recv(c->fd, c->buf + c->len, sizeof(c->buf) - c->len, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return errno == ECONNRESET ? 0 : -errno;
		c->len += (size_t)n;
		return n;
	}
}

static void fake_consume(struct fake_conn *c, size_t n)
{
	memmove(c->buf, c->buf + n, c->len - n);
	c->len -= n;
}

struct fake_body {
	char *buf;
	size_t len;
};

static int fake_body_append(const char *buf, size_t len, void *userdata)
{
	struct fake_body *b = userdata;
	if (b->len + len > FAKE_MAX_BODY)
		return -E2BIG;
	memcpy(b->buf + b->len, buf, len);
	b->len += len;
	b->buf[b->len] = '\0';
	return 0;
}

/* Finds header name in a CRLF-separated block; copies its trimmed value. */
static bool fake_header(const char *headers, const char *name, char *val, size_t size)
{
	size_t nl = strlen(name);
	for (const char *p = headers; *p;) {
		const char *e = strstr(p, "\r\n");
		size_t n = e ? (size_t)(e - p) : strlen(p);
		if (n > nl && strncasecmp(p, name, nl) == 0 && p[nl] == ':') {
			const char *v = p + nl + 1;
			while (*v == ' ' || *v == '\t')
				v++;
			size_t vn = (size_t)(p + n - v);
			while (vn > 0 && (v[vn - 1] == ' ' || v[vn - 1] == '\t'))
				vn--;
			if (val) {
				if (vn >= size)
					vn = size - 1;
				memcpy(val, v, vn);
				val[vn] = '\0';
			}
			return true;
		}
		p += n + (e ? 2 : 0);
	}
	return false;
}

/* Reads one request. Returns 1 with *req filled, 0 on a clean EOF before a
 * request, negative on errors (recorded in f->error unless the client just
 * went away between requests). */
static int fake_read_request(struct fake_daemon *f, struct fake_conn *c, struct fake_request *req)
{
	memset(req, 0, sizeof(*req));
	char *end;
	while (!(end = memmem(c->buf, c->len, "\r\n\r\n", 4))) {
		ssize_t n = fake_fill(f, c);
		if (n == 0 && c->len == 0)
			return 0;
		if (n == -ECANCELED)
			return (int)n;
		if (n <= 0) {
			fake_errorf(f, "reading a request head: %s",
			            n == 0 ? "connection closed mid-head" : strerror((int)-n));
			return n == 0 ? -EPIPE : (int)n;
		}
	}
	size_t head_len = (size_t)(end - c->buf) + 4;
	char *line_end = memmem(c->buf, head_len, "\r\n", 2);
	char line[4096];
	size_t ln = (size_t)(line_end - c->buf);
	if (ln >= sizeof(line)) {
		fake_errorf(f, "request line too long");
		return -E2BIG;
	}
	memcpy(line, c->buf, ln);
	line[ln] = '\0';
	char *sp1 = strchr(line, ' '), *sp2 = sp1 ? strchr(sp1 + 1, ' ') : NULL;
	if (!sp1 || !sp2 || strcmp(sp2 + 1, "HTTP/1.1") != 0 ||
	    (size_t)(sp1 - line) >= sizeof(req->method) ||
	    (size_t)(sp2 - sp1 - 1) >= sizeof(req->target)) {
		fake_errorf(f, "malformed request line: %s", line);
		return -EPROTO;
	}
	memcpy(req->method, line, (size_t)(sp1 - line));
	memcpy(req->target, sp1 + 1, (size_t)(sp2 - sp1 - 1));
	size_t hn = head_len - ln - 2 - 2; /* header lines, last CRLF kept */
	if (hn >= sizeof(req->headers)) {
		fake_errorf(f, "request head too long");
		return -E2BIG;
	}
	memcpy(req->headers, line_end + 2, hn);
	req->headers[hn] = '\0';
	fake_consume(c, head_len);

	char val[256];
	if (fake_header(req->headers, "Expect", val, sizeof(val)) &&
	    strcasecmp(val, "100-continue") == 0)
		fake_send(c->fd, "HTTP/1.1 100 Continue\r\n\r\n", 25);

	struct fake_body body = {.buf = malloc(FAKE_MAX_BODY + 1)};
	if (!body.buf)
		abort();
	body.buf[0] = '\0';
	if (fake_header(req->headers, "Transfer-Encoding", val, sizeof(val))) {
		if (strcasecmp(val, "chunked") != 0) {
			fake_errorf(f, "unexpected Transfer-Encoding: %s", val);
			free(body.buf);
			return -EPROTO;
		}
		req->chunked = true;
		dd_chunked ch;
		dd_chunked_init(&ch, fake_body_append, &body);
		for (;;) {
			size_t used = 0;
			int r = dd_chunked_feed(&ch, c->buf, c->len, &used);
			if (r < 0) {
				fake_errorf(f, "bad chunked request body: %s", strerror(-r));
				free(body.buf);
				return r;
			}
			fake_consume(c, used);
			if (dd_chunked_done(&ch))
				break;
			ssize_t n = fake_fill(f, c);
			if (n <= 0) {
				fake_errorf(f, "chunked request body cut short after %zu bytes",
				            body.len);
				free(body.buf);
				return n == 0 ? -EPIPE : (int)n;
			}
		}
	} else if (fake_header(req->headers, "Content-Length", val, sizeof(val))) {
		size_t want = strtoul(val, NULL, 10);
		if (want > FAKE_MAX_BODY) {
			fake_errorf(f, "request body too big: %zu", want);
			free(body.buf);
			return -E2BIG;
		}
		while (body.len < want) {
			if (c->len == 0) {
				ssize_t n = fake_fill(f, c);
				if (n <= 0) {
					fake_errorf(f, "request body cut short");
					free(body.buf);
					return n == 0 ? -EPIPE : (int)n;
				}
			}
			size_t k = c->len < want - body.len ? c->len : want - body.len;
			fake_body_append(c->buf, k, &body);
			fake_consume(c, k);
		}
	}
	req->body = body.buf;
	req->body_len = body.len;
	return 1;
}

struct fake_conn_arg {
	struct fake_daemon *f;
	int fd;
	int number;
};

static void *fake_conn_thread(void *arg)
{
	struct fake_conn_arg a = *(struct fake_conn_arg *)arg;
	free(arg);
	struct fake_daemon *f = a.f;
	struct fake_conn *c = malloc(sizeof(*c));
	struct fake_request *req = malloc(sizeof(*req));
	if (!c || !req)
		abort();
	c->fd = a.fd;
	c->len = 0;
	fake_close_conn = false;
	while (!fake_close_conn) {
		int r = fake_read_request(f, c, req);
		if (r <= 0)
			break;
		req->connection = a.number;
		pthread_mutex_lock(&f->lock);
		int idx = f->nreqs < FAKE_MAX_REQUESTS ? f->nreqs++ : -1;
		if (idx >= 0)
			f->reqs[idx] = *req;
		pthread_mutex_unlock(&f->lock);
		if (idx < 0) {
			fake_errorf(f, "more than %d requests", FAKE_MAX_REQUESTS);
			free(req->body);
			break;
		}
		/* reqs[idx] is never written again: safe to read without the lock. */
		f->handler(f, c->fd, &f->reqs[idx]);
	}
	close(c->fd);
	free(req);
	free(c);
	return NULL;
}

static void *fake_thread(void *arg)
{
	struct fake_daemon *f = arg;
	int n = 0;
	for (;;) {
		int w = fake_wait(f, f->listen_fd);
		if (w == -ETIMEDOUT)
			continue; /* a test may take its time before connecting */
		if (w < 0)
			break;
		int fd = accept4(f->listen_fd, NULL, NULL, SOCK_CLOEXEC);
		if (fd < 0)
			continue;
		struct fake_conn_arg *a = malloc(sizeof(*a));
		if (!a)
			abort();
		*a = (struct fake_conn_arg){.f = f, .fd = fd, .number = n + 1};
		if (n == FAKE_MAX_CONNECTIONS ||
		    pthread_create(&f->conn_threads[n], NULL, fake_conn_thread, a) != 0) {
			fake_errorf(f, "too many connections");
			close(fd);
			free(a);
			continue;
		}
		n++;
		pthread_mutex_lock(&f->lock);
		f->connections = n;
		pthread_mutex_unlock(&f->lock);
	}
	/* fake_stop() made the stop pipe readable: every connection thread sees it. */
	for (int i = 0; i < n; i++)
		pthread_join(f->conn_threads[i], NULL);
	return NULL;
}

/* Must be called before anything else (fake_free() is then always safe). */
static void fake_init(struct fake_daemon *f)
{
	memset(f, 0, sizeof(*f));
	f->listen_fd = f->stop_pipe[0] = f->stop_pipe[1] = -1;
	pthread_mutex_init(&f->lock, NULL);
}

/* Creates the socket in a new temp dir and starts serving. Returns 0 or -errno. */
static int fake_start(struct fake_daemon *f, fake_handler handler, void *userdata)
{
	f->handler = handler;
	f->userdata = userdata;
	snprintf(f->dir, sizeof(f->dir), "/tmp/dd-test-http-XXXXXX");
	if (!mkdtemp(f->dir))
		return -errno;
	snprintf(f->path, sizeof(f->path), "%s/docker.sock", f->dir);
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", f->path);
	f->listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (f->listen_fd < 0 || bind(f->listen_fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    listen(f->listen_fd, 8) < 0 || pipe2(f->stop_pipe, O_CLOEXEC) < 0)
		return -errno;
	if (pthread_create(&f->thread, NULL, fake_thread, f) != 0)
		return -EAGAIN;
	f->started = true;
	return 0;
}

/* Stops the thread, removes the socket and its directory. Idempotent; after
 * it, reqs/nreqs/connections/error are stable for the test to check. */
static void fake_stop(struct fake_daemon *f)
{
	if (f->started) {
		(void)!write(f->stop_pipe[1], "x", 1);
		pthread_join(f->thread, NULL);
		f->started = false;
	}
	if (f->listen_fd >= 0)
		close(f->listen_fd);
	if (f->stop_pipe[0] >= 0)
		close(f->stop_pipe[0]);
	if (f->stop_pipe[1] >= 0)
		close(f->stop_pipe[1]);
	f->listen_fd = f->stop_pipe[0] = f->stop_pipe[1] = -1;
	if (f->path[0])
		unlink(f->path);
	if (f->dir[0])
		rmdir(f->dir);
	f->path[0] = f->dir[0] = '\0';
}

/* Frees what fake_stop() left for inspection. */
static void fake_free(struct fake_daemon *f)
{
	fake_stop(f);
	for (int i = 0; i < f->nreqs; i++)
		free(f->reqs[i].body);
	f->nreqs = 0;
	pthread_mutex_destroy(&f->lock);
}

#endif
