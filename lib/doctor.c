/* dcos-docker doctor: host checks as structured results. */
#define _GNU_SOURCE
#include "dcos-docker/doctor.h"
#include "dcos-docker/snapshot.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>

#include "cluster-internal.h"
#include "create-internal.h"
#include "dcos-docker/cluster.h"
#include "dcos-docker/fault.h"
#include "dcos-docker/image.h"
#include "docker/docker-internal.h"
#include "docker/objects.h"
#include "doctor-internal.h"
#include "image/image-internal.h"
#include "inotify-internal.h"
#include "kmod-internal.h"
#include "privilege-internal.h"
#include "process-internal.h"
#include "util.h"

#define GB                  1000000000ull
#define GIB                 (1ull << 30)
#define DOCKER_DISK_WARN    (10 * GB)
#define WORKSPACE_DISK_WARN (5 * GB)
#define MEMORY_WARN         (8 * GIB)
#define CLOCK_SKEW_WARN     5.0
/* The installer's `docker version` has no limit; ours does, so doctor and
 * install cannot hang on a daemon that never answers. */
#define DOCKER_CLI_TIMEOUT_MS 30000
#define SYSTEMCTL_TIMEOUT_MS  5000

const char *dd_check_status_name(enum dd_check_status s)
{
	switch (s) {
	case DD_CHECK_OK: return "ok";
	case DD_CHECK_WARN: return "warn";
	case DD_CHECK_FAIL: return "fail";
	case DD_CHECK_SKIP: return "skip";
	}
	return "?";
}

int dd_api_version_cmp(const char *a, const char *b)
{
	for (;;) {
		char *ea = NULL, *eb = NULL;
		long x = strtol(a, &ea, 10), y = strtol(b, &eb, 10);
		if (x != y)
			return x < y ? -1 : 1;
		bool more_a = *ea == '.', more_b = *eb == '.';
		if (!more_a && !more_b)
			return 0;
		/* A missing component counts as 0: "1.41" == "1.41.0". */
		a = more_a ? ea + 1 : ea;
		b = more_b ? eb + 1 : eb;
	}
}

/* ---- collecting results ---- */

struct report {
	dd_check *v;
	size_t n, cap;
};

static dd_check *add(struct report *rep, const char *id, const char *title, enum dd_check_status st,
                     const char *fmt, ...) __attribute__((format(printf, 5, 6)));
static dd_check *add(struct report *rep, const char *id, const char *title, enum dd_check_status st,
                     const char *fmt, ...)
{
	if (rep->n == rep->cap) {
		rep->cap = rep->cap ? rep->cap * 2 : 16;
		rep->v = realloc(rep->v, rep->cap * sizeof(dd_check));
		if (!rep->v)
			abort();
	}
	dd_check *c = &rep->v[rep->n++];
	memset(c, 0, sizeof(*c));
	c->id = id;
	c->title = title;
	c->status = st;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(c->message, sizeof(c->message), fmt, ap);
	va_end(ap);
	return c;
}

static void fix(dd_check *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void fix(dd_check *c, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(c->fix, sizeof(c->fix), fmt, ap);
	va_end(ap);
}

static double gb(unsigned long long bytes)
{
	return (double)bytes / (double)GB;
}

/* Free bytes for the filesystem of path, or of its closest existing ancestor. */
static int free_space(const char *path, unsigned long long *ret, char **ret_where)
{
	_cleanup_free_ char *p = dd_strdup(path);
	for (;;) {
		struct statvfs v;
		if (statvfs(p, &v) == 0) {
			*ret = (unsigned long long)v.f_bavail * v.f_frsize;
			*ret_where = TAKE_PTR(p);
			return 0;
		}
		char *slash = strrchr(p, '/');
		if (!slash || slash == p)
			return -ENOENT;
		*slash = '\0';
	}
}

/* ---- the docker CLI (DC/OS's installer needs it) ---- */

/* Where prog is on $PATH, as posix_spawnp (and the installer's shell) finds it. */
/* The last non-empty line of a program's output, cut to fit. */
static void last_line(const char *out, char *buf, size_t size)
{
	buf[0] = '\0';
	const char *end = out + strlen(out);
	while (end > out && (end[-1] == '\n' || end[-1] == '\r' || end[-1] == ' '))
		end--;
	const char *start = end;
	while (start > out && start[-1] != '\n')
		start--;
	snprintf(buf, size, "%.*s", (int)(end - start), start);
}

/* " Version:           28.2.2" under "Client:" (the first one). */
static void client_version(const char *out, char *buf, size_t size)
{
	buf[0] = '\0';
	const char *v = strstr(out, "Version:");
	if (!v)
		return;
	v += strlen("Version:");
	v += strspn(v, " \t");
	snprintf(buf, size, "%.*s", (int)strcspn(v, "\r\n"), v);
}

/* 0 with the CLI's path and version, or a usage error saying what is wrong. */
static int docker_cli_probe(char *path, size_t path_size, char *version, size_t version_size,
                            dd_error *err)
{
	if (!dd_path_lookup("docker", path, path_size)) {
		dd_error_usage(err, -ENOENT,
		               "The docker command is not on PATH: DC/OS's installer runs 'docker "
		               "version' first and aborts without it");
		return dd_error_hint(err, "Install docker.io (the client: apt-get install "
		                          "docker.io), or put the docker command on PATH.");
	}
	/* By name, as the installer calls it: the same lookup, our environment
	 * (DOCKER_HOST, DOCKER_CONTEXT, DOCKER_CONFIG as they are). */
	const char *argv[] = {"docker", "version", NULL};
	_cleanup_free_ char *out = NULL;
	int status = 0;
	dd_error e = {0};
	int r = dd_process_run_timeout(argv, NULL, DOCKER_CLI_TIMEOUT_MS, 16384, &out, &status, &e);
	if (r < 0) {
		dd_error_usage(err, r,
		               "'%s version' does not answer, so DC/OS's installer would "
		               "abort (\"docker should be installed and running\"): %s",
		               path, e.msg);
		return dd_error_hint(err, "Make 'docker version' answer for this user: a "
		                          "running daemon, DOCKER_HOST pointing at it, access "
		                          "to its socket.");
	}
	if (status != 0) {
		char line[400];
		last_line(out, line, sizeof(line));
		dd_error_usage(err, -EIO,
		               "'%s version' fails (exit %d), so DC/OS's installer would abort "
		               "(\"docker should be installed and running\")%s%s",
		               path, status, line[0] ? ": " : "", line);
		return dd_error_hint(err, "Make 'docker version' answer for this user: a "
		                          "running daemon, DOCKER_HOST pointing at it, access "
		                          "to its socket (the docker group).");
	}
	client_version(out, version, version_size);
	return 0;
}

int dd_host_docker_cli_check(dd_error *err)
{
	char path[4096], version[64];
	return docker_cli_probe(path, sizeof(path), version, sizeof(version), err);
}

/* ---- cgroup v2: nodes work, DC/OS cannot ---- */

void dd_cgroup_v1_boot_hint(int v, char *buf, size_t size)
{
	if (v >= 258)
		snprintf(buf, size,
		         "This host's systemd %d cannot run cgroup v1 at all: run DC/OS in a "
		         "VM whose systemd is 257 or older, booted with "
		         "systemd.unified_cgroup_hierarchy=0 (256 and 257 also need "
		         "SYSTEMD_CGROUP_ENABLE_LEGACY_FORCE=1).",
		         v);
	else if (v >= 256)
		snprintf(buf, size,
		         "Boot the host with cgroup v1: add "
		         "systemd.unified_cgroup_hierarchy=0 "
		         "SYSTEMD_CGROUP_ENABLE_LEGACY_FORCE=1 to the kernel command line "
		         "(systemd %d refuses cgroup v1 without the second; GRUB_CMDLINE_LINUX "
		         "in /etc/default/grub, update-grub) and reboot.",
		         v);
	else if (v > 0)
		snprintf(buf, size,
		         "Boot the host with cgroup v1: add "
		         "systemd.unified_cgroup_hierarchy=0 to the kernel command line "
		         "(systemd %d; GRUB_CMDLINE_LINUX in /etc/default/grub, update-grub) "
		         "and reboot.",
		         v);
	else
		snprintf(buf, size,
		         "Boot the host with cgroup v1: systemd.unified_cgroup_hierarchy=0 on the "
		         "kernel command line; systemd 256 and 257 also need "
		         "SYSTEMD_CGROUP_ENABLE_LEGACY_FORCE=1; systemd 258 and later cannot run "
		         "cgroup v1 at all: use a VM.");
}

/* "systemd 252 (252.38-1~deb12u1)" -> 252 */
static int parse_systemd_version(const char *out)
{
	const char *p = strstr(out, "systemd ");
	if (!p)
		return 0;
	long v = strtol(p + strlen("systemd "), NULL, 10);
	return v > 0 && v < 100000 ? (int)v : 0;
}

/* The version of the systemd that booted this machine: -1 when PID 1 is not
 * systemd, 0 when unknown. /proc/1/exe is readable only by root, so the
 * installed binaries are asked; they are what booted unless systemd was
 * upgraded since (then the next boot is what matters anyway). */
static int host_systemd_version(void)
{
	_cleanup_free_ char *comm = NULL;
	if (dd_read_file("/proc/1/comm", 64, &comm, NULL) < 0)
		return 0;
	comm[strcspn(comm, "\n")] = '\0';
	if (strcmp(comm, "systemd") != 0)
		return -1;
	static const char *const progs[] = {"systemctl", "/usr/lib/systemd/systemd",
	                                    "/lib/systemd/systemd"};
	for (size_t i = 0; i < ELEMENTSOF(progs); i++) {
		char path[4096];
		if (progs[i][0] != '/' ? !dd_path_lookup(progs[i], path, sizeof(path))
		                       : access(progs[i], X_OK) != 0)
			continue;
		const char *argv[] = {progs[i], "--version", NULL};
		_cleanup_free_ char *out = NULL;
		int status = 0;
		if (dd_process_run_timeout(argv, NULL, SYSTEMCTL_TIMEOUT_MS, 4096, &out, &status,
		                           NULL) == 0 &&
		    status == 0) {
			int v = parse_systemd_version(out);
			if (v > 0)
				return v;
		}
	}
	return 0;
}

/* From `docker info`: whether it is cgroup v2, and the hint. The systemd
 * asked about must be the one under the daemon: only when the daemon reports
 * this machine's kernel is this machine's systemd the right one. */
static bool info_cgroup_v2(json_t *info, char *hint, size_t size)
{
	const char *cgv = json_string_value(json_object_get(info, "CgroupVersion"));
	hint[0] = '\0';
	if (!cgv || strcmp(cgv, "2") != 0)
		return false;
	const char *kernel = json_string_value(json_object_get(info, "KernelVersion"));
	struct utsname u;
	uname(&u);
	if (kernel && strcmp(kernel, u.release) != 0) {
		char generic[400];
		dd_cgroup_v1_boot_hint(0, generic, sizeof(generic));
		snprintf(hint, size, "%s (On the machine that runs the Docker daemon, kernel %s.)",
		         generic, kernel);
	} else
		dd_cgroup_v1_boot_hint(host_systemd_version(), hint, size);
	return true;
}

int dd_host_cgroup_v2(dd_docker *d, bool *ret_v2, char *hint, size_t hint_size, dd_error *err)
{
	_cleanup_json_ json_t *info = NULL;
	int r = dd_docker_info(d, &info, err);
	if (r < 0)
		return dd_error_prefix(err, "Failed to read the daemon's cgroup version: ");
	char buf[512];
	bool v2 = info_cgroup_v2(info, buf, sizeof(buf));
	if (hint && hint_size)
		snprintf(hint, hint_size, "%s", buf);
	*ret_v2 = v2;
	return 0;
}

/* ---- kernel modules DC/OS needs ---- */

static char kmod_ids[64][40], kmod_titles[64][48];
static pthread_once_t kmod_names_once = PTHREAD_ONCE_INIT;

/* Check ids and titles live as long as the program, like the other checks' literals. */
static void kmod_names_init(void)
{
	size_t n = 0;
	const dd_kmod *t = dd_kmod_table(&n);
	for (size_t i = 0; i < n && i < ELEMENTSOF(kmod_ids); i++) {
		snprintf(kmod_ids[i], sizeof(kmod_ids[i]), "kmod-%s", t[i].name);
		snprintf(kmod_titles[i], sizeof(kmod_titles[i]), "kernel module %s", t[i].name);
	}
}

static void check_kmods(struct report *rep)
{
	pthread_once(&kmod_names_once, kmod_names_init);
	size_t n = 0;
	const dd_kmod *t = dd_kmod_table(&n);
	_cleanup_free_ dd_kmod_status *v = NULL;
	if (dd_kmod_detect(NULL, NULL, NULL, &v, &n, NULL) < 0)
		return;
	for (size_t i = 0; i < n && i < ELEMENTSOF(kmod_ids); i++) {
		const dd_kmod *m = v[i].mod;
		const char *name = v[i].found_as ? v[i].found_as : m->name;
		const char *id = kmod_ids[m - t], *title = kmod_titles[m - t];
		dd_check *c = NULL;
		switch (v[i].state) {
		case DD_KMOD_LOADED:
		case DD_KMOD_BUILTIN:
			c = add(rep, id, title, DD_CHECK_OK, "%s, for %s", v[i].detail,
			        m->needed_by);
			break;
		case DD_KMOD_LOADABLE:
			/* The kernel loads some modules on first use, even for a node,
			 * but the node's own modprobe loads nothing: load it here. */
			c = add(rep, id, title, m->required ? DD_CHECK_WARN : DD_CHECK_OK,
			        "%s; a node cannot load it, and %s needs it", v[i].detail,
			        m->needed_by);
			fix(c,
			    "sudo modprobe %s; to load it at every boot: echo %s | sudo tee -a "
			    "/etc/modules-load.d/dcos.conf",
			    name, name);
			break;
		case DD_KMOD_MISSING:
			if (m->required) {
				c = add(rep, id, title, DD_CHECK_FAIL, "%s: %s; used by %s",
				        v[i].detail, m->without, m->needed_by);
				fix(c,
				    "Use a host or VM whose kernel has %s (=y or =m); nodes "
				    "without DC/OS do not need it",
				    m->config);
			} else {
				c = add(rep, id, title, DD_CHECK_WARN, "%s: %s", v[i].detail,
				        m->without);
				fix(c, "Only if you need that: a host or VM whose kernel has %s",
				    m->config);
			}
			break;
		case DD_KMOD_UNKNOWN:
			c = add(rep, id, title, m->required ? DD_CHECK_WARN : DD_CHECK_SKIP,
			        "%s; %s needs it", v[i].detail, m->needed_by);
			fix(c,
			    "sudo modprobe %s (if that fails, the kernel lacks %s or its "
			    "modules package is not installed)",
			    name, m->config);
			break;
		}
		c->kmod = m;
		c->kmod_state = v[i].state;
	}
}

/* RFC 3339 with optional fraction and zone ("2026-11-21T05:21:01.36382099Z"). */
static int parse_time(const char *s, double *ret)
{
	struct tm tm = {0};
	const char *p = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);
	if (!p)
		return -EINVAL;
	double frac = 0;
	if (*p == '.') {
		char *end = NULL;
		frac = strtod(p, &end);
		p = end;
	}
	long off = 0;
	if (*p == '+' || *p == '-') {
		int hh = 0, mm = 0;
		if (sscanf(p + 1, "%d:%d", &hh, &mm) != 2)
			return -EINVAL;
		off = (hh * 3600L + mm * 60L) * (*p == '-' ? -1 : 1);
	} else if (*p != 'Z')
		return -EINVAL;
	*ret = (double)timegm(&tm) - (double)off + frac;
	return 0;
}

static void check_daemon_facts(struct report *rep, dd_docker *d, json_t *info)
{
	dd_check *c;
	/* Storage driver: what create's auto picks for the nodes' inner Docker. */
	const char *driver = json_string_value(json_object_get(info, "Driver"));
	const char *backing = dd_daemon_backing_fs(info);
	dd_error e = {0};
	struct dd_storage_choice choice;
	dd_storage_driver_auto(driver, backing, &choice);
	if (!choice.slow)
		add(rep, "storage-driver", "storage driver", DD_CHECK_OK,
		    "the nodes' Docker uses %s (the host's driver: %s)", choice.driver,
		    driver ? driver : "unknown");
	else {
		c = add(rep, "storage-driver", "storage driver", DD_CHECK_WARN,
		        "the nodes' Docker falls back to vfs (slow, large): the host uses '%s' on "
		        "'%s'",
		        driver ? driver : "unknown", backing ? backing : "an unknown filesystem");
		fix(c, "Put Docker's root directory on ext4 or xfs, or try --storage-driver "
		       "overlay2 with create");
	}

	/* Disk: every node's /var/lib/docker and DC/OS packages live there. */
	const char *root = json_string_value(json_object_get(info, "DockerRootDir"));
	struct statvfs v;
	if (root && statvfs(root, &v) == 0) {
		unsigned long long avail = (unsigned long long)v.f_bavail * v.f_frsize;
		if (avail < DOCKER_DISK_WARN) {
			c = add(rep, "docker-disk", "Docker disk space", DD_CHECK_WARN,
			        "%.1f GB free in %s; a DC/OS cluster needs about 10 GB", gb(avail),
			        root);
			fix(c, "Free space: 'docker system prune', 'docker volume prune'");
		} else
			add(rep, "docker-disk", "Docker disk space", DD_CHECK_OK,
			    "%.0f GB free in %s", gb(avail), root);
	} else
		add(rep, "docker-disk", "Docker disk space", DD_CHECK_SKIP,
		    "the daemon's root directory %s is not visible from here",
		    root ? root : "(unknown)");

	/* Memory. */
	json_int_t mem = json_integer_value(json_object_get(info, "MemTotal"));
	if (mem > 0 && (unsigned long long)mem < MEMORY_WARN) {
		c = add(rep, "memory", "memory", DD_CHECK_WARN,
		        "%.1f GiB: a DC/OS cluster (1 master, 2 agents) needs about 8 GiB",
		        (double)mem / (double)GIB);
		fix(c, "Give the Docker host more memory, or create fewer agents");
	} else if (mem > 0)
		add(rep, "memory", "memory", DD_CHECK_OK, "%.1f GiB", (double)mem / (double)GIB);
	else
		add(rep, "memory", "memory", DD_CHECK_SKIP, "the daemon does not report MemTotal");

	/* cgroups: what the nodes get, and what DC/OS 2.2's Mesos 1.11 can use. */
	char hint[512];
	if (info_cgroup_v2(info, hint, sizeof(hint))) {
		c = add(rep, "cgroup", "cgroups", DD_CHECK_WARN,
		        "cgroup v2: nodes work, DC/OS cannot: DC/OS 2.2 bundles Mesos 1.11, whose "
		        "agent isolators need cgroup v1 hierarchies (Mesos supports cgroup v2 only "
		        "since 2024); install refuses here");
		fix(c, "%s", hint);
	} else
		add(rep, "cgroup", "cgroups", DD_CHECK_OK,
		    "cgroup v1: nodes share the host's hierarchy, mounted read-write (Debian "
		    "forky and sid need cgroup v2)");

	/* Privileged containers. */
	dd_privilege_info pi = {0};
	if (dd_privilege_probe(d, &pi, &e) < 0 || !pi.known)
		add(rep, "privileges", "privileged containers", DD_CHECK_SKIP,
		    "unknown: the daemon's process is not visible from here (another pid "
		    "namespace?); create will try --privileged");
	else if (!pi.missing[0])
		add(rep, "privileges", "privileged containers", DD_CHECK_OK,
		    "--privileged works (dockerd, pid %d, holds every capability)",
		    (int)pi.daemon_pid);
	else {
		char list[512] = "";
		for (char **m = pi.missing; *m; m++) {
			size_t n = strlen(list);
			snprintf(list + n, sizeof(list) - n, "%s%s", m == pi.missing ? "" : ", ",
			         *m);
		}
		c = add(
		    rep, "privileges", "privileged containers", DD_CHECK_WARN,
		    "dockerd (pid %d) lacks %s, so --privileged fails here (\"unable to apply "
		    "caps\"); nodes get every other capability instead (CapAdd ALL minus these)",
		    (int)pi.daemon_pid, list);
		fix(c, "Nothing needed; for fully privileged nodes run dockerd with a full "
		       "capability bounding set");
	}
	dd_privilege_info_clear(&pi);

	/* Clock: DC/OS refuses to start with a skewed clock, and TLS needs it. */
	const char *st = json_string_value(json_object_get(info, "SystemTime"));
	double daemon_time = 0;
	if (st && parse_time(st, &daemon_time) == 0) {
		struct timespec now;
		clock_gettime(CLOCK_REALTIME, &now);
		double skew = (double)now.tv_sec + (double)now.tv_nsec / 1e9 - daemon_time;
		if (skew > CLOCK_SKEW_WARN || skew < -CLOCK_SKEW_WARN) {
			c = add(rep, "clock", "clock", DD_CHECK_WARN,
			        "this host's clock and the daemon's differ by %.0f s", skew);
			fix(c, "Synchronise the clocks (systemd-timesyncd, chrony)");
		} else
			add(rep, "clock", "clock", DD_CHECK_OK,
			    "in step with the daemon's (%.1f s)", skew);
	} else
		add(rep, "clock", "clock", DD_CHECK_SKIP, "the daemon does not report its time");
}

static void check_image(struct report *rep, dd_docker *d)
{
	_cleanup_free_ char *tag = dd_image_tag(DD_IMAGE_DEFAULT_DISTRO);
	_cleanup_free_ char *latest = dd_image_latest_tag(DD_IMAGE_DEFAULT_DISTRO);
	dd_error e = {0};
	bool has = false, has_latest = false;
	dd_check *c;
	if (dd_image_exists(d, tag, &has, &e) < 0) {
		add(rep, "node-image", "node image", DD_CHECK_SKIP, "cannot look it up: %s", e.msg);
		return;
	}
	if (has) {
		add(rep, "node-image", "node image", DD_CHECK_OK, "%s is built", tag);
		return;
	}
	dd_image_exists(d, latest, &has_latest, &e);
	c = add(rep, "node-image", "node image", DD_CHECK_WARN,
	        has_latest ? "%s is not built (%s is, from an older recipe)" : "%s is not built%s",
	        tag, has_latest ? latest : "");
	fix(c, "Run 'dcos-docker build-image' (as root, about a minute)");
}

/* Snapshots hold a copy of every node's /opt (GBs with real DC/OS) under
 * the workspace root: say how much disk they take. */
static void check_snapshots(struct report *rep, dd_docker *d)
{
	_cleanup_free_ dd_snapshot_info *v = NULL;
	size_t n = 0;
	dd_error e = {0};
	_cleanup_free_ char *root = dd_snapshot_root();
	if (dd_snapshot_list(d, &v, &n, &e) < 0) {
		add(rep, "snapshots", "snapshots", DD_CHECK_SKIP, "cannot list them: %s", e.msg);
		return;
	}
	unsigned long long bytes = 0;
	for (size_t i = 0; i < n; i++)
		bytes += v[i].bytes;
	if (n == 0)
		add(rep, "snapshots", "snapshots", DD_CHECK_OK, "none (%s)", root ? root : "?");
	else
		add(rep, "snapshots", "snapshots", DD_CHECK_OK,
		    "%zu take %.1f GB (%s; 'dcos-docker snapshots' lists them, 'snapshot "
		    "--delete NAME' frees one)",
		    n, gb(bytes), root ? root : "?");
}

static void check_local(struct report *rep)
{
	dd_check *c;
	/* Workspaces hold each cluster's genconf/serve (~1 GB with a real installer). */
	_cleanup_free_ char *ws = dd_workspace_root();
	unsigned long long avail = 0;
	_cleanup_free_ char *where = NULL;
	if (ws && free_space(ws, &avail, &where) == 0) {
		if (avail < WORKSPACE_DISK_WARN) {
			c = add(rep, "workspace-disk", "workspace disk space", DD_CHECK_WARN,
			        "%.1f GB free for cluster workspaces (%s); DC/OS's installer files "
			        "need "
			        "about 2 GB per cluster",
			        gb(avail), where);
			fix(c, "Free space there or set DCOS_DOCKER_WORKSPACE_ROOT");
		} else
			add(rep, "workspace-disk", "workspace disk space", DD_CHECK_OK,
			    "%.0f GB free for cluster workspaces (%s)", gb(avail), where);
	}

	check_kmods(rep);

	dd_inotify_usage iu;
	if (dd_inotify_usage_get(&iu) == 0) {
		long room = (iu.max - iu.used) / (DD_NODE_INOTIFY_BOOT + DD_NODE_INOTIFY_DOCKER);
		room = room < 0 ? 0 : room;
		/* 20 nodes: a 3-master cluster with room to grow, or a few small ones. */
		const size_t want_room = 20;
		bool low = room < (long)want_room;
		c = add(rep, "inotify", "inotify instances", low ? DD_CHECK_WARN : DD_CHECK_OK,
		        "about %ld of %ld in use (fs.inotify.max_user_instances): room for about "
		        "%ld more nodes running their Docker (each takes %d, %d to boot)",
		        iu.used, iu.max, room, DD_NODE_INOTIFY_BOOT + DD_NODE_INOTIFY_DOCKER,
		        DD_NODE_INOTIFY_BOOT);
		if (low)
			fix(c,
			    "sysctl -w fs.inotify.max_user_instances=%ld (and in /etc/sysctl.d/ to "
			    "keep it)",
			    dd_inotify_suggest(&iu, want_room));
	}

	/* The tool's own need, not DC/OS's: 'delay' adds latency with netem. */
	char netem[256];
	if (dd_netem_available(netem, sizeof(netem)))
		add(rep, "netem", "network delay (sch_netem)", DD_CHECK_OK,
		    "%s: 'dcos-docker delay' can delay a node's traffic", netem);
	else {
		c = add(rep, "netem", "network delay (sch_netem)", DD_CHECK_WARN,
		        "%s: 'dcos-docker delay' cannot work here (the other fault commands can)",
		        netem);
		fix(c, "Only for 'dcos-docker delay': a host or VM whose kernel has "
		       "CONFIG_NET_SCH_NETEM (=y or =m)");
	}

	_cleanup_free_ char *enforce = NULL;
	if (dd_read_file("/sys/fs/selinux/enforce", 16, &enforce, NULL) == 0 && enforce[0] == '1') {
		c = add(rep, "selinux", "SELinux", DD_CHECK_WARN,
		        "SELinux is enforcing: bind mounts into the nodes may be denied");
		fix(c, "setenforce 0, or label the mounted directories");
	}

	static const struct {
		const char *prog, *found, *missing, *fix;
		enum dd_check_status if_missing;
	} tools[] = {
	    {"ssh", "found",
	     "not found on PATH: 'dcos-docker ssh' needs it (other commands do not)",
	     "apt-get install openssh-client", DD_CHECK_WARN},
	    {"mmdebstrap", "found (build-image uses it)",
	     "not found on PATH: build-image needs it to build the node image",
	     "apt-get install mmdebstrap", DD_CHECK_WARN},
	};

	/* DC/OS's installer calls the docker CLI: install (and create
	 * --installer) need it, clusters without DC/OS do not. */
	char path[4096], version[64];
	dd_error e = {0};
	if (docker_cli_probe(path, sizeof(path), version, sizeof(version), &e) == 0)
		add(rep, "docker-cli", "docker CLI", DD_CHECK_OK,
		    "'docker version' answers (%s%s%s), as DC/OS's installer needs", path,
		    version[0] ? ", client " : "", version);
	else {
		c = add(rep, "docker-cli", "docker CLI", DD_CHECK_FAIL, "%s", e.msg);
		fix(c, "%s", e.hint);
	}

	for (size_t i = 0; i < ELEMENTSOF(tools); i++) {
		if (dd_in_path(tools[i].prog)) {
			add(rep, tools[i].prog, tools[i].prog, DD_CHECK_OK, "%s", tools[i].found);
			continue;
		}
		c = add(rep, tools[i].prog, tools[i].prog, tools[i].if_missing, "%s",
		        tools[i].missing);
		fix(c, "%s", tools[i].fix);
	}
}

int dd_doctor_run(dd_docker *d, dd_check **ret_checks, size_t *ret_n, dd_error *err)
{
	(void)err;
	struct report rep = {0};
	dd_error e = {0};
	dd_check *c;
	bool reachable = dd_docker_ping(d, &e) == 0;
	_cleanup_json_ json_t *version = NULL, *info = NULL;
	if (!reachable) {
		c = add(&rep, "daemon", "Docker daemon", DD_CHECK_FAIL, "%s", e.msg);
		fix(c, "Start it ('systemctl start docker', or 'dockerd &' as root), or point "
		       "DOCKER_HOST at its socket");
	} else {
		int r = dd_docker_version(d, &version, &e);
		if (r < 0) {
			/* An older daemon refuses our API version outright. */
			c = add(&rep, "daemon", "Docker daemon", DD_CHECK_OK,
			        "reachable at unix://%s", dd_docker_socket_path(d));
			c = add(&rep, "api-version", "Docker API version", DD_CHECK_FAIL,
			        "the daemon refuses API " DD_DOCKER_API_VERSION ": %s", e.msg);
			fix(c, "dcos-docker needs Docker 20.10 (API " DD_DOCKER_API_VERSION
			       ") or newer: upgrade Docker");
			reachable = false;
		} else {
			const char *ver = json_string_value(json_object_get(version, "Version"));
			const char *api = json_string_value(json_object_get(version, "ApiVersion"));
			add(&rep, "daemon", "Docker daemon", DD_CHECK_OK,
			    "Docker %s reachable at unix://%s", ver ? ver : "?",
			    dd_docker_socket_path(d));
			if (api && dd_api_version_cmp(api, DD_DOCKER_API_VERSION) >= 0)
				add(&rep, "api-version", "Docker API version", DD_CHECK_OK,
				    "%s (>= " DD_DOCKER_API_VERSION " required)", api);
			else {
				c = add(&rep, "api-version", "Docker API version", DD_CHECK_FAIL,
				        "%s is too old: dcos-docker needs " DD_DOCKER_API_VERSION
				        " (Docker 20.10) or newer",
				        api ? api : "unknown");
				fix(c, "Upgrade Docker");
				reachable = false;
			}
		}
	}
	if (reachable) {
		if (dd_docker_info(d, &info, &e) == 0 && info)
			check_daemon_facts(&rep, d, info);
		else
			add(&rep, "info", "Docker daemon facts", DD_CHECK_SKIP,
			    "GET /info failed: %s", e.msg);
		check_image(&rep, d);
		check_snapshots(&rep, d);
	}
	check_local(&rep);
	*ret_checks = rep.v;
	*ret_n = rep.n;
	return 0;
}
