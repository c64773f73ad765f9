#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "commands.h"
#include "dcos-docker/cancel.h"
#include "dcos-docker/cluster.h"
#include "dcos-docker/create.h"
#include "dcos-docker/image.h"
#include "dcos-docker/specs.h"
#include "install-cli.h" /* [DC/OS install] */
#include "progress.h"
#include "util.h"

static void usage(FILE *f)
{
	fprintf(
	    f,
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
	    "      --storage-driver DRIVER   inner Docker: auto (default: the host's when it\n"
	    "                                is one of these, else overlay2 where the volumes'\n"
	    "                                filesystem takes it, else vfs), overlay2, overlay,\n"
	    "                                aufs, fuse-overlayfs, vfs\n"
	    "  -v, --volume SRC:DST[:ro]     bind a host path into every node (repeatable)\n"
	    "      --master-volume SPEC      ... into masters only\n"
	    "      --agent-volume SPEC       ... into agents only\n"
	    "      --public-agent-volume SPEC ... into public agents only\n"
	    "  -l, --label KEY=VALUE         a Docker label on every node (repeatable; keys\n"
	    "                                under dcos-docker. are the tool's own)\n"
	    "      --master-label KEY=VALUE  ... on masters only (wins over --label)\n"
	    "      --agent-label KEY=VALUE   ... on agents only\n"
	    "      --public-agent-label KEY=VALUE ... on public agents only\n"
	    "  -p, --publish [IP:]HOSTPORT:PORT[/udp]  publish a port of master1 (repeatable)\n"
	    "      --agent-cpus N, --agent-memory SIZE           limit each agent (e.g. 2, 4g)\n"
	    "      --public-agent-cpus N, --public-agent-memory SIZE\n"
	    "      --network NAME            put the nodes on this existing Docker network,\n"
	    "                                with free addresses of its subnet (it is never\n"
	    "                                removed; default: a network of the cluster's own)\n"
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
	OPT_NETWORK,
	OPT_MASTER_LABEL, /* in role order, as the volumes */
	OPT_AGENT_LABEL,
	OPT_PUBLIC_LABEL,
	OPT_WORKSPACE,
	OPT_TIMEOUT,
	OPT_AGENT_CPUS,
	OPT_AGENT_MEM,
	OPT_PUBLIC_CPUS,
	OPT_PUBLIC_MEM,
};

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
	case 'k':
	case 'K':
		mul = 1024LL;
		end++;
		break;
	case 'm':
	case 'M':
		mul = 1024LL * 1024;
		end++;
		break;
	case 'g':
	case 'G':
		mul = 1024LL * 1024 * 1024;
		end++;
		break;
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

/* An option given for every role (--volume, --label) and per role
 * (--master-volume, ...): the specs in the order given, each with its role
 * (-1: every role), then each role's list. One type serves every spec type:
 * specs are `size` bytes each. */
struct role_list {
	size_t size;
	char *specs;
	int *roles;
	size_t n;
	char *per_role[DD_ROLE_COUNT]; /* copies of the specs, sharing what they point to */
	size_t n_per_role[DD_ROLE_COUNT];
};

/* Room for max specs (each option adds at most one). */
static void role_list_init(struct role_list *l, size_t size, size_t max)
{
	*l = (struct role_list){
	    .size = size, .specs = dd_malloc0(max * size), .roles = dd_malloc0(max * sizeof(int))};
}

/* Where the next spec is parsed into; role_list_push keeps it. */
static void *role_list_next(struct role_list *l)
{
	return l->specs + l->n * l->size;
}

static void role_list_push(struct role_list *l, int role)
{
	l->roles[l->n++] = role;
}

static void *role_list_at(const struct role_list *l, size_t i)
{
	return l->specs + i * l->size;
}

/* Each role's list: the global specs first, then the role's own, as the
 * original tool ordered them (a role's label thus wins over a global one). */
static void role_list_merge(struct role_list *l)
{
	for (int role = 0; role < DD_ROLE_COUNT; role++) {
		l->per_role[role] = dd_malloc0((l->n + 1) * l->size);
		for (int own = 0; own < 2; own++)
			for (size_t i = 0; i < l->n; i++)
				if (l->roles[i] == (own ? role : -1))
					memcpy(l->per_role[role] + l->n_per_role[role]++ * l->size,
					       role_list_at(l, i), l->size);
	}
}

/* Frees the lists; the caller clears the specs (role_list_at) first. */
static void role_list_free(struct role_list *l)
{
	free(l->specs);
	free(l->roles);
	for (int role = 0; role < DD_ROLE_COUNT; role++)
		free(l->per_role[role]);
}

/* Everything `create` was told, and what it derives before making anything. */
struct create_args {
	dd_create_opts o;
	const char *distro, *image;
	struct role_list volumes; /* dd_mount_spec: --volume, --ROLE-volume */
	struct role_list labels;  /* dd_label_spec: --label, --ROLE-label */
	dd_port_spec ports[64];
	size_t n_ports;
	bool quiet;
	char *tag;        /* the built image's, unless --image */
	char *workspace;  /* --workspace made absolute */
	char *default_ws; /* [DC/OS install] the workspace genconf will run in */
	cli_install ci;   /* [DC/OS install] */
};

static void create_args_clear(struct create_args *a)
{
	for (size_t i = 0; i < a->volumes.n; i++)
		dd_mount_spec_clear(role_list_at(&a->volumes, i));
	role_list_free(&a->volumes);
	for (size_t i = 0; i < a->labels.n; i++)
		dd_label_spec_clear(role_list_at(&a->labels, i));
	role_list_free(&a->labels);
	free(a->tag);
	free(a->workspace);
	free(a->default_ws);
}

/* One option of create's own: 0, or the exit code after printing the error. */
static int create_option(struct create_args *a, int c, const char *arg)
{
	dd_create_opts *o = &a->o;
	dd_error err = {0};
	long v;
	/* [DC/OS install] */
	int handled = cli_install_option(&a->ci, c, arg, "create");
	if (handled)
		return handled < 0 ? -handled : 0;
	switch (c) {
	case CLI_OPT_INSTALLER: a->ci.o.installer = arg; break;
	case OPT_MASTERS:
	case OPT_AGENTS:
	case OPT_PUBLIC_AGENTS:
		if (!cli_parse_int(arg, 0, 1000, &v))
			return cli_option_error("create", "invalid number '%s' for %s", arg,
			                        cli_optname());
		o->counts[c - OPT_MASTERS] = (int)v;
		break;
	case OPT_DISTRO: a->distro = arg; break;
	case OPT_IMAGE: a->image = arg; break;
	case OPT_STORAGE: o->storage_driver = arg; break;
	case 'v':
	case OPT_MASTER_VOL:
	case OPT_AGENT_VOL:
	case OPT_PUBLIC_VOL:
		if (dd_mount_spec_parse(arg, role_list_next(&a->volumes), &err) < 0)
			return cli_fail(&err);
		role_list_push(&a->volumes, c == 'v' ? -1 : c - OPT_MASTER_VOL);
		break;
	case 'l':
	case OPT_MASTER_LABEL:
	case OPT_AGENT_LABEL:
	case OPT_PUBLIC_LABEL:
		if (dd_label_spec_parse(arg, role_list_next(&a->labels), &err) < 0)
			return cli_fail(&err);
		role_list_push(&a->labels, c == 'l' ? -1 : c - OPT_MASTER_LABEL);
		break;
	case 'p':
		if (a->n_ports == ELEMENTSOF(a->ports))
			return cli_usage_error("create", "Too many --publish options");
		if (dd_port_spec_parse(arg, &a->ports[a->n_ports], &err) < 0)
			return cli_fail(&err);
		a->n_ports++;
		break;
	case OPT_WORKSPACE: o->workspace = arg; break;
	case OPT_NETWORK: o->network = arg; break;
	case OPT_TIMEOUT:
		if (!cli_parse_int(arg, 1, 86400, &v))
			return cli_option_error("create", "invalid number '%s' for %s (seconds)",
			                        arg, cli_optname());
		o->timeout = (double)v;
		break;
	case OPT_AGENT_CPUS:
	case OPT_PUBLIC_CPUS:
		if (!parse_cpus(
		        arg, &o->cpus[c == OPT_AGENT_CPUS ? DD_ROLE_AGENT : DD_ROLE_PUBLIC_AGENT]))
			return cli_option_error("create", "invalid CPU count '%s' for %s", arg,
			                        cli_optname());
		break;
	case OPT_AGENT_MEM:
	case OPT_PUBLIC_MEM:
		if (!parse_size(
		        arg, &o->memory[c == OPT_AGENT_MEM ? DD_ROLE_AGENT : DD_ROLE_PUBLIC_AGENT]))
			return cli_option_error(
			    "create",
			    "invalid memory size '%s' for %s (e.g. 4g, 512m; at least 64m)", arg,
			    cli_optname());
		break;
	case 'q': a->quiet = true; break;
	}
	return 0;
}

/* Everything the user typed is checked before anything is made: 0, or the
 * exit code after printing the error. Fills in the image and the mounts. */
static int create_check(struct create_args *a)
{
	dd_create_opts *o = &a->o;
	dd_error err = {0};
	if (a->distro && a->image)
		return cli_usage_error("create", "--distro and --image exclude each other");
	if (dd_cluster_name_check(o->name, &err) < 0)
		return cli_fail(&err);
	o->image = a->image;
	if (!a->image) {
		const char *distro = a->distro ? a->distro : DD_IMAGE_DEFAULT_DISTRO;
		if (dd_image_distro_check(distro, &err) < 0)
			return cli_fail(&err);
		o->image = a->tag = dd_image_tag(distro);
	}
	role_list_merge(&a->volumes);
	role_list_merge(&a->labels);
	for (int role = 0; role < DD_ROLE_COUNT; role++) {
		o->mounts[role] = (const dd_mount_spec *)a->volumes.per_role[role];
		o->n_mounts[role] = a->volumes.n_per_role[role];
		o->labels[role] = (const dd_label_spec *)a->labels.per_role[role];
		o->n_labels[role] = a->labels.n_per_role[role];
	}
	o->ports = a->ports;
	o->n_ports = a->n_ports;
	/* Relative to here, as volume sources are; the same path for genconf. */
	if (o->workspace) {
		a->workspace = dd_path_absolute(o->workspace);
		if (!a->workspace)
			return cli_usage_error("create", "Cannot resolve the workspace '%s'",
			                       o->workspace);
		o->workspace = a->workspace;
	}
	if (dd_create_opts_check(o, &err) < 0)
		return cli_fail(&err);
	/* [DC/OS install] The DC/OS options need an installer. */
	if (a->ci.any && !a->ci.o.installer)
		return cli_usage_error("create", "DC/OS options such as --wait or --extra-config "
		                                 "need --installer PATH");
	return 0;
}

/* [DC/OS install] The installer is checked before any node exists. */
static int create_install_prepare(struct create_args *a, dd_docker *d, dd_install_plan **ret)
{
	a->ci.quiet = a->quiet;
	a->ci.timeout = a->o.timeout;
	cli_install_setup(&a->ci);
	/* genconf will run in the workspace: a path it cannot run in is refused
	 * before any node exists. */
	if (!a->o.workspace)
		a->default_ws = dd_cluster_workspace_path(a->o.name);
	a->ci.o.workspace = a->o.workspace ? a->o.workspace : a->default_ws;
	return cli_install_prepare(d, &a->ci, ret);
}

int cmd_create(int argc, char **argv)
{
	static const struct option longopts[] = {
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
	    {"label", required_argument, NULL, 'l'},
	    {"master-label", required_argument, NULL, OPT_MASTER_LABEL},
	    {"agent-label", required_argument, NULL, OPT_AGENT_LABEL},
	    {"public-agent-label", required_argument, NULL, OPT_PUBLIC_LABEL},
	    {"publish", required_argument, NULL, 'p'},
	    {"workspace", required_argument, NULL, OPT_WORKSPACE},
	    {"network", required_argument, NULL, OPT_NETWORK},
	    {"timeout", required_argument, NULL, OPT_TIMEOUT},
	    {"agent-cpus", required_argument, NULL, OPT_AGENT_CPUS},
	    {"agent-memory", required_argument, NULL, OPT_AGENT_MEM},
	    {"public-agent-cpus", required_argument, NULL, OPT_PUBLIC_CPUS},
	    {"public-agent-memory", required_argument, NULL, OPT_PUBLIC_MEM},
	    {"quiet", no_argument, NULL, 'q'},
	    /* [DC/OS install] */
	    {"installer", required_argument, NULL, CLI_OPT_INSTALLER},
	    CLI_INSTALL_LONGOPTS,
	    {0}};
	_cleanup_(cli_cmd_clear) cli_cmd cmd = {.verb = "create",
	                                        .usage = usage,
	                                        .cluster_opt = true,
	                                        .shortopts = "v:l:p:q",
	                                        .longopts = longopts};
	_cleanup_(create_args_clear) struct create_args a = {.o.counts = {1, 1, 1}};
	role_list_init(&a.volumes, sizeof(dd_mount_spec), (size_t)argc);
	role_list_init(&a.labels, sizeof(dd_label_spec), (size_t)argc);
	int c, ret;

	/* Parse and check. */
	while ((c = cli_getopt(&cmd, argc, argv)) > 0)
		if ((ret = create_option(&a, c, optarg)))
			return ret;
	if (c == CLI_EXIT)
		return cmd.exit;
	a.o.name = cmd.name;
	if ((ret = create_check(&a)))
		return ret;

	/* Connect; with --installer, check the installer. */
	if (!cli_open(&cmd, CLI_NO_NAME | CLI_NO_LOAD))
		return cmd.exit;
	cli_trap_signals();
	_cleanup_(dd_install_plan_freep) dd_install_plan *plan = NULL;
	if (a.ci.o.installer && (ret = create_install_prepare(&a, cmd.d, &plan)))
		return ret;

	/* Create the nodes. */
	cli_progress prog;
	cli_progress_init(&prog, stderr, a.quiet);
	a.o.on_event = cli_progress_cb;
	a.o.userdata = &prog;
	snprintf(prog.header, sizeof(prog.header),
	         "Creating cluster '%s': %d master(s), %d agent(s), %d public agent(s)", a.o.name,
	         a.o.counts[0], a.o.counts[1], a.o.counts[2]);
	double t0 = dd_now();
	dd_error err = {0};
	if (dd_cluster_create(cmd.d, &a.o, &cmd.cluster, &err) < 0) {
		if (!dd_cancelled())
			return cli_fail(&err);
		fprintf(stderr, "dcos-docker: interrupted; removed everything this run made\n");
		return cli_signal_exit();
	}
	if (!a.quiet)
		fprintf(stderr, "Cluster '%s' is ready (%.1f s)\n", a.o.name, dd_now() - t0);

	/* [DC/OS install] The cluster stays when the install fails: its nodes
	 * show what went wrong. */
	if (plan && (ret = cli_install_run(cmd.d, cmd.cluster, &a.ci, plan))) {
		if (!dd_cancelled())
			fprintf(stderr,
			        "  note: cluster '%s' was created and is left as it is; remove "
			        "it with 'dcos-docker destroy --cluster %s'\n",
			        a.o.name, a.o.name);
		return ret;
	}

	/* Report. */
	for (size_t i = 0; i < cmd.cluster->n_nodes; i++) {
		const dd_node *n = &cmd.cluster->nodes[i];
		printf("%-13s %-32s %s\n", dd_role_label(n->role), n->name, n->ip);
	}
	return EXIT_OK;
}
