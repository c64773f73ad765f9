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

int cli_bad_option(const char *verb)
{
	fprintf(stderr, "  hint: see 'dcos-docker %s --help'\n", verb);
	return EXIT_USAGE;
}

int cli_connect(dd_docker **ret)
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

int cli_open_cluster(const char *name, dd_docker **ret_d, dd_cluster **ret_cluster)
{
	dd_error err = {0};
	if (dd_cluster_name_check(name, &err) < 0)
		return cli_fail(&err);
	dd_docker *d = NULL;
	int ret = cli_connect(&d);
	if (ret)
		return ret;
	if (dd_cluster_load(d, name, ret_cluster, &err) < 0) {
		dd_docker_free(d);
		return cli_fail(&err);
	}
	*ret_d = d;
	return 0;
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

bool cli_is_tty(int fd) { return isatty(fd) == 1; }

static void on_signal(int sig) { dd_cancel_request(sig); }

void cli_trap_signals(void)
{
	struct sigaction sa = {.sa_handler = on_signal};
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
}
