#include <string.h>

#include "cli.h"
#include "commands.h"
#include "dcos-docker/image-build.h"
#include "dcos-docker/image.h"
#include "util.h"

static void usage(FILE *f)
{
	fprintf(f,
	        "Usage: dcos-docker build-image [--distro NAME] [--force] [--mirror URL] [-v]\n\n"
	        "Builds the node image: a Debian root filesystem made by mmdebstrap from\n"
	        "Debian's mirror, with systemd, Docker and sshd set up for DC/OS nodes, imported\n"
	        "into the Docker daemon. Needs root (mmdebstrap chroots), mmdebstrap, and about\n"
	        "1.5 GB free in $TMPDIR (default /var/tmp) while it runs; takes about a minute.\n"
	        "Does nothing when the image of the current recipe exists already.\n\n"
	        "The image is tagged " DD_IMAGE_REPO ":<distro>-<recipe hash> (printed at the\n"
	        "end; it changes whenever the recipe does) and " DD_IMAGE_REPO ":<distro>.\n\n"
	        "Options:\n"
	        "      --distro NAME  bookworm (default), trixie, bullseye, forky or sid\n"
	        "                     (forky and sid need a cgroup v2 host)\n"
	        "      --force        build even when the image exists\n"
	        "      --mirror URL   a Debian mirror, or a 'deb ...' sources line (default:\n"
	        "                     deb.debian.org with updates and security)\n"
	        "      --print-tag    print the tag of the image and exit\n"
	        "  -v, --verbose      show mmdebstrap's output\n"
	        "  -h, --help         show this help\n");
}

struct ui {
	bool verbose;
	double start;
};

static void on_progress(const dd_event *ev, void *userdata)
{
	struct ui *ui = userdata;
	if (ev->kind == DD_EVENT_STATUS)
		fprintf(stderr, "==> %s\n", ev->text);
	else if (ev->kind == DD_EVENT_OUTPUT && ui->verbose)
		fprintf(stderr, "    %s\n", ev->text);
}

int cmd_build_image(int argc, char **argv)
{
	enum { OPT_DISTRO = 256, OPT_FORCE, OPT_MIRROR, OPT_PRINT_TAG };
	static const struct option longopts[] = {{"distro", required_argument, NULL, OPT_DISTRO},
	                                         {"force", no_argument, NULL, OPT_FORCE},
	                                         {"mirror", required_argument, NULL, OPT_MIRROR},
	                                         {"print-tag", no_argument, NULL, OPT_PRINT_TAG},
	                                         {"verbose", no_argument, NULL, 'v'},
	                                         {0}};
	_cleanup_(cli_cmd_clear) cli_cmd cmd = {
	    .verb = "build-image", .usage = usage, .shortopts = "v", .longopts = longopts};
	struct ui ui = {0};
	dd_image_build_opts o = {
	    .distro = DD_IMAGE_DEFAULT_DISTRO, .on_event = on_progress, .userdata = &ui};
	bool print_tag = false;
	int c;
	while ((c = cli_getopt(&cmd, argc, argv)) > 0) {
		switch (c) {
		case OPT_DISTRO: o.distro = optarg; break;
		case OPT_FORCE: o.force = true; break;
		case OPT_MIRROR: o.mirror = optarg; break;
		case OPT_PRINT_TAG: print_tag = true; break;
		case 'v': ui.verbose = true; break;
		}
	}
	if (c == CLI_EXIT)
		return cmd.exit;
	dd_error err = {0};
	if (dd_image_distro_check(o.distro, &err) < 0)
		return cli_fail(&err);
	_cleanup_free_ char *tag = dd_image_tag(o.distro);
	if (print_tag) {
		printf("%s\n", tag);
		return EXIT_OK;
	}
	if (!cli_open(&cmd, CLI_NO_NAME | CLI_NO_LOAD))
		return cmd.exit;
	cli_trap_signals();
	ui.start = dd_now();
	bool built = false;
	if (dd_image_build_with(cmd.d, &o, &built, &err) < 0)
		return cli_fail(&err);
	if (built)
		fprintf(stderr, "Built %s in %.0f s\n", tag, dd_now() - ui.start);
	else
		fprintf(stderr, "%s is up to date (--force rebuilds it)\n", tag);
	printf("%s\n", tag);
	return EXIT_OK;
}
