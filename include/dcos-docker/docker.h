/* A small Docker Engine API client: HTTP/1.1 over the daemon's unix socket
 * (libcurl), JSON bodies (jansson). One dd_docker is one connection and must
 * not be used by two threads at once; open one per thread (cheap). */
#ifndef DCOS_DOCKER_DOCKER_H
#define DCOS_DOCKER_DOCKER_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "dcos-docker/error.h"

/* Exported by libdcos-docker (see error.h). */
#pragma GCC visibility push(default)

/* API version we speak: Docker 20.10 (API 1.41) and newer. */
#define DD_DOCKER_API_VERSION "1.41"
/* Largest JSON body we accept from the daemon (a container list of a big host). */
#define DD_DOCKER_MAX_JSON (16u << 20)

typedef struct dd_docker dd_docker;

/* host: "unix:///path" or a plain path; NULL means $DOCKER_HOST, else
 * /var/run/docker.sock. Non-unix DOCKER_HOST values are a usage error.
 * Does not contact the daemon (see dd_docker_ping). */
int dd_docker_open(const char *host, dd_docker **ret, dd_error *err);
/* A new connection to the same daemon, for another thread. */
int dd_docker_dup(const dd_docker *d, dd_docker **ret, dd_error *err);
void dd_docker_free(dd_docker *d);
static inline void dd_docker_freep(dd_docker **d)
{
	if (*d)
		dd_docker_free(*d);
}
const char *dd_docker_socket_path(const dd_docker *d);

/* Fails with a clear "cannot reach the Docker daemon at ..." error when no daemon answers. */
int dd_docker_ping(dd_docker *d, dd_error *err);

/* Streaming callbacks: return 0 to go on, a negative errno to abort. */
typedef int (*dd_docker_write_cb)(const char *buf, size_t len, void *userdata);
/* Fills buf with up to size bytes; returns the count, 0 at end, negative errno on error. */
typedef ssize_t (*dd_docker_read_cb)(char *buf, size_t size, void *userdata);

typedef struct dd_request {
	const char *method; /* "GET", "POST", "PUT", "DELETE", "HEAD" */
	const char *path;   /* "/containers/json?all=1" — without the /v1.xx prefix; query already escaped */
	const char *content_type; /* default application/json when a body is given */
	const char *body;         /* request body in memory, or NULL */
	size_t body_len;
	dd_docker_read_cb body_reader; /* or a streamed body (sent chunked) */
	void *body_userdata;
	dd_docker_write_cb on_data; /* stream the response body here instead of buffering it */
	void *on_data_userdata;
	size_t max_body;   /* cap on a buffered response body; 0 means DD_DOCKER_MAX_JSON */
	long timeout_ms;   /* 0: no timeout */
	/* Name of one response header to keep in resp->header, or NULL
	 * (X-Docker-Container-Path-Stat of HEAD /containers/{id}/archive). */
	const char *want_header;
} dd_request;

typedef struct dd_response {
	long status;
	char *body; /* buffered body (NUL-terminated), NULL when streamed; free() it */
	size_t body_len;
	char *header; /* value of req->want_header (at most 64 KiB), NULL when absent */
} dd_response;

void dd_response_clear(dd_response *r);

/* Performs one request. Transport failures are errors; any HTTP status is
 * returned in resp->status (the caller decides what is an error). */
int dd_docker_request(dd_docker *d, const dd_request *req, dd_response *resp, dd_error *err);

/* JSON convenience: sends body (may be NULL), fails on HTTP >= 400 with
 * Docker's "message" in the error (404 -ENOENT, 409 -EEXIST, any other
 * -EREMOTEIO), returns the parsed body (NULL when empty)
 * in *ret_json if ret_json is non-NULL. ret_status gets the HTTP status (may be NULL). */
int dd_docker_call(dd_docker *d, const char *method, const char *path, json_t *body,
		   json_t **ret_json, long *ret_status, dd_error *err);

/* Extracts Docker's error text ("message" of a JSON error body) or the raw body. */
void dd_docker_error_text(const dd_response *resp, char *buf, size_t size);

/* URL-escapes s for use in a query string. Returns malloc'ed string. */
char *dd_docker_escape(const char *s);

/* Runs argv in a new container of image as root (the image's entrypoint
 * replaced, no network, binds as "SRC:DST[:ro]"), waits up to timeout_s (0:
 * no limit) and removes it. *ret_exit gets the command's exit status. */
int dd_docker_run_once(dd_docker *d, const char *image, const char *const *argv,
		       const char *const *binds, int timeout_s, int *ret_exit, dd_error *err);

/* ---- Multiplexed stream framing (non-TTY attach/exec/logs) ----
 * Frames are an 8-byte header {stream, 0, 0, 0, size (big endian u32)} then
 * size bytes. The demuxer is a pure state machine over arbitrary splits. */
enum dd_stream { DD_STREAM_STDIN = 0, DD_STREAM_STDOUT = 1, DD_STREAM_STDERR = 2 };
#define DD_STREAM_MAX_FRAME (64u << 20)

typedef int (*dd_demux_cb)(int stream, const char *buf, size_t len, void *userdata);
typedef struct dd_demux {
	unsigned char header[8];
	size_t header_len; /* bytes of header seen so far */
	size_t remaining;  /* payload bytes left in the current frame */
	int stream;
	dd_demux_cb cb;
	void *userdata;
} dd_demux;

void dd_demux_init(dd_demux *m, dd_demux_cb cb, void *userdata);
/* Feeds bytes; calls cb for every payload piece (possibly a partial frame).
 * Returns 0, a negative errno from cb, or -EPROTO on a malformed header
 * (unknown stream or a frame larger than DD_STREAM_MAX_FRAME). */
int dd_demux_feed(dd_demux *m, const char *buf, size_t len);
/* True when the stream ended on a frame boundary. */
bool dd_demux_complete(const dd_demux *m);

#pragma GCC visibility pop
#endif
