/* destroy against a daemon that keeps a stale endpoint: every node of the
 * cluster is gone, yet removing its network answers "has active endpoints"
 * (a nested daemon under load did this for the whole 300 s wait in a fresh
 * Debian container). destroy must force-disconnect the endpoint of the
 * container that no longer exists, then remove the network; an endpoint of a
 * container that still exists is not touched (it may be someone's). */
#define _GNU_SOURCE
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "dcos-docker/cancel.h"
#include "dcos-docker/cluster.h"
#include "docker/docker-internal.h"
#include "fake-daemon.h"
#include "util.h"

#define API "/v" DD_DOCKER_API_VERSION

struct state {
	bool live_endpoint; /* the endpoint's container still exists */
	bool disconnected;  /* a forced disconnect of the stale one came */
	char disconnect_body[256];
};

static void handler(struct fake_daemon *f, int fd, const struct fake_request *req)
{
	struct state *s = f->userdata;
	const char *t = req->target + strlen(API);
	if (dd_startswith(t, "/containers/json"))
		fake_respond(fd, 200, "OK", "application/json", "[]");
	else if (dd_startswith(t, "/volumes?"))
		fake_respond(fd, 200, "OK", "application/json", "{\"Volumes\":[]}");
	else if (dd_startswith(t, "/networks?"))
		fake_respond(fd, 200, "OK", "application/json",
		             "[{\"Id\":\"net1\",\"Name\":\"c\",\"Labels\":{\"dcos-docker.cluster\":"
		             "\"c\"}}]");
	else if (strcmp(req->method, "DELETE") == 0 && strcmp(t, "/networks/net1") == 0) {
		if (s->disconnected)
			fake_respond(fd, 204, "No Content", NULL, NULL);
		else
			fake_respond(
			    fd, 403, "Forbidden", "application/json",
			    "{\"message\":\"error while removing network: network c id net1 "
			    "has active endpoints\"}");
	} else if (strcmp(t, "/networks/net1") == 0)
		fake_respond(fd, 200, "OK", "application/json",
		             "{\"Id\":\"net1\",\"Containers\":{\"abc\":{\"Name\":\"c-master1\"}}}");
	else if (strcmp(t, "/containers/abc/json") == 0) {
		if (s->live_endpoint)
			fake_respond(fd, 200, "OK", "application/json", "{\"Id\":\"abc\"}");
		else
			fake_respond(fd, 404, "Not Found", "application/json",
			             "{\"message\":\"No such container: abc\"}");
	} else if (strcmp(t, "/networks/net1/disconnect") == 0) {
		pthread_mutex_lock(&f->lock);
		snprintf(s->disconnect_body, sizeof(s->disconnect_body), "%s", req->body ?: "");
		s->disconnected = true;
		pthread_mutex_unlock(&f->lock);
		fake_respond(fd, 200, "OK", NULL, NULL);
	} else
		fake_respond(fd, 500, "Internal Server Error", "application/json",
		             "{\"message\":\"unexpected request\"}");
}

/* Cancels as Ctrl-C would, after ms milliseconds. */
static void *cancel_after(void *ms)
{
	long t = (long)(intptr_t)ms;
	struct timespec ts = {t / 1000, (t % 1000) * 1000 * 1000};
	nanosleep(&ts, NULL);
	dd_cancel_request(SIGINT);
	return NULL;
}

static void test_stale_endpoint_dropped(void **unused)
{
	(void)unused;
	struct state s = {0};
	struct fake_daemon f;
	fake_init(&f);
	assert_int_equal(fake_start(&f, handler, &s), 0);
	dd_docker *d = NULL;
	dd_error err = {0};
	assert_int_equal(dd_docker_open(f.path, &d, &err), 0);
	/* Without the fix destroy would wait 300 s: a watchdog ends it. */
	pthread_t watchdog;
	pthread_create(&watchdog, NULL, cancel_after, (void *)(intptr_t)20000);
	int r = dd_cluster_destroy(d, "c", NULL, NULL, &err);
	pthread_cancel(watchdog);
	pthread_join(watchdog, NULL);
	assert_int_equal(r, 0);
	assert_string_equal(err.msg, "");
	dd_docker_free(d);
	fake_stop(&f);
	assert_string_equal(f.error, "");
	assert_true(s.disconnected);
	/* By the endpoint's name, forced: the daemon deletes an endpoint by
	 * name only when the container is gone and Force is set. */
	assert_string_equal(s.disconnect_body, "{\"Container\":\"c-master1\",\"Force\":true}");
	fake_free(&f);
}

/* A live container's endpoint is waited out, never cut; the wait is
 * interrupted here (as by Ctrl-C) so the test does not take 300 s. Last:
 * a cancellation cannot be undone. */

static void test_live_endpoint_kept(void **unused)
{
	(void)unused;
	struct state s = {.live_endpoint = true};
	struct fake_daemon f;
	fake_init(&f);
	assert_int_equal(fake_start(&f, handler, &s), 0);
	dd_docker *d = NULL;
	dd_error err = {0};
	assert_int_equal(dd_docker_open(f.path, &d, &err), 0);
	pthread_t th;
	pthread_create(&th, NULL, cancel_after, (void *)(intptr_t)250);
	int r = dd_cluster_destroy(d, "c", NULL, NULL, &err);
	pthread_join(th, NULL);
	assert_int_equal(r, -ECANCELED);
	dd_docker_free(d);
	fake_stop(&f);
	assert_string_equal(f.error, "");
	assert_false(s.disconnected);
	fake_free(&f);
}

int main(void)
{
	/* No workspace of this test's cluster may be found at the default place. */
	char root[] = "/tmp/dd-test-destroy-XXXXXX";
	if (!mkdtemp(root))
		return 1;
	setenv("DCOS_DOCKER_WORKSPACE_ROOT", root, 1);
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_stale_endpoint_dropped),
	    cmocka_unit_test(test_live_endpoint_kept),
	};
	int r = cmocka_run_group_tests(tests, NULL, NULL);
	rmdir(root);
	return r;
}
