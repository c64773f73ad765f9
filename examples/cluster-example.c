/* What a program using libdcos-docker looks like: it creates a cluster of one
 * master and one agent, runs `hostname` on every node and checks that each
 * answers with its own name, then destroys the cluster.
 *
 *   cluster-example [CLUSTER [IMAGE]]
 *
 * CLUSTER defaults to "example"; IMAGE to the node image this library builds
 * (`dcos-docker build-image`). Exit code 0 when every step worked, 1 when one
 * failed (the cluster is destroyed then too), 130 after Ctrl-C (the library
 * removes what it made). Built against the installed library only: see
 * Makefile and CMakeLists.txt beside it. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <dcos-docker/cancel.h>
#include <dcos-docker/cluster.h>
#include <dcos-docker/create.h>
#include <dcos-docker/docker.h>
#include <dcos-docker/error.h>
#include <dcos-docker/exec.h>
#include <dcos-docker/image.h>

/* The library never prints: errors come back in a dd_error, which the
 * caller shows as it likes. */
static int fail(const char *what, const dd_error *err)
{
	fprintf(stderr, "cluster-example: %s: %s\n", what, err->msg);
	if (err->hint[0])
		fprintf(stderr, "  hint: %s\n", err->hint);
	return 1;
}

/* Progress of create and destroy, per node (node NULL: the cluster as a whole).
 * Called from the library's worker threads, one call at a time. */
static void on_progress(const dd_event *ev, void *userdata)
{
	(void)userdata;
	if (ev->kind != DD_EVENT_STATUS && ev->kind != DD_EVENT_DONE)
		return;
	if (ev->node && ev->kind != DD_EVENT_DONE)
		return; /* only a node's last word, to keep the output short */
	printf("  %s: %s\n", ev->node ? ev->node : "cluster", ev->text);
	fflush(stdout);
}

/* Runs `hostname` on every node; 0 when each prints its own container name. */
static int check_nodes(dd_docker *d, const dd_cluster *c)
{
	static const char *const argv[] = {"hostname", NULL};
	for (size_t i = 0; i < c->n_nodes; i++) {
		const dd_node *n = &c->nodes[i];
		char *out = NULL, *errout = NULL;
		int code = -1;
		dd_error err = {0};
		printf("Running 'hostname' on %s (%s, %s)\n", n->short_name, dd_role_label(n->role),
		       n->ip);
		if (dd_exec_capture(d, n->id, argv, 4096, &out, &errout, &code, &err) < 0)
			return fail("exec", &err);
		size_t len = strlen(out);
		if (len > 0 && out[len - 1] == '\n')
			out[--len] = '\0';
		int ok = code == 0 && strcmp(out, n->name) == 0;
		printf("  exit code %d, output '%s': %s\n", code, out,
		       ok ? "as expected" : "NOT the node's name");
		if (!ok && errout[0])
			fprintf(stderr, "  stderr: %s", errout);
		free(out);
		free(errout);
		if (!ok)
			return 1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	const char *name = argc > 1 ? argv[1] : "example";
	const char *image = argc > 2 && argv[2][0] ? argv[2] : NULL;
	char *tag = NULL;
	dd_docker *d = NULL;
	dd_cluster *c = NULL, *gone = NULL;
	dd_error err = {0};
	int ret = 1, r;

	/* Long operations poll dd_cancelled(): create rolls back what it made. */
	struct sigaction sa = {.sa_handler = dd_cancel_request};
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);

	if (!image) {
		tag = dd_image_tag(DD_IMAGE_DEFAULT_DISTRO);
		image = tag;
	}
	dd_create_opts o = {
	    .name = name,
	    .counts = {[DD_ROLE_MASTER] = 1, [DD_ROLE_AGENT] = 1, [DD_ROLE_PUBLIC_AGENT] = 0},
	    .image = image,
	    .on_event = on_progress,
	};

	/* NULL: $DOCKER_HOST, else /var/run/docker.sock. */
	if (dd_docker_open(NULL, &d, &err) < 0 || dd_docker_ping(d, &err) < 0) {
		ret = fail("docker", &err);
		goto out;
	}
	/* Create checks everything (the image exists, the name is free) before
	 * it makes anything. */
	printf("Creating cluster '%s' (1 master, 1 agent) from %s\n", name, image);
	fflush(stdout);
	if (dd_cluster_create(d, &o, &c, &err) < 0) {
		ret = dd_cancelled() ? 128 + (dd_cancel_signal() ? dd_cancel_signal() : SIGINT)
		                     : fail("create", &err);
		goto out;
	}
	printf("Cluster '%s' is ready: %zu nodes on %s, workspace %s\n", c->name, c->n_nodes,
	       c->subnet, c->workspace);

	ret = check_nodes(d, c);

	/* Destroyed in every case once it exists: it is this program's cluster. */
	printf("Destroying cluster '%s'\n", name);
	fflush(stdout);
	if (dd_cluster_destroy(d, name, on_progress, NULL, &err) < 0) {
		ret = fail("destroy", &err);
		goto out;
	}
	/* Labels are the only source of truth: a cluster nothing carries is gone. */
	r = dd_cluster_load(d, name, &gone, &err);
	if (r != -ENOENT) {
		fprintf(stderr, "cluster-example: cluster '%s' still exists after destroy\n", name);
		ret = 1;
		goto out;
	}
	printf("Cluster '%s' destroyed\n", name);
	if (ret == 0)
		printf("OK\n");
out:
	if (gone)
		dd_cluster_free(gone);
	if (c)
		dd_cluster_free(c);
	if (d)
		dd_docker_free(d);
	free(tag);
	return ret;
}
