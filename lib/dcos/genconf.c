/* The installer on the host: `--version`, the genconf/ directory and the
 * `--genconf` run that fills genconf/serve/. */
#define _GNU_SOURCE
#include "dcos/genconf-internal.h"
#include "event-internal.h"
#include "process-internal.h"
#include "util.h"

#include <dirent.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>

#define TAIL_LINES 30
/* The installer's output kept for errors: more than TAIL_LINES long lines. */
#define OUTPUT_KEEP (64u << 10)
/* --version prints a few log lines and a small JSON object. */
#define VERSION_CAPTURE_MAX (256u << 10)
/* What of the tail fits in an error message, leaving room for the sentence. */
#define TAIL_BUDGET     (DD_ERROR_MSG_MAX - 400)
#define TAIL_LINE_SHOWN 240

/* Prints the node's address on its cluster network, which DC/OS uses as the
 * node's identity; it must match the IP in config.yaml. POSIX sh and ip only:
 * nothing else is promised on a node. */
static const char ip_detect_script[] =
    "#!/bin/sh\n"
    "# Written by dcos-docker: prints this node's IPv4 address on its cluster\n"
    "# network (eth0), or else the source address of the default route.\n"
    "set -f\n"
    "PATH=\"$PATH:/usr/sbin:/sbin:/usr/bin:/bin\"\n"
    "out=$(ip -4 -o addr show dev eth0 2>/dev/null) || out=\n"
    "if [ -n \"$out\" ]; then\n"
    "\tset -- $out\n"
    "\t# 2: eth0    inet 172.17.0.2/16 brd ...\n"
    "\techo \"${4%%/*}\"\n"
    "\texit 0\n"
    "fi\n"
    "set -- $(ip -4 route get 1.1.1.1 2>/dev/null)\n"
    "while [ $# -gt 1 ]; do\n"
    "\tif [ \"$1\" = src ]; then\n"
    "\t\techo \"$2\"\n"
    "\t\texit 0\n"
    "\tfi\n"
    "\tshift\n"
    "done\n"
    "echo 'ip-detect: no IPv4 address on eth0 and no default route' >&2\n"
    "exit 1\n";

/* One installer run: its exit status and the end of its output. */
struct run {
	dd_buf out;
	int status; /* waitpid status */
	dd_event_cb on_event;
	void *userdata;
};

static void on_child_line(const char *line, void *userdata)
{
	struct run *r = userdata;
	dd_event_send(r->on_event, r->userdata, DD_EVENT_OUTPUT, NULL, line);
}

static void run_done(struct run *r)
{
	dd_buf_free(&r->out);
}

/* Runs the installer in a process group of its own: a cancellation stops
 * the wrapper and the docker CLI under it together, and a terminal's Ctrl-C
 * reaches only us (the CLI turns it into a cancellation). On SIGTERM the
 * docker CLI passes it on to the installer's container (sig-proxy); the
 * wrapper's own TERM trap kills a container by the wrong name
 * (dcos_generate_config.sh.in: `docker kill <tar name>`, while the container
 * is named $DCOS_INSTALLER_CONTAINER_NAME), so the caller removes the
 * container by name afterwards. */
static int run_child(struct run *r, const char *const *argv, const char *cwd, char *const *envp,
                     dd_event_cb on_event, void *userdata, dd_error *err)
{
	r->on_event = on_event;
	r->userdata = userdata;
	dd_process_opts o = {.argv = argv,
	                     .cwd = cwd,
	                     .env = envp,
	                     .own_pgroup = true,
	                     .on_line = on_event ? on_child_line : NULL,
	                     .userdata = r,
	                     .output = &r->out};
	int rc = dd_process_exec(&o, &r->status, err);
	if (rc == -ECANCELED)
		return dd_error_set(err, rc, "Cancelled; %s was stopped", argv[1]);
	if (rc < 0)
		return rc;
	/* Error messages quote the output: plain text, whatever the installer's
	 * logger thought of our pipe. The callback got the lines as they came. */
	if (r->out.data) {
		dd_strip_ansi(r->out.data);
		r->out.len = strlen(r->out.data);
	}
	return 0;
}

static bool run_succeeded(const struct run *r)
{
	return WIFEXITED(r->status) && WEXITSTATUS(r->status) == 0;
}

static char *run_status_text(const struct run *r)
{
	if (WIFEXITED(r->status))
		return dd_asprintf("failed with exit code %d", WEXITSTATUS(r->status));
	if (WIFSIGNALED(r->status))
		return dd_asprintf("was killed by signal %d (%s)", WTERMSIG(r->status),
		                   strsignal(WTERMSIG(r->status)));
	return dd_asprintf("failed (wait status %d)", r->status);
}

/* The newest lines that fit in an error message, oldest first, indented. */
static char *run_tail_text(const struct run *r)
{
	return dd_tail_text(&r->out, TAIL_LINES, TAIL_LINE_SHOWN, TAIL_BUDGET, "  ");
}

/* Checks the installer file and returns its absolute path: the installer runs
 * with the workspace as its working directory. */
static int resolve_installer(const char *path, char **ret_abs, dd_error *err)
{
	if (!path || !*path)
		return dd_error_usage(err, -EINVAL, "No DC/OS installer given");
	struct stat st;
	if (stat(path, &st) < 0) {
		int r = -errno;
		if (r != -ENOENT)
			return dd_error_set(err, r, "Cannot access the installer %s: %s", path,
			                    strerror(-r));
		dd_error_usage(err, r, "installer not found: %s", path);
		return dd_error_hint(
		    err,
		    "Pass the path of a DC/OS installer file "
		    "(dcos_generate_config.sh, or dcos_generate_config.ee.sh for Enterprise).");
	}
	if (S_ISDIR(st.st_mode))
		return dd_error_usage(
		    err, -EISDIR,
		    "The installer %s is a directory, not a dcos_generate_config.sh file", path);
	if (!S_ISREG(st.st_mode))
		return dd_error_usage(err, -EINVAL, "The installer %s is not a regular file", path);
	if (access(path, R_OK) < 0)
		return dd_error_set(err, -errno, "The installer %s is not readable: %s", path,
		                    strerror(errno));
	char *abs = realpath(path, NULL);
	if (!abs)
		return dd_error_set(err, -errno, "Cannot resolve the installer path %s: %s", path,
		                    strerror(errno));
	*ret_abs = abs;
	return 0;
}

/* The installer logs before its JSON (image extraction), so the object we want
 * is the last one that has a "version". */
static json_t *last_version_object(const char *buf, size_t len)
{
	for (size_t i = len; i-- > 0;) {
		if (buf[i] != '{')
			continue;
		json_t *j = json_loadb(buf + i, len - i, JSON_DISABLE_EOF_CHECK, NULL);
		if (json_is_object(j) && json_is_string(json_object_get(j, "version")))
			return j;
		json_decref(j);
	}
	return NULL;
}

/* The environment the installer runs with: ours, minus what its wrapper reads
 * (gen/build_deploy/bash/dcos_generate_config.sh.in), plus what we choose.
 * DCOS_INSTALLER_DAEMONIZE=true from the user's shell would make the wrapper
 * run its container detached and return before anything is written; PORT is
 * what 1.x wrappers publish the container's port 9000 on (2.x ignore it). */
static char **installer_env(const char *container_name, int port)
{
	_cleanup_free_ char *p = port > 0 ? dd_asprintf("PORT=%d", port) : dd_strdup("PORT");
	_cleanup_free_ char *name = dd_asprintf("DCOS_INSTALLER_CONTAINER_NAME=%s", container_name);
	const char *const changes[] = {p, name, "DCOS_INSTALLER_DAEMONIZE", NULL};
	return dd_process_env(changes);
}

static int free_tcp_port(int *ret_port, dd_error *err)
{
	_cleanup_close_ int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return dd_error_set(err, -errno, "Failed to create a socket: %s", strerror(errno));
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t sl = sizeof(sa);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    getsockname(fd, (struct sockaddr *)&sa, &sl) < 0)
		return dd_error_set(err, -errno, "Failed to find a free TCP port: %s",
		                    strerror(errno));
	*ret_port = ntohs(sa.sin_port);
	return 0;
}

/* The first line that reads like an argparse error ("prog: error: ..."). */
static char *argparse_error_line(const struct run *r)
{
	_cleanup_free_ char *text = dd_strdup(dd_buf_str(&r->out));
	char *save = NULL;
	for (char *l = strtok_r(text, "\r\n", &save); l; l = strtok_r(NULL, "\r\n", &save))
		if (strstr(l, ": error: "))
			return dd_strdup(l);
	return NULL;
}

/* The installer failed: say what it is. An argument error (argparse exits 2,
 * dcos_installer/cli.py) means this installer does not take the command line
 * we gave it, which no retry fixes; "docker should be installed and running"
 * is the wrapper's own first check. */
static int installer_failed(const struct run *r, const char *installer_path, const char *what,
                            const char *where, dd_error *err)
{
	_cleanup_free_ char *st = run_status_text(r);
	_cleanup_free_ char *tail = run_tail_text(r);
	_cleanup_free_ char *argerr =
	    WIFEXITED(r->status) && WEXITSTATUS(r->status) == 2 ? argparse_error_line(r) : NULL;
	if (argerr) {
		int rc = dd_error_set(
		    err, -EINVAL,
		    "The DC/OS installer %s rejected its command line `%s` (exit code 2): %s",
		    installer_path, what, argerr);
		dd_error_hint(err, "This installer version does not take the arguments dcos-docker "
		                   "passes; please report it with the installer's version.");
		return rc;
	}
	int rc = dd_error_set(err, -EIO, "The DC/OS installer %s (`%s` in %s). Its last lines:\n%s",
	                      st, what, where, tail);
	if (strstr(dd_buf_str(&r->out), "docker should be installed and running"))
		dd_error_hint(err, "The installer needs the docker command on this host (Debian: "
		                   "apt-get install docker.io) and a daemon it can reach.");
	return rc;
}

int dd_dcos_installer_info(const char *installer_path, const char *cwd, const char *container_name,
                           dd_event_cb on_event, void *userdata, char **ret_version,
                           char **ret_variant, char **ret_tar, dd_error *err)
{
	_cleanup_free_ char *abs = NULL;
	int r = resolve_installer(installer_path, &abs, err);
	if (r < 0)
		return r;
	const char *argv[] = {"bash", abs, "--version", NULL};
	_cleanup_strv_ char **envp = installer_env(container_name, 0);
	_cleanup_(run_done) struct run run = {.out = DD_BUF_TAIL(VERSION_CAPTURE_MAX)};
	if ((r = run_child(&run, argv, cwd, envp, on_event, userdata, err)) < 0)
		return r;
	if (!run_succeeded(&run))
		return installer_failed(&run, installer_path, "bash INSTALLER --version",
		                        cwd ? cwd : ".", err);

	_cleanup_json_ json_t *j = last_version_object(dd_buf_str(&run.out), run.out.len);
	const char *version = j ? json_string_value(json_object_get(j, "version")) : NULL;
	if (!version || !*version) {
		_cleanup_free_ char *tail = run_tail_text(&run);
		dd_error_set(
		    err, -EBADMSG,
		    "No DC/OS version in the output of `bash %s --version`. Its last lines:\n%s",
		    installer_path, tail);
		return dd_error_hint(err, "Is %s a DC/OS installer (dcos_generate_config.sh)?",
		                     installer_path);
	}
	json_t *v = json_object_get(j, "variant");
	if (v && !json_is_null(v) && !json_is_string(v))
		return dd_error_set(err, -EBADMSG,
		                    "`bash %s --version` printed a non-string variant",
		                    installer_path);
	const char *variant = json_is_string(v) ? json_string_value(v) : "";
	const char *name;
	if (strcmp(variant, "") == 0)
		name = "oss";
	else if (strcmp(variant, "ee") == 0)
		name = "enterprise";
	else
		return dd_error_set(err, -EBADMSG,
		                    "Unknown DC/OS variant '%s' from `bash %s --version`", variant,
		                    installer_path);
	/* When it extracts its payload, the wrapper's `tar xv` names the file
	 * on stdout: dcos-genconf.<image version>.tar (gen/build_deploy/bash.py,
	 * make_installer_docker). */
	_cleanup_free_ char *tar = NULL;
	_cleanup_free_ char *text = dd_strdup(dd_buf_str(&run.out));
	char *save = NULL;
	for (char *l = strtok_r(text, "\r\n", &save); l && !tar;
	     l = strtok_r(NULL, "\r\n", &save)) {
		if (dd_startswith(l, "dcos-genconf.") && dd_endswith(l, ".tar") &&
		    !strchr(l, '/') && !strchr(l, ' '))
			tar = dd_strdup(l);
	}
	if (ret_version)
		*ret_version = dd_strdup(version);
	if (ret_variant)
		*ret_variant = dd_strdup(name);
	if (ret_tar)
		*ret_tar = TAKE_PTR(tar);
	return 0;
}

int dd_dcos_genconf(const char *installer_path, const char *workspace_dir,
                    const char *installer_container_name, dd_event_cb on_event, void *userdata,
                    dd_error *err)
{
	if (!workspace_dir || !installer_container_name || !*installer_container_name)
		return dd_error_set(err, -EINVAL,
		                    "genconf needs a workspace and an installer container name");
	_cleanup_free_ char *abs = NULL;
	int r = resolve_installer(installer_path, &abs, err);
	if (r < 0)
		return r;
	_cleanup_free_ char *config = dd_asprintf("%s/genconf/config.yaml", workspace_dir);
	if (access(config, F_OK) < 0)
		return dd_error_set(err, -errno, "Cannot run the installer: %s: %s", config,
		                    strerror(errno));

	int port = 0;
	if ((r = free_tcp_port(&port, err)) < 0)
		return r;
	_cleanup_strv_ char **envp = installer_env(installer_container_name, port);
	/* No --offline: DC/OS 2.0 removed it (commit 752923d94, dcos_installer/cli.py)
	 * and 2.x's argparse exits 2 on it; 1.x accepted it and, for --genconf,
	 * ignored it. -v: the installer's DEBUG log, which is what a failure
	 * needs. */
	const char *argv[] = {"bash", abs, "-v", "--genconf", NULL};
	_cleanup_(run_done) struct run run = {.out = DD_BUF_TAIL(OUTPUT_KEEP)};
	if ((r = run_child(&run, argv, workspace_dir, envp, on_event, userdata, err)) < 0)
		return r;
	if (!run_succeeded(&run))
		return installer_failed(&run, installer_path, "bash INSTALLER -v --genconf",
		                        workspace_dir, err);
	_cleanup_free_ char *script =
	    dd_asprintf("%s/genconf/serve/dcos_install.sh", workspace_dir);
	if (access(script, F_OK) < 0) {
		_cleanup_free_ char *tail = run_tail_text(&run);
		return dd_error_set(err, -ENOENT,
		                    "The DC/OS installer exited successfully but did not write %s. "
		                    "Its last lines:\n%s",
		                    script, tail);
	}
	return 0;
}

/* The last file:// token of text (the real installer prints "Node upgrade
 * script URL: <bootstrap_url>/upgrade/<hex>/dcos_node_upgrade.sh",
 * dcos_installer/upgrade.py), or NULL. */
static char *last_file_url(const char *text)
{
	const char *last = NULL;
	for (const char *q = strstr(text, "file://"); q; q = strstr(q + 1, "file://"))
		last = q;
	if (!last)
		return NULL;
	char *url = strndup(last, strcspn(last, " \t\r\n\"'"));
	if (!url)
		abort();
	return url;
}

int dd_dcos_upgrade_script(const char *installer_path, const char *workspace_dir,
                           const char *installer_container_name, const char *installed_version,
                           dd_event_cb on_event, void *userdata, char **ret_url, dd_error *err)
{
	if (!workspace_dir || !installer_container_name || !*installer_container_name ||
	    !installed_version || !*installed_version)
		return dd_error_set(err, -EINVAL,
		                    "the upgrade script needs a workspace, an installer container "
		                    "name and the installed version");
	_cleanup_free_ char *abs = NULL;
	int r = resolve_installer(installer_path, &abs, err);
	if (r < 0)
		return r;
	int port = 0;
	if ((r = free_tcp_port(&port, err)) < 0)
		return r;
	_cleanup_strv_ char **envp = installer_env(installer_container_name, port);
	/* dcos_installer/cli.py: --generate-node-upgrade-script takes the
	 * installed version; backend.py runs genconf first (make_serve_dir), so
	 * the new packages land in genconf/serve/ next to the script. */
	const char *argv[] = {
	    "bash", abs, "-v", "--generate-node-upgrade-script", installed_version, NULL};
	_cleanup_(run_done) struct run run = {.out = DD_BUF_TAIL(OUTPUT_KEEP)};
	if ((r = run_child(&run, argv, workspace_dir, envp, on_event, userdata, err)) < 0)
		return r;
	if (!run_succeeded(&run))
		return installer_failed(&run, installer_path,
		                        "bash INSTALLER -v --generate-node-upgrade-script VERSION",
		                        workspace_dir, err);
	_cleanup_free_ char *url = last_file_url(dd_buf_str(&run.out));
	if (!url) {
		_cleanup_free_ char *tail = run_tail_text(&run);
		return dd_error_set(
		    err, -EBADMSG,
		    "The DC/OS installer exited successfully but printed no file:// "
		    "URL of a node upgrade script. Its last lines:\n%s",
		    tail);
	}
	*ret_url = TAKE_PTR(url);
	return 0;
}

/* The genconf directory holds small files (ip-detect scripts, a license,
 * certificates): read whole, written atomically. */
#define GENCONF_FILE_MAX (64u << 20)

static int copy_file(const char *src, const char *dst, mode_t mode)
{
	_cleanup_free_ char *data = NULL;
	size_t len = 0;
	int r = dd_read_file(src, GENCONF_FILE_MAX, &data, &len);
	return r < 0 ? r : dd_write_file(dst, data, len, mode);
}

static int only_entries(const struct dirent *d)
{
	return strcmp(d->d_name, ".") != 0 && strcmp(d->d_name, "..") != 0;
}

static void free_dirents(struct dirent ***list, int n)
{
	for (int i = 0; i < n; i++)
		free((*list)[i]);
	free(*list);
}

int dd_dcos_write_genconf(const char *workspace_dir, const char *config_yaml,
                          const char *genconf_dir_to_copy, dd_error *err)
{
	if (!workspace_dir || !config_yaml)
		return dd_error_set(err, -EINVAL, "genconf needs a workspace and a config.yaml");
	struct dirent **entries = NULL;
	int n = 0, r = 0;
	/* Check the user's directory before writing anything. */
	if (genconf_dir_to_copy) {
		n = scandir(genconf_dir_to_copy, &entries, only_entries, alphasort);
		if (n < 0)
			return dd_error_usage(err, -errno,
			                      "Cannot read the genconf directory %s: %s",
			                      genconf_dir_to_copy, strerror(errno));
		for (int i = 0; i < n && r == 0; i++) {
			const char *name = entries[i]->d_name;
			_cleanup_free_ char *p = dd_asprintf("%s/%s", genconf_dir_to_copy, name);
			struct stat st;
			if (strcmp(name, "config.yaml") == 0)
				r = dd_error_usage(err, -EINVAL,
				                   "%s would replace the generated config.yaml; "
				                   "pass it as extra config instead",
				                   p);
			else if (stat(p, &st) < 0)
				r = dd_error_usage(err, -errno, "Cannot read %s: %s", p,
				                   strerror(errno));
			else if (!S_ISREG(st.st_mode))
				r = dd_error_usage(err, -EINVAL,
				                   "%s is not a regular file; the genconf "
				                   "directory is copied flat",
				                   p);
		}
	}

	_cleanup_free_ char *genconf = dd_asprintf("%s/genconf", workspace_dir);
	_cleanup_free_ char *config = dd_asprintf("%s/config.yaml", genconf);
	_cleanup_free_ char *ipdetect = dd_asprintf("%s/ip-detect", genconf);
	if (r == 0 && (r = dd_mkdir_p(genconf, 0755)) < 0)
		dd_error_set(err, r, "Failed to create %s: %s", genconf, strerror(-r));
	if (r == 0 && (r = dd_write_file(config, config_yaml, strlen(config_yaml), 0600)) < 0)
		dd_error_set(err, r, "Failed to write %s: %s", config, strerror(-r));
	if (r == 0 &&
	    (r = dd_write_file(ipdetect, ip_detect_script, strlen(ip_detect_script), 0755)) < 0)
		dd_error_set(err, r, "Failed to write %s: %s", ipdetect, strerror(-r));

	for (int i = 0; i < n && r == 0; i++) {
		_cleanup_free_ char *src =
		    dd_asprintf("%s/%s", genconf_dir_to_copy, entries[i]->d_name);
		_cleanup_free_ char *dst = dd_asprintf("%s/%s", genconf, entries[i]->d_name);
		struct stat st;
		if (stat(src, &st) < 0 || (r = copy_file(src, dst, st.st_mode & 0777)) < 0) {
			r = r < 0 ? r : -errno;
			dd_error_set(err, r, "Failed to copy %s to %s: %s", src, dst, strerror(-r));
		}
	}
	free_dirents(&entries, n);
	return r;
}
