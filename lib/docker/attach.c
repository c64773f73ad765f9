/* Interactive exec: stdin and TTY need the connection that
 * POST /exec/{id}/start upgrades to a raw byte stream ("hijacking").
 *
 * A plain AF_UNIX socket, not libcurl's CONNECT_ONLY: on a unix socket
 * CONNECT_ONLY would only save the connect() call (no TLS, no proxy to go
 * through), while the request and the response head would still be written
 * and parsed by hand, and curl_easy_send/recv add a layer between poll() and
 * the descriptor without buying anything. The framing is the pure, unit-tested
 * code of stream.c (response head, chunked error bodies, multiplexed stream). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "dcos-docker/cancel.h"
#include "dcos-docker/exec.h"
#include "docker/docker-internal.h"
#include "docker/exec-internal.h"
#include "docker/stream-internal.h"
#include "util.h"

/* Both directions use one buffer this size: memory stays bounded whatever the volume. */
#define PUMP_BUF (64u << 10)
/* Docker's error bodies are one JSON line; keep the head of anything bigger. */
#define MAX_ERROR_BODY (64u << 10)

/* Milliseconds left until deadline (a dd_now() value; 0: none), for poll(). */
static int poll_timeout(double deadline)
{
	if (deadline <= 0)
		return -1;
	double left = (deadline - dd_now()) * 1000.0;
	if (left <= 0)
		return 0;
	return left > INT32_MAX ? INT32_MAX : (int)left + 1;
}

/* Waits until fd is ready for events. 0, -ETIMEDOUT, -ECANCELED or -errno. */
static int wait_fd(int fd, short events, double deadline)
{
	for (;;) {
		struct pollfd p = {.fd = fd, .events = events};
		int r = poll(&p, 1, poll_timeout(deadline));
		if (r > 0)
			return 0;
		if (r == 0)
			return -ETIMEDOUT;
		if (errno != EINTR)
			return -errno;
		if (dd_cancelled())
			return -ECANCELED;
	}
}

static int connect_daemon(const char *path, int *ret_fd, dd_error *err)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	if (dd_snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path) < 0)
		return dd_error_usage(err, -ENAMETOOLONG, "Docker socket path is too long: %s",
		                      path);
	_cleanup_close_ int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return dd_error_set(err, -errno, "Failed to create a socket: %s", strerror(errno));
	/* A unix socket connects at once or fails (EAGAIN: the daemon's backlog is full). */
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		int e = errno;
		dd_error_set(err, -e, "Cannot reach the Docker daemon at unix://%s: %s", path,
		             strerror(e));
		return dd_error_hint(err, "'dcos-docker doctor' checks the host.");
	}
	*ret_fd = TAKE_FD(fd);
	return 0;
}

static int send_all(int fd, const char *buf, size_t len, double deadline)
{
	while (len > 0) {
		ssize_t n = send(fd, buf, len, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n > 0) {
			buf += n;
			len -= (size_t)n;
			continue;
		}
		if (n < 0 && errno != EAGAIN && errno != EINTR)
			return -errno;
		int r = wait_fd(fd, POLLOUT, deadline);
		if (r < 0)
			return r;
	}
	return 0;
}

/* recv() that waits: >0 bytes, 0 at EOF, or a negative errno. */
static ssize_t recv_some(int fd, char *buf, size_t size, double deadline)
{
	for (;;) {
		ssize_t n = recv(fd, buf, size, MSG_DONTWAIT);
		if (n >= 0)
			return n;
		if (errno != EAGAIN && errno != EINTR)
			return errno == ECONNRESET ? 0 : -errno;
		int r = wait_fd(fd, POLLIN, deadline);
		if (r < 0)
			return r;
	}
}

/* Reads the body of an error answer (framed by Content-Length, chunked, or up
 * to EOF) and returns Docker's message in msg. */
static void read_error_body(int fd, const dd_http_head *h, const char *rest, size_t rest_len,
                            double deadline, char *msg, size_t msg_size)
{
	_cleanup_buf_ dd_buf b = DD_BUF_HEAD(MAX_ERROR_BODY);
	dd_chunked ch;
	dd_chunked_init(&ch, dd_buf_sink, &b);
	char buf[4096];
	const char *p = rest;
	size_t n = rest_len;
	uint64_t seen = 0;
	/* A daemon that answers an error keeps the connection open for the next
	 * request only when the body is framed; stop at the frame's end. */
	double until = deadline > 0 ? deadline : dd_now() + 10.0;
	for (;;) {
		if (h->chunked) {
			if (dd_chunked_feed(&ch, p, n, NULL) < 0 || dd_chunked_done(&ch))
				break;
		} else {
			if (h->content_length >= 0 && seen + n > (uint64_t)h->content_length)
				n = (size_t)((uint64_t)h->content_length - seen);
			dd_buf_sink(p, n, &b);
			seen += n;
			if (h->content_length >= 0 && seen >= (uint64_t)h->content_length)
				break;
		}
		if (b.len >= MAX_ERROR_BODY)
			break;
		ssize_t got = recv_some(fd, buf, sizeof(buf), until);
		if (got <= 0)
			break;
		p = buf;
		n = (size_t)got;
	}
	dd_response resp = {.status = h->status, .body = b.data, .body_len = b.len};
	dd_docker_error_text(&resp, msg, msg_size);
}

static void apply_size(dd_docker *d, const char *exec_id, const dd_exec_opts *opts)
{
	unsigned rows = 0, cols = 0;
	if (opts->get_size(&rows, &cols, opts->userdata) < 0 || rows == 0 || cols == 0)
		return;
	dd_error ignored = {0};
	/* Fails only when the process is already gone: nothing left to resize then. */
	(void)dd_exec_resize(d, exec_id, rows, cols, &ignored);
}

struct sink {
	const dd_exec_opts *opts;
	bool multiplexed;
	dd_demux demux;
};

static int on_frame(int stream, const char *buf, size_t len, void *userdata)
{
	const dd_exec_opts *opts = userdata;
	if (stream == DD_STREAM_STDIN) /* never sent for exec; nothing to show */
		return 0;
	return opts->on_output ? opts->on_output(stream, buf, len, opts->userdata) : 0;
}

static int sink_feed(struct sink *s, const char *buf, size_t len)
{
	if (len == 0)
		return 0;
	if (s->multiplexed)
		return dd_demux_feed(&s->demux, buf, len);
	return s->opts->on_output
	           ? s->opts->on_output(DD_STREAM_STDOUT, buf, len, s->opts->userdata)
	           : 0;
}

/* Copies stdin to the socket and the socket to the sink until the daemon
 * closes the stream (the process exited). The socket is non-blocking so
 * that a process which stops reading its stdin while we still have input
 * for it cannot stall the output side: never block on one direction while
 * the other has work. */
static int pump(dd_docker *d, const char *exec_id, int sock, const dd_exec_opts *opts,
                struct sink *s, double deadline, const char *label, dd_error *err)
{
	_cleanup_free_ char *obuf = dd_malloc0(PUMP_BUF);
	_cleanup_free_ char *ibuf = NULL;
	int in = opts->stdin_fd;
	size_t in_off = 0, in_len = 0;
	bool in_open = in >= 0, wr_closed = false;
	bool resizing = opts->tty && opts->get_size && opts->resize_fd >= 0;
	if (in_open)
		ibuf = dd_malloc0(PUMP_BUF);

	for (;;) {
		struct pollfd p[3];
		nfds_t n = 0;
		int i_sock = (int)n++, i_in = -1, i_rs = -1;
		p[i_sock] = (struct pollfd){.fd = sock, .events = POLLIN};
		if (in_len > in_off)
			p[i_sock].events |= POLLOUT;
		else if (in_open) {
			i_in = (int)n++;
			p[i_in] = (struct pollfd){.fd = in, .events = POLLIN};
		}
		if (resizing) {
			i_rs = (int)n++;
			p[i_rs] = (struct pollfd){.fd = opts->resize_fd, .events = POLLIN};
		}
		int r = poll(p, n, poll_timeout(deadline));
		if (r < 0) {
			if (errno != EINTR)
				return dd_error_set(err, -errno, "poll() failed: %s",
				                    strerror(errno));
			/* stop_on_cancel: dd_exec stops the process, and its last
			 * output still comes here until the daemon ends the stream. */
			if (dd_cancelled() && !opts->stop_on_cancel)
				return dd_error_set(err, -ECANCELED, "Interrupted");
			continue;
		}
		if (r == 0)
			return dd_error_set(err, -ETIMEDOUT, "The command in %s timed out", label);

		if (p[i_sock].revents & (POLLIN | POLLHUP | POLLERR)) {
			ssize_t got = recv(sock, obuf, PUMP_BUF, MSG_DONTWAIT);
			if (got == 0 || (got < 0 && errno == ECONNRESET))
				return 0; /* the process exited and the daemon closed the stream */
			if (got < 0 && errno != EAGAIN && errno != EINTR)
				return dd_error_set(err, -errno,
				                    "Lost the connection to the command in %s: %s",
				                    label, strerror(errno));
			if (got > 0) {
				r = sink_feed(s, obuf, (size_t)got);
				if (r == -EPROTO)
					return dd_error_set(
					    err, r, "Malformed output stream from %s", label);
				if (r < 0)
					return dd_error_set(err, r,
					                    "Output of the command in %s could not "
					                    "be delivered: %s",
					                    label, strerror(-r));
			}
		}
		/* Resize before sending input typed after the resize. */
		if (i_rs >= 0 && (p[i_rs].revents & POLLNVAL))
			resizing = false;
		else if (i_rs >= 0 && (p[i_rs].revents & (POLLIN | POLLHUP | POLLERR))) {
			char drain[64];
			ssize_t got = read(opts->resize_fd, drain, sizeof(drain));
			if (got == 0 || (got < 0 && errno != EAGAIN && errno != EINTR))
				resizing = false;
			apply_size(d, exec_id, opts);
		}
		if (in_len > in_off && (p[i_sock].revents & (POLLOUT | POLLERR | POLLHUP))) {
			ssize_t sent =
			    send(sock, ibuf + in_off, in_len - in_off, MSG_NOSIGNAL | MSG_DONTWAIT);
			if (sent > 0)
				in_off += (size_t)sent;
			else if (sent < 0 && (errno == EPIPE || errno == ECONNRESET)) {
				/* The process is gone or closed its input: keep reading its
				 * output, forget ours. */
				in_open = false;
				in_off = in_len = 0;
				wr_closed = true;
			} else if (sent < 0 && errno != EAGAIN && errno != EINTR)
				return dd_error_set(err, -errno, "Failed to send input to %s: %s",
				                    label, strerror(errno));
			if (in_off == in_len)
				in_off = in_len = 0;
		}
		if (i_in >= 0 && (p[i_in].revents & POLLNVAL))
			in_open = false;
		else if (i_in >= 0 && (p[i_in].revents & (POLLIN | POLLHUP | POLLERR))) {
			ssize_t got = read(in, ibuf, PUMP_BUF);
			if (got > 0)
				in_len = (size_t)got;
			else if (got == 0 || errno == EIO) /* EIO: the terminal hung up */
				in_open = false;
			else if (errno != EAGAIN && errno != EINTR)
				return dd_error_set(err, -errno,
				                    "Failed to read the input for %s: %s", label,
				                    strerror(errno));
		}
		if (!in_open && in_len == in_off && !wr_closed && !opts->tty) {
			/* The process sees EOF on its stdin. With a TTY the daemon would
			 * end the whole session instead, cutting off the output of a
			 * process that still runs: there, the end of our input only
			 * stops reading it (like `ssh -tt`; a terminal's own EOF is a
			 * ^D byte in the stream). */
			shutdown(sock, SHUT_WR);
			wr_closed = true;
		}
	}
}

int dd_exec_interactive(dd_docker *d, const char *exec_id, const char *label,
                        const dd_exec_opts *opts, dd_error *err)
{
	double deadline = opts->timeout_ms > 0 ? dd_now() + (double)opts->timeout_ms / 1000.0 : 0;
	_cleanup_close_ int sock = -1;
	int r = connect_daemon(dd_docker_socket_path(d), &sock, err);
	if (r < 0)
		return r;

	char body[64];
	snprintf(body, sizeof(body), "{\"Detach\":false,\"Tty\":%s}", opts->tty ? "true" : "false");
	_cleanup_free_ char *req =
	    dd_asprintf("POST /v" DD_DOCKER_API_VERSION "/exec/%s/start HTTP/1.1\r\n"
	                "Host: docker\r\n"
	                "Content-Type: application/json\r\n"
	                "Connection: Upgrade\r\n"
	                "Upgrade: tcp\r\n"
	                "Content-Length: %zu\r\n"
	                "\r\n%s",
	                exec_id, strlen(body), body);
	r = send_all(sock, req, strlen(req), deadline);
	if (r < 0)
		return dd_error_set(err, r, "Failed to start the command in %s: %s", label,
		                    strerror(-r));

	/* The head, and maybe the first bytes of the stream behind it. */
	_cleanup_free_ char *buf = dd_malloc0(DD_HTTP_MAX_HEAD + 1);
	size_t len = 0;
	dd_http_head h;
	for (;;) {
		ssize_t got = recv_some(sock, buf + len, DD_HTTP_MAX_HEAD - len, deadline);
		if (got < 0)
			return dd_error_set(
			    err, (int)got,
			    "No answer from the Docker daemon for the command in %s: %s", label,
			    strerror((int)-got));
		if (got == 0)
			return dd_error_set(err, -EPROTO,
			                    "The Docker daemon closed the connection before "
			                    "starting the command in %s",
			                    label);
		len += (size_t)got;
		r = dd_http_parse_response_head(buf, len, &h);
		if (r == 0)
			break;
		if (r != -EAGAIN || len >= DD_HTTP_MAX_HEAD)
			return dd_error_set(
			    err, r == -EAGAIN ? -E2BIG : r,
			    "The Docker daemon sent a malformed answer to exec start for %s",
			    label);
	}

	if (h.status != 101 && h.status != 200) {
		char msg[1024];
		read_error_body(sock, &h, buf + h.head_len, len - h.head_len, deadline, msg,
		                sizeof(msg));
		int code = h.status == 404 ? -ENOENT : h.status == 409 ? -EBUSY : -EIO;
		return dd_error_set(err, code, "Failed to start the command in %s: %s", label, msg);
	}

	struct sink s = {.opts = opts};
	/* API 1.41 labels both kinds raw-stream; only newer daemons say multiplexed. */
	s.multiplexed =
	    !opts->tty || dd_http_media_type_is(h.content_type, DD_MEDIA_MULTIPLEXED_STREAM);
	dd_demux_init(&s.demux, on_frame, (void *)opts);

	if (opts->tty && opts->get_size)
		apply_size(d, exec_id, opts);

	r = sink_feed(&s, buf + h.head_len, len - h.head_len);
	if (r == -EPROTO)
		return dd_error_set(err, r, "Malformed output stream from %s", label);
	if (r < 0)
		return dd_error_set(err, r,
		                    "Output of the command in %s could not be delivered: %s", label,
		                    strerror(-r));
	r = pump(d, exec_id, sock, opts, &s, deadline, label, err);
	if (r < 0)
		return r;
	if (s.multiplexed && !dd_demux_complete(&s.demux))
		return dd_error_set(
		    err, -EPROTO, "The output stream of %s ended in the middle of a frame", label);
	return 0;
}
