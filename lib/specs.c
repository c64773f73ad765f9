/* Parsing of user-given volume and port specs for create. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <jansson.h>
#include <limits.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cluster-internal.h"
#include "create-internal.h"
#include "dcos-docker/cluster.h"
#include "dcos-docker/specs.h"
#include "util.h"

char *dd_path_absolute(const char *path)
{
	_cleanup_free_ char *joined = NULL;
	if (path[0] != '/') {
		_cleanup_free_ char *cwd = getcwd(NULL, 0);
		if (!cwd)
			return NULL;
		joined = dd_asprintf("%s/%s", cwd, path);
		path = joined;
	}
	/* Lexically: "." and empty parts go, ".." drops the part before it
	 * (as Docker cleans a bind's paths), so a prefix comparison is true. */
	size_t n = strlen(path);
	char *out = dd_malloc0(n + 2);
	size_t o = 0;
	for (const char *p = path; *p;) {
		while (*p == '/')
			p++;
		const char *end = strchrnul(p, '/');
		size_t len = (size_t)(end - p);
		if (len == 0 || (len == 1 && p[0] == '.')) {
			/* nothing */
		} else if (len == 2 && p[0] == '.' && p[1] == '.') {
			while (o > 0 && out[o - 1] != '/')
				o--;
			if (o > 0)
				o--;
		} else {
			out[o++] = '/';
			memcpy(out + o, p, len);
			o += len;
		}
		p = end;
	}
	if (o == 0)
		out[o++] = '/';
	out[o] = '\0';
	return out;
}

/* true when path is dir or below it; both clean and absolute. */
static bool path_at_or_under(const char *path, const char *dir)
{
	size_t n = strlen(dir);
	if (n == 1)
		return true; /* "/" */
	return strncmp(path, dir, n) == 0 && (path[n] == '\0' || path[n] == '/');
}

/* What a node mounts itself (lib/node-spec.c and design.md): a volume of the
 * user's on one of these, or on a directory above one, would hide it or be
 * refused by the daemon as a duplicate mount point; over a file it binds
 * (machine-id, the host key), Docker even creates empty files in the user's
 * directory before the node fails to boot. tests/unit/test-create.c checks
 * that every destination of dd_node_spec_body() is here. */
static const char *const node_mounts[] = {
    "/sys/fs/cgroup",
    DD_NOTIFY_TARGET,
    "/etc/dcos-docker",
    "/etc/machine-id",
    "/etc/ssh/ssh_host_ed25519_key",
    "/etc/ssh/ssh_host_ed25519_key.pub",
    "/etc/docker/daemon.json",
    "/root/.ssh/authorized_keys",
    DD_NODE_INSTALL_DIR,
    "/var/lib/docker",
    "/var/log/journal",
    "/opt",
    "/var/lib/mesos/slave",
    "/run",
    "/run/lock",
    "/tmp",
};

/* Nothing may be mounted below these either: the kernel's filesystems, the
 * node's read-only seed directories (Docker would create the mount point in
 * the cluster's workspace) and the inner Docker's state. Below /dev (a
 * device node, say) and below the volumes and tmpfs (/opt/tools, /tmp/src)
 * is fine: those stay the node's own with the user's directory inside. */
static const char *const node_subtrees[] = {
    "/proc", "/sys", "/etc/dcos-docker", DD_NOTIFY_TARGET, DD_NODE_INSTALL_DIR, "/var/lib/docker",
};

/* Directories the node's system lives in: binding one replaces the OS. */
static const char *const node_system[] = {
    "/bin",  "/boot", "/dev",     "/etc",     "/lib",      "/lib32", "/lib64",   "/libx32",
    "/sbin", "/usr",  "/usr/bin", "/usr/lib", "/usr/sbin", "/var",   "/var/lib",
};

int dd_mount_target_check(const char *dst, dd_error *err)
{
	if (strcmp(dst, "/") == 0) {
		dd_error_usage(err, -EINVAL, "Invalid volume target '/': it is the node's root");
		goto hint;
	}
	for (size_t i = 0; i < ELEMENTSOF(node_subtrees); i++)
		if (path_at_or_under(dst, node_subtrees[i])) {
			dd_error_usage(err, -EINVAL,
			               "Invalid volume target '%s': %s belongs to the node itself",
			               dst, node_subtrees[i]);
			goto hint;
		}
	for (size_t i = 0; i < ELEMENTSOF(node_mounts); i++)
		if (path_at_or_under(node_mounts[i], dst)) {
			if (strcmp(node_mounts[i], dst) == 0)
				dd_error_usage(
				    err, -EINVAL,
				    "Invalid volume target '%s': the node mounts it itself", dst);
			else
				dd_error_usage(
				    err, -EINVAL,
				    "Invalid volume target '%s': it would hide %s, which "
				    "the node mounts itself",
				    dst, node_mounts[i]);
			goto hint;
		}
	for (size_t i = 0; i < ELEMENTSOF(node_system); i++)
		if (strcmp(dst, node_system[i]) == 0) {
			dd_error_usage(err, -EINVAL,
			               "Invalid volume target '%s': it holds the node's system",
			               dst);
			goto hint;
		}
	return 0;
hint:
	return dd_error_hint(err, "Bind to a directory of its own, e.g. /src or /opt/NAME.");
}

void dd_mount_spec_clear(dd_mount_spec *m)
{
	free(m->src);
	free(m->dst);
	m->src = m->dst = NULL;
}

int dd_mount_spec_parse(const char *spec, dd_mount_spec *ret, dd_error *err)
{
	_cleanup_free_ char *copy = dd_strdup(spec);
	char *parts[4] = {0};
	int n = 0;
	for (char *p = copy, *tok; n < 4 && (tok = strsep(&p, ":"));)
		parts[n++] = tok;
	bool ro = false;
	if (n == 3) {
		if (strcmp(parts[2], "ro") == 0)
			ro = true;
		else if (strcmp(parts[2], "rw") != 0)
			n = 0;
	}
	if (n < 2 || n > 3 || !*parts[0] || !*parts[1]) {
		dd_error_usage(err, -EINVAL, "Invalid volume '%s'", spec);
		return dd_error_hint(err, "Use SRC:DST or SRC:DST:ro, e.g. $HOME/src:/src:ro.");
	}
	if (parts[1][0] != '/')
		return dd_error_usage(err, -EINVAL,
		                      "Invalid volume '%s': the node path '%s' must be absolute",
		                      spec, parts[1]);
	_cleanup_free_ char *dst = dd_path_absolute(parts[1]);
	int r = dd_mount_target_check(dst, err);
	if (r < 0)
		return r;
	char abs[PATH_MAX];
	if (!realpath(parts[0], abs)) {
		r = -errno;
		dd_error_usage(err, r, "Invalid volume '%s': %s: %s", spec, parts[0], strerror(-r));
		return dd_error_hint(err, "The source of a volume must exist on this host.");
	}
	ret->src = dd_strdup(abs);
	ret->dst = TAKE_PTR(dst);
	ret->ro = ro;
	return 0;
}

static bool parse_port(const char *s, int *ret)
{
	char *end = NULL;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (errno || !*s || *end || v < 1 || v > 65535)
		return false;
	*ret = (int)v;
	return true;
}

int dd_port_spec_parse(const char *spec, dd_port_spec *ret, dd_error *err)
{
	_cleanup_free_ char *copy = dd_strdup(spec);
	dd_port_spec p = {.proto = "tcp"};
	char *slash = strchr(copy, '/');
	if (slash) {
		*slash = '\0';
		if (strcmp(slash + 1, "tcp") != 0 && strcmp(slash + 1, "udp") != 0)
			goto bad;
		snprintf(p.proto, sizeof(p.proto), "%s", slash + 1);
	}
	char *last = strrchr(copy, ':');
	if (!last)
		goto bad;
	*last = '\0';
	if (!parse_port(last + 1, &p.port))
		goto bad;
	char *mid = strrchr(copy, ':');
	const char *hostport = copy;
	if (mid) {
		*mid = '\0';
		struct in_addr a;
		if (inet_pton(AF_INET, copy, &a) != 1)
			goto bad;
		snprintf(p.host_ip, sizeof(p.host_ip), "%s", copy);
		hostport = mid + 1;
	}
	if (!parse_port(hostport, &p.host_port))
		goto bad;
	*ret = p;
	return 0;
bad:
	dd_error_usage(err, -EINVAL, "Invalid port mapping '%s'", spec);
	return dd_error_hint(err, "Use [HOSTIP:]HOSTPORT:PORT[/tcp|/udp], e.g. 8080:80.");
}

int dd_label_key_check(const char *key, dd_error *err)
{
	if (!*key)
		return dd_error_usage(err, -EINVAL, "Invalid label: the key is empty");
	for (const char *p = key; *p; p++)
		if ((unsigned char)*p <= ' ' || *p == 0x7f)
			return dd_error_usage(
			    err, -EINVAL, "Invalid label key '%s': no spaces or control characters",
			    key);
	json_t *probe = json_string(key);
	if (!probe)
		return dd_error_usage(err, -EINVAL, "Invalid label key: not UTF-8 text");
	json_decref(probe);
	/* The cluster is found, owned and destroyed by these: a user's label
	 * with the same key would make a node someone else's, or nobody's. */
	if (strncmp(key, DD_LABEL_PREFIX, strlen(DD_LABEL_PREFIX)) == 0) {
		dd_error_usage(err, -EINVAL,
		               "Invalid label '%s': keys under '%s' are the tool's own", key,
		               DD_LABEL_PREFIX);
		return dd_error_hint(err, "Choose another key, e.g. com.example.%s.",
		                     key + strlen(DD_LABEL_PREFIX));
	}
	return 0;
}

int dd_label_spec_parse(const char *spec, dd_label_spec *ret, dd_error *err)
{
	const char *eq = strchr(spec, '=');
	_cleanup_free_ char *key =
	    eq ? dd_asprintf("%.*s", (int)(eq - spec), spec) : dd_strdup(spec);
	int r = dd_label_key_check(key, err);
	if (r < 0)
		return r;
	const char *value = eq ? eq + 1 : "";
	/* Docker's API is JSON: a value must be UTF-8 text. */
	json_t *probe = json_string(value);
	if (!probe)
		return dd_error_usage(err, -EINVAL,
		                      "Invalid label '%s': the value is not UTF-8 text", key);
	json_decref(probe);
	ret->key = TAKE_PTR(key);
	ret->value = dd_strdup(value);
	return 0;
}

void dd_label_spec_clear(dd_label_spec *l)
{
	free(l->key);
	free(l->value);
	l->key = l->value = NULL;
}

int dd_port_spec_check_free(const dd_port_spec *p, dd_error *err)
{
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)p->host_port)};
	const char *ip = p->host_ip[0] ? p->host_ip : "0.0.0.0";
	if (inet_pton(AF_INET, ip, &sa.sin_addr) != 1)
		return dd_error_usage(err, -EINVAL, "Invalid address '%s'", ip);
	bool udp = strcmp(p->proto, "udp") == 0;
	_cleanup_close_ int fd =
	    socket(AF_INET, (udp ? SOCK_DGRAM : SOCK_STREAM) | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return 0; /* no verdict: the daemon's is the one that counts */
	/* As the daemon's proxy binds (Go sets SO_REUSEADDR): a port in
	 * TIME_WAIT is free for it, a listener is not. */
	int one = 1;
	if (!udp)
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0 || errno != EADDRINUSE)
		return 0; /* EACCES for a low port as a user says nothing of the daemon */
	dd_error_usage(err, -EADDRINUSE,
	               "Port %d/%s on %s is already in use on this host (--publish %s%s%d:%d/%s)",
	               p->host_port, p->proto, ip, p->host_ip, p->host_ip[0] ? ":" : "",
	               p->host_port, p->port, p->proto);
	return dd_error_hint(err, "Stop what listens there, or publish another host port.");
}

int dd_port_specs_check(const dd_port_spec *ports, size_t n, dd_error *err)
{
	for (size_t i = 0; i < n; i++) {
		const dd_port_spec *p = &ports[i];
		for (size_t j = 0; j < i; j++) {
			const dd_port_spec *q = &ports[j];
			bool same_ip =
			    !p->host_ip[0] || !q->host_ip[0] || strcmp(p->host_ip, q->host_ip) == 0;
			if (same_ip && p->host_port == q->host_port &&
			    strcmp(p->proto, q->proto) == 0)
				return dd_error_usage(
				    err, -EINVAL, "Host port %d/%s is published twice (--publish)",
				    p->host_port, p->proto);
		}
		int r = dd_port_spec_check_free(p, err);
		if (r < 0)
			return r;
	}
	return 0;
}
