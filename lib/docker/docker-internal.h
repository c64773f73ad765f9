/* Internal: not installed. */
/* Requests to the Docker Engine API over a dd_docker (docker.c). */
#ifndef DCOS_DOCKER_DOCKER_INTERNAL_H
#define DCOS_DOCKER_DOCKER_INTERNAL_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "dcos-docker/docker.h"
#include "dcos-docker/error.h"

/* API version we speak: Docker 20.10 (API 1.41) and newer. */
#define DD_DOCKER_API_VERSION "1.41"
/* Largest JSON body we accept from the daemon (a container list of a big host). */
#define DD_DOCKER_MAX_JSON (16u << 20)

const char *dd_docker_socket_path(const dd_docker *d);

/* Streaming callbacks: return 0 to go on, a negative errno to abort. */
typedef int (*dd_docker_write_cb)(const char *buf, size_t len, void *userdata);
/* Fills buf with up to size bytes; returns the count, 0 at end, negative errno on error. */
typedef ssize_t (*dd_docker_read_cb)(char *buf, size_t size, void *userdata);

typedef struct dd_request {
	const char *method; /* "GET", "POST", "PUT", "DELETE", "HEAD" */
	const char
	    *path; /* "/containers/json?all=1" — without the /v1.xx prefix; query already escaped */
	const char *content_type; /* default application/json when a body is given */
	const char *body;         /* request body in memory, or NULL */
	size_t body_len;
	dd_docker_read_cb body_reader; /* or a streamed body (sent chunked) */
	void *body_userdata;
	dd_docker_write_cb on_data; /* stream the response body here instead of buffering it */
	void *on_data_userdata;
	size_t max_body; /* cap on a buffered response body; 0 means DD_DOCKER_MAX_JSON */
	long timeout_ms; /* 0: no timeout */
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
#endif
