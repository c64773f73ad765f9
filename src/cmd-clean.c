/* dcos-docker clean: removes what no cluster uses any more. Today: the
 * extracted DC/OS installers (about 1 GB each) and their genconf images. */
#include <inttypes.h>
#include <string.h>

#include "cli.h"
#include "commands.h"
#include "dcos-docker/installer.h"
#include "util.h"

static void usage(FILE *f)
{
	fprintf(f,
	        "Usage: dcos-docker clean [--dry-run] [-q]\n\n"
	        "Removes the DC/OS installers extracted for clusters that no longer exist:\n"
	        "each installer file is extracted once (its ~1 GB payload and the\n"
	        "mesosphere/dcos-genconf image it loads) and shared by the clusters made from\n"
	        "it; the last of them to be destroyed removes it, and this removes what\n"
	        "interrupted runs left. Installers in use by a cluster or a running install are\n"
	        "kept.\n\n"
	        "Options:\n"
	        "  -n, --dry-run   only list what would be removed\n"
	        "  -q, --quiet     print nothing but errors\n"
	        "  -h, --help      show this help\n");
}

static void human(uint64_t bytes, char *buf, size_t size)
{
	if (bytes >= (1ull << 30))
		snprintf(buf, size, "%.1f GB", (double)bytes / (1ull << 30));
	else
		snprintf(buf, size, "%.0f MB", (double)bytes / (1ull << 20));
}

int cmd_clean(int argc, char **argv)
{
	static const struct option longopts[] = {
	    {"dry-run", no_argument, NULL, 'n'}, {"quiet", no_argument, NULL, 'q'}, {0}};
	_cleanup_(cli_cmd_clear) cli_cmd cmd = {
	    .verb = "clean", .usage = usage, .shortopts = "nq", .longopts = longopts};
	bool dry = false, quiet = false;
	int c;
	while ((c = cli_getopt(&cmd, argc, argv)) > 0) {
		switch (c) {
		case 'n': dry = true; break;
		case 'q': quiet = true; break;
		}
	}
	if (c == CLI_EXIT || !cli_open(&cmd, CLI_NO_NAME | CLI_NO_LOAD))
		return cmd.exit;
	dd_error err = {0};
	_cleanup_free_ dd_installer_place_info *places = NULL;
	size_t n = 0;
	int r = dd_installer_places(cmd.d, NULL, !dry, &places, &n, &err);
	uint64_t freed = 0;
	for (size_t i = 0; i < n && !quiet; i++) {
		const dd_installer_place_info *p = &places[i];
		char size[32];
		human(p->bytes, size, sizeof(size));
		const char *what = p->version[0] ? p->version : "unknown version";
		if (p->removed || (dry && p->removable)) {
			freed += p->bytes;
			printf("%s installer %s (DC/OS %s, %s)%s%s\n",
			       dry ? "would remove" : "removed", p->dir, what, size,
			       p->image[0] ? " and image " : "", p->image);
		} else if (p->in_use)
			printf("kept installer %s (DC/OS %s, %s): an install is using it\n", p->dir,
			       what, size);
		else
			printf("kept installer %s (DC/OS %s, %s): used by %zu cluster%s\n", p->dir,
			       what, size, p->users, p->users == 1 ? "" : "s");
	}
	if (!quiet) {
		char size[32];
		human(freed, size, sizeof(size));
		printf("%s %s\n", dry ? "Would free" : "Freed", size);
	}
	if (r < 0)
		return cli_fail(&err);
	return EXIT_OK;
}
