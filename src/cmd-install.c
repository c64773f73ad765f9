/* dcos-docker install: DC/OS on an existing cluster. Also the DC/OS steps of
 * `create --installer` (install-cli.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "commands.h"
#include "dcos-docker/cancel.h"
#include "dcos-docker/files.h"
#include "dcos-docker/install.h"
#include "dcos-docker/wait.h"
#include "install-cli.h"
#include "util.h"

static void usage(FILE *f)
{
	fprintf(f,
	        "Usage: dcos-docker install [OPTIONS] PATH/TO/dcos_generate_config.sh\n\n"
	        "Installs DC/OS on every node of an existing cluster: writes genconf/config.yaml\n"
	        "and genconf/ip-detect in the cluster's workspace, runs the installer's genconf\n"
	        "on this host, then dcos_install.sh on all nodes in parallel, straight from the\n"
	        "genconf/serve directory each node mounts read-only (no copies).\n\n"
	        "Options:\n"
	        "  -c, --cluster NAME            the cluster (default: " DD_DEFAULT_CLUSTER
	        ")\n" CLI_INSTALL_HELP "      --timeout SECONDS         with --wait (default: %d)\n"
	        "  -v, --verbose                 show the installer's and the nodes' output\n"
	        "  -q, --quiet                   no progress output\n"
	        "  -h, --help                    show this help\n\n"
	        "Exit code: 0 when DC/OS is installed (and, with --wait, healthy), 1 when the\n"
	        "installer or a node's install failed (its last output lines are shown), 2 on a\n"
	        "usage error (such as an installer file that does not exist).\n",
	        DD_DCOS_WAIT_DEFAULT_TIMEOUT);
}

/* SRC:DST of --copy-to-master split at its one ':' (DC/OS E2E's
 * validate_path_pair: exactly one, SRC must exist, DST absolute). Returns
 * NULL, with the message in why (a static string), when it is not that. */
static char *copy_pair(const char *arg, const char **ret_dst, const char **why)
{
	const char *colon = strchr(arg, ':');
	if (!colon || strchr(colon + 1, ':')) {
		*why =
		    "is not SRC:DST (one ':'; SRC a host path, DST an absolute path in the node)";
		return NULL;
	}
	char *src = strndup(arg, (size_t)(colon - arg));
	if (!src)
		abort();
	*ret_dst = colon + 1;
	if (!*src || access(src, F_OK) < 0)
		*why = "names a SRC that does not exist";
	else if (colon[1] != '/')
		*why = "names a DST that is not an absolute path";
	else
		return src;
	free(src);
	return NULL;
}

int cli_install_option(cli_install *ci, int c, const char *arg, const char *verb)
{
	dd_install_opts *o = &ci->o;
	switch (c) {
	case CLI_OPT_EXTRA_CONFIG: o->extra_config = arg; break;
	case CLI_OPT_VARIANT:
		if (strcmp(arg, "auto") != 0 && strcmp(arg, "oss") != 0 &&
		    strcmp(arg, "enterprise") != 0)
			return -cli_usage_error(
			    verb, "Invalid --variant '%s' (auto, oss or enterprise)", arg);
		o->variant = arg;
		break;
	case CLI_OPT_LICENSE_KEY: o->license_key_path = arg; break;
	case CLI_OPT_SUPERUSER_USERNAME: o->superuser_username = arg; break;
	case CLI_OPT_SUPERUSER_PASSWORD: o->superuser_password = arg; break;
	case CLI_OPT_SECURITY_MODE:
		if (strcmp(arg, "disabled") != 0 && strcmp(arg, "permissive") != 0 &&
		    strcmp(arg, "strict") != 0)
			return -cli_usage_error(
			    verb, "Invalid --security-mode '%s' (disabled, permissive or strict)",
			    arg);
		o->security_mode = arg;
		break;
	case CLI_OPT_GENCONF_DIR: o->genconf_dir = arg; break;
	case CLI_OPT_WAIT: ci->wait = true; break;
	case CLI_OPT_SKIP_HTTP: ci->skip_http = true; break;
	case CLI_OPT_VERBOSE: ci->verbose = true; break;
	case CLI_OPT_ALLOW_CGROUP_V2: o->allow_cgroup_v2 = true; break;
	case CLI_OPT_COPY_TO_MASTER: {
		const char *dst, *why;
		_cleanup_free_ char *src = copy_pair(arg, &dst, &why);
		if (!src)
			return -cli_usage_error(verb, "--copy-to-master '%s' %s", arg, why);
		if (ci->n_copies == CLI_MAX_COPIES)
			return -cli_usage_error(verb, "at most %d --copy-to-master options",
			                        CLI_MAX_COPIES);
		ci->copies[ci->n_copies++] = arg;
		break;
	}
	default: return 0;
	}
	/* --verbose alone says nothing about DC/OS. */
	if (c != CLI_OPT_VERBOSE)
		ci->any = true;
	return 1;
}

/* OUTPUT lines between the node lines (--verbose), the rest as every command's. */
static void on_install_event(const dd_event *ev, void *userdata)
{
	cli_install *ci = userdata;
	if (ev->kind != DD_EVENT_OUTPUT) {
		cli_progress_cb(ev, &ci->prog);
		return;
	}
	if (!ci->verbose)
		return;
	const char *node = ev->node, *line = ev->text;
	/* The installer colours its log even on a pipe: keep the colours for a
	 * terminal, plain text for a log file. */
	_cleanup_free_ char *text = dd_strdup(line);
	if (!isatty(STDERR_FILENO))
		dd_strip_ansi(text);
	fprintf(stderr, "%s | %s\n", node ? node : "installer", text);
	fflush(stderr);
}

void cli_install_setup(cli_install *ci)
{
	const char *lic = getenv("DCOS_LICENSE_KEY_PATH");
	if (!ci->o.license_key_path && lic && *lic)
		ci->o.license_key_path = lic;
	cli_progress_init(&ci->prog, stderr, ci->quiet);
	/* Output lines between the node lines would break redrawing in place. */
	if (ci->verbose)
		ci->prog.tty = false;
	ci->o.on_event = on_install_event;
	ci->o.userdata = ci;
}

int cli_install_prepare(dd_docker *d, cli_install *ci, dd_install_plan **ret)
{
	dd_error err = {0};
	if (dd_dcos_install_prepare(d, &ci->o, ret, &err) < 0) {
		if (dd_cancelled())
			return cli_signal_exit();
		return cli_fail(&err);
	}
	return EXIT_OK;
}

/* --copy-to-master: each SRC to every master, in the order given. */
static int copy_to_masters(dd_docker *d, const dd_cluster *c, const cli_install *ci)
{
	if (ci->n_copies == 0)
		return EXIT_OK;
	_cleanup_free_ const dd_node **masters = dd_malloc0((c->n_nodes + 1) * sizeof(*masters));
	size_t n = 0;
	for (size_t i = 0; i < c->n_nodes; i++)
		if (c->nodes[i].role == DD_ROLE_MASTER)
			masters[n++] = &c->nodes[i];
	for (size_t i = 0; i < ci->n_copies; i++) {
		const char *dst, *why;
		_cleanup_free_ char *src = copy_pair(ci->copies[i], &dst, &why);
		dd_error err = {0};
		if (!src) { /* gone since the options were read */
			dd_error_set(&err, -ENOENT, "--copy-to-master '%s' %s", ci->copies[i], why);
			return cli_fail(&err);
		}
		if (dd_files_send(d, masters, n, src, dst, NULL, NULL, NULL, &err) < 0) {
			if (dd_cancelled())
				return cli_signal_exit();
			dd_error_prefix(&err, "--copy-to-master %s: ", ci->copies[i]);
			return cli_fail(&err);
		}
		if (!ci->quiet)
			fprintf(stderr, "Copied %s to %s on %zu master%s\n", src, dst, n,
			        n == 1 ? "" : "s");
	}
	return EXIT_OK;
}

int cli_install_run(dd_docker *d, const dd_cluster *c, cli_install *ci, dd_install_plan *p)
{
	dd_error err = {0};
	int rc = copy_to_masters(d, c, ci);
	if (rc != EXIT_OK)
		return rc;
	if (!ci->quiet)
		fprintf(stderr, "Installing DC/OS %s (%s) on cluster '%s'\n",
		        dd_install_plan_version(p), dd_install_plan_variant(p), c->name);
	double t0 = dd_now();
	if (dd_dcos_install(d, c, p, &err) < 0) {
		if (dd_cancelled()) {
			fprintf(stderr,
			        "dcos-docker: interrupted while installing DC/OS; the cluster "
			        "'%s' is left as it is\n"
			        "  hint: remove it with 'dcos-docker destroy --cluster %s'\n",
			        c->name, c->name);
			return cli_signal_exit();
		}
		return cli_fail(&err);
	}
	if (!ci->quiet)
		fprintf(stderr, "DC/OS %s is installed on cluster '%s' (%.1f s)\n",
		        dd_install_plan_version(p), c->name, dd_now() - t0);
	if (ci->wait)
		return cli_wait_run(d, c, ci->timeout, ci->skip_http, ci->quiet,
		                    ci->o.superuser_username, ci->o.superuser_password);
	if (!ci->quiet)
		fprintf(stderr,
		        "Run 'dcos-docker wait --cluster %s' to wait until it is healthy.\n",
		        c->name);
	return EXIT_OK;
}

int cmd_install(int argc, char **argv)
{
	static const struct option longopts[] = {CLI_INSTALL_LONGOPTS,
	                                         {"timeout", required_argument, NULL, 't'},
	                                         {"quiet", no_argument, NULL, 'q'},
	                                         {0}};
	_cleanup_(cli_cmd_clear)
	    cli_cmd cmd = {.verb = "install",
	                   .usage = usage,
	                   .cluster_opt = true,
	                   .shortopts = "vq",
	                   .longopts = longopts,
	                   .min_args = 1,
	                   .max_args = 1,
	                   .missing = "Missing the DC/OS installer: dcos-docker install "
	                              "[OPTIONS] PATH/TO/dcos_generate_config.sh"};
	cli_install ci = {0};
	bool timeout_set = false;
	int c, ret;
	long v;
	while ((c = cli_getopt(&cmd, argc, argv)) > 0) {
		int h = cli_install_option(&ci, c, optarg, "install");
		if (h < 0)
			return -h;
		if (h > 0)
			continue;
		switch (c) {
		case 'v': ci.verbose = true; break;
		case 't':
			if (!cli_parse_int(optarg, 1, 7 * 86400, &v))
				return cli_option_error("install",
				                        "invalid number '%s' for %s (seconds)",
				                        optarg, cli_optname());
			ci.timeout = (double)v;
			timeout_set = true;
			break;
		case 'q': ci.quiet = true; break;
		}
	}
	if (c == CLI_EXIT)
		return cmd.exit;
	if ((timeout_set || ci.skip_http) && !ci.wait)
		return cli_usage_error("install",
		                       "--timeout and --skip-http-checks go with --wait");
	ci.o.installer = argv[optind];
	dd_error err = {0};
	if (!cli_open(&cmd, 0))
		return cmd.exit;
	/* Before the installer's --version, which takes minutes with a real one. */
	dd_dcos_info info;
	if (dd_dcos_info_load(cmd.cluster->workspace, &info, &err) == 0) {
		dd_error_set(&err, -EEXIST, "DC/OS %s (%s) is already installed on cluster '%s'",
		             info.version, info.variant, cmd.name);
		dd_error_hint(&err,
		              "DC/OS installs once per node: destroy the cluster and create it "
		              "again to install another.");
		return cli_fail(&err);
	}
	cli_trap_signals();
	cli_install_setup(&ci);
	_cleanup_(dd_install_plan_freep) dd_install_plan *plan = NULL;
	if ((ret = cli_install_prepare(cmd.d, &ci, &plan)) != 0)
		return ret;
	return cli_install_run(cmd.d, cmd.cluster, &ci, plan);
}
