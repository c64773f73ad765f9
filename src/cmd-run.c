/* dcos-docker run: a command on one node or several, through the Docker exec API. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include "buf.h"
#include "cli.h"
#include "commands.h"
#include "dcos-docker/cancel.h"
#include "dcos-docker/cluster.h"
#include "dcos-docker/exec.h"
#include "dcos-docker/install.h"
#include "dcos-docker/sync.h"
#include "pool.h"
#include "util.h"

/* A line longer than this is cut into several prefixed lines (multi-node output). */
#define LINE_MAX_BYTES (16u << 10)

static void usage(FILE *f)
{
	fprintf(f,
	        "Usage: dcos-docker run [OPTIONS] [--] CMD [ARG...]\n\n"
	        "Runs CMD with its arguments on one node (default master1) or several, through\n"
	        "the Docker exec API. The arguments reach the node unchanged: there is no shell\n"
	        "unless you ask for one ('sh -c \"...\"'). stdout and stderr stay separate.\n\n"
	        "Exit code: the command's own (128+N when a signal N killed it); 127 when the\n"
	        "executable does not exist in the node, 126 when it cannot be started. With\n"
	        "several nodes: the first non-zero one in node order. 1 when dcos-docker\n"
	        "itself failed, 2 on a usage error.\n\n"
	        "Options:\n"
	        "  -c, --cluster NAME   the cluster (default: " DD_DEFAULT_CLUSTER ")\n"
	        "      --node NODE      where to run: a short name (master1, agent2, pubagent1),\n"
	        "                       a container name, an IP, or a group: all, masters,\n"
	        "                       agents, public-agents. Repeat it or separate with commas\n"
	        "                       to run on several nodes: they run in parallel and every\n"
	        "                       output line is prefixed with the node's short name.\n"
	        "  -e, --env K=V        set an environment variable (repeatable); a bare K\n"
	        "                       passes this environment's value of K, if set\n"
	        "  -u, --user USER      run as USER (name or uid[:gid]; default root)\n"
	        "  -w, --workdir DIR    working directory in the node\n"
	        "  -t, --tty            give the command a terminal (like 'docker exec -t'):\n"
	        "                       stdout and stderr merge; when stdin is a terminal it is\n"
	        "                       put in raw mode, so Ctrl-C reaches the command, and the\n"
	        "                       window size follows it. One node only.\n"
	        "  -T, --no-tty         no terminal (the default)\n"
	        "  -n, --no-stdin       do not pass stdin to the command\n"
	        "      --test-env       run in DC/OS's integration test environment (below)\n"
	        "      --sync-dir DIR   first sync this DC/OS checkout to the masters, as\n"
	        "                       'dcos-docker sync DIR' does (repeatable)\n"
	        "      --superuser-username U, --superuser-password P\n"
	        "                       with --test-env on Enterprise: DCOS_LOGIN_UNAME and\n"
	        "                       DCOS_LOGIN_PW (default: install's defaults,\n"
	        "                       bootstrapuser and deleteme; E2E's names\n"
	        "                       --dcos-login-uname/--dcos-login-pw work too)\n"
	        "  -h, --help           show this help\n\n"
	        "--test-env (as DC/OS E2E's): CMD runs in the directory\n"
	        "/opt/mesosphere/active/dcos-integration-test after\n"
	        "/opt/mesosphere/environment.export is sourced, with MASTER_HOSTS,\n"
	        "PUBLIC_MASTER_HOSTS, SLAVE_HOSTS, PUBLIC_SLAVE_HOSTS (comma-separated IPs),\n"
	        "DCOS_DNS_ADDRESS (http://<the node's IP>, master1's on a non-master),\n"
	        "DCOS_NUM_MASTERS and DCOS_NUM_AGENTS (agents and public agents); --env wins.\n"
	        "Needs DC/OS installed. A terminal when stdout is one (-T: none).\n"
	        "E.g.: dcos-docker run --test-env -- pytest -vv test_applications.py\n\n"
	        "stdin: with one node, stdin is passed to the command byte for byte until EOF\n"
	        "(like 'docker exec -i'), unless it is /dev/null or -n is given; use -n in\n"
	        "loops that read their own stdin. With several nodes stdin is not read.\n"
	        "Ctrl-C, SIGTERM, SIGHUP: the command stops as a local one would. The same\n"
	        "signal goes to its process group in every node (with --tty on a terminal,\n"
	        "Ctrl-C is a key for the remote terminal instead), SIGKILL follows after\n"
	        "10 s; dcos-docker waits until it ended, then exits 128+N (130 for Ctrl-C).\n"
	        "dcos-docker finds the command by " DD_EXEC_TOKEN_ENV " in its environment.\n");
}
_Static_assert(DD_EXEC_STOP_GRACE_S == 10, "--help says SIGKILL follows after 10 s");

/* ---- output ---- */

static pthread_mutex_t out_lock = PTHREAD_MUTEX_INITIALIZER;

static int write_all(int fd, const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, buf, len);
		if (n > 0) {
			buf += n;
			len -= (size_t)n;
		} else if (n < 0 && errno == EAGAIN) {
			/* Somebody made our stdout non-blocking (a shared terminal): wait. */
			struct pollfd p = {.fd = fd, .events = POLLOUT};
			(void)poll(&p, 1, -1);
		} else if (n < 0 && errno != EINTR)
			return -errno;
	}
	return 0;
}

/* One node: the bytes go straight through, unbuffered. */
static int on_output_direct(int stream, const char *buf, size_t len, void *userdata)
{
	(void)userdata;
	return write_all(stream == DD_STREAM_STDERR ? STDERR_FILENO : STDOUT_FILENO, buf, len);
}

/* Several nodes: whole lines, each prefixed, written under one lock so that
 * lines of different nodes never interleave mid-line. */

struct job {
	const dd_node *node;
	const dd_exec_opts *base;
	dd_buf lines[3]; /* the partial line of stdout and of stderr */
	int exit_code;
	int r;
	dd_error err;
};

static int emit_line(const struct job *j, int fd, const char *line, size_t len, bool add_newline)
{
	pthread_mutex_lock(&out_lock);
	int r = write_all(fd, j->node->short_name, strlen(j->node->short_name));
	if (r == 0)
		r = write_all(fd, ": ", 2);
	if (r == 0)
		r = write_all(fd, line, len);
	if (r == 0 && add_newline)
		r = write_all(fd, "\n", 1);
	pthread_mutex_unlock(&out_lock);
	return r;
}

static int on_output_prefixed(int stream, const char *buf, size_t len, void *userdata)
{
	struct job *j = userdata;
	int fd = stream == DD_STREAM_STDERR ? STDERR_FILENO : STDOUT_FILENO;
	dd_buf *lb = &j->lines[stream == DD_STREAM_STDERR ? 2 : 1];
	while (len > 0) {
		const char *nl = memchr(buf, '\n', len);
		size_t take = nl ? (size_t)(nl - buf) + 1 : len;
		if (lb->len + take > lb->max)
			take = lb->max - lb->len;
		dd_buf_add(lb, buf, take);
		buf += take;
		len -= take;
		bool complete = lb->data[lb->len - 1] == '\n';
		if (complete || lb->len == lb->max) {
			int r = emit_line(j, fd, lb->data, lb->len, !complete);
			dd_buf_reset(lb);
			if (r < 0)
				return r;
		}
	}
	return 0;
}

static int job_run(void *userdata, size_t i, void *state)
{
	struct job *j = &((struct job *)userdata)[i];
	dd_docker *d = dd_pool_docker_get(state, &j->r, &j->err);
	if (!d)
		return j->r;
	dd_exec_opts opts = *j->base;
	opts.name = j->node->short_name;
	opts.on_output = on_output_prefixed;
	opts.userdata = j;
	j->r = dd_exec(d, j->node->id, &opts, &j->exit_code, &j->err);
	/* A last line without its newline still gets one: the next prefix starts a line. */
	for (int s = 1; s <= 2; s++)
		if (j->lines[s].len > 0) {
			emit_line(j, s == 2 ? STDERR_FILENO : STDOUT_FILENO, j->lines[s].data,
			          j->lines[s].len, true);
			dd_buf_reset(&j->lines[s]);
		}
	return j->r;
}

/* ---- terminal ---- */

static struct termios saved_termios;
static volatile sig_atomic_t termios_saved;
static int winch_pipe[2] = {-1, -1};

static void restore_terminal(void)
{
	if (termios_saved) {
		tcsetattr(STDIN_FILENO, TCSADRAIN, &saved_termios);
		termios_saved = 0;
	}
}

static void on_fatal_signal(int sig)
{
	restore_terminal(); /* tcsetattr is async-signal-safe */
	signal(sig, SIG_DFL);
	raise(sig);
}

static void on_winch(int sig)
{
	(void)sig;
	int saved = errno;
	(void)!write(winch_pipe[1], "", 1);
	errno = saved;
}

static int get_size(unsigned *ret_rows, unsigned *ret_cols, void *userdata)
{
	(void)userdata;
	struct winsize ws;
	if (ioctl(STDIN_FILENO, TIOCGWINSZ, &ws) < 0 && ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) < 0)
		return -errno;
	*ret_rows = ws.ws_row;
	*ret_cols = ws.ws_col;
	return 0;
}

/* Raw mode while the remote terminal is in charge: keys (Ctrl-C included) go
 * to the remote process, which does its own echo and line editing. */
static int enter_raw_mode(void)
{
	if (tcgetattr(STDIN_FILENO, &saved_termios) < 0)
		return -errno;
	struct termios raw = saved_termios;
	cfmakeraw(&raw);
	termios_saved = 1;
	struct sigaction sa = {.sa_handler = on_fatal_signal};
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGQUIT, &sa, NULL);
	if (tcsetattr(STDIN_FILENO, TCSADRAIN, &raw) < 0) {
		termios_saved = 0;
		return -errno;
	}
	return 0;
}

static int setup_winch(void)
{
	if (pipe2(winch_pipe, O_CLOEXEC | O_NONBLOCK) < 0)
		return -errno;
	struct sigaction sa = {.sa_handler = on_winch, .sa_flags = SA_RESTART};
	sigemptyset(&sa.sa_mask);
	sigaction(SIGWINCH, &sa, NULL);
	return 0;
}

/* ---- arguments ---- */

static bool is_dev_null(int fd)
{
	struct stat a, b;
	return fstat(fd, &a) == 0 && S_ISCHR(a.st_mode) && stat("/dev/null", &b) == 0 &&
	       a.st_rdev == b.st_rdev;
}

static bool fd_open(int fd)
{
	return fcntl(fd, F_GETFD) >= 0;
}

struct strv {
	char **v;
	size_t n;
};

static void strv_push(struct strv *s, char *item)
{
	char **nv = realloc(s->v, (s->n + 2) * sizeof(*nv));
	if (!nv)
		abort();
	nv[s->n++] = item;
	nv[s->n] = NULL;
	s->v = nv;
}

static void strv_clear(struct strv *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->v[i]);
	free(s->v);
	s->v = NULL;
	s->n = 0;
}

static bool env_has(const struct strv *env, const char *key)
{
	size_t kl = strlen(key);
	for (size_t i = 0; i < env->n; i++)
		if (strncmp(env->v[i], key, kl) == 0 && env->v[i][kl] == '=')
			return true;
	return false;
}

static bool env_name_ok(const char *s, size_t n)
{
	if (n == 0)
		return false;
	for (size_t i = 0; i < n; i++)
		if (s[i] == '\0' || s[i] == '=')
			return false;
	return true;
}

/* The IPs of the cluster's nodes of one role, comma-separated. */
static char *role_ips(const dd_cluster *c, enum dd_role role)
{
	dd_buf b = DD_BUF_HEAD(64u << 10);
	for (size_t i = 0; i < c->n_nodes; i++)
		if (c->nodes[i].role == role)
			dd_buf_addf(&b, "%s%s", b.len ? "," : "", c->nodes[i].ip);
	return dd_buf_take(&b);
}

static size_t role_count(const dd_cluster *c, enum dd_role role)
{
	size_t n = 0;
	for (size_t i = 0; i < c->n_nodes; i++)
		n += c->nodes[i].role == role;
	return n;
}

/* DC/OS E2E's run_with_test_environment (dcos_e2e/cluster.py): its
 * variables (before the user's --env, which win), and its command,
 * ". /opt/mesosphere/environment.export && cd
 * /opt/mesosphere/active/dcos-integration-test/ && ARGS". E2E joined ARGS
 * into that shell string; here they follow as "$@", so they reach the
 * command unchanged, as run's always do. E2E's DCOS_DNS_ADDRESS is the
 * node's own IP; the tests use it as the cluster's URL, which only a
 * master serves (Admin Router listens on 80 there, on 61001 on agents), so
 * on an agent it is master1's. dcos_install.sh --no-block-dcos-setup
 * returns before pkgpanda has activated the packages (dcos-setup.service
 * does it), so a node may not have environment.export yet: that is said. */
#define TEST_ENV_SCRIPT                                                                            \
	"[ -e /opt/mesosphere/environment.export ] || { echo \"dcos-docker: DC/OS is not set up "  \
	"on this node yet (no /opt/mesosphere/environment.export): 'dcos-docker wait' waits for "  \
	"it\" >&2; exit 1; }; "                                                                    \
	". /opt/mesosphere/environment.export && "                                                 \
	"cd /opt/mesosphere/active/dcos-integration-test/ && exec \"$@\""

static void test_env_vars(const dd_cluster *c, const dd_node *node, const dd_dcos_info *info,
                          const char *su_user, const char *su_pw, struct strv *user_env,
                          struct strv *out)
{
	const dd_node *dns = node;
	if (node->role != DD_ROLE_MASTER)
		for (size_t i = 0; i < c->n_nodes; i++)
			if (c->nodes[i].role == DD_ROLE_MASTER) {
				dns = &c->nodes[i];
				break;
			}
	_cleanup_free_ char *masters = role_ips(c, DD_ROLE_MASTER);
	_cleanup_free_ char *agents = role_ips(c, DD_ROLE_AGENT);
	_cleanup_free_ char *publics = role_ips(c, DD_ROLE_PUBLIC_AGENT);
	char *vars[] = {
	    dd_asprintf("MASTER_HOSTS=%s", masters),
	    dd_asprintf("PUBLIC_MASTER_HOSTS=%s", masters),
	    dd_asprintf("SLAVE_HOSTS=%s", agents),
	    dd_asprintf("PUBLIC_SLAVE_HOSTS=%s", publics),
	    dd_asprintf("DCOS_DNS_ADDRESS=http://%s", dns->ip),
	    dd_asprintf("DCOS_NUM_MASTERS=%zu", role_count(c, DD_ROLE_MASTER)),
	    dd_asprintf("DCOS_NUM_AGENTS=%zu",
	                role_count(c, DD_ROLE_AGENT) + role_count(c, DD_ROLE_PUBLIC_AGENT)),
	    /* E2E's run sends them on Enterprise (its --dcos-login-uname/-pw). */
	    strcmp(info->variant, "enterprise") == 0
	        ? dd_asprintf("DCOS_LOGIN_UNAME=%s", su_user ? su_user : "bootstrapuser")
	        : NULL,
	    strcmp(info->variant, "enterprise") == 0
	        ? dd_asprintf("DCOS_LOGIN_PW=%s", su_pw ? su_pw : "deleteme")
	        : NULL,
	};
	for (size_t i = 0; i < ELEMENTSOF(vars); i++) {
		if (!vars[i])
			continue;
		_cleanup_free_ char *key = strndup(vars[i], strcspn(vars[i], "="));
		if (env_has(user_env, key))
			free(vars[i]);
		else
			strv_push(out, vars[i]);
	}
	for (size_t i = 0; i < user_env->n; i++)
		strv_push(out, dd_strdup(user_env->v[i]));
}

int cmd_run(int argc, char **argv)
{
	enum { OPT_NODE = 0x100, OPT_TEST_ENV, OPT_SU_USER, OPT_SU_PW, OPT_SYNC_DIR };
	static const struct option longopts[] = {
	    {"node", required_argument, NULL, OPT_NODE},
	    {"test-env", no_argument, NULL, OPT_TEST_ENV},
	    {"sync-dir", required_argument, NULL, OPT_SYNC_DIR},
	    {"superuser-username", required_argument, NULL, OPT_SU_USER},
	    {"superuser-password", required_argument, NULL, OPT_SU_PW},
	    {"dcos-login-uname", required_argument, NULL, OPT_SU_USER},
	    {"dcos-login-pw", required_argument, NULL, OPT_SU_PW},
	    {"env", required_argument, NULL, 'e'},
	    {"user", required_argument, NULL, 'u'},
	    {"workdir", required_argument, NULL, 'w'},
	    {"tty", no_argument, NULL, 't'},
	    {"no-tty", no_argument, NULL, 'T'},
	    {"no-stdin", no_argument, NULL, 'n'},
	    {0}};
	/* '+': options end at the command, so its own options are left alone. */
	_cleanup_(cli_cmd_clear) cli_cmd cmd = {.verb = "run",
	                                        .usage = usage,
	                                        .cluster_opt = true,
	                                        .shortopts = "+e:u:w:tTn",
	                                        .longopts = longopts,
	                                        .min_args = 1,
	                                        .max_args = -1,
	                                        .missing = "No command given"};
	const char *user = NULL, *workdir = NULL;
	_cleanup_(strv_clear) struct strv env = {0};
	_cleanup_(strv_clear) struct strv specs = {0};
	_cleanup_(strv_clear) struct strv sync_dirs = {0};
	bool tty = false, tty_given = false, no_stdin = false, test_env = false;
	const char *su_user = NULL, *su_pw = NULL;
	int c;
	while ((c = cli_getopt(&cmd, argc, argv)) > 0) {
		switch (c) {
		case OPT_NODE: {
			_cleanup_free_ char *copy = dd_strdup(optarg);
			char *save = NULL;
			bool any = false;
			for (char *tok = strtok_r(copy, ",", &save); tok;
			     tok = strtok_r(NULL, ",", &save)) {
				strv_push(&specs, dd_strdup(tok));
				any = true;
			}
			if (!any)
				return cli_usage_error("run", "--node needs a node name");
			break;
		}
		case 'e': {
			const char *eq = strchr(optarg, '=');
			if (!env_name_ok(optarg, eq ? (size_t)(eq - optarg) : strlen(optarg)))
				return cli_usage_error("run", "Invalid --env '%s': expected K=V",
				                       optarg);
			if (eq)
				strv_push(&env, dd_strdup(optarg));
			else if (getenv(optarg))
				strv_push(&env, dd_asprintf("%s=%s", optarg, getenv(optarg)));
			break;
		}
		case 'u': user = optarg; break;
		case 'w': workdir = optarg; break;
		case 't': tty = tty_given = true; break;
		case 'T': tty = false, tty_given = true; break;
		case OPT_TEST_ENV: test_env = true; break;
		case OPT_SYNC_DIR: strv_push(&sync_dirs, dd_strdup(optarg)); break;
		case OPT_SU_USER: su_user = optarg; break;
		case OPT_SU_PW: su_pw = optarg; break;
		case 'n': no_stdin = true; break;
		}
	}
	if (c == CLI_EXIT)
		return cmd.exit;
	if (user && !*user)
		return cli_usage_error("run", "--user needs a user name");
	if (workdir && workdir[0] != '/')
		return cli_usage_error("run", "--workdir must be an absolute path, not '%s'",
		                       workdir);
	if (test_env && workdir)
		return cli_usage_error("run",
		                       "--workdir and --test-env exclude each other (the test "
		                       "environment runs in its own directory)");
	if (!test_env && (su_user || su_pw))
		return cli_usage_error("run", "the superuser options go with --test-env");

	/* Ctrl-C must not kill us while the command runs: dd_exec stops it in
	 * the node first (stop_on_cancel). */
	cli_trap_signals();
	/* No ping first: `run` is on the hot path of scripts, and the first
	 * request already says clearly when no daemon answers. */
	if (!cli_open(&cmd, CLI_NO_PING))
		return cmd.exit;
	dd_docker *d = cmd.d;
	const dd_cluster *cluster = cmd.cluster;
	const char *name = cmd.name;
	dd_error err = {0};

	_cleanup_free_ const dd_node **nodes = NULL;
	size_t n_nodes = 0;
	if (specs.n == 0)
		strv_push(&specs, dd_strdup("master1"));
	for (size_t i = 0; i < specs.n; i++)
		if (dd_cluster_select(cluster, specs.v[i], &nodes, &n_nodes, &err) < 0)
			return cli_fail(&err);
	if (n_nodes == 0) {
		dd_error_usage(&err, -ENOENT, "No node of cluster '%s' matches --node %s", name,
		               specs.v[0]);
		return cli_fail(&err);
	}
	/* --test-env as E2E's run: a terminal when stdout is one (one node). */
	if (test_env && !tty_given)
		tty = n_nodes == 1 && cli_is_tty(STDOUT_FILENO);
	if (tty && n_nodes > 1)
		return cli_usage_error("run", "--tty works with one node, not %zu", n_nodes);
	if (tty && getenv("TERM") && !env_has(&env, "TERM"))
		strv_push(&env, dd_asprintf("TERM=%s", getenv("TERM")));
	_cleanup_(strv_clear) struct strv test_vars = {0};
	_cleanup_(strv_clear) struct strv test_argv = {0};
	if (test_env) {
		dd_dcos_info info;
		if (dd_dcos_info_require(cluster,
		                         "--test-env runs in its integration test environment",
		                         &info, &err) < 0)
			return cli_fail(&err);
		test_env_vars(cluster, nodes[0], &info, su_user, su_pw, &env, &test_vars);
		const char *head[] = {"/bin/sh", "-c", TEST_ENV_SCRIPT, "dcos-docker-test-env"};
		for (size_t i = 0; i < ELEMENTSOF(head); i++)
			strv_push(&test_argv, dd_strdup(head[i]));
		for (int i = optind; i < argc; i++)
			strv_push(&test_argv, dd_strdup(argv[i]));
	}

	for (size_t i = 0; i < n_nodes; i++) {
		if (strcmp(nodes[i]->state, "running") == 0)
			continue;
		dd_error_set(&err, -ESRCH, "Node %s (%s) is not running (state: %s)",
		             nodes[i]->short_name, nodes[i]->name, nodes[i]->state);
		dd_error_hint(&err, "Start it with 'docker start %s'.", nodes[i]->name);
		return cli_fail(&err);
	}

	/* E2E's run --sync-dir: each checkout synced first, in order. */
	for (size_t i = 0; i < sync_dirs.n; i++) {
		dd_sync_result res;
		if (dd_dcos_sync(d, cluster, sync_dirs.v[i], NULL, NULL, &res, &err) < 0)
			return cli_fail(&err);
	}

	struct strv *use_env = test_env ? &test_vars : &env;
	dd_exec_opts opts = {.argv = test_env ? (const char *const *)test_argv.v
	                                      : (const char *const *)(argv + optind),
	                     .env = use_env->n ? (const char *const *)use_env->v : NULL,
	                     .user = user,
	                     .workdir = workdir,
	                     .tty = tty,
	                     .stdin_fd = -1,
	                     .resize_fd = -1,
	                     .stop_on_cancel = true};

	if (n_nodes == 1) {
		const dd_node *node = nodes[0];
		if (!no_stdin && fd_open(STDIN_FILENO) && !is_dev_null(STDIN_FILENO))
			opts.stdin_fd = STDIN_FILENO;
		opts.name = node->short_name;
		opts.on_output = on_output_direct;
		bool raw = false;
		if (tty) {
			opts.get_size = get_size;
			if (setup_winch() == 0)
				opts.resize_fd = winch_pipe[0];
			if (cli_is_tty(STDIN_FILENO) && opts.stdin_fd >= 0) {
				raw = enter_raw_mode() == 0;
				/* A write error must not kill us with the terminal still raw. */
				signal(SIGPIPE, SIG_IGN);
			}
		}
		int exit_code = 0;
		int r = dd_exec(d, node->id, &opts, &exit_code, &err);
		if (raw)
			restore_terminal();
		int failed = r < 0 && r != -ECANCELED ? cli_fail(&err) : 0;
		if (dd_cancelled())
			return cli_signal_exit();
		return r < 0 ? (failed ? failed : EXIT_FAILED) : exit_code;
	}

	/* Several nodes: all at once, as --help promises (a command may never end
	 * on its own, e.g. journalctl -f, or wait for another node's), so the
	 * pool's cap is the node count; a daemon connection per node. */
	_cleanup_free_ struct job *jobs = dd_malloc0(n_nodes * sizeof(*jobs));
	for (size_t i = 0; i < n_nodes; i++) {
		jobs[i] = (struct job){.node = nodes[i], .base = &opts};
		jobs[i].lines[1] = jobs[i].lines[2] = DD_BUF_HEAD(LINE_MAX_BYTES);
	}
	dd_pool pool = {
	    .n = n_nodes, .cap = n_nodes, .job = job_run, .userdata = jobs, .docker = d};
	dd_pool_run(&pool, NULL);
	int result = 0;
	for (size_t i = 0; i < n_nodes; i++) {
		int code = jobs[i].exit_code;
		if (jobs[i].r == -ECANCELED)
			code = cli_signal_exit();
		else if (jobs[i].r < 0) {
			dd_error_prefix(&jobs[i].err, "%s: ", nodes[i]->short_name);
			code = cli_fail(&jobs[i].err);
		}
		if (result == 0)
			result = code;
		dd_buf_free(&jobs[i].lines[1]);
		dd_buf_free(&jobs[i].lines[2]);
	}
	/* Interrupted: the signal's code, as for a local command, whatever the nodes said. */
	return dd_cancelled() ? cli_signal_exit() : result;
}
