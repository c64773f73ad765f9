/* Docker Engine API over the daemon's unix socket, with libcurl. */
#define _GNU_SOURCE
#include <curl/curl.h>
#include <errno.h>
#include <pthread.h>
#include <string.h>
#include <sys/stat.h>

#include "buf.h"
#include "dcos-docker/docker.h"
#include "docker/docker-internal.h"
#include "docker/objects.h"
#include "util.h"

#define DEFAULT_SOCKET "/var/run/docker.sock"

struct dd_docker {
	char socket_path[108]; /* sun_path limit */
	CURL *curl;
};

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
/* Only unix sockets and plain HTTP: no TLS to initialise (saves ~5 ms per command). */
static void curl_init_once(void)
{
	curl_global_init(CURL_GLOBAL_NOTHING);
}

static int docker_new(const char *socket_path, dd_docker **ret, dd_error *err)
{
	pthread_once(&curl_once, curl_init_once);
	dd_docker *d = dd_malloc0(sizeof(*d));
	if (dd_snprintf(d->socket_path, sizeof(d->socket_path), "%s", socket_path) < 0) {
		free(d);
		return dd_error_usage(err, -ENAMETOOLONG, "Docker socket path is too long: %s",
		                      socket_path);
	}
	d->curl = curl_easy_init();
	if (!d->curl) {
		free(d);
		return dd_error_set(err, -ENOMEM, "Failed to initialise libcurl");
	}
	*ret = d;
	return 0;
}

int dd_docker_open(const char *host, dd_docker **ret, dd_error *err)
{
	if (!host || !*host)
		host = getenv("DOCKER_HOST");
	if (!host || !*host)
		host = "unix://" DEFAULT_SOCKET;
	const char *path = host;
	if (dd_startswith(host, "unix://"))
		path = host + strlen("unix://");
	else if (strstr(host, "://")) {
		dd_error_usage(err, -EPROTONOSUPPORT,
		               "DOCKER_HOST=%s is not supported: only unix sockets are", host);
		return dd_error_hint(err,
		                     "Set DOCKER_HOST=unix:///path/to/docker.sock or unset it.");
	}
	if (!*path)
		return dd_error_usage(err, -EINVAL, "DOCKER_HOST=%s names no socket path", host);
	return docker_new(path, ret, err);
}

int dd_docker_dup(const dd_docker *d, dd_docker **ret, dd_error *err)
{
	return docker_new(d->socket_path, ret, err);
}

void dd_docker_free(dd_docker *d)
{
	if (!d)
		return;
	curl_easy_cleanup(d->curl);
	free(d);
}

const char *dd_docker_socket_path(const dd_docker *d)
{
	return d->socket_path;
}

void dd_response_clear(dd_response *r)
{
	free(r->body);
	free(r->header);
	memset(r, 0, sizeof(*r));
}

struct sink {
	const dd_request *req;
	dd_buf body;
	int cb_error;
	bool too_big;
	bool head_done;
	CURL *curl;
	int stream; /* -1 unknown, 0 buffer (error status), 1 stream to on_data */
};

static size_t on_header(char *ptr, size_t size, size_t nmemb, void *userdata)
{
	struct sink *s = userdata;
	size_t n = size * nmemb;
	if (n >= 5 && memcmp(ptr, "HTTP/", 5) == 0)
		s->head_done = false;
	else if (n == 2 && ptr[0] == '\r' && ptr[1] == '\n')
		s->head_done = true;
	return n;
}

static size_t on_write(char *ptr, size_t size, size_t nmemb, void *userdata)
{
	struct sink *s = userdata;
	size_t n = size * nmemb;
	if (s->stream < 0) {
		long st = 0;
		curl_easy_getinfo(s->curl, CURLINFO_RESPONSE_CODE, &st);
		s->stream = s->req->on_data && st < 400;
	}
	if (s->stream) {
		int r = s->req->on_data(ptr, n, s->req->on_data_userdata);
		if (r < 0) {
			s->cb_error = r;
			return 0; /* makes curl abort with CURLE_WRITE_ERROR */
		}
		return n;
	}
	if (dd_buf_add(&s->body, ptr, n) < 0) {
		s->too_big = true;
		return 0;
	}
	return n;
}

struct source {
	const dd_request *req;
	int error;
};

static size_t on_read(char *buf, size_t size, size_t nitems, void *userdata)
{
	struct source *src = userdata;
	ssize_t n = src->req->body_reader(buf, size * nitems, src->req->body_userdata);
	if (n < 0) {
		src->error = (int)n;
		return CURL_READFUNC_ABORT;
	}
	return (size_t)n;
}

static int no_daemon(const dd_docker *d, dd_error *err, const char *why)
{
	dd_error_set(err, -ECONNREFUSED, "Cannot reach the Docker daemon at unix://%s: %s",
	             d->socket_path, why);
	return dd_error_hint(
	    err, "Start it (as root: 'dockerd &' or 'systemctl start docker'), or point "
	         "DOCKER_HOST at its socket. 'dcos-docker doctor' checks the host.");
}

int dd_docker_request(dd_docker *d, const dd_request *req, dd_response *resp, dd_error *err)
{
	CURL *c = d->curl;
	curl_easy_reset(c);
	_cleanup_free_ char *url =
	    dd_asprintf("http://localhost/v" DD_DOCKER_API_VERSION "%s", req->path);
	struct sink sink = {.req = req,
	                    .curl = c,
	                    .stream = -1,
	                    .body =
	                        DD_BUF_HEAD(req->max_body ? req->max_body : DD_DOCKER_MAX_JSON)};
	struct source source = {.req = req};
	struct curl_slist *headers = NULL;

	curl_easy_setopt(c, CURLOPT_UNIX_SOCKET_PATH, d->socket_path);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, req->method);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_write);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &sink);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, &sink);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, 5000L);
	if (req->timeout_ms > 0)
		curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, req->timeout_ms);
	if (strcmp(req->method, "HEAD") == 0)
		curl_easy_setopt(c, CURLOPT_NOBODY, 1L);

	bool has_body = req->body || req->body_reader;
	if (has_body) {
		_cleanup_free_ char *ct = dd_asprintf(
		    "Content-Type: %s", req->content_type ? req->content_type : "application/json");
		headers = curl_slist_append(headers, ct);
		if (req->body_reader) {
			curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
			curl_easy_setopt(c, CURLOPT_READFUNCTION, on_read);
			curl_easy_setopt(c, CURLOPT_READDATA, &source);
			headers = curl_slist_append(headers, "Transfer-Encoding: chunked");
		} else {
			curl_easy_setopt(c, CURLOPT_POSTFIELDS, req->body);
			curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)req->body_len);
		}
		/* No "Expect: 100-continue" round trip: the daemon never needs it. */
		headers = curl_slist_append(headers, "Expect:");
	} else if (strcmp(req->method, "POST") == 0 || strcmp(req->method, "PUT") == 0) {
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, "");
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, 0L);
	}
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers);

	CURLcode cr = curl_easy_perform(c);
	curl_slist_free_all(headers);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, NULL);

	if (cr != CURLE_OK) {
		dd_buf_free(&sink.body);
		if (sink.cb_error < 0)
			return dd_error_set(err, sink.cb_error,
			                    "Reading the answer to %s %s stopped: %s", req->method,
			                    req->path, strerror(-sink.cb_error));
		if (source.error < 0)
			return dd_error_set(err, source.error,
			                    "Failed to send the request body for %s %s: %s",
			                    req->method, req->path, strerror(-source.error));
		if (sink.too_big)
			return dd_error_set(err, -E2BIG,
			                    "The Docker daemon's answer to %s %s exceeds %zu bytes",
			                    req->method, req->path, sink.body.max);
		if (cr == CURLE_COULDNT_CONNECT) {
			struct stat st;
			if (stat(d->socket_path, &st) < 0)
				return no_daemon(d, err, "no such socket");
			if (access(d->socket_path, R_OK | W_OK) < 0) {
				dd_error_set(err, -EACCES,
				             "Permission denied on the Docker socket unix://%s",
				             d->socket_path);
				return dd_error_hint(err, "Run as root, or add yourself to the "
				                          "'docker' group and log in again.");
			}
			return no_daemon(d, err, "connection refused");
		}
		if (cr == CURLE_OPERATION_TIMEDOUT)
			return dd_error_set(err, -ETIMEDOUT, "Docker request %s %s timed out",
			                    req->method, req->path);
		return dd_error_set(err, -EIO, "Docker request %s %s failed: %s", req->method,
		                    req->path, curl_easy_strerror(cr));
	}
	if (!sink.head_done) {
		dd_buf_free(&sink.body);
		return dd_error_set(err, -EPROTO,
		                    "The Docker daemon's answer to %s %s ended in its headers",
		                    req->method, req->path);
	}
	long status = 0;
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	resp->status = status;
	resp->body_len = sink.body.len;
	resp->body = sink.body.data; /* NULL when there was none */
	resp->header = NULL;
	struct curl_header *h = NULL;
	if (req->want_header &&
	    curl_easy_header(c, req->want_header, 0, CURLH_HEADER, -1, &h) == CURLHE_OK &&
	    strlen(h->value) <= 65536)
		resp->header = dd_strdup(h->value);
	return 0;
}

void dd_docker_error_text(const dd_response *resp, char *buf, size_t size)
{
	buf[0] = '\0';
	if (!resp->body || resp->body_len == 0) {
		snprintf(buf, size, "HTTP status %ld", resp->status);
		return;
	}
	json_t *j = json_loadb(resp->body, resp->body_len, 0, NULL);
	const char *m = j ? json_string_value(json_object_get(j, "message")) : NULL;
	snprintf(buf, size, "%s", m ? m : resp->body);
	json_decref(j);
	/* Docker's messages end with a newline sometimes; errors are one line. */
	size_t n = strlen(buf);
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
		buf[--n] = '\0';
}

/* The answer's status as an error (Docker's message), else its JSON body. */
static int answer(const dd_request *req, dd_response *resp, json_t **ret_json, dd_error *err)
{
	if (resp->status >= 400) {
		char msg[1024];
		dd_docker_error_text(resp, msg, sizeof(msg));
		/* -EREMOTEIO, not -EIO: a caller can tell the daemon's "no" from a
		 * failed transport. */
		int code = resp->status == 404   ? -ENOENT
		           : resp->status == 409 ? -EEXIST
		                                 : -EREMOTEIO;
		dd_response_clear(resp);
		return dd_error_set(err, code, "%s", msg);
	}
	if (ret_json) {
		json_t *j = NULL;
		if (resp->body_len > 0) {
			json_error_t je;
			j = json_loadb(resp->body, resp->body_len, 0, &je);
			if (!j) {
				dd_response_clear(resp);
				return dd_error_set(
				    err, -EPROTO,
				    "The Docker daemon sent invalid JSON for %s %s: %s",
				    req->method, req->path, je.text);
			}
		}
		*ret_json = j;
	}
	dd_response_clear(resp);
	return 0;
}

int dd_docker_do(dd_docker *d, const dd_request *req, json_t **ret_json, dd_error *err)
{
	dd_response resp = {0};
	int r = dd_docker_request(d, req, &resp, err);
	return r < 0 ? r : answer(req, &resp, ret_json, err);
}

int dd_docker_call(dd_docker *d, const char *method, const char *path, json_t *body,
                   json_t **ret_json, long *ret_status, dd_error *err)
{
	_cleanup_free_ char *text = NULL;
	if (body) {
		text = json_dumps(body, JSON_COMPACT);
		if (!text)
			return dd_error_set(err, -ENOMEM, "Failed to encode a JSON request");
	}
	dd_request req = {
	    .method = method, .path = path, .body = text, .body_len = text ? strlen(text) : 0};
	dd_response resp = {0};
	int r = dd_docker_request(d, &req, &resp, err);
	if (r < 0)
		return r;
	if (ret_status)
		*ret_status = resp.status;
	return answer(&req, &resp, ret_json, err);
}

int dd_docker_delete(dd_docker *d, const char *path, unsigned flags, dd_error *err)
{
	int r = dd_docker_call(d, "DELETE", path, NULL, NULL, NULL, err);
	if (r != -ENOENT || !(flags & DD_RM_MISSING_OK))
		return r;
	dd_error_clear(err);
	return 0;
}

int dd_docker_get_array(dd_docker *d, const char *path, const char *what, json_t **ret,
                        dd_error *err)
{
	json_t *j = NULL;
	int r = dd_docker_call(d, "GET", path, NULL, &j, NULL, err);
	if (r < 0)
		return r;
	if (!json_is_array(j)) {
		json_decref(j);
		return dd_error_set(err, -EPROTO, "Unexpected answer listing %s", what);
	}
	*ret = j;
	return 0;
}

int dd_docker_info(dd_docker *d, json_t **ret, dd_error *err)
{
	return dd_docker_call(d, "GET", "/info", NULL, ret, NULL, err);
}

int dd_docker_version(dd_docker *d, json_t **ret, dd_error *err)
{
	return dd_docker_call(d, "GET", "/version", NULL, ret, NULL, err);
}

int dd_docker_ping(dd_docker *d, dd_error *err)
{
	dd_request req = {.method = "GET", .path = "/_ping", .max_body = 4096, .timeout_ms = 10000};
	dd_response resp = {0};
	int r = dd_docker_request(d, &req, &resp, err);
	if (r < 0)
		return r;
	long status = resp.status;
	dd_response_clear(&resp);
	if (status != 200)
		return no_daemon(d, err, "it does not answer /_ping");
	return 0;
}

char *dd_docker_escape(const char *s)
{
	char *e = curl_easy_escape(NULL, s, 0);
	if (!e)
		abort();
	char *out = dd_strdup(e);
	curl_free(e);
	return out;
}

char *dd_label_filter(const char *label, const char *value)
{
	_cleanup_json_ json_t *f = json_object();
	_cleanup_free_ char *l = value ? dd_asprintf("%s=%s", label, value) : dd_strdup(label);
	json_object_set_new(f, "label", json_pack("[s]", l));
	_cleanup_free_ char *text = json_dumps(f, JSON_COMPACT);
	return dd_docker_escape(text);
}
