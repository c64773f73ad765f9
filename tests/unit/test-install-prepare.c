/* The checks `install` makes before touching a cluster
 * (dd_dcos_install_prepare) and where the installer runs (dd_installer_open):
 * against a fake daemon, a fake `docker` command and small installer scripts
 * that behave like the real wrapper where it matters here (they extract a
 * payload into the current directory, print its name, make genconf/state).
 * The real contract, end to end, is in tests/integration with the stand-in. */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "dcos-docker/install.h"
/* Only part of the fake daemon's helpers are used here. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-function"
#include "dcos-docker/installer.h"
#include "dcos/install-internal.h"
#include "dcos/installer-internal.h"
#include "fake-daemon.h"
#pragma GCC diagnostic pop

static char tmpdir[] = "/tmp/dd-test-prepare.XXXXXX";
static char *old_path;

/* ---- the fake daemon: cgroup version and which images are loaded ---- */

struct daemon {
	struct fake_daemon f; /* first: the handler gets it */
	int cgroup;
	bool image_loaded;
};

static void handler(struct fake_daemon *f, int fd, const struct fake_request *req)
{
	struct daemon *t = (struct daemon *)f;
	if (strstr(req->target, "/info")) {
		char body[128];
		snprintf(body, sizeof(body),
		         "{\"CgroupVersion\":\"%d\",\"KernelVersion\":\"elsewhere\"}", t->cgroup);
		fake_respond(fd, 200, "OK", "application/json", body);
	} else if (strstr(req->target, "/images/mesosphere%2Fdcos-genconf%3Afake-tag/json") &&
	           t->image_loaded)
		fake_respond(fd, 200, "OK", "application/json", "{\"Id\":\"sha256:00\"}");
	else
		fake_respond(fd, 404, "Not Found", "application/json",
		             "{\"message\":\"No such thing\"}");
}

struct env {
	struct daemon dm;
	dd_docker *d;
};

static void env_start(struct env *e, int cgroup)
{
	memset(e, 0, sizeof(*e));
	fake_init(&e->dm.f);
	e->dm.cgroup = cgroup;
	assert_int_equal(fake_start(&e->dm.f, handler, NULL), 0);
	dd_error err = {0};
	assert_int_equal(dd_docker_open(e->dm.f.path, &e->d, &err), 0);
}

static void env_stop(struct env *e)
{
	dd_docker_free(e->d);
	fake_stop(&e->dm.f);
	assert_string_equal(e->dm.f.error, "");
	fake_free(&e->dm.f);
}

/* ---- files ---- */

static char *path_in(const char *name)
{
	char *p = NULL;
	assert_true(asprintf(&p, "%s/%s", tmpdir, name) > 0);
	return p;
}

static char *write_tmp(const char *name, const char *content)
{
	char *p = path_in(name);
	FILE *f = fopen(p, "w");
	assert_non_null(f);
	fputs(content, f);
	fclose(f);
	return p;
}

/* Counts its runs in $RUNS; extracts (an empty) payload only when it is
 * not in the current directory, as dcos_generate_config.sh.in does. */
static const char installer_body[] =
    "#!/bin/bash\n"
    "[ \"$*\" = --version ] || { echo \"bad args: $*\"; exit 9; }\n"
    "pwd -P >> \"$RUNS\"\n"
    "if [ ! -f dcos-genconf.fake-tag.tar ]; then\n"
    "  echo 'Extracting image from this script and loading into docker daemon' >&2\n"
    "  : > dcos-genconf.fake-tag.tar\n"
    "  echo dcos-genconf.fake-tag.tar\n"
    "fi\n"
    "mkdir -p genconf/state\n"
    "printf '{\\n  \"variant\": \"%s\",\\n  \"version\": \"2.2.0-fake\"\\n}\\n' "
    "\"${FAKE_VARIANT:-}\"\n"
    "exit 0\n"
    "#EOF#\n"
    "payload bytes\n";

static int runs(void)
{
	const char *f = getenv("RUNS");
	FILE *fp = fopen(f, "r");
	if (!fp)
		return 0;
	int n = 0;
	char line[PATH_MAX];
	while (fgets(line, sizeof(line), fp))
		n++;
	fclose(fp);
	return n;
}

struct notes {
	char text[8192];
};

/* The notes only: the installer's OUTPUT lines are not what is checked. */
static void on_note(const dd_event *ev, void *userdata)
{
	struct notes *n = userdata;
	if (ev->kind == DD_EVENT_OUTPUT)
		return;
	size_t l = strlen(n->text);
	snprintf(n->text + l, sizeof(n->text) - l, "%s\n", ev->text);
}

static int prepare(struct env *e, dd_install_opts *o, dd_install_plan **p, dd_error *err)
{
	return dd_dcos_install_prepare(e->d, o, p, err);
}

/* ---- tests ---- */

static void test_extracts_once_in_its_place(void **state)
{
	(void)state;
	struct env e;
	env_start(&e, 1);
	char *inst = write_tmp("dcos_generate_config.sh", installer_body);
	struct notes n = {0};
	dd_install_opts o = {.installer = inst, .on_event = on_note, .userdata = &n};
	dd_install_plan *p = NULL;
	dd_error err = {0};
	/* Run from a directory of the user's: nothing may land there. */
	char *user_dir = path_in("user dir");
	assert_int_equal(mkdir(user_dir, 0755), 0);
	char *cwd = getcwd(NULL, 0);
	assert_int_equal(chdir(user_dir), 0);
	int r = prepare(&e, &o, &p, &err);
	assert_int_equal(chdir(cwd), 0);
	if (r < 0)
		fail_msg("prepare: %s", err.msg);
	assert_string_equal(dd_install_plan_version(p), "2.2.0-fake");
	assert_string_equal(dd_install_plan_variant(p), "oss");
	assert_int_equal(runs(), 1);
	char *tar_in_user_dir = path_in("user dir/dcos-genconf.fake-tag.tar");
	assert_int_equal(access(tar_in_user_dir, F_OK), -1);
	char *state_in_user_dir = path_in("user dir/genconf");
	assert_int_equal(access(state_in_user_dir, F_OK), -1);
	/* It ran in its place under the workspace root, which holds the payload. */
	const dd_installer *in = dd_install_plan_installer(p);
	char *root = path_in("root/installers/");
	assert_true(strncmp(dd_installer_place(in), root, strlen(root)) == 0);
	assert_true(dd_installer_extracted(in));
	assert_string_equal(dd_installer_image(in), "mesosphere/dcos-genconf:fake-tag");
	char *tar = NULL;
	assert_true(asprintf(&tar, "%s/dcos-genconf.fake-tag.tar", dd_installer_place(in)) > 0);
	assert_int_equal(access(tar, F_OK), 0);
	assert_non_null(strstr(n.text, "Extracted the installer once"));
	dd_install_plan_free(p);

	/* A second install from the same file, its image loaded: --version
	 * does not run again. So for a copy of it elsewhere (same content). */
	e.dm.image_loaded = true;
	assert_int_equal(prepare(&e, &o, &p, &err), 0);
	assert_false(dd_installer_extracted(dd_install_plan_installer(p)));
	dd_install_plan_free(p);
	char *copy = write_tmp("copy of installer.sh", installer_body);
	o.installer = copy;
	assert_int_equal(prepare(&e, &o, &p, &err), 0);
	assert_int_equal(runs(), 1);
	dd_install_plan_free(p);

	/* The image is gone (docker rmi): --version runs in the place again,
	 * where the wrapper itself would re-extract. */
	e.dm.image_loaded = false;
	assert_int_equal(prepare(&e, &o, &p, &err), 0);
	assert_int_equal(runs(), 2);
	dd_install_plan_free(p);
	e.dm.image_loaded = true; /* what that run's `docker load` did */
	/* --variant overrides, and says so. */
	o.variant = "enterprise";
	memset(&n, 0, sizeof(n));
	assert_int_equal(prepare(&e, &o, &p, &err), 0);
	assert_string_equal(dd_install_plan_variant(p), "enterprise");
	assert_non_null(strstr(n.text, "overrides"));
	dd_install_plan_free(p);

	/* Another installer (another wrapper): another place. */
	char *other = write_tmp("other.sh", "# another build\n");
	FILE *f = fopen(other, "a");
	fputs(installer_body, f);
	fclose(f);
	o.installer = other;
	o.variant = NULL;
	assert_int_equal(prepare(&e, &o, &p, &err), 0);
	assert_int_equal(runs(), 3);
	dd_install_plan_free(p);

	/* clean: places no cluster uses go (with --dry-run, only listed). */
	dd_installer_place_info *list = NULL;
	size_t count = 0;
	assert_int_equal(dd_installer_places(e.d, NULL, false, &list, &count, &err), 0);
	assert_int_equal(count, 2);
	assert_true(list[0].removable && !list[0].removed && list[0].bytes > 0);
	free(list);
	assert_int_equal(dd_installer_places(e.d, NULL, true, &list, &count, &err), 0);
	assert_int_equal(count, 2);
	assert_true(list[0].removed && list[1].removed);
	free(list);
	assert_int_equal(dd_installer_places(e.d, NULL, false, &list, &count, &err), 0);
	assert_int_equal(count, 0);
	free(list);

	free(other);
	free(copy);
	free(tar);
	free(root);
	free(state_in_user_dir);
	free(tar_in_user_dir);
	free(cwd);
	free(user_dir);
	free(inst);
	env_stop(&e);
}

static void test_enterprise(void **state)
{
	(void)state;
	struct env e;
	env_start(&e, 1);
	char *inst = write_tmp("ee.sh", installer_body);
	setenv("FAKE_VARIANT", "ee", 1);
	char *lic = write_tmp("license.txt", "LICENSE-KEY\n");
	struct notes n = {0};
	dd_install_opts o = {.installer = inst,
	                     .license_key_path = lic,
	                     .superuser_password = "secret",
	                     .security_mode = "strict",
	                     .on_event = on_note,
	                     .userdata = &n};
	dd_install_plan *p = NULL;
	dd_error err = {0};
	if (prepare(&e, &o, &p, &err) < 0)
		fail_msg("prepare: %s", err.msg);
	unsetenv("FAKE_VARIANT");
	assert_string_equal(dd_install_plan_variant(p), "enterprise");
	dd_install_plan_free(p);
	free(inst);
	free(lic);
	env_stop(&e);
}

static void expect_usage(struct env *e, dd_install_opts *o, const char *needle)
{
	dd_install_plan *p = NULL;
	dd_error err = {0};
	int r = prepare(e, o, &p, &err);
	assert_true(r < 0);
	assert_null(p);
	if (err.kind != DD_ERR_USAGE || !strstr(err.msg, needle))
		fail_msg("expected a usage error with '%s', got kind %d: %s", needle, err.kind,
		         err.msg);
}

static void test_usage_errors(void **state)
{
	(void)state;
	struct env e;
	env_start(&e, 1);
	char *inst = write_tmp("usage.sh", installer_body);
	char *bad_yaml = write_tmp("bad.yaml", "a: [1, 2\n");
	char *list_yaml = write_tmp("list.yaml", "- a\n- b\n");
	char *empty_lic = write_tmp("empty-license.txt", "\n\n");
	int before = runs();

	dd_install_opts o = {.installer = "/nonexistent/dcos_generate_config.sh"};
	expect_usage(&e, &o, "/nonexistent/dcos_generate_config.sh");
	o.installer = tmpdir; /* a directory */
	expect_usage(&e, &o, "not a regular file");
	o.installer = inst;
	o.variant = "community";
	expect_usage(&e, &o, "community");
	o.variant = NULL;
	o.extra_config = "/nonexistent/extra.yaml";
	expect_usage(&e, &o, "/nonexistent/extra.yaml");
	o.extra_config = NULL;
	o.security_mode = "lax";
	expect_usage(&e, &o, "lax");
	o.security_mode = NULL;
	o.license_key_path = empty_lic;
	expect_usage(&e, &o, "empty");
	o.license_key_path = NULL;
	o.genconf_dir = inst; /* a file */
	expect_usage(&e, &o, "not a directory");
	o.genconf_dir = NULL;
	o.superuser_password = "";
	expect_usage(&e, &o, "password");
	o.superuser_password = NULL;
	/* The workspace genconf will run in: the wrapper's unquoted $(pwd). */
	o.workspace = "/tmp/my cluster";
	expect_usage(&e, &o, "/tmp/my cluster");
	o.workspace = "/tmp/glob*dir";
	expect_usage(&e, &o, "'*'");
	o.workspace = "/tmp/a:b";
	expect_usage(&e, &o, "':'");
	o.workspace = NULL;
	/* The extra config, checked as DC/OS's gen would check it. */
	o.extra_config = bad_yaml;
	expect_usage(&e, &o, "bad.yaml");
	o.extra_config = list_yaml;
	expect_usage(&e, &o, "list.yaml");
	char *two_masters =
	    write_tmp("two-masters.yaml", "master_list: ['192.0.2.7', '192.0.2.8']\n");
	o.extra_config = two_masters;
	expect_usage(&e, &o, "master_list");
	o.extra_config = NULL;
	/* None of these cost an installer run (minutes with a real one). */
	assert_int_equal(runs(), before);

	/* What needs the installer's variant comes after its --version. */
	o.security_mode = "strict"; /* open source has none */
	expect_usage(&e, &o, "Enterprise");
	o.security_mode = NULL;

	free(inst);
	free(bad_yaml);
	free(list_yaml);
	free(two_masters);
	free(empty_lic);
	env_stop(&e);
}

static void test_host_checks(void **state)
{
	(void)state;
	char *inst = write_tmp("host.sh", installer_body);
	dd_install_opts o = {.installer = inst};
	dd_install_plan *p = NULL;
	dd_error err = {0};
	int before = runs();

	/* cgroup v2: refused before the installer runs, with the fix; allowed
	 * when the user says so. */
	struct env e;
	env_start(&e, 2);
	expect_usage(&e, &o, "cgroup v2");
	assert_int_equal(prepare(&e, &o, &p, &err), -ENOTSUP);
	assert_non_null(strstr(err.hint, "systemd.unified_cgroup_hierarchy=0"));
	assert_non_null(strstr(err.msg, "--allow-cgroup-v2"));
	assert_int_equal(runs(), before);
	o.allow_cgroup_v2 = true;
	assert_int_equal(prepare(&e, &o, &p, &err), 0);
	dd_install_plan_free(p);
	o.allow_cgroup_v2 = false;
	env_stop(&e);

	/* No docker command on this host: the installer's wrapper would abort. */
	env_start(&e, 1);
	char *empty = path_in("empty-bin");
	assert_int_equal(mkdir(empty, 0755), 0);
	setenv("PATH", empty, 1);
	expect_usage(&e, &o, "docker");
	char *bin = path_in("bin");
	char *path = NULL;
	assert_true(asprintf(&path, "%s:%s", bin, old_path) > 0);
	setenv("PATH", path, 1);

	/* A workspace root the wrapper cannot run in. */
	char *spaced = path_in("root with space");
	setenv("DCOS_DOCKER_WORKSPACE_ROOT", spaced, 1);
	expect_usage(&e, &o, "root with space");
	char *root = path_in("root");
	setenv("DCOS_DOCKER_WORKSPACE_ROOT", root, 1);
	env_stop(&e);

	free(root);
	free(spaced);
	free(path);
	free(bin);
	free(empty);
	free(inst);
}

static void test_not_an_installer(void **state)
{
	(void)state;
	struct env e;
	env_start(&e, 1);
	char *text = write_tmp("notes.txt", "just some notes\n");
	dd_install_opts o = {.installer = text};
	dd_install_plan *p = NULL;
	dd_error err = {0};
	int r = prepare(&e, &o, &p, &err);
	assert_true(r < 0);
	assert_int_equal(err.kind, DD_ERR_FAILED);
	/* The installer's own output is in the message. */
	assert_non_null(strstr(err.msg, "just: command not found"));
	free(text);
	env_stop(&e);
}

static int setup(void **state)
{
	(void)state;
	if (!mkdtemp(tmpdir))
		return -1;
	/* A docker command that answers, whatever this machine has. */
	char *bin = path_in("bin");
	char *docker = path_in("bin/docker");
	mkdir(bin, 0755);
	FILE *f = fopen(docker, "w");
	if (!f)
		return -1;
	fputs("#!/bin/sh\necho 'Client: fake'\n", f);
	fclose(f);
	chmod(docker, 0755);
	old_path = strdup(getenv("PATH") ? getenv("PATH") : "/usr/bin:/bin");
	char *path = NULL, *runs_file = path_in("runs"), *root = path_in("root");
	if (asprintf(&path, "%s:%s", bin, old_path) < 0)
		return -1;
	setenv("PATH", path, 1);
	setenv("RUNS", runs_file, 1);
	setenv("DCOS_DOCKER_WORKSPACE_ROOT", root, 1);
	free(path);
	free(runs_file);
	free(root);
	free(bin);
	free(docker);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	char *cmd = NULL;
	if (asprintf(&cmd, "rm -rf '%s'", tmpdir) < 0)
		return -1;
	int r = system(cmd);
	free(cmd);
	free(old_path);
	return r == 0 ? 0 : -1;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_extracts_once_in_its_place),
	    cmocka_unit_test(test_enterprise),
	    cmocka_unit_test(test_usage_errors),
	    cmocka_unit_test(test_host_checks),
	    cmocka_unit_test(test_not_an_installer),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
