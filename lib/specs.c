/* Parsing of user-given volume and port specs for create. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <jansson.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cluster-internal.h"
#include "dcos-docker/cluster.h"
#include "dcos-docker/specs.h"
#include "util.h"

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
	char abs[PATH_MAX];
	if (!realpath(parts[0], abs)) {
		int r = -errno;
		dd_error_usage(err, r, "Invalid volume '%s': %s: %s", spec, parts[0], strerror(-r));
		return dd_error_hint(err, "The source of a volume must exist on this host.");
	}
	ret->src = dd_strdup(abs);
	ret->dst = dd_strdup(parts[1]);
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
