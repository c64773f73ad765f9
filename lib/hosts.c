/* `hosts`: a cluster's block of names in the host's hosts file. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "dcos-docker/hosts.h"
#include "util.h"

/* Big enough for any hosts file a person keeps; a bigger one is refused
 * rather than cut. */
#define HOSTS_MAX (4u << 20)
#define BEGIN     "# BEGIN dcos-docker cluster "
#define END       "# END dcos-docker cluster "

/* The old Makefile's names: m<N>, a<N>, p<N> under .dcos, and the demo
 * app's oinker.acme.org on the first public agent. */
static void node_names(const dd_node *n, char *buf, size_t size)
{
	static const char prefix[DD_ROLE_COUNT] = {'m', 'a', 'p'};
	snprintf(buf, size, "%c%d.dcos%s", prefix[n->role], n->index,
	         n->role == DD_ROLE_PUBLIC_AGENT && n->index == 1 ? " oinker.acme.org" : "");
}

/* Whether line (one of the file's, outside any block) names one of ours. */
static bool names_ours(const char *line, size_t len, const dd_cluster *c)
{
	if (len == 0 || line[0] == '#')
		return false;
	_cleanup_free_ char *copy = strndup(line, len);
	char *save = NULL;
	char *tok = strtok_r(copy, " \t", &save); /* the address */
	while (tok && (tok = strtok_r(NULL, " \t", &save))) {
		if (tok[0] == '#')
			break;
		for (size_t i = 0; i < c->n_nodes; i++) {
			char names[64];
			node_names(&c->nodes[i], names, sizeof(names));
			*strchrnul(names, ' ') = '\0';
			if (strcmp(tok, names) == 0)
				return true;
		}
	}
	return false;
}

/* Writes text to path: a temporary file renamed over it (mode kept), or,
 * where rename cannot replace it (a bind mount: EBUSY; a directory we may
 * not write: EACCES), in place. */
static int write_hosts(const char *path, const char *text, size_t len, mode_t mode, dd_error *err)
{
	_cleanup_free_ char *tmp = dd_asprintf("%s.dcos-docker.XXXXXX", path);
	int fd = mkstemp(tmp);
	if (fd >= 0) {
		bool ok = fchmod(fd, mode & 07777) == 0 && write(fd, text, len) == (ssize_t)len &&
		          fsync(fd) == 0;
		close(fd);
		if (ok && rename(tmp, path) == 0)
			return 0;
		unlink(tmp);
	}
	_cleanup_close_ int out = open(path, O_WRONLY | O_CLOEXEC);
	if (out < 0)
		return dd_error_set(err, -errno, "Cannot write %s: %s", path, strerror(errno));
	if (write(out, text, len) != (ssize_t)len || ftruncate(out, (off_t)len) < 0 ||
	    fsync(out) < 0)
		return dd_error_set(err, -errno, "Cannot write %s: %s", path, strerror(errno));
	return 0;
}

int dd_hosts_update(const char *path, const dd_cluster *c, bool remove, dd_hosts_result *ret,
                    dd_error *err)
{
	memset(ret, 0, sizeof(*ret));
	_cleanup_free_ char *text = NULL;
	size_t len = 0;
	int r = dd_read_file(path, HOSTS_MAX, &text, &len);
	if (r == -ENOENT && remove)
		return 0;
	if (r < 0 && r != -ENOENT)
		return dd_error_set(err, r, "Cannot read %s: %s", path, strerror(-r));
	struct stat st = {.st_mode = 0644};
	if (r == 0 && stat(path, &st) < 0)
		return dd_error_set(err, -errno, "Cannot stat %s: %s", path, strerror(errno));
	_cleanup_free_ char *begin = dd_asprintf(BEGIN "%s", c->name);
	dd_buf out = DD_BUF_HEAD(HOSTS_MAX + 65536);
	/* The file without the blocks that go: ours, and (when writing) any
	 * other cluster's, whose names are ours too. */
	const char *skipping = NULL; /* the END line of the block being dropped */
	_cleanup_free_ char *end = NULL;
	for (const char *p = text ?: ""; *p;) {
		const char *nl = strchrnul(p, '\n');
		size_t n = (size_t)(nl - p);
		const char *next = *nl ? nl + 1 : nl;
		if (skipping) {
			if (n == strlen(end) && memcmp(p, end, n) == 0)
				skipping = NULL, free(end), end = NULL;
			p = next;
			continue;
		}
		if (n > strlen(BEGIN) && memcmp(p, BEGIN, strlen(BEGIN)) == 0) {
			_cleanup_free_ char *other = strndup(p + strlen(BEGIN), n - strlen(BEGIN));
			*strchrnul(other, ' ') = '\0';
			bool mine = strcmp(other, c->name) == 0;
			if (mine || !remove) {
				if (mine)
					ret->found = true;
				else if (!ret->replaced[0])
					snprintf(ret->replaced, sizeof(ret->replaced), "%s", other);
				end = dd_asprintf(END "%s", other);
				skipping = end;
				p = next;
				continue;
			}
		} else if (!remove && names_ours(p, n, c))
			ret->conflicts++;
		dd_buf_add(&out, p, (size_t)(next - p));
		p = next;
	}
	if (out.len && out.data[out.len - 1] != '\n')
		dd_buf_add(&out, "\n", 1);
	if (!remove) {
		dd_buf_addf(&out, "%s (dcos-docker hosts --remove --cluster %s removes it)\n",
		            begin, c->name);
		for (size_t i = 0; i < c->n_nodes; i++) {
			const dd_node *nd = &c->nodes[i];
			if (!nd->ip[0])
				continue;
			char names[64];
			node_names(nd, names, sizeof(names));
			dd_buf_addf(&out, "%s\t%s\n", nd->ip, names);
			ret->lines++;
		}
		dd_buf_addf(&out, END "%s\n", c->name);
	}
	if (out.truncated) {
		dd_buf_free(&out);
		return dd_error_set(err, -EFBIG, "%s is larger than %u bytes", path, HOSTS_MAX);
	}
	if (text && out.len == len && memcmp(dd_buf_str(&out), text, len) == 0) {
		dd_buf_free(&out);
		return 0;
	}
	if (remove && !ret->found) {
		dd_buf_free(&out);
		return 0; /* only a missing final newline differed: not ours to fix */
	}
	r = write_hosts(path, dd_buf_str(&out), out.len, st.st_mode, err);
	dd_buf_free(&out);
	if (r == -EACCES || r == -EPERM || r == -EROFS)
		return dd_error_hint(err, "run it as root (sudo), or give --file PATH");
	if (r == 0)
		ret->changed = true;
	return r;
}
