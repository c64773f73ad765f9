/* The installer on the host, driven through small stand-in scripts written by
 * each test: `--version` parsing, the `--genconf` run (working directory,
 * environment, fds, output streaming, failures), genconf/ files and the
 * ip-detect script. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "dcos-docker/cancel.h"
#include "dcos/genconf-internal.h"

/* ---- helpers ---- */

/* A space in the path: the installer path is one argv element, never split. */
static char tmpdir[] = "/tmp/test genconf.XXXXXX";

static char *path_in(const char *name)
{
	char *p = NULL;
	assert_true(asprintf(&p, "%s/%s", tmpdir, name) > 0);
	return p;
}

static void write_file(const char *path, const char *content, mode_t mode)
{
	FILE *f = fopen(path, "w");
	if (!f)
		fail_msg("fopen %s: %s", path, strerror(errno));
	fputs(content, f);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(chmod(path, mode), 0);
}

/* A stand-in installer; bash runs it, so it needs no exec bit. */
static char *script(const char *name, const char *body)
{
	char *p = path_in(name);
	write_file(p, body, 0644);
	return p;
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return NULL;
	char *buf = calloc(1, 1 << 16);
	size_t n = fread(buf, 1, (1 << 16) - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

static mode_t mode_of(const char *path)
{
	struct stat st;
	if (stat(path, &st) < 0)
		fail_msg("stat %s: %s", path, strerror(errno));
	return st.st_mode & 07777;
}

/* A fresh workspace with genconf/config.yaml, as genconf expects. */
static char *workspace(const char *name)
{
	char *ws = path_in(name);
	assert_int_equal(mkdir(ws, 0755), 0);
	dd_error err = {0};
	if (dd_dcos_write_genconf(ws, "cluster_name: 'test'\n", NULL, &err) < 0)
		fail_msg("write_genconf: %s", err.msg);
	return ws;
}

struct lines {
	char *all; /* lines joined by '|' */
	size_t n;
};

static void collect(const dd_event *ev, void *userdata)
{
	struct lines *l = userdata;
	assert_int_equal(ev->kind, DD_EVENT_OUTPUT);
	assert_null(ev->node);
	const char *line = ev->text;
	char *joined = NULL;
	assert_true(asprintf(&joined, "%s%s%s", l->all ? l->all : "", l->all ? "|" : "", line) > 0);
	free(l->all);
	l->all = joined;
	l->n++;
}

static int setup(void **state)
{
	(void)state;
	/* Working in tmpdir: a child run in the wrong directory must not litter the tree. */
	return mkdtemp(tmpdir) && chdir(tmpdir) == 0 ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	char cmd[256];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	return system(cmd);
}

/* ---- installer --version ---- */

static void test_info_json_after_log_lines(void **state)
{
	(void)state;
	char *p = script(
	    "dcos generate config.sh",
	    "[ \"$#\" = 1 ] && [ \"$1\" = --version ] || { echo \"bad args: $*\"; exit 9; }\n"
	    "[ \"$(pwd -P)\" = \"$WANT_CWD\" ] || { echo \"bad cwd: $(pwd -P)\"; exit 11; }\n"
	    "[ \"$DCOS_INSTALLER_CONTAINER_NAME\" = v-name ] || { echo 'bad name'; exit 14; }\n"
	    "[ -z \"${DCOS_INSTALLER_DAEMONIZE+x}\" ] || { echo 'daemonize passed on'; exit 15; }\n"
	    "echo 'Extracting image from this script and loading into docker daemon, this step can "
	    "take a few minutes' >&2\n"
	    "echo 'dcos-genconf.0123abcd-4567.tar'\n"
	    "echo '{\"not\": \"this one\"}'\n"
	    "cat <<'EOF'\n"
	    "{\n"
	    "  \"variant\": \"\",\n"
	    "  \"version\": \"1.13.9\",\n"
	    "  \"extra\": {\"nested\": {\"deep\": true}}\n"
	    "}\n"
	    "EOF\n");
	char *version = NULL, *variant = NULL, *tar = NULL;
	dd_error err = {0};
	/* It runs where it is told (the real one extracts itself there). */
	char *place = path_in("place");
	assert_int_equal(mkdir(place, 0700), 0);
	char real[PATH_MAX];
	assert_non_null(realpath(place, real));
	setenv("WANT_CWD", real, 1);
	setenv("DCOS_INSTALLER_DAEMONIZE", "true", 1);
	if (dd_dcos_installer_info(p, place, "v-name", NULL, NULL, &version, &variant, &tar, &err) <
	    0)
		fail_msg("%s", err.msg);
	unsetenv("DCOS_INSTALLER_DAEMONIZE");
	assert_string_equal(version, "1.13.9");
	assert_string_equal(variant, "oss");
	/* The wrapper's `tar xv` names the payload on stdout when it extracts. */
	assert_string_equal(tar, "dcos-genconf.0123abcd-4567.tar");
	free(version);
	free(variant);
	free(tar);
	free(place);
	free(p);
}

static void test_info_enterprise_and_missing_variant(void **state)
{
	(void)state;
	char *p = script(
	    "ee.sh",
	    "echo '{\"variant\": \"ee\", \"version\": \"2.1.0\"}'\necho 'cleaning up' >&2\n");
	char *version = NULL, *variant = NULL;
	dd_error err = {0};
	if (dd_dcos_installer_info(p, NULL, "v", NULL, NULL, &version, &variant, NULL, &err) < 0)
		fail_msg("%s", err.msg);
	assert_string_equal(version, "2.1.0");
	assert_string_equal(variant, "enterprise");
	free(version);
	free(variant);
	free(p);

	/* Old installers print no variant at all: open source. */
	p = script("old.sh", "echo '{\"version\": \"1.8.8\"}'\n");
	assert_int_equal(
	    dd_dcos_installer_info(p, NULL, "v", NULL, NULL, NULL, &variant, NULL, &err), 0);
	assert_string_equal(variant, "oss");
	free(variant);
	free(p);

	p = script("weird.sh", "echo '{\"variant\": \"xx\", \"version\": \"1.0\"}'\n");
	assert_true(dd_dcos_installer_info(p, NULL, "v", NULL, NULL, NULL, &variant, NULL, &err) <
	            0);
	assert_non_null(strstr(err.msg, "'xx'"));
	free(p);
}

static void test_info_errors(void **state)
{
	(void)state;
	dd_error err = {0};
	char *version = NULL, *variant = NULL;

	/* Missing: a usage error with a hint. */
	char *missing = path_in("no such installer.sh");
	assert_int_equal(
	    dd_dcos_installer_info(missing, NULL, "v", NULL, NULL, &version, &variant, NULL, &err),
	    -ENOENT);
	assert_int_equal(err.kind, DD_ERR_USAGE);
	char *want = NULL;
	assert_true(asprintf(&want, "installer not found: %s", missing) > 0);
	assert_string_equal(err.msg, want);
	assert_true(err.hint[0] != '\0');
	free(want);
	free(missing);

	/* A directory. */
	assert_true(dd_dcos_installer_info(tmpdir, NULL, "v", NULL, NULL, &version, &variant, NULL,
	                                   &err) < 0);
	assert_int_equal(err.kind, DD_ERR_USAGE);
	assert_non_null(strstr(err.msg, "directory"));

	/* --version fails: its exit code and last lines. */
	char *p =
	    script("fails.sh", "for i in $(seq 1 50); do echo \"log-$i\"; done\n"
	                       "echo 'docker: Cannot connect to the Docker daemon' >&2\nexit 3\n");
	assert_true(
	    dd_dcos_installer_info(p, NULL, "v", NULL, NULL, &version, &variant, NULL, &err) < 0);
	assert_non_null(strstr(err.msg, "exit code 3"));
	assert_non_null(strstr(err.msg, "Cannot connect to the Docker daemon"));
	assert_non_null(strstr(err.msg, "log-50"));
	assert_null(strstr(err.msg, "log-1\n"));
	free(p);

	/* Exits 0 without the JSON. */
	p = script("nojson.sh", "echo 'hello'\necho '{\"versions\": 1}'\necho '{broken'\n");
	assert_int_equal(
	    dd_dcos_installer_info(p, NULL, "v", NULL, NULL, &version, &variant, NULL, &err),
	    -EBADMSG);
	assert_non_null(strstr(err.msg, "{broken"));
	free(p);

	/* Killed by a signal. */
	p = script("killed.sh", "kill -KILL $$\n");
	assert_true(
	    dd_dcos_installer_info(p, NULL, "v", NULL, NULL, &version, &variant, NULL, &err) < 0);
	assert_non_null(strstr(err.msg, "signal 9"));
	free(p);

	assert_null(version);
	assert_null(variant);
}

/* ---- genconf ---- */

static const char fake_genconf[] =
    "set -e\n"
    /* No --offline: DC/OS 2.x's argparse exits 2 on it. */
    "[ \"$*\" = '-v --genconf' ] || { echo \"bad args: $*\"; exit 10; }\n"
    "[ \"$(pwd -P)\" = \"$WANT_CWD\" ] || { echo \"bad cwd: $(pwd -P)\"; exit 11; }\n"
    "[ -f genconf/config.yaml ] && [ -x genconf/ip-detect ] || { echo 'no genconf files'; exit 12; "
    "}\n"
    "case \"$PORT\" in ''|*[!0-9]*|1) echo \"bad PORT: $PORT\"; exit 13;; esac\n"
    "[ \"$PORT\" -gt 1024 ] || { echo \"bad PORT: $PORT\"; exit 13; }\n"
    "[ \"$(tr '\\0' '\\n' </proc/$$/environ | grep -c '^PORT=')\" = 1 ] || { echo 'PORT twice'; "
    "exit 13; }\n"
    "[ \"$DCOS_INSTALLER_CONTAINER_NAME\" = 'c1-installer' ] || { echo 'bad container name'; exit "
    "14; }\n"
    "[ \"$KEEP_ME\" = kept ] || { echo 'environment lost'; exit 15; }\n"
    /* Inherited, it would make the wrapper return before anything is written. */
    "[ -z \"${DCOS_INSTALLER_DAEMONIZE+x}\" ] || { echo 'DCOS_INSTALLER_DAEMONIZE passed on'; exit "
    "18; }\n"
    /* A process group of its own: cancellation stops the docker CLI under it too. */
    "[ \"$(ps -o pgid= -p $$ | tr -d ' ')\" = $$ ] || { echo 'not a process group leader'; exit "
    "19; }\n"
    "[ ! -e \"/proc/$$/fd/$LEAKED_FD\" ] || { echo \"fd $LEAKED_FD leaked\"; exit 16; }\n"
    "read -r line </dev/stdin && { echo 'stdin is not empty'; exit 17; } || true\n"
    "echo 'Generating configuration files...'\n"
    "echo 'to stderr' >&2\n"
    "printf 'no newline at the end'\n"
    "mkdir -p genconf/serve\n"
    "echo x > genconf/serve/x\n"
    "echo '#!/bin/bash' > genconf/serve/dcos_install.sh\n";

static void test_genconf_runs_installer(void **state)
{
	(void)state;
	char *ws = workspace("ws ok");
	char *p = script("installer ok.sh", fake_genconf);
	char real[PATH_MAX];
	assert_non_null(realpath(ws, real));
	setenv("WANT_CWD", real, 1);
	setenv("KEEP_ME", "kept", 1);
	setenv("PORT", "1", 1); /* replaced, not duplicated */
	setenv("DCOS_INSTALLER_DAEMONIZE", "true", 1);
	/* An fd without O_CLOEXEC must not reach the installer. */
	int leak = open("/dev/null", O_RDONLY);
	assert_true(leak > 2);
	char fdnum[16];
	snprintf(fdnum, sizeof(fdnum), "%d", leak);
	setenv("LEAKED_FD", fdnum, 1);

	struct lines lines = {0};
	dd_error err = {0};
	/* A relative installer path keeps working although the installer runs in the workspace. */
	char *cwd = getcwd(NULL, 0);
	assert_int_equal(chdir(tmpdir), 0);
	int r = dd_dcos_genconf("installer ok.sh", ws, "c1-installer", collect, &lines, &err);
	assert_int_equal(chdir(cwd), 0);
	unsetenv("DCOS_INSTALLER_DAEMONIZE");
	close(leak);
	if (r < 0)
		fail_msg("%s", err.msg);
	assert_string_equal(lines.all,
	                    "Generating configuration files...|to stderr|no newline at the end");
	char *x = NULL;
	assert_true(asprintf(&x, "%s/genconf/serve/x", ws) > 0);
	assert_int_equal(access(x, F_OK), 0);

	free(x);
	free(cwd);
	free(lines.all);
	free(p);
	free(ws);
}

static void test_genconf_failure_shows_last_lines(void **state)
{
	(void)state;
	char *ws = workspace("ws fail");
	char *p = script("installer-fails.sh",
	                 "for i in $(seq -w 1 40); do echo \"out-$i\"; done\n"
	                 "echo 'ERROR: config.yaml: master_list must not be empty' >&2\n"
	                 "exit 4\n");
	struct lines lines = {0};
	dd_error err = {0};
	assert_true(dd_dcos_genconf(p, ws, "c1-installer", collect, &lines, &err) < 0);
	assert_int_equal(lines.n, 41); /* every line was streamed */
	assert_non_null(strstr(err.msg, "exit code 4"));
	assert_non_null(strstr(err.msg, "master_list must not be empty"));
	assert_non_null(strstr(err.msg, "out-40"));
	assert_null(strstr(err.msg, "out-05")); /* only the last lines */
	free(lines.all);
	free(p);

	/* An argument error, as DC/OS 2.x's argparse gives one for --offline:
	 * said as what it is, not as a failed genconf. */
	p = script("installer-argparse.sh",
	           "echo 'usage: dcos_generate_config.sh [-h] [--version | --genconf] [-v]' >&2\n"
	           "echo 'dcos_generate_config.sh: error: unrecognized arguments: --bogus' >&2\n"
	           "exit 2\n");
	assert_true(dd_dcos_genconf(p, ws, "c1-installer", NULL, NULL, &err) < 0);
	assert_non_null(strstr(err.msg, "rejected its command line"));
	assert_non_null(strstr(err.msg, "unrecognized arguments: --bogus"));
	assert_true(err.hint[0] != '\0');
	free(p);

	/* Colour codes (coloredlogs colours even a pipe) do not reach the message. */
	p = script(
	    "installer-colours.sh",
	    "printf '\\033[1;31mmaster_list: Must have 1, 3, 5, 7, or 9 masters\\033[0m\\n' >&2\n"
	    "exit 1\n");
	assert_true(dd_dcos_genconf(p, ws, "c1-installer", NULL, NULL, &err) < 0);
	assert_non_null(strstr(err.msg, "  master_list: Must have 1, 3, 5, 7, or 9 masters"));
	assert_null(strchr(err.msg, '\033'));
	free(p);

	/* The wrapper's own first check: a hint that says what to install. */
	p = script("installer-nodocker.sh",
	           "echo 'docker should be installed and running. Aborting.' >&2\nexit 1\n");
	assert_true(dd_dcos_genconf(p, ws, "c1-installer", NULL, NULL, &err) < 0);
	assert_non_null(strstr(err.hint, "docker"));
	free(p);

	/* Exit 0 without filling genconf/serve: the contract is broken. */
	p = script("installer-lazy.sh", "echo done\n");
	assert_int_equal(dd_dcos_genconf(p, ws, "c1-installer", NULL, NULL, &err), -ENOENT);
	assert_non_null(strstr(err.msg, "dcos_install.sh"));
	free(p);

	/* Endless output lines are passed on in bounded pieces. */
	p = script("installer-long.sh",
	           "head -c 20000 /dev/zero | tr '\\0' a\necho\necho tail\n"
	           "mkdir -p genconf/serve && : > genconf/serve/dcos_install.sh\n");
	lines = (struct lines){0};
	assert_int_equal(dd_dcos_genconf(p, ws, "c1-installer", collect, &lines, &err), 0);
	assert_true(lines.n >= 5);
	assert_true(strlen(lines.all) > 20000);
	free(lines.all);
	free(p);

	/* No config.yaml yet. */
	char *empty = path_in("ws empty");
	assert_int_equal(mkdir(empty, 0755), 0);
	p = script("never-run.sh", "exit 0\n");
	assert_true(dd_dcos_genconf(p, empty, "c1-installer", NULL, NULL, &err) < 0);
	assert_non_null(strstr(err.msg, "config.yaml"));
	free(empty);
	free(p);
	free(ws);
}

/* ---- genconf/ files ---- */

static void test_write_genconf(void **state)
{
	(void)state;
	char *ws = path_in("ws files");
	assert_int_equal(mkdir(ws, 0755), 0);
	char *extra = path_in("extra genconf");
	assert_int_equal(mkdir(extra, 0755), 0);
	char *f1 = NULL, *f2 = NULL, *link = NULL, *outside = path_in("outside.txt");
	assert_true(asprintf(&f1, "%s/fault-domain-detect", extra) > 0);
	assert_true(asprintf(&f2, "%s/ca.crt", extra) > 0);
	assert_true(asprintf(&link, "%s/linked.txt", extra) > 0);
	write_file(f1, "#!/bin/sh\necho zone\n", 0750);
	write_file(f2, "CERT\n", 0640);
	write_file(outside, "followed\n", 0644);
	assert_int_equal(symlink(outside, link), 0);

	dd_error err = {0};
	if (dd_dcos_write_genconf(ws, "cluster_name: 'x'\n", extra, &err) < 0)
		fail_msg("%s", err.msg);
	char *config = NULL, *ipd = NULL, *c1 = NULL, *c2 = NULL, *c3 = NULL;
	assert_true(asprintf(&config, "%s/genconf/config.yaml", ws) > 0);
	assert_true(asprintf(&ipd, "%s/genconf/ip-detect", ws) > 0);
	assert_true(asprintf(&c1, "%s/genconf/fault-domain-detect", ws) > 0);
	assert_true(asprintf(&c2, "%s/genconf/ca.crt", ws) > 0);
	assert_true(asprintf(&c3, "%s/genconf/linked.txt", ws) > 0);
	char *s = slurp(config);
	assert_string_equal(s, "cluster_name: 'x'\n");
	free(s);
	assert_int_equal(mode_of(config), 0600); /* can hold a password hash and a license */
	assert_int_equal(mode_of(ipd), 0755);
	assert_int_equal(mode_of(c1), 0750);
	assert_int_equal(mode_of(c2), 0640);
	s = slurp(c3);
	assert_string_equal(s, "followed\n");
	free(s);
	struct stat st;
	assert_int_equal(lstat(c3, &st), 0);
	assert_true(S_ISREG(st.st_mode));

	/* A subdirectory or a config.yaml is refused before anything is written. */
	char *ws2 = path_in("ws refused");
	char *sub = NULL, *cfg = NULL;
	assert_true(asprintf(&sub, "%s/serve", extra) > 0);
	assert_int_equal(mkdir(sub, 0755), 0);
	assert_true(dd_dcos_write_genconf(ws2, "a: 1\n", extra, &err) < 0);
	assert_int_equal(err.kind, DD_ERR_USAGE);
	assert_non_null(strstr(err.msg, "serve"));
	assert_int_equal(access(ws2, F_OK), -1);
	assert_int_equal(rmdir(sub), 0);
	assert_true(asprintf(&cfg, "%s/config.yaml", extra) > 0);
	write_file(cfg, "a: 1\n", 0644);
	assert_true(dd_dcos_write_genconf(ws2, "a: 1\n", extra, &err) < 0);
	assert_int_equal(err.kind, DD_ERR_USAGE);
	assert_non_null(strstr(err.msg, "config.yaml"));
	assert_int_equal(access(ws2, F_OK), -1);

	free(cfg);
	free(sub);
	free(ws2);
	free(config);
	free(ipd);
	free(c1);
	free(c2);
	free(c3);
	free(f1);
	free(f2);
	free(link);
	free(outside);
	free(extra);
	free(ws);
}

/* Runs the written ip-detect with a fake `ip` first in PATH; returns its stdout. */
static char *run_ip_detect(const char *ws, const char *fake_addr, const char *fake_route,
                           int *ret_status)
{
	char *bin = path_in("fakebin");
	mkdir(bin, 0755);
	char *ip = NULL;
	assert_true(asprintf(&ip, "%s/ip", bin) > 0);
	write_file(ip,
	           "#!/bin/sh\n"
	           "case \"$*\" in\n"
	           "'-4 -o addr show dev eth0') [ -n \"$FAKE_ADDR\" ] || { echo 'Device \"eth0\" "
	           "does not exist.' >&2; exit 1; }; printf '%s\\n' \"$FAKE_ADDR\";;\n"
	           "'-4 route get 1.1.1.1') [ -n \"$FAKE_ROUTE\" ] || exit 2; printf '%s\\n' "
	           "\"$FAKE_ROUTE\";;\n"
	           "*) echo \"unexpected: $*\" >&2; exit 3;;\n"
	           "esac\n",
	           0755);
	char *cmd = NULL;
	assert_true(
	    asprintf(
	        &cmd,
	        "env PATH='%s':\"$PATH\" FAKE_ADDR='%s' FAKE_ROUTE='%s' '%s/genconf/ip-detect'",
	        bin, fake_addr, fake_route, ws) > 0);
	FILE *f = popen(cmd, "r");
	assert_non_null(f);
	char *out = calloc(1, 4096);
	size_t n = fread(out, 1, 4095, f);
	out[n] = '\0';
	*ret_status = pclose(f);
	free(cmd);
	free(ip);
	free(bin);
	return out;
}

static void test_ip_detect(void **state)
{
	(void)state;
	char *ws = path_in("ws ip-detect");
	assert_int_equal(mkdir(ws, 0755), 0);
	dd_error err = {0};
	assert_int_equal(dd_dcos_write_genconf(ws, "a: 1\n", NULL, &err), 0);
	int status;

	/* eth0 with two addresses: the first, without its prefix length. */
	char *out = run_ip_detect(ws,
	                          "2: eth0    inet 172.30.0.5/16 brd 172.30.255.255 scope global "
	                          "eth0\\       valid_lft forever preferred_lft forever\n"
	                          "2: eth0    inet 10.9.9.9/8 scope global secondary eth0\\       "
	                          "valid_lft forever preferred_lft forever",
	                          "", &status);
	assert_int_equal(status, 0);
	assert_string_equal(out, "172.30.0.5\n");
	free(out);

	/* No eth0: the source address of the default route. */
	out = run_ip_detect(
	    ws, "", "1.1.1.1 via 172.30.0.1 dev ens3 src 172.30.0.9 uid 0 \n    cache ", &status);
	assert_int_equal(status, 0);
	assert_string_equal(out, "172.30.0.9\n");
	free(out);

	/* Neither: a failure, not an empty address. */
	out = run_ip_detect(ws, "", "", &status);
	assert_int_not_equal(status, 0);
	assert_string_equal(out, "");
	free(out);

	/* And on this machine, with the real ip: one IPv4 address. */
	char *cmd = NULL;
	assert_true(asprintf(&cmd, "'%s/genconf/ip-detect' 2>/dev/null", ws) > 0);
	FILE *f = popen(cmd, "r");
	char line[128] = "";
	if (f && fgets(line, sizeof(line), f) && pclose(f) == 0) {
		line[strcspn(line, "\n")] = '\0';
		struct in_addr a;
		if (inet_pton(AF_INET, line, &a) != 1)
			fail_msg("ip-detect printed '%s'", line);
	} else if (f) {
		pclose(f); /* no eth0 and no default route here: nothing to check */
	}
	free(cmd);
	free(ws);
}

static void cancel_on_start(const dd_event *ev, void *userdata)
{
	(void)userdata;
	if (strcmp(ev->text, "started") == 0)
		dd_cancel_request(SIGTERM); /* what the CLI's signal handler does */
}

/* Last: a cancellation cannot be taken back in this process. */
static void test_genconf_cancelled(void **state)
{
	(void)state;
	char *ws = workspace("ws cancel");
	char *marker = path_in("stopped");
	char *body = NULL;
	assert_true(asprintf(&body,
	                     "trap 'echo stopped > \"%s\"; kill $s; exit 1' TERM\n"
	                     "sleep 30 >/dev/null 2>&1 & s=$!\n"
	                     "echo started\n"
	                     "wait $s\n",
	                     marker) > 0);
	char *p = script("installer-slow.sh", body);
	dd_error err = {0};
	double t0 = (double)time(NULL);
	assert_int_equal(dd_dcos_genconf(p, ws, "c1-installer", cancel_on_start, NULL, &err),
	                 -ECANCELED);
	assert_true((double)time(NULL) - t0 < 10);
	/* The installer got SIGTERM, so it could clean up after itself. */
	assert_int_equal(access(marker, F_OK), 0);
	free(body);
	free(p);
	free(marker);
	free(ws);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_info_json_after_log_lines),
	    cmocka_unit_test(test_info_enterprise_and_missing_variant),
	    cmocka_unit_test(test_info_errors),
	    cmocka_unit_test(test_genconf_runs_installer),
	    cmocka_unit_test(test_genconf_failure_shows_last_lines),
	    cmocka_unit_test(test_write_genconf),
	    cmocka_unit_test(test_ip_detect),
	    cmocka_unit_test(test_genconf_cancelled),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
