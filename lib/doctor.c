/* dcos-docker doctor: host checks as structured results. */
#define _GNU_SOURCE
#include "dcos-docker/doctor.h"

#include <archive.h>
#include <errno.h>
#include <stdarg.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/utsname.h>
#include <time.h>

#include "dcos-docker/cluster.h"
#include "dcos-docker/image.h"
#include "dcos-docker/privilege.h"
#include "util.h"

#define GB 1000000000ull
#define GIB (1ull << 30)
#define DOCKER_DISK_WARN (10 * GB)
#define WORKSPACE_DISK_WARN (5 * GB)
#define MEMORY_WARN (8 * GIB)
#define CLOCK_SKEW_WARN 5.0

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

char dd_kernel_config_value(const char *config, const char *option)
{
	size_t n = strlen(option);
	for (const char *line = config; line && *line;) {
		const char *nl = strchr(line, '\n');
		size_t len = nl ? (size_t)(nl - line) : strlen(line);
		if (len > n + 1 && strncmp(line, option, n) == 0 && line[n] == '=')
			return line[n + 1];
		/* "# CONFIG_DUMMY is not set" */
		if (len > n + 2 && line[0] == '#' && line[1] == ' ' && strncmp(line + 2, option, n) == 0 &&
		    strncmp(line + 2 + n, " is not set", strlen(" is not set")) == 0)
			return 'n';
		line = nl ? nl + 1 : NULL;
	}
	return 0;
}

/* ---- collecting results ---- */

struct report {
	dd_check *v;
	size_t n, cap;
};

static dd_check *add(struct report *rep, const char *id, const char *title,
		     enum dd_check_status st, const char *fmt, ...) __attribute__((format(printf, 5, 6)));
static dd_check *add(struct report *rep, const char *id, const char *title,
		     enum dd_check_status st, const char *fmt, ...)
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

static double gb(unsigned long long bytes) { return (double)bytes / (double)GB; }

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


/* /proc/config.gz (gzip: read with libarchive's raw format), else /boot/config-<release>. */
static char *kernel_config(void)
{
	struct utsname u;
	uname(&u);
	struct archive *a = archive_read_new();
	archive_read_support_filter_all(a);
	archive_read_support_format_raw(a);
	char *text = NULL;
	struct archive_entry *e;
	if (archive_read_open_filename(a, "/proc/config.gz", 16384) == ARCHIVE_OK &&
	    archive_read_next_header(a, &e) == ARCHIVE_OK) {
		size_t cap = 1 << 20, len = 0;
		text = dd_malloc0(cap);
		for (;;) {
			if (len + 1 >= cap) {
				if (cap >= (16u << 20))
					break;
				cap *= 2;
				text = realloc(text, cap);
				if (!text)
					abort();
			}
			la_ssize_t k = archive_read_data(a, text + len, cap - len - 1);
			if (k <= 0)
				break;
			len += (size_t)k;
		}
		text[len] = '\0';
	}
	archive_read_free(a);
	if (text)
		return text;
	_cleanup_free_ char *boot = dd_asprintf("/boot/config-%s", u.release);
	if (dd_read_file(boot, 16u << 20, &text, NULL) < 0)
		return NULL;
	return text;
}

static void check_dummy(struct report *rep)
{
	const char *id = "dummy-module", *title = "dummy network interfaces";
	struct stat st;
	if (stat("/sys/module/dummy", &st) == 0) {
		add(rep, id, title, DD_CHECK_OK, "the dummy module is loaded");
		return;
	}
	struct utsname u;
	uname(&u);
	_cleanup_free_ char *builtin_path = dd_asprintf("/lib/modules/%s/modules.builtin", u.release);
	_cleanup_free_ char *builtin = NULL;
	if (dd_read_file(builtin_path, 4u << 20, &builtin, NULL) == 0 &&
	    strstr(builtin, "/dummy.ko\n")) {
		add(rep, id, title, DD_CHECK_OK, "the kernel has dummy built in");
		return;
	}
	_cleanup_free_ char *config = kernel_config();
	char v = config ? dd_kernel_config_value(config, "CONFIG_DUMMY") : 0;
	dd_check *c;
	switch (v) {
	case 'y':
		add(rep, id, title, DD_CHECK_OK, "the kernel has dummy built in");
		return;
	case 'm':
		c = add(rep, id, title, DD_CHECK_OK,
			"the dummy module is available (not loaded; the kernel loads it on first use)");
		fix(c, "modprobe dummy on the host if DC/OS's dcos-net cannot create its interfaces");
		return;
	case 'n':
		c = add(rep, id, title, DD_CHECK_FAIL,
			"this kernel (%s) is built without CONFIG_DUMMY: DC/OS's dcos-net (DNS, "
			"VIPs) needs dummy interfaces and will not start in the nodes",
			u.release);
		fix(c, "Use a kernel with CONFIG_DUMMY=m or y; clusters without DC/OS still work");
		return;
	default:
		c = add(rep, id, title, DD_CHECK_WARN,
			"cannot tell whether the kernel supports dummy interfaces (DC/OS's dcos-net "
			"needs them)");
		fix(c, "Run 'modprobe dummy' on the host");
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
	/* Storage driver: the nodes' inner Docker defaults to the host's. */
	const char *driver = json_string_value(json_object_get(info, "Driver"));
	dd_error e = {0};
	if (driver && dd_storage_driver_check(driver, &e) == 0)
		add(rep, "storage-driver", "storage driver", DD_CHECK_OK,
		    "%s: the nodes' Docker uses it too", driver);
	else {
		c = add(rep, "storage-driver", "storage driver", DD_CHECK_WARN,
			"the host uses '%s', which the nodes' Docker cannot default to",
			driver ? driver : "unknown");
		fix(c, "Pass --storage-driver overlay2 (or overlay, aufs, fuse-overlayfs) to create");
	}

	/* Disk: every node's /var/lib/docker and DC/OS packages live there. */
	const char *root = json_string_value(json_object_get(info, "DockerRootDir"));
	struct statvfs v;
	if (root && statvfs(root, &v) == 0) {
		unsigned long long avail = (unsigned long long)v.f_bavail * v.f_frsize;
		if (avail < DOCKER_DISK_WARN) {
			c = add(rep, "docker-disk", "Docker disk space", DD_CHECK_WARN,
				"%.1f GB free in %s; a DC/OS cluster needs about 10 GB", gb(avail), root);
			fix(c, "Free space: 'docker system prune', 'docker volume prune'");
		} else
			add(rep, "docker-disk", "Docker disk space", DD_CHECK_OK, "%.0f GB free in %s",
			    gb(avail), root);
	} else
		add(rep, "docker-disk", "Docker disk space", DD_CHECK_SKIP,
		    "the daemon's root directory %s is not visible from here", root ? root : "(unknown)");

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

	/* cgroups. */
	const char *cgv = json_string_value(json_object_get(info, "CgroupVersion"));
	if (cgv && strcmp(cgv, "2") == 0)
		add(rep, "cgroup", "cgroups", DD_CHECK_OK,
		    "cgroup v2: nodes get a private cgroup namespace with a writable cgroup "
		    "mount; node images need a recent systemd (all supported distros have one)");
	else
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
		    "--privileged works (dockerd, pid %d, holds every capability)", (int)pi.daemon_pid);
	else {
		char list[512] = "";
		for (char **m = pi.missing; *m; m++) {
			size_t n = strlen(list);
			snprintf(list + n, sizeof(list) - n, "%s%s", m == pi.missing ? "" : ", ", *m);
		}
		c = add(rep, "privileges", "privileged containers", DD_CHECK_WARN,
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
			add(rep, "clock", "clock", DD_CHECK_OK, "in step with the daemon's (%.1f s)", skew);
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
				"%.1f GB free for cluster workspaces (%s); DC/OS's installer files need "
				"about 2 GB per cluster",
				gb(avail), where);
			fix(c, "Free space there or set DCOS_DOCKER_WORKSPACE_ROOT");
		} else
			add(rep, "workspace-disk", "workspace disk space", DD_CHECK_OK,
			    "%.0f GB free for cluster workspaces (%s)", gb(avail), where);
	}

	check_dummy(rep);

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
		{"ssh-keygen", "found", "not found on PATH: create makes each cluster's SSH keys with it",
		 "apt-get install openssh-client", DD_CHECK_FAIL},
		{"ssh", "found", "not found on PATH: 'dcos-docker ssh' needs it (other commands do not)",
		 "apt-get install openssh-client", DD_CHECK_WARN},
		{"mmdebstrap", "found (build-image uses it)",
		 "not found on PATH: build-image needs it to build the node image",
		 "apt-get install mmdebstrap", DD_CHECK_WARN},
	};
	for (size_t i = 0; i < ELEMENTSOF(tools); i++) {
		if (dd_in_path(tools[i].prog)) {
			add(rep, tools[i].prog, tools[i].prog, DD_CHECK_OK, "%s", tools[i].found);
			continue;
		}
		c = add(rep, tools[i].prog, tools[i].prog, tools[i].if_missing, "%s", tools[i].missing);
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
		long status = 0;
		int r = dd_docker_call(d, "GET", "/version", NULL, &version, &status, &e);
		if (r < 0) {
			/* An older daemon refuses our API version outright. */
			c = add(&rep, "daemon", "Docker daemon", DD_CHECK_OK, "reachable at unix://%s",
				dd_docker_socket_path(d));
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
		if (dd_docker_call(d, "GET", "/info", NULL, &info, NULL, &e) == 0 && info)
			check_daemon_facts(&rep, d, info);
		else
			add(&rep, "info", "Docker daemon facts", DD_CHECK_SKIP, "GET /info failed: %s",
			    e.msg);
		check_image(&rep, d);
	}
	check_local(&rep);
	*ret_checks = rep.v;
	*ret_n = rep.n;
	return 0;
}
