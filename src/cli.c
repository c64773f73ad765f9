#include "cli.h"

#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dcos-docker/cancel.h"
#include "dcos-docker/cluster.h"

int cli_fail(const dd_error *err)
{
	fprintf(stderr, "dcos-docker: error: %s\n", err->msg[0] ? err->msg : strerror(-err->code));
	if (err->hint[0])
		fprintf(stderr, "  hint: %s\n", err->hint);
	return err->kind == DD_ERR_USAGE ? EXIT_USAGE : EXIT_FAILED;
}

int cli_usage_error(const char *verb, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fprintf(stderr, "dcos-docker: error: ");
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\n  hint: see 'dcos-docker %s --help'\n", verb);
	va_end(ap);
	return EXIT_USAGE;
}

int cli_option_error(const char *verb, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fprintf(stderr, "dcos-docker: error: %s: ", verb);
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\n  hint: see 'dcos-docker %s --help'\n", verb);
	va_end(ap);
	return EXIT_USAGE;
}

/* The option cli_getopt returned last, as "--name" or "-c" (for messages
 * about its value: getopt's optarg has no such partner). */
static char current_option[80];

const char *cli_optname(void)
{
	return current_option;
}

/* getopt's own messages (opterr = 0) neither have our form nor always name
 * the option: say what was wrong with the word the user typed. */
static int cli_bad_option(const cli_cmd *cmd, char **argv, int c, int optind_before)
{
	/* A long option always moves optind past its word; a short one inside
	 * a group (-xq) does not, and argv[optind - 1] is then another word. */
	const char *word = optind > optind_before ? argv[optind - 1] : "";
	if (strncmp(word, "--", 2) != 0) {
		/* A short option, maybe inside a group such as -qx. */
		if (c == ':')
			return cli_option_error(cmd->verb, "option '-%c' needs a value", optopt);
		return cli_option_error(cmd->verb, "unknown option '-%c'", optopt);
	}
	size_t len = strcspn(word + 2, "=");
	if (c == ':')
		return cli_option_error(cmd->verb, "option '--%.*s' needs a value", (int)len,
		                        word + 2);
	/* Unknown, ambiguous, or given a value it does not take: getopt tells
	 * these apart only in its message, so match the name again. */
	const struct option *exact = NULL, *first = NULL;
	size_t n_prefix = 0;
	char others[256] = "";
	for (const struct option *o = cmd->all_longopts; o->name; o++) {
		if (strncmp(o->name, word + 2, len) != 0)
			continue;
		if (strlen(o->name) == len)
			exact = o;
		if (!first)
			first = o;
		n_prefix++;
		size_t used = strlen(others);
		snprintf(others + used, sizeof(others) - used, "%s--%s", used ? ", " : "", o->name);
	}
	const struct option *o = exact ? exact : n_prefix == 1 ? first : NULL;
	if (o && word[2 + len] == '=' && o->has_arg == no_argument)
		return cli_option_error(cmd->verb, "option '--%s' takes no value", o->name);
	if (!o && n_prefix > 1)
		return cli_option_error(cmd->verb, "option '--%.*s' is ambiguous (%s)", (int)len,
		                        word + 2, others);
	return cli_option_error(cmd->verb, "unknown option '--%.*s'", (int)len, word + 2);
}

/* Opens the daemon connection and pings it: 0, or the exit code after printing. */
static int cli_connect(dd_docker **ret)
{
	dd_error err = {0};
	dd_docker *d = NULL;
	int r = dd_docker_open(NULL, &d, &err);
	if (r < 0)
		return cli_fail(&err);
	r = dd_docker_ping(d, &err);
	if (r < 0) {
		dd_docker_free(d);
		return cli_fail(&err);
	}
	*ret = d;
	return 0;
}

int cli_getopt(cli_cmd *cmd, int argc, char **argv)
{
	if (!cmd->all_longopts[0].name) {
		const char *own = cmd->shortopts ? cmd->shortopts : "";
		bool plus = own[0] == '+';
		/* ':' first: a missing value is told apart from an unknown option. */
		snprintf(cmd->all_shortopts, sizeof(cmd->all_shortopts), "%s:%sh%s",
		         plus ? "+" : "", cmd->cluster_opt ? "c:" : "", own + plus);
		size_t n = 0;
		for (const struct option *o = cmd->longopts; o && o->name; o++)
			n++;
		/* Its own, --cluster, --help and the terminating zero entry. */
		if (n + 3 > CLI_MAX_OPTIONS)
			abort(); /* a command with more options than CLI_MAX_OPTIONS allows */
		if (n)
			memcpy(cmd->all_longopts, cmd->longopts, n * sizeof(*cmd->longopts));
		if (cmd->cluster_opt)
			cmd->all_longopts[n++] =
			    (struct option){"cluster", required_argument, NULL, 'c'};
		cmd->all_longopts[n++] = (struct option){"help", no_argument, NULL, 'h'};
		if (!cmd->name)
			cmd->name = DD_DEFAULT_CLUSTER;
	}
	opterr = 0; /* cli_bad_option says it in our form */
	for (;;) {
		int idx = -1, before = optind;
		int c = getopt_long(argc, argv, cmd->all_shortopts, cmd->all_longopts, &idx);
		if (idx >= 0)
			snprintf(current_option, sizeof(current_option), "--%s",
			         cmd->all_longopts[idx].name);
		else
			snprintf(current_option, sizeof(current_option), "-%c", c);
		switch (c) {
		case 'c':
			if (!cmd->cluster_opt)
				return c;
			cmd->name = optarg;
			cmd->name_given = true;
			continue;
		case 'h':
			cmd->usage(stdout);
			cmd->exit = EXIT_OK;
			return CLI_EXIT;
		case '?':
		case ':': cmd->exit = cli_bad_option(cmd, argv, c, before); return CLI_EXIT;
		case 0: continue; /* a long option with a flag: getopt set it */
		case -1:
			cmd->exit = cli_operands(cmd, argc, argv, cmd->min_args, cmd->max_args,
			                         cmd->missing);
			return cmd->exit ? CLI_EXIT : -1;
		default: return c;
		}
	}
}

int cli_operands(const cli_cmd *cmd, int argc, char **argv, int min, int max, const char *missing)
{
	int n = argc - optind;
	if (n < min)
		return cli_usage_error(cmd->verb, "%s", missing);
	if (max >= 0 && n > max)
		return cli_usage_error(cmd->verb, "Unexpected argument '%s'", argv[optind + max]);
	return 0;
}

bool cli_open(cli_cmd *cmd, unsigned flags)
{
	dd_error err = {0};
	if (!(flags & CLI_NO_NAME) && dd_cluster_name_check(cmd->name, &err) < 0)
		cmd->exit = cli_fail(&err);
	else if (flags & CLI_NO_PING) {
		if (dd_docker_open(NULL, &cmd->d, &err) < 0)
			cmd->exit = cli_fail(&err);
	} else
		cmd->exit = cli_connect(&cmd->d);
	if (!cmd->exit && !(flags & CLI_NO_LOAD) &&
	    dd_cluster_load(cmd->d, cmd->name, &cmd->cluster, &err) < 0)
		cmd->exit = cli_fail(&err);
	return cmd->exit == EXIT_OK;
}

void cli_cmd_clear(cli_cmd *cmd)
{
	dd_cluster_free(cmd->cluster);
	cmd->cluster = NULL;
	dd_docker_free(cmd->d);
	cmd->d = NULL;
}

int cli_signal_exit(void)
{
	int sig = dd_cancel_signal();
	return 128 + (sig ? sig : SIGINT);
}

bool cli_parse_int(const char *s, long min, long max, long *ret)
{
	if (!s || !*s)
		return false;
	char *end = NULL;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (errno || *end || v < min || v > max)
		return false;
	*ret = v;
	return true;
}

bool cli_is_tty(int fd)
{
	return isatty(fd) == 1;
}

static void on_signal(int sig)
{
	dd_cancel_request(sig);
}

void cli_trap_signals(void)
{
	struct sigaction sa = {.sa_handler = on_signal};
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	/* Ctrl-\ is an interruption too: without a handler it would kill us
	 * with the cluster half made. */
	sigaction(SIGQUIT, &sa, NULL);
}
