/* dcos-docker: DC/OS clusters in Docker containers. The dispatch table, and
 * what every command shares around it: SIGPIPE and the check of the output. */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "commands.h"

struct command {
	const char *verb;
	int (*run)(int argc, char **argv);
	const char *summary;
	/* A closed output pipe ends it, as it ends the local command it stands
	 * for (and the ssh it execs keeps its own SIGPIPE default). Every other
	 * command ignores SIGPIPE: its output is a report on work that must not
	 * stop half-way because a reader went away. */
	bool pipe_ends;
};

static const struct command commands[] = {
    {"create", cmd_create,
     "Create a cluster of systemd nodes (and install DC/OS with --installer)"},
    {"list", cmd_list, "List clusters"},
    {"inspect", cmd_inspect, "Show a cluster's nodes, network, keys and commands as JSON"},
    {"destroy", cmd_destroy, "Remove a cluster: containers, volumes, network, workspace"},
    {"add-node", cmd_add_node, "Add agents or public agents to a cluster (DC/OS too)"},
    {"remove-node", cmd_remove_node, "Remove agents or public agents from a cluster"},
    {"snapshot", cmd_snapshot,
     "Record a whole cluster (nodes, volumes, workspace), or --delete one"},
    {"snapshots", cmd_snapshots, "List snapshots"},
    {"restore", cmd_restore, "Bring a cluster back from a snapshot, running"},
    {"clean", cmd_clean, "Remove what interrupted runs left and unused DC/OS installers"},
    {"run", cmd_run, "Run a command on nodes", true},
    {"shell", cmd_shell, "Open an interactive shell on a node", true},
    {"ssh", cmd_ssh, "SSH into a node with the cluster's key", true},
    {"send-file", cmd_send_file, "Copy a file or directory to nodes"},
    {"download-file", cmd_download_file, "Copy a file or directory from a node"},
    {"export-logs", cmd_export_logs, "Collect journals, console logs and state of every node"},
    {"inventory", cmd_inventory, "Print an Ansible inventory of the cluster"},
    {"install", cmd_install, "Install DC/OS on an existing cluster"},
    {"upgrade", cmd_upgrade, "Upgrade DC/OS on a cluster, masters one at a time"},
    {"sync", cmd_sync, "Copy a DC/OS checkout's tests and bootstrap code to the masters"},
    {"loopback", cmd_loopback, "Create, destroy or list loopback block devices for the agents"},
    {"registry", cmd_registry, "Start a private Docker registry on master1 that every node trusts"},
    {"wait", cmd_wait, "Wait until DC/OS is healthy on every node (postflight)"},
    {"pause", cmd_pause, "Freeze nodes (docker pause)"},
    {"unpause", cmd_unpause, "Resume paused nodes"},
    {"kill", cmd_kill, "SIGKILL nodes, as a power cut"},
    {"stop", cmd_stop, "Shut nodes down cleanly"},
    {"start", cmd_start, "Start stopped nodes and wait until they have booted"},
    {"restart", cmd_restart, "Stop and start nodes"},
    {"partition", cmd_partition, "Cut the network between groups of nodes"},
    {"heal", cmd_heal, "Remove every network cut and delay"},
    {"delay", cmd_delay, "Delay a node's traffic (needs the kernel's sch_netem)"},
    {"web", cmd_web, "Print (or open) the DC/OS web UI address"},
    {"hosts", cmd_hosts, "Name the nodes (m1.dcos, a1.dcos...) in the host's /etc/hosts"},
    {"download-installer", cmd_download_installer,
     "Download the DC/OS installer (resumable, verified)"},
    {"build-image", cmd_build_image, "Build the node image from Debian's mirror"},
    {"doctor", cmd_doctor, "Check the host for what clusters need"},
};

static void usage(FILE *f)
{
	fprintf(f, "Usage: dcos-docker COMMAND [OPTIONS]\n\n"
	           "Runs multi-node DC/OS clusters on one Docker host, one container per node.\n\n"
	           "Commands:\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(f, "  %-19s %s\n", commands[i].verb, commands[i].summary);
	fprintf(f, "\nRun 'dcos-docker COMMAND --help' for a command's options.\n"
	           "Environment: DOCKER_HOST (unix sockets only), DCOS_DOCKER_WORKSPACE_ROOT.\n");
}

/* The reader of fd is gone (a pipe without readers, a closed socket). */
static bool reader_gone(int fd)
{
	struct pollfd p = {.fd = fd, .events = POLLOUT};
	return poll(&p, 1, 0) == 1 && (p.revents & (POLLERR | POLLHUP));
}

/* The exit code once the output is written. A reader that stopped reading
 * (`| head`, `| true`) is not an error: the command did its work, its exit
 * code stands. Output that could not be written otherwise (a full disk) is:
 * exit 1 when the work itself succeeded. */
static int finish_output(int ret)
{
	errno = 0;
	bool bad = fflush(stdout) != 0;
	int e = errno;
	bad = bad || ferror(stdout);
	if (!bad || e == EPIPE || reader_gone(STDOUT_FILENO))
		return ret;
	fprintf(stderr, "dcos-docker: error: cannot write the output: %s\n",
	        e ? strerror(e) : "write error");
	return ret == EXIT_OK ? EXIT_FAILED : ret;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	const char *verb = argv[1];
	if (strcmp(verb, "--help") == 0 || strcmp(verb, "-h") == 0 || strcmp(verb, "help") == 0) {
		usage(stdout);
		return EXIT_OK;
	}
	if (strcmp(verb, "--version") == 0 || strcmp(verb, "version") == 0) {
		printf("dcos-docker %s\n", DD_VERSION);
		return EXIT_OK;
	}
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strcmp(verb, commands[i].verb) == 0) {
			/* Programs we start get the default back (dd_process_exec). */
			if (!commands[i].pipe_ends)
				signal(SIGPIPE, SIG_IGN);
			return finish_output(commands[i].run(argc - 1, argv + 1));
		}
	fprintf(stderr, "dcos-docker: error: unknown command '%s'\n", verb);
	fprintf(stderr, "  hint: run 'dcos-docker --help' for the list of commands\n");
	return EXIT_USAGE;
}
