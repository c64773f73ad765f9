/* dcos-docker clean: removes what interrupted or killed runs left (incomplete
 * clusters, stale workspaces, installer containers) and what no cluster uses
 * any more (the extracted DC/OS installers, about 1 GB each, and their
 * genconf images). */
#include <inttypes.h>
#include <string.h>

#include "cli.h"
#include "commands.h"
#include "dcos-docker/cancel.h"
#include "dcos-docker/cluster.h"
#include "dcos-docker/installer.h"
#include "util.h"

static void usage(FILE *f)
{
	fprintf(f,
	        "Usage: dcos-docker clean [--dry-run] [-q]\n\n"
	        "Removes what interrupted or killed runs left, and what no cluster uses, listing\n"
	        "each thing it removes:\n"
	        "  - incomplete clusters: every labelled container, volume and network, and the\n"
	        "    workspace, of a cluster none of whose nodes is running AND that misses\n"
	        "    nodes it was made with (or has none left) or its network. A workspace\n"
	        "    under the workspace root with no Docker object left is one too.\n"
	        "    Never taken: a cluster with a node running (degraded ones included), a\n"
	        "    complete cluster (all its nodes and its network there), even stopped, and\n"
	        "    a cluster that a create is making right now. Only the clusters whose\n"
	        "    workspace is under the workspace root are considered (another user's or\n"
	        "    another DCOS_DOCKER_WORKSPACE_ROOT's are theirs; one made with --workspace\n"
	        "    elsewhere is left to 'dcos-docker destroy').\n"
	        "  - the DC/OS installer's containers that are not running, or whose cluster\n"
	        "    or process is gone (genconf's <cluster>-installer, --version's).\n"
	        "  - the DC/OS installers extracted for clusters that no longer exist: each\n"
	        "    installer file is extracted once (its ~1 GB payload and the\n"
	        "    mesosphere/dcos-genconf image it loads) and shared by the clusters made\n"
	        "    from it; the last of them to be destroyed removes it. Installers in use by\n"
	        "    a cluster or a running install are kept.\n\n"
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
	/* Ctrl-C: the cluster under way is finished, the rest are left. */
	cli_trap_signals();
	_cleanup_free_ dd_leftover *left = NULL;
	size_t n_left = 0;
	int r = dd_clean_leftovers(cmd.d, dry, &left, &n_left, &err);
	bool failed = false;
	for (size_t i = 0; i < n_left; i++) {
		const dd_leftover *l = &left[i];
		const char *what = l->snapshot  ? "snapshot"
		                   : l->cluster ? "cluster"
		                                : "installer container";
		if (l->error[0]) {
			fprintf(stderr, "dcos-docker: error: Failed to remove %s %s: %s\n", what,
			        l->name, l->error);
			failed = true;
		} else if (quiet)
			continue;
		else if (l->kept)
			printf("kept %s %s: %s\n", what, l->name, l->state);
		else if (l->removed || dry)
			printf("%s %s %s (%s)\n", dry ? "would remove" : "removed", what, l->name,
			       l->state);
	}
	if (r < 0)
		return cli_fail(&err);
	if (dd_cancelled())
		return cli_signal_exit();
	_cleanup_free_ dd_installer_place_info *places = NULL;
	size_t n = 0;
	r = dd_installer_places(cmd.d, NULL, !dry, &places, &n, &err);
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
	return failed ? EXIT_FAILED : EXIT_OK;
}
