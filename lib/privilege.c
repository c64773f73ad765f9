#define _GNU_SOURCE
#include "privilege-internal.h"

#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "docker/docker-internal.h"
#include "docker/objects.h"
#include "util.h"

static const char *const cap_names[] = {
    "CAP_CHOWN",
    "CAP_DAC_OVERRIDE",
    "CAP_DAC_READ_SEARCH",
    "CAP_FOWNER",
    "CAP_FSETID",
    "CAP_KILL",
    "CAP_SETGID",
    "CAP_SETUID",
    "CAP_SETPCAP",
    "CAP_LINUX_IMMUTABLE",
    "CAP_NET_BIND_SERVICE",
    "CAP_NET_BROADCAST",
    "CAP_NET_ADMIN",
    "CAP_NET_RAW",
    "CAP_IPC_LOCK",
    "CAP_IPC_OWNER",
    "CAP_SYS_MODULE",
    "CAP_SYS_RAWIO",
    "CAP_SYS_CHROOT",
    "CAP_SYS_PTRACE",
    "CAP_SYS_PACCT",
    "CAP_SYS_ADMIN",
    "CAP_SYS_BOOT",
    "CAP_SYS_NICE",
    "CAP_SYS_RESOURCE",
    "CAP_SYS_TIME",
    "CAP_SYS_TTY_CONFIG",
    "CAP_MKNOD",
    "CAP_LEASE",
    "CAP_AUDIT_WRITE",
    "CAP_AUDIT_CONTROL",
    "CAP_SETFCAP",
    "CAP_MAC_OVERRIDE",
    "CAP_MAC_ADMIN",
    "CAP_SYSLOG",
    "CAP_WAKE_ALARM",
    "CAP_BLOCK_SUSPEND",
    "CAP_AUDIT_READ",
    "CAP_PERFMON",
    "CAP_BPF",
    "CAP_CHECKPOINT_RESTORE",
};

const char *dd_capability_name(int cap)
{
	if (cap < 0 || (size_t)cap >= ELEMENTSOF(cap_names))
		return NULL;
	return cap_names[cap];
}

char **dd_capabilities_missing(uint64_t bounding, int last_cap)
{
	char **v = dd_malloc0(65 * sizeof(char *));
	size_t n = 0;
	for (int c = 0; c <= last_cap && c < 64; c++) {
		const char *name = dd_capability_name(c);
		if (name && !(bounding & (UINT64_C(1) << c)))
			v[n++] = dd_strdup(name);
	}
	return v;
}

int dd_capabilities_parse_status(const char *status, uint64_t *ret)
{
	const char *p = strstr(status, "\nCapBnd:");
	if (!p)
		return -ENOENT;
	p += strlen("\nCapBnd:");
	char *end = NULL;
	errno = 0;
	unsigned long long v = strtoull(p, &end, 16);
	if (errno || end == p || (*end != '\n' && *end != '\0'))
		return -EINVAL;
	*ret = v;
	return 0;
}

static bool comm_is(pid_t pid, const char *name)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/comm", (int)pid);
	_cleanup_free_ char *comm = NULL;
	if (dd_read_file(path, 256, &comm, NULL) < 0)
		return false;
	comm[strcspn(comm, "\n")] = '\0';
	return strcmp(comm, name) == 0;
}

static int read_bounding(pid_t pid, uint64_t *ret)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	_cleanup_free_ char *status = NULL;
	int r = dd_read_file(path, 64 * 1024, &status, NULL);
	if (r < 0)
		return r;
	return dd_capabilities_parse_status(status, ret);
}

static pid_t parent_of(pid_t pid)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	_cleanup_free_ char *status = NULL;
	if (dd_read_file(path, 64 * 1024, &status, NULL) < 0)
		return -1;
	const char *p = strstr(status, "\nPPid:");
	return p ? (pid_t)atoi(p + strlen("\nPPid:")) : -1;
}

/* Pids of the processes called name whose parent is ppid; at most max. Only
 * children of a given parent: the host's /proc also shows the inner dockerd
 * and containerd of every running node (and of any other Docker-in-Docker
 * container), with bounding sets of their own. */
static size_t find_children(const char *name, pid_t ppid, pid_t *pids, size_t max)
{
	DIR *dir = opendir("/proc");
	if (!dir)
		return 0;
	size_t n = 0;
	struct dirent *e;
	while ((e = readdir(dir)) && n < max) {
		char *end = NULL;
		long pid = strtol(e->d_name, &end, 10);
		if (*end || pid <= 0)
			continue;
		if (comm_is((pid_t)pid, name) && parent_of((pid_t)pid) == ppid)
			pids[n++] = (pid_t)pid;
	}
	closedir(dir);
	return n;
}

static pid_t socket_peer(const char *path)
{
	_cleanup_close_ int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return 0;
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	if (strlen(path) >= sizeof(sa.sun_path))
		return 0;
	strcpy(sa.sun_path, path);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return 0;
	struct ucred cred;
	socklen_t len = sizeof(cred);
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0)
		return 0;
	/* 0 when the daemon lives in another pid namespace. */
	return cred.pid;
}

/* Whether --privileged (and CapAdd ALL) would ask for a capability the
 * daemon lacks. Not when the daemon does not know it (distribution builds of
 * Docker lag behind the kernel: Debian's 20.10 does not know CAP_PERFMON,
 * CAP_BPF or CAP_CHECKPOINT_RESTORE): "invalid CapDrop: unknown capability".
 * Nor since Docker 23, which limits both to the capabilities of its own
 * environment (moby/moby#42933): it then refuses to drop one it lacks, "not
 * available in the current environment" (found on Docker 26 in the VM tests,
 * where our CapDrop made every create fail). Asked with a create of an image
 * that cannot exist: the daemon validates the capabilities first, then fails
 * on the image; nothing is created. When unsure, the capability counts. */
static bool daemon_would_request(dd_docker *d, const char *cap)
{
	_cleanup_json_ json_t *body =
	    json_pack("{s:s, s:{s:[s]}}", "Image", "dcos-docker-capability-probe.invalid:none",
	              "HostConfig", "CapDrop", cap);
	char id[72];
	dd_error e = {0};
	if (dd_container_create(d, NULL, body, id, sizeof(id), &e) == 0) {
		/* Cannot happen (no such image); if it did, leave nothing behind. */
		dd_container_remove(d, id, DD_RM_FORCE, &e);
		return true;
	}
	return !strstr(e.msg, "unknown capability") &&
	       !strstr(e.msg, "not available in the current environment");
}

int dd_privilege_probe(dd_docker *d, dd_privilege_info *ret, dd_error *err)
{
	(void)err;
	dd_privilege_info info = {0};
	_cleanup_free_ char *last = NULL;
	info.cap_last_cap = 40;
	if (dd_read_file("/proc/sys/kernel/cap_last_cap", 64, &last, NULL) == 0)
		info.cap_last_cap = atoi(last);

	pid_t pid = socket_peer(dd_docker_socket_path(d));
	if (pid > 0 && !comm_is(pid, "dockerd")) {
		/* The socket's owner is a socket-activating service manager: the
		 * daemon is its one child called dockerd. */
		pid_t pids[2];
		pid = find_children("dockerd", pid, pids, 2) == 1 ? pids[0] : 0;
	}
	uint64_t bnd = 0;
	if (pid > 0 && read_bounding(pid, &bnd) == 0) {
		/* runc is started by containerd's shims: containerd's set counts
		 * too, be it dockerd's child or a service of its own. */
		pid_t cpids[4];
		size_t nc = find_children("containerd", pid, cpids, ELEMENTSOF(cpids));
		if (nc == 0)
			nc = find_children("containerd", 1, cpids, ELEMENTSOF(cpids));
		for (size_t i = 0; i < nc; i++) {
			uint64_t cb = 0;
			if (read_bounding(cpids[i], &cb) == 0)
				bnd &= cb;
		}
		info.known = true;
		info.daemon_pid = pid;
		info.bounding = bnd;
		info.missing = dd_capabilities_missing(bnd, info.cap_last_cap);
		size_t k = 0;
		for (size_t i = 0; info.missing[i]; i++) {
			if (daemon_would_request(d, info.missing[i]))
				info.missing[k++] = info.missing[i];
			else
				free(info.missing[i]);
		}
		info.missing[k] = NULL;
	} else
		info.missing = dd_malloc0(sizeof(char *));
	*ret = info;
	return 0;
}

void dd_privilege_info_clear(dd_privilege_info *info)
{
	strvfreep(&info->missing);
	info->missing = NULL;
}

int dd_privilege_detect(dd_docker *d, bool *ret_privileged_works, char ***ret_missing_caps,
                        dd_error *err)
{
	dd_privilege_info info;
	int r = dd_privilege_probe(d, &info, err);
	if (r < 0)
		return r;
	*ret_privileged_works = !info.known || !info.missing[0];
	*ret_missing_caps = info.missing;
	return 0;
}
