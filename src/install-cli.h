/* The DC/OS options shared by `create --installer` and `install`, and the
 * install/wait steps both run (cmd-install.c, cmd-wait.c). */
#ifndef DCOS_DOCKER_INSTALL_CLI_H
#define DCOS_DOCKER_INSTALL_CLI_H

#include <getopt.h>
#include <stdbool.h>

#include "dcos-docker/cluster.h"
#include "dcos-docker/install.h"
#include "progress.h"

enum {
	CLI_OPT_EXTRA_CONFIG = 0x1000,
	CLI_OPT_VARIANT,
	CLI_OPT_LICENSE_KEY,
	CLI_OPT_SUPERUSER_USERNAME,
	CLI_OPT_SUPERUSER_PASSWORD,
	CLI_OPT_SECURITY_MODE,
	CLI_OPT_GENCONF_DIR,
	CLI_OPT_WAIT,
	CLI_OPT_SKIP_HTTP,
	CLI_OPT_VERBOSE,
	CLI_OPT_INSTALLER,
	CLI_OPT_ALLOW_CGROUP_V2,
	CLI_OPT_COPY_TO_MASTER,
};

/* The most --copy-to-master options one command takes. */
#define CLI_MAX_COPIES 64

/* getopt_long entries for the options above (not --installer, --timeout, -v);
 * upgrade takes them without --copy-to-master (DC/OS is installed already). */
/* clang-format off */
#define CLI_INSTALL_LONGOPTS_NO_COPY \
	{"extra-config", required_argument, NULL, CLI_OPT_EXTRA_CONFIG}, \
	{"variant", required_argument, NULL, CLI_OPT_VARIANT}, \
	{"license-key", required_argument, NULL, CLI_OPT_LICENSE_KEY}, \
	{"superuser-username", required_argument, NULL, CLI_OPT_SUPERUSER_USERNAME}, \
	{"superuser-password", required_argument, NULL, CLI_OPT_SUPERUSER_PASSWORD}, \
	{"security-mode", required_argument, NULL, CLI_OPT_SECURITY_MODE}, \
	{"genconf-dir", required_argument, NULL, CLI_OPT_GENCONF_DIR}, \
	{"wait", no_argument, NULL, CLI_OPT_WAIT}, \
	{"skip-http-checks", no_argument, NULL, CLI_OPT_SKIP_HTTP}, \
	{"verbose", no_argument, NULL, CLI_OPT_VERBOSE}, \
	{"allow-cgroup-v2", no_argument, NULL, CLI_OPT_ALLOW_CGROUP_V2}
#define CLI_INSTALL_LONGOPTS \
	CLI_INSTALL_LONGOPTS_NO_COPY, \
	{"copy-to-master", required_argument, NULL, CLI_OPT_COPY_TO_MASTER}
/* clang-format on */

/* The help text of those options, for the commands' usage(). */
#define CLI_INSTALL_HELP_CONFIG                                                                    \
	"      --extra-config FILE       YAML mapping merged into config.yaml last (it wins)\n"    \
	"      --variant auto|oss|enterprise  DC/OS variant (default: auto, from the\n"            \
	"                                installer's --version)\n"                                 \
	"      --license-key FILE        Enterprise license (default: $DCOS_LICENSE_KEY_PATH)\n"   \
	"      --superuser-username U    Enterprise superuser (default: bootstrapuser); --wait\n"  \
	"                                logs in as it\n"                                          \
	"      --superuser-password P    ... and password (default: deleteme)\n"                   \
	"      --security-mode MODE      Enterprise: disabled|permissive|strict\n"                 \
	"      --genconf-dir DIR         copy DIR's files into genconf/ (e.g. TLS certificates)\n"
#define CLI_INSTALL_HELP_COPY                                                                      \
	"      --copy-to-master SRC:DST  copy SRC (a host path) to DST on every master before\n"   \
	"                                DC/OS is installed (repeatable)\n"
#define CLI_INSTALL_HELP_WAIT                                                                      \
	"      --wait                    then wait until DC/OS is healthy (see 'wait')\n"          \
	"      --skip-http-checks        with --wait: skip the Admin Router and cluster checks\n"  \
	"      --allow-cgroup-v2         install although this host runs cgroup v2, where\n"       \
	"                                DC/OS's agents cannot start (Mesos needs cgroup v1)\n"
#define CLI_INSTALL_HELP CLI_INSTALL_HELP_CONFIG CLI_INSTALL_HELP_COPY CLI_INSTALL_HELP_WAIT

typedef struct cli_install {
	dd_install_opts o;
	bool wait;
	bool skip_http;
	bool verbose;
	bool quiet;
	bool any;       /* some DC/OS option was given (create: they need --installer) */
	double timeout; /* for --wait; 0: the default */
	/* --copy-to-master SRC:DST as given (checked when parsed). */
	const char *copies[CLI_MAX_COPIES];
	size_t n_copies;
	cli_progress prog;
} cli_install;

/* Handles one getopt result: 1 when it was one of the DC/OS options, 0 when
 * not, or a negative exit code after printing a usage error. */
int cli_install_option(cli_install *ci, int c, const char *arg, const char *verb);
/* Sets the defaults that come from the environment (DCOS_LICENSE_KEY_PATH)
 * and the callbacks; call after option parsing. */
void cli_install_setup(cli_install *ci);
/* Checks the installer and everything the user named. Prints, returns an
 * exit code (0 on success). */
int cli_install_prepare(dd_docker *d, cli_install *ci, dd_install_plan **ret);
/* Installs, then waits with --wait. Prints, returns an exit code. */
int cli_install_run(dd_docker *d, const dd_cluster *c, cli_install *ci, dd_install_plan *p);
/* The wait step of `wait` and `--wait`: prints, returns an exit code. */
/* su_username, su_password: the Enterprise login (NULL: the defaults). */
int cli_wait_run(dd_docker *d, const dd_cluster *c, double timeout, bool skip_http, bool quiet,
                 const char *su_username, const char *su_password);

#endif
