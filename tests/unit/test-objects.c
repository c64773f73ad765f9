/* The typed Docker objects (lib/docker/objects.h) against a fake daemon:
 * ids and names are escaped, 404 and 409 become -ENOENT and -EEXIST with
 * Docker's message, "already gone" is success only when asked, and the
 * archive stat tells a missing path from a failure. */
#define _GNU_SOURCE
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "dcos-docker/image.h"
#include "docker/docker-internal.h"
#include "docker/objects.h"
#include "fake-daemon.h"

#define API "/v" DD_DOCKER_API_VERSION

static void json_error(int fd, int status, const char *reason, const char *msg)
{
	char body[256];
	snprintf(body, sizeof(body), "{\"message\":\"%s\\n\"}", msg);
	fake_respond(fd, status, reason, "application/json", body);
}

/* Answers by the path after the API prefix. */
static void handler(struct fake_daemon *f, int fd, const struct fake_request *req)
{
	(void)f;
	const char *t = req->target + strlen(API);
	if (dd_startswith(t, "/containers/gone")) {
		/* Chunked and split anywhere, as a real daemon's errors may come. */
		const char *msg = "{\"message\":\"No such container: gone\"}\n";
		size_t n;
		char *chunks = fake_chunk_encode(msg, strlen(msg), 6, &n);
		fake_sendf(fd, "HTTP/1.1 404 Not Found\r\nContent-Type: application/json\r\n"
		               "Transfer-Encoding: chunked\r\n\r\n");
		fake_send_trickle(fd, chunks, n, 7, 0);
		free(chunks);
	} else if (dd_startswith(t, "/containers/create?name=taken"))
		json_error(fd, 409, "Conflict",
		           "Conflict. The container name \\\"/taken\\\" is in use");
	else if (dd_startswith(t, "/containers/create"))
		fake_respond(fd, 201, "Created", "application/json", "{\"Id\":\"new1\"}");
	else if (dd_startswith(t, "/networks/create"))
		json_error(fd, 500, "Internal Server Error", "Pool overlaps with other one");
	else if (dd_startswith(t, "/volumes?"))
		fake_respond(fd, 200, "OK", "application/json", "{\"Volumes\":null}");
	else if (dd_startswith(t, "/images/missing"))
		json_error(fd, 404, "Not Found", "No such image: missing");
	else if (dd_startswith(t, "/images/broken"))
		json_error(fd, 500, "Internal Server Error", "boom");
	else if (strstr(t, "/archive?path=%2Fnot-dir%2Fx"))
		fake_respond(fd, 500, "Internal Server Error", NULL, NULL); /* HEAD: no body */
	else if (strstr(t, "/archive?path=%2Fbusy"))
		fake_respond(fd, 503, "Service Unavailable", NULL, NULL);
	else if (strstr(t, "/archive?path="))
		fake_sendf(fd,
		           "HTTP/1.1 200 OK\r\nX-Docker-Container-Path-Stat: eyJtb2RlIjowfQ==\r\n"
		           "Content-Length: 0\r\n\r\n");
	else
		fake_respond(fd, 200, "OK", "application/json", "{}");
}

struct ctx {
	struct fake_daemon f;
	dd_docker *d;
};

static int setup(void **state)
{
	struct ctx *t = calloc(1, sizeof(*t));
	fake_init(&t->f);
	assert_int_equal(fake_start(&t->f, handler, NULL), 0);
	dd_error err = {0};
	assert_int_equal(dd_docker_open(t->f.path, &t->d, &err), 0);
	*state = t;
	return 0;
}

static int teardown(void **state)
{
	struct ctx *t = *state;
	dd_docker_free(t->d);
	fake_free(&t->f);
	free(t);
	return 0;
}

/* Stops the fake and returns the target of request i, without the API prefix. */
static const char *target(struct ctx *t, int i)
{
	dd_docker_free(t->d);
	t->d = NULL;
	fake_stop(&t->f);
	assert_string_equal(t->f.error, "");
	assert_true(i < t->f.nreqs);
	return t->f.reqs[i].target + strlen(API);
}

static void test_not_found(void **state)
{
	struct ctx *t = *state;
	dd_error err = {0};
	json_t *j = NULL;
	assert_int_equal(dd_container_inspect(t->d, "gone", &j, &err), -ENOENT);
	assert_string_equal(err.msg, "No such container: gone");
	assert_null(j);
	/* Removing what is gone: an error, unless asked for. */
	dd_error_clear(&err);
	assert_int_equal(dd_container_remove(t->d, "gone", DD_RM_FORCE, &err), -ENOENT);
	dd_error_clear(&err);
	assert_int_equal(
	    dd_container_remove(t->d, "gone", DD_RM_FORCE | DD_RM_VOLUMES | DD_RM_MISSING_OK, &err),
	    0);
	assert_int_equal(err.code, 0);
	assert_string_equal(err.msg, "");
	assert_string_equal(target(t, 1), "/containers/gone?force=1&v=0");
	assert_string_equal(t->f.reqs[2].method, "DELETE");
	assert_string_equal(t->f.reqs[2].target, API "/containers/gone?force=1&v=1");
}

static void test_create_conflict(void **state)
{
	struct ctx *t = *state;
	dd_error err = {0};
	char id[72] = "";
	_cleanup_json_ json_t *body = json_pack("{s:s}", "Image", "x");
	assert_int_equal(dd_container_create(t->d, "taken", body, id, sizeof(id), &err), -EEXIST);
	assert_string_equal(err.msg, "Conflict. The container name \"/taken\" is in use");
	assert_int_equal(dd_container_create(t->d, "a b/c", body, id, sizeof(id), &err), 0);
	assert_string_equal(id, "new1");
	assert_int_equal(dd_container_create(t->d, NULL, body, id, sizeof(id), &err), 0);
	assert_string_equal(target(t, 1), "/containers/create?name=a%20b%2Fc");
	assert_string_equal(t->f.reqs[1].body, "{\"Image\":\"x\"}");
	assert_string_equal(t->f.reqs[2].target, API "/containers/create");
}

static void test_escaping(void **state)
{
	struct ctx *t = *state;
	dd_error err = {0};
	json_t *j = NULL;
	/* An id is never trusted to be hex: a '/' or '?' must not reach the path. */
	assert_int_equal(dd_container_inspect(t->d, "x/../y?z", &j, &err), 0);
	json_decref(j);
	assert_int_equal(dd_volume_remove(t->d, "v 1", DD_RM_FORCE, &err), 0);
	assert_int_equal(dd_image_add_tag(t->d, "sha256:ab", "repo/x:t1", &err), 0);
	assert_string_equal(target(t, 0), "/containers/x%2F..%2Fy%3Fz/json");
	assert_string_equal(t->f.reqs[1].target, API "/volumes/v%201?force=1");
	assert_string_equal(t->f.reqs[2].target,
	                    API "/images/sha256%3Aab/tag?repo=repo%2Fx&tag=t1");
}

static void test_other_errors(void **state)
{
	struct ctx *t = *state;
	dd_error err = {0};
	char id[72];
	/* Any other status is the daemon's "no", with its message, never a transport error. */
	assert_int_equal(dd_network_create(t->d, NULL, id, sizeof(id), &err), -EREMOTEIO);
	assert_string_equal(err.msg, "Pool overlaps with other one");
	/* {"Volumes": null}: no volumes. */
	json_t *v = NULL;
	assert_int_equal(dd_volume_list(t->d, "l", "v", &v, &err), 0);
	assert_true(json_is_array(v));
	assert_int_equal(json_array_size(v), 0);
	json_decref(v);
	assert_string_equal(target(t, 1), "/volumes?filters=%7B%22label%22%3A%5B%22l%3Dv%22%5D%7D");
}

static void test_image_exists(void **state)
{
	struct ctx *t = *state;
	dd_error err = {0};
	bool has = true;
	assert_int_equal(dd_image_exists(t->d, "missing", &has, &err), 0);
	assert_false(has);
	assert_int_equal(err.code, 0);
	assert_int_equal(dd_image_exists(t->d, "present:1", &has, &err), 0);
	assert_true(has);
	assert_int_equal(dd_image_exists(t->d, "broken", &has, &err), -EREMOTEIO);
	assert_string_equal(err.msg, "Failed to look up image 'broken': boom");
	assert_string_equal(target(t, 1), "/images/present%3A1/json");
}

static void test_archive_stat(void **state)
{
	struct ctx *t = *state;
	dd_error err = {0};
	char *stat = NULL;
	assert_int_equal(dd_archive_stat(t->d, "c1", "/etc/x y", &stat, &err), 0);
	assert_string_equal(stat, "eyJtb2RlIjowfQ==");
	free(stat);
	/* A path through a non-directory (500) is missing, not a failure. */
	assert_int_equal(dd_archive_stat(t->d, "c1", "/not-dir/x", &stat, &err), 0);
	assert_null(stat);
	assert_int_equal(dd_archive_stat(t->d, "c1", "/busy", &stat, &err), -EREMOTEIO);
	assert_null(stat);
	assert_string_equal(err.msg, "HTTP 503");
	assert_string_equal(target(t, 0), "/containers/c1/archive?path=%2Fetc%2Fx%20y");
	assert_string_equal(t->f.reqs[0].method, "HEAD");
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
	const struct CMUnitTest tests[] = {
	    T(test_not_found),    T(test_create_conflict), T(test_escaping),
	    T(test_other_errors), T(test_image_exists),    T(test_archive_stat),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
