/* How many inotify instances root has left (see inotify-internal.h). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "inotify-internal.h"
#include "util.h"

/* inotify descriptors of one process: their fd links read "anon_inode:inotify". */
static long count_fds(int procfd, const char *pid)
{
	char path[64];
	snprintf(path, sizeof(path), "%s/fd", pid);
	int fd = openat(procfd, path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	DIR *dir = fdopendir(fd);
	if (!dir) {
		close(fd);
		return 0;
	}
	long n = 0;
	struct dirent *de;
	while ((de = readdir(dir))) {
		char target[32];
		ssize_t l = readlinkat(fd, de->d_name, target, sizeof(target) - 1);
		if (l <= 0)
			continue;
		target[l] = '\0';
		n += strcmp(target, "anon_inode:inotify") == 0;
	}
	closedir(dir);
	return n;
}

int dd_inotify_usage_get(dd_inotify_usage *ret)
{
	_cleanup_free_ char *text = NULL;
	int r = dd_read_file("/proc/sys/fs/inotify/max_user_instances", 64, &text, NULL);
	if (r < 0)
		return r;
	char *end;
	long max = strtol(text, &end, 10);
	if (end == text || max <= 0)
		return -EINVAL;
	dd_inotify_usage u = {.max = max};
	/* The limit is per real user; only root's processes draw on the nodes' share. */
	_cleanup_close_ int procfd = open("/proc", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int dirfd = procfd >= 0 ? fcntl(procfd, F_DUPFD_CLOEXEC, 0) : -1;
	DIR *dir = dirfd >= 0 ? fdopendir(dirfd) : NULL;
	if (!dir && dirfd >= 0)
		close(dirfd);
	if (dir) {
		struct dirent *de;
		while ((de = readdir(dir))) {
			struct stat st;
			if (de->d_name[0] < '1' || de->d_name[0] > '9' ||
			    fstatat(procfd, de->d_name, &st, 0) < 0 || st.st_uid != 0)
				continue;
			u.used += count_fds(procfd, de->d_name);
		}
		closedir(dir);
	}
	*ret = u;
	return 0;
}

long dd_inotify_suggest(const dd_inotify_usage *u, size_t new_nodes)
{
	long want = u->used + (long)new_nodes * (DD_NODE_INOTIFY_BOOT + DD_NODE_INOTIFY_DOCKER);
	long v = 512;
	while (v < want)
		v *= 2;
	return v;
}

int dd_inotify_check(size_t new_nodes, dd_error *err)
{
	dd_inotify_usage u;
	if (dd_inotify_usage_get(&u) < 0)
		return 0;
	long need = (long)new_nodes * DD_NODE_INOTIFY_BOOT;
	if (u.used + need <= u.max)
		return 0;
	dd_error_set(err, -EMFILE,
	             "This host allows %ld inotify instances per user "
	             "(fs.inotify.max_user_instances) and about %ld are in use: %zu more "
	             "node(s) need %ld to boot",
	             u.max, u.used, new_nodes, need);
	return dd_error_hint(err,
	                     "Raise it: sysctl -w fs.inotify.max_user_instances=%ld (and in "
	                     "/etc/sysctl.d/ to keep it). Each node's systemd takes %d, its "
	                     "Docker %d more, DC/OS's services more.",
	                     dd_inotify_suggest(&u, new_nodes), DD_NODE_INOTIFY_BOOT,
	                     DD_NODE_INOTIFY_DOCKER);
}
