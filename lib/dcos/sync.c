/* dd_dcos_sync: a DC/OS checkout's tests and bootstrap code onto the masters.
 *
 * What goes where is DC/OS E2E's sync (src/dcos_e2e_cli/common/sync.py,
 * sync_code_to_masters); the files travel differently. E2E tarred each tree
 * on the host (leaving out __pycache__ and *.pyc), sent the tar and ran
 * `tar -x` over the node's directory. Here each tree is sent with
 * dd_files_send into a staging directory of the node's /tmp, and one script
 * in the node leaves out the caches and copies the staged trees over the
 * active package directories, so a master gets all of it or, on a failure,
 * an error naming it. */
#include "dcos-docker/sync.h"
#include "event-internal.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dcos-docker/exec.h"
#include "dcos-docker/files.h"
#include "dcos-docker/install.h"
#include "pool.h"
#include "util.h"

/* Run in the node as `sh -c SCRIPT dcos-docker-sync STAGE MODE`: STAGE holds
 * tests/ (and bootstrap/ when the checkout has it); MODE is "oss-to-ee" or
 * "same". Paths come as arguments, never pasted into the script. */
static const char sync_script[] =
    "set -e\n"
    "s=$1 t=" DD_SYNC_TEST_DIR "\n"
    "trap 'rm -rf \"$s\"' EXIT\n"
    /* E2E's _cache_filter: any path with __pycache__ in it, any *.pyc. */
    "find \"$s\" -depth \\( -name '*__pycache__*' -o -name '*.pyc' \\) -exec rm -rf {} +\n"
    "if [ \"$2\" = oss-to-ee ]; then\n"
    /* E2E's OSS-to-Enterprise branch, which follows Enterprise's
     * packages/dcos-integration-test/ee.build. */
    "  rm -rf \"$t/util\" \"$t\"/open_source_tests/*.py\n"
    "  mkdir -p \"$t/open_source_tests\"\n"
    "  cp -R \"$s/tests/.\" \"$t/open_source_tests/\"\n"
    "  rm -rf \"$t/open_source_tests/conftest.py\"\n"
    "  if [ -e \"$t/open_source_tests/util\" ]; then mv \"$t/open_source_tests/util\" \"$t/\"; fi\n"
    "  exit 0\n"
    "fi\n"
    "if [ -d \"$s/bootstrap\" ]; then\n"
    /* E2E took the Python directory from `ls` on the first master; each
     * master's own is the one its files are in. */
    "  n=0\n"
    "  for d in " DD_SYNC_BOOTSTRAP_LIB "/*/site-packages; do\n"
    "    [ -d \"$d\" ] || continue\n"
    "    mkdir -p \"$d/dcos_internal_utils\"\n"
    "    cp -R \"$s/bootstrap/.\" \"$d/dcos_internal_utils/\"\n"
    "    n=$((n + 1))\n"
    "  done\n"
    "  if [ \"$n\" = 0 ]; then\n"
    "    echo \"no " DD_SYNC_BOOTSTRAP_LIB "/*/site-packages on this node\" >&2; exit 1\n"
    "  fi\n"
    "fi\n"
    "rm -rf \"$t\"/*.py\n"
    "cp -R \"$s/tests/.\" \"$t/\"\n";

struct sync_ctx {
	const dd_node *const *masters;
	const char *tests, *bootstrap; /* host trees; bootstrap may be NULL */
	bool oss_to_ee;
	dd_event_cb on_event;
	void *userdata;
	dd_error *errs;
};

static int send_tree(dd_docker *d, const dd_node *node, const char *src, const char *dst,
                     dd_error *err)
{
	const dd_node *one[] = {node};
	return dd_files_send(d, one, 1, src, dst, NULL, NULL, NULL, err);
}

static int sync_job(void *userdata, size_t i, void *state)
{
	struct sync_ctx *ctx = userdata;
	const dd_node *node = ctx->masters[i];
	dd_error *err = &ctx->errs[i];
	int r = 0;
	dd_docker *d = dd_pool_docker_get(state, &r, err);
	if (!d)
		return r;
	char hex[17];
	r = dd_random_hex(hex, 8);
	if (r < 0)
		return dd_error_set(err, r, "No random bytes for a staging directory: %s",
		                    strerror(-r));
	char stage[64], dst[80];
	snprintf(stage, sizeof(stage), "/tmp/dcos-docker-sync.%s", hex);
	snprintf(dst, sizeof(dst), "%s/tests", stage);
	r = send_tree(d, node, ctx->tests, dst, err);
	if (r >= 0 && ctx->bootstrap) {
		snprintf(dst, sizeof(dst), "%s/bootstrap", stage);
		r = send_tree(d, node, ctx->bootstrap, dst, err);
	}
	const char *argv[] = {"/bin/sh",   "-c",
	                      sync_script, "dcos-docker-sync",
	                      stage,       ctx->oss_to_ee ? "oss-to-ee" : "same",
	                      NULL};
	if (r < 0) {
		/* What was staged goes again: the script (its trap) did not run. */
		const char *rm[] = {"rm", "-rf", stage, NULL};
		dd_error ignored = {0};
		int ec;
		dd_exec_capture(d, node->name, rm, 0, NULL, NULL, &ec, &ignored);
		dd_error_clear(&ignored);
	} else {
		_cleanup_free_ char *out = NULL, *errout = NULL;
		int ec = 0;
		r = dd_exec_capture(d, node->name, argv, 64u << 10, &out, &errout, &ec, err);
		if (r >= 0 && ec != 0) {
			const char *e = errout ? dd_last_line(errout) : NULL;
			r = dd_error_set(err, -EIO,
			                 "the copy on the node failed (exit code %d)%s%s", ec,
			                 e && *e ? ": " : "", e ? e : "");
		}
	}
	dd_event_status(ctx->on_event, ctx->userdata, node->short_name, r < 0 ? "failed" : "synced",
	                true);
	return r;
}

static bool is_dir(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

int dd_dcos_sync(dd_docker *d, const dd_cluster *c, const char *checkout, dd_event_cb progress,
                 void *userdata, dd_sync_result *res, dd_error *err)
{
	*res = (dd_sync_result){0};
	_cleanup_free_ char *tests =
	    dd_asprintf("%s/packages/dcos-integration-test/extra", checkout);
	if (!is_dir(tests)) {
		dd_error_usage(err, -EINVAL,
		               "'%s' is not a checkout of a DC/OS repository: %s is not a "
		               "directory",
		               checkout, tests);
		return dd_error_hint(err, "give the path of a clone of dcos/dcos or of DC/OS "
		                          "Enterprise, or set DCOS_CHECKOUT_DIR");
	}
	_cleanup_free_ char *upstream = dd_asprintf("%s/packages/upstream.json", checkout);
	res->checkout_enterprise = access(upstream, F_OK) == 0;

	dd_dcos_info info;
	int r = dd_dcos_info_require(c, "its variant decides where the files go", &info, err);
	if (r < 0)
		return r;
	res->oss_to_ee = strcmp(info.variant, "enterprise") == 0 && !res->checkout_enterprise;

	_cleanup_free_ char *bootstrap =
	    dd_asprintf("%s/packages/bootstrap/extra/dcos_internal_utils", checkout);
	res->bootstrap = !res->oss_to_ee && is_dir(bootstrap);

	_cleanup_free_ const dd_node **masters = dd_malloc0((c->n_nodes + 1) * sizeof(*masters));
	size_t n = 0;
	for (size_t i = 0; i < c->n_nodes; i++) {
		if (c->nodes[i].role != DD_ROLE_MASTER)
			continue;
		if (strcmp(c->nodes[i].state, "running") != 0) {
			dd_error_set(err, -EHOSTDOWN, "Master '%s' is %s, not running",
			             c->nodes[i].short_name, c->nodes[i].state);
			return dd_error_hint(err, "start the cluster's nodes first");
		}
		masters[n++] = &c->nodes[i];
	}
	if (n == 0)
		return dd_error_set(err, -ENOENT, "Cluster '%s' has no master", c->name);

	_cleanup_free_ dd_error *errs = dd_malloc0(n * sizeof(*errs));
	struct sync_ctx ctx = {.masters = masters,
	                       .tests = tests,
	                       .bootstrap = res->bootstrap ? bootstrap : NULL,
	                       .oss_to_ee = res->oss_to_ee,
	                       .on_event = progress,
	                       .userdata = userdata,
	                       .errs = errs};
	_cleanup_free_ int *results = dd_malloc0(n * sizeof(*results));
	dd_pool pool = {.n = n, .job = sync_job, .userdata = &ctx, .docker = d};
	r = dd_pool_run(&pool, results);
	size_t first, failed;
	int ret = dd_pool_first_failure(results, errs, n, &first, &failed, err);
	res->n_masters = n - failed;
	if (ret < 0)
		dd_error_prefix(err, "Sync to master '%s' failed: ", masters[first]->short_name);
	if (failed > 1)
		dd_error_hint(err, "%zu masters failed in all", failed);
	if (ret == 0 && r < 0)
		return dd_error_set(err, r, "Interrupted");
	return ret;
}
