/* dcos-docker download-installer: fetch dcos_generate_config.sh (about 1 GB)
 * so that it is never left half-downloaded at its path: the bytes go to a
 * .part file, an interrupted download resumes, the file appears complete. */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "commands.h"
#include "dcos-docker/fetch.h"
#include "util.h"

#define DEFAULT_OUTPUT "./dcos_generate_config.sh"

static void usage(FILE *f)
{
	fprintf(
	    f,
	    "Usage: dcos-docker download-installer [--version stable|X.Y.Z | --url URL]\n"
	    "                                      [--output PATH] [--sha256 HEX] [--force]\n\n"
	    "Downloads the DC/OS installer, dcos_generate_config.sh, for 'create --installer'\n"
	    "or 'install'. The bytes go to PATH.part; a download cut short (a dropped\n"
	    "connection, Ctrl-C) resumes there the next time, and PATH appears only when the\n"
	    "file is complete and, with --sha256, verified. Proxies are taken from the\n"
	    "environment as curl takes them (https_proxy, http_proxy, no_proxy).\n\n"
	    "Options:\n"
	    "      --version V    'stable' (the default): the latest stable release, at\n"
	    "                     https://downloads.dcos.io/dcos/stable/dcos_generate_config.sh;\n"
	    "                     a release (2.2.0): "
	    ".../dcos/stable/2.2.0/dcos_generate_config.sh\n"
	    "                     (also --dcos-version, DC/OS E2E's name)\n"
	    "      --url URL      download this instead (http, https or file)\n"
	    "  -o, --output PATH  where to put it (default: " DEFAULT_OUTPUT ";\n"
	    "                     also --download-path)\n"
	    "      --sha256 HEX   the file's SHA-256: a mismatch removes the download\n"
	    "      --retries N    resume a dropped connection up to N times (default: 5)\n"
	    "  -f, --force        replace PATH when it exists\n"
	    "  -q, --quiet        no progress\n"
	    "  -h, --help         show this help\n");
}

static void human(uint64_t n, char *buf, size_t size)
{
	static const char *const units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
	double v = (double)n;
	size_t u = 0;
	while (v >= 1024 && u + 1 < ELEMENTSOF(units)) {
		v /= 1024;
		u++;
	}
	if (u == 0)
		snprintf(buf, size, "%" PRIu64 " B", n);
	else
		snprintf(buf, size, "%.1f %s", v, units[u]);
}

struct ui {
	bool quiet, tty;
	double start, last;
	int attempt;
	bool said_resume;
	bool drawn; /* a redrawn line is on the terminal */
	uint64_t size;
};

static void on_progress(const dd_event *ev, void *userdata)
{
	struct ui *ui = userdata;
	const dd_fetch_progress *p = ev->fetch;
	if (ev->kind != DD_EVENT_FETCH)
		return;
	ui->size = p->have;
	if (ui->quiet)
		return;
	double now = dd_now();
	char have[32], total[32];
	human(p->have, have, sizeof(have));
	human(p->total, total, sizeof(total));
	if (!ui->said_resume && p->resumed > 0) {
		ui->said_resume = true;
		fprintf(stderr, "Resuming at %s%s%s\n", have, p->total ? " of " : "",
		        p->total ? total : "");
	}
	if (p->attempt != ui->attempt) {
		if (ui->attempt && !p->done) {
			if (ui->drawn)
				fputc('\n', stderr);
			ui->drawn = false;
			fprintf(stderr, "Connection cut short: resuming at %s (attempt %d)\n", have,
			        p->attempt);
		}
		ui->attempt = p->attempt;
	}
	/* A terminal line redraws 5 times a second; plain lines every 10 s. */
	if (!p->done && now - ui->last < (ui->tty ? 0.2 : 10))
		return;
	ui->last = now;
	double secs = now - ui->start;
	uint64_t got = p->have > p->resumed ? p->have - p->resumed : 0;
	double rate = secs > 0 ? (double)got / secs : 0;
	char rate_s[32] = "", eta[32] = "", pct[16] = "";
	human((uint64_t)rate, rate_s, sizeof(rate_s));
	if (p->total) {
		snprintf(pct, sizeof(pct), " (%d%%)",
		         (int)(100.0 * (double)p->have / (double)p->total));
		if (rate > 0 && p->total > p->have) {
			long left = (long)((double)(p->total - p->have) / rate);
			snprintf(eta, sizeof(eta), ", %ld:%02ld left", left / 60, left % 60);
		}
	}
	if (ui->tty) {
		fprintf(stderr, "\r\033[K%s%s%s%s, %s/s%s", have, p->total ? " of " : "",
		        p->total ? total : "", pct, rate_s, eta);
		ui->drawn = true;
		if (p->done) {
			fputc('\n', stderr);
			ui->drawn = false;
		}
	} else if (!p->done)
		fprintf(stderr, "%s%s%s%s, %s/s%s\n", have, p->total ? " of " : "",
		        p->total ? total : "", pct, rate_s, eta);
	fflush(stderr);
}

int cmd_download_installer(int argc, char **argv)
{
	enum { OPT_VERSION = 256, OPT_URL, OPT_SHA256, OPT_RETRIES };
	static const struct option longopts[] = {
	    {"version", required_argument, NULL, OPT_VERSION},
	    {"dcos-version", required_argument, NULL, OPT_VERSION},
	    {"url", required_argument, NULL, OPT_URL},
	    {"output", required_argument, NULL, 'o'},
	    {"download-path", required_argument, NULL, 'o'},
	    {"sha256", required_argument, NULL, OPT_SHA256},
	    {"retries", required_argument, NULL, OPT_RETRIES},
	    {"force", no_argument, NULL, 'f'},
	    {"quiet", no_argument, NULL, 'q'},
	    {0}};
	_cleanup_(cli_cmd_clear) cli_cmd cmd = {.verb = "download-installer",
	                                        .usage = usage,
	                                        .shortopts = "o:fq",
	                                        .longopts = longopts};
	const char *version = NULL, *url = NULL;
	dd_fetch_opts o = {.output = DEFAULT_OUTPUT, .retries = 5};
	struct ui ui = {.tty = cli_is_tty(STDERR_FILENO)};
	long n;
	int c;
	while ((c = cli_getopt(&cmd, argc, argv)) > 0)
		switch (c) {
		case OPT_VERSION: version = optarg; break;
		case OPT_URL: url = optarg; break;
		case 'o': o.output = optarg; break;
		case OPT_SHA256: o.sha256 = optarg; break;
		case OPT_RETRIES:
			if (!cli_parse_int(optarg, 0, 1000, &n))
				return cli_option_error(cmd.verb, "invalid number '%s' for %s",
				                        optarg, cli_optname());
			o.retries = (int)n;
			break;
		case 'f': o.replace = true; break;
		case 'q': ui.quiet = true; break;
		}
	if (c == CLI_EXIT)
		return cmd.exit;
	if (version && url)
		return cli_option_error(cmd.verb, "--version and --url exclude each other");
	dd_error err = {0};
	_cleanup_free_ char *from =
	    url ? dd_strdup(url) : dd_installer_url(version ?: "stable", &err);
	if (!from)
		return cli_fail(&err);
	o.url = from;
	cli_trap_signals();
	ui.start = ui.last = dd_now();
	if (!ui.quiet)
		fprintf(stderr, "Downloading %s to %s\n", from, o.output);
	int r = dd_fetch(&o, &on_progress, &ui, &err);
	if (ui.drawn)
		fputc('\n', stderr);
	if (r == -ECANCELED) {
		cli_fail(&err);
		return cli_signal_exit();
	}
	if (r < 0)
		return cli_fail(&err);
	if (!ui.quiet) {
		char size[32];
		human(ui.size, size, sizeof(size));
		fprintf(stderr, "Saved %s (%s in %.1f s%s)\n", o.output, size, dd_now() - ui.start,
		        o.sha256 ? ", SHA-256 verified" : "");
	}
	return EXIT_OK;
}
