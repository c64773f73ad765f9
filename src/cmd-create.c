#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "commands.h"
#include "dcos-docker/cancel.h"
#include "dcos-docker/cluster.h"
#include "dcos-docker/image.h"
#include "install-cli.h" /* [DC/OS install] */
#include "progress.h"
#include "util.h"

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: dcos-docker create [OPTIONS]\n\n"
		"Creates a cluster of systemd nodes, one container per node, and returns when\n"
		"every node is ready (systemd booted, sshd listening, inner Docker socket up).\n\n"
		"Options:\n"
		"  -c, --cluster NAME            cluster name (default: " DD_DEFAULT_CLUSTER ")\n"
		"      --masters N               masters: 1, 3, 5, 7 or 9 (default: 1)\n"
		"      --agents N                private agents (default: 1)\n"
		"      --public-agents N         public agents (default: 1)\n"
		"      --distro NAME             node image distro (default: bookworm)\n"
		"      --image IMAGE             use this systemd image instead of the built one\n"
		"      --storage-driver DRIVER   inner Docker: auto|overlay2|overlay|aufs|fuse-overlayfs\n"
		"  -v, --volume SRC:DST[:ro]     bind a host path into every node (repeatable)\n"
		"      --master-volume SPEC      ... into masters only\n"
		"      --agent-volume SPEC       ... into agents only\n"
		"      --public-agent-volume SPEC ... into public agents only\n"
		"  -p, --publish [IP:]HOSTPORT:PORT[/udp]  publish a port of master1 (repeatable)\n"
		"      --agent-cpus N, --agent-memory SIZE           limit each agent (e.g. 2, 4g)\n"
		"      --public-agent-cpus N, --public-agent-memory SIZE\n"
		"      --workspace DIR           the cluster's files (default: under $XDG_STATE_HOME)\n"
		"      --timeout SECONDS         for the nodes to become ready (default: 120);\n"
		"                                with --wait also for DC/OS to become healthy\n"
		"                                (default: 900)\n"
		"  -q, --quiet                   no progress output\n"
		"  -h, --help                    show this help\n\n"
		"DC/OS (see also 'dcos-docker install --help'):\n"
		"      --installer PATH          install DC/OS from this dcos_generate_config.sh\n"
		"                                once the nodes are up\n" CLI_INSTALL_HELP
		"      --verbose                 show the installer's and the nodes' output\n");
}

enum {
	OPT_MASTERS = 256,
	OPT_AGENTS,
	OPT_PUBLIC_AGENTS,
	OPT_DISTRO,
	OPT_IMAGE,
	OPT_STORAGE,
	OPT_MASTER_VOL,
	OPT_AGENT_VOL,
	OPT_PUBLIC_VOL,
	OPT_WORKSPACE,
	OPT_TIMEOUT,
	OPT_AGENT_CPUS,
	OPT_AGENT_MEM,
	OPT_PUBLIC_CPUS,
	OPT_PUBLIC_MEM,
};

struct mounts {
	dd_mount_spec *v;
	size_t n;
};

static void mounts_add(struct mounts *m, const dd_mount_spec *s)
{
	dd_mount_spec *nv = realloc(m->v, (m->n + 1) * sizeof(*nv));
	if (!nv)
		abort();
	m->v = nv;
	m->v[m->n].src = strdup(s->src);
	m->v[m->n].dst = strdup(s->dst);
	m->v[m->n].ro = s->ro;
	m->n++;
}

static void mounts_free(struct mounts *m)
{
	for (size_t i = 0; i < m->n; i++)
		dd_mount_spec_clear(&m->v[i]);
	free(m->v);
}

/* "4g", "512m", "1073741824" -> bytes. */
static bool parse_size(const char *s, long long *ret)
{
	char *end = NULL;
	errno = 0;
	double v = strtod(s, &end);
	if (errno || end == s || v <= 0)
		return false;
	long long mul = 1;
	switch (*end) {
	case '\0': break;
	case 'k': case 'K': mul = 1024LL; end++; break;
	case 'm': case 'M': mul = 1024LL * 1024; end++; break;
	case 'g': case 'G': mul = 1024LL * 1024 * 1024; end++; break;
	default: return false;
	}
	if (*end == 'b' || *end == 'B')
		end++;
	if (*end)
		return false;
	*ret = (long long)(v * (double)mul);
	return *ret >= 64LL * 1024 * 1024;
}

static bool parse_cpus(const char *s, double *ret)
{
	char *end = NULL;
	errno = 0;
	double v = strtod(s, &end);
	if (errno || end == s || *end || v <= 0 || v > 1024)
		return false;
	*ret = v;
	return true;
}

int cmd_create(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"cluster", required_argument, NULL, 'c'},
		{"masters", required_argument, NULL, OPT_MASTERS},
		{"agents", required_argument, NULL, OPT_AGENTS},
		{"public-agents", required_argument, NULL, OPT_PUBLIC_AGENTS},
		{"distro", required_argument, NULL, OPT_DISTRO},
		{"image", required_argument, NULL, OPT_IMAGE},
		{"storage-driver", required_argument, NULL, OPT_STORAGE},
		{"volume", required_argument, NULL, 'v'},
		{"master-volume", required_argument, NULL, OPT_MASTER_VOL},
		{"agent-volume", required_argument, NULL, OPT_AGENT_VOL},
		{"public-agent-volume", required_argument, NULL, OPT_PUBLIC_VOL},
		{"publish", required_argument, NULL, 'p'},
		{"workspace", required_argument, NULL, OPT_WORKSPACE},
		{"timeout", required_argument, NULL, OPT_TIMEOUT},
		{"agent-cpus", required_argument, NULL, OPT_AGENT_CPUS},
		{"agent-memory", required_argument, NULL, OPT_AGENT_MEM},
		{"public-agent-cpus", required_argument, NULL, OPT_PUBLIC_CPUS},
		{"public-agent-memory", required_argument, NULL, OPT_PUBLIC_MEM},
		{"quiet", no_argument, NULL, 'q'},
		{"help", no_argument, NULL, 'h'},
		/* [DC/OS install] */
		{"installer", required_argument, NULL, CLI_OPT_INSTALLER},
		CLI_INSTALL_LONGOPTS,
		{0}};
	dd_create_opts o = {.name = DD_DEFAULT_CLUSTER, .counts = {1, 1, 1}};
	const char *distro = NULL, *image = NULL;
	struct mounts role_mounts[DD_ROLE_COUNT] = {0}, all_mounts = {0};
	dd_port_spec ports[64];
	size_t n_ports = 0;
	bool quiet = false;
	dd_error err = {0};
	int ret = EXIT_OK, c;
	long v;
	_cleanup_free_ char *tag = NULL;
	_cleanup_free_ char *default_ws = NULL;
	_cleanup_(dd_docker_freep) dd_docker *d = NULL;
	_cleanup_(dd_cluster_freep) dd_cluster *cluster = NULL;
	cli_progress prog;
	/* [DC/OS install] */
	cli_install ci = {0};
	_cleanup_(dd_install_plan_freep) dd_install_plan *plan = NULL;

	while ((c = getopt_long(argc, argv, "c:v:p:qh", longopts, NULL)) != -1) {
		dd_mount_spec m = {0};
		/* [DC/OS install] */
		int handled = cli_install_option(&ci, c, optarg, "create");
		if (handled < 0) {
			ret = -handled;
			goto out;
		}
		if (handled > 0)
			continue;
		if (c == CLI_OPT_INSTALLER) {
			ci.o.installer = optarg;
			continue;
		}
		switch (c) {
		case 'c': o.name = optarg; break;
		case OPT_MASTERS:
		case OPT_AGENTS:
		case OPT_PUBLIC_AGENTS:
			if (!cli_parse_int(optarg, 0, 1000, &v)) {
				ret = cli_usage_error("create", "Invalid number '%s'", optarg);
				goto out;
			}
			o.counts[c - OPT_MASTERS] = (int)v;
			break;
		case OPT_DISTRO: distro = optarg; break;
		case OPT_IMAGE: image = optarg; break;
		case OPT_STORAGE: o.storage_driver = optarg; break;
		case 'v':
		case OPT_MASTER_VOL:
		case OPT_AGENT_VOL:
		case OPT_PUBLIC_VOL:
			if (dd_mount_spec_parse(optarg, &m, &err) < 0) {
				ret = cli_fail(&err);
				goto out;
			}
			mounts_add(c == 'v' ? &all_mounts : &role_mounts[c - OPT_MASTER_VOL], &m);
			dd_mount_spec_clear(&m);
			break;
		case 'p':
			if (n_ports == ELEMENTSOF(ports)) {
				ret = cli_usage_error("create", "Too many --publish options");
				goto out;
			}
			if (dd_port_spec_parse(optarg, &ports[n_ports], &err) < 0) {
				ret = cli_fail(&err);
				goto out;
			}
			n_ports++;
			break;
		case OPT_WORKSPACE: o.workspace = optarg; break;
		case OPT_TIMEOUT:
			if (!cli_parse_int(optarg, 1, 86400, &v)) {
				ret = cli_usage_error("create", "Invalid timeout '%s'", optarg);
				goto out;
			}
			o.timeout = (double)v;
			break;
		case OPT_AGENT_CPUS:
		case OPT_PUBLIC_CPUS:
			if (!parse_cpus(optarg, &o.cpus[c == OPT_AGENT_CPUS ? DD_ROLE_AGENT
									     : DD_ROLE_PUBLIC_AGENT])) {
				ret = cli_usage_error("create", "Invalid CPU count '%s'", optarg);
				goto out;
			}
			break;
		case OPT_AGENT_MEM:
		case OPT_PUBLIC_MEM:
			if (!parse_size(optarg, &o.memory[c == OPT_AGENT_MEM ? DD_ROLE_AGENT
									       : DD_ROLE_PUBLIC_AGENT])) {
				ret = cli_usage_error("create",
						      "Invalid memory size '%s' (e.g. 4g, 512m; at "
						      "least 64m)",
						      optarg);
				goto out;
			}
			break;
		case 'q': quiet = true; break;
		case 'h': usage(stdout); goto out;
		default: ret = cli_bad_option("create"); goto out;
		}
	}
	if (optind < argc) {
		ret = cli_usage_error("create", "Unexpected argument '%s'", argv[optind]);
		goto out;
	}
	if (distro && image) {
		ret = cli_usage_error("create", "--distro and --image exclude each other");
		goto out;
	}
	/* Everything the user typed is checked before anything is made. */
	if (dd_cluster_name_check(o.name, &err) < 0) {
		ret = cli_fail(&err);
		goto out;
	}
	if (!image) {
		if (dd_image_distro_check(distro ? distro : DD_IMAGE_DEFAULT_DISTRO, &err) < 0) {
			ret = cli_fail(&err);
			goto out;
		}
		tag = dd_image_tag(distro ? distro : DD_IMAGE_DEFAULT_DISTRO);
		image = tag;
	}
	o.image = image;
	for (int role = 0; role < DD_ROLE_COUNT; role++) {
		struct mounts *rm = &role_mounts[role];
		/* Global volumes first, then the role's own, as the original tool ordered them. */
		struct mounts merged = {0};
		for (size_t i = 0; i < all_mounts.n; i++)
			mounts_add(&merged, &all_mounts.v[i]);
		for (size_t i = 0; i < rm->n; i++)
			mounts_add(&merged, &rm->v[i]);
		mounts_free(rm);
		*rm = merged;
		o.mounts[role] = rm->v;
		o.n_mounts[role] = rm->n;
	}
	o.ports = ports;
	o.n_ports = n_ports;
	if (dd_create_opts_check(&o, &err) < 0) {
		ret = cli_fail(&err);
		goto out;
	}
	/* [DC/OS install] The DC/OS options need an installer. */
	if (ci.any && !ci.o.installer) {
		ret = cli_usage_error("create", "DC/OS options such as --wait or --extra-config "
						"need --installer PATH");
		goto out;
	}

	ret = cli_connect(&d);
	if (ret)
		goto out;
	cli_trap_signals();
	/* [DC/OS install] The installer is checked before any node exists. */
	if (ci.o.installer) {
		ci.quiet = quiet;
		ci.timeout = o.timeout;
		cli_install_setup(&ci);
		/* genconf will run in the workspace: a path it cannot run in is
		 * refused before any node exists. */
		if (!o.workspace)
			default_ws = dd_cluster_workspace_path(o.name);
		ci.o.workspace = o.workspace ? o.workspace : default_ws;
		ret = cli_install_prepare(d, &ci, &plan);
		if (ret)
			goto out;
	}
	cli_progress_init(&prog, stderr, quiet);
	o.progress = cli_progress_cb;
	o.userdata = &prog;
	snprintf(prog.header, sizeof(prog.header),
		 "Creating cluster '%s': %d master(s), %d agent(s), %d public agent(s)", o.name,
		 o.counts[0], o.counts[1], o.counts[2]);
	double t0 = dd_now();
	if (dd_cluster_create(d, &o, &cluster, &err) < 0) {
		if (dd_cancelled()) {
			fprintf(stderr, "dcos-docker: interrupted; removed everything this run made\n");
			ret = 128 + (dd_cancel_signal() ? dd_cancel_signal() : 2);
		} else
			ret = cli_fail(&err);
		goto out;
	}
	if (!quiet)
		fprintf(stderr, "Cluster '%s' is ready (%.1f s)\n", o.name, dd_now() - t0);
	/* [DC/OS install] The cluster stays when the install fails: its nodes
	 * show what went wrong. */
	if (plan) {
		ret = cli_install_run(d, cluster, &ci, plan);
		if (ret && !dd_cancelled())
			fprintf(stderr, "  note: cluster '%s' was created and is left as it is; remove "
					"it with 'dcos-docker destroy --cluster %s'\n",
				o.name, o.name);
		if (ret)
			goto out;
	}
	for (size_t i = 0; i < cluster->n_nodes; i++) {
		const dd_node *n = &cluster->nodes[i];
		printf("%-13s %-32s %s\n", dd_role_label(n->role), n->name, n->ip);
	}
out:
	for (int role = 0; role < DD_ROLE_COUNT; role++)
		mounts_free(&role_mounts[role]);
	mounts_free(&all_mounts);
	return ret;
}
