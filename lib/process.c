#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <string.h>
#include <sys/wait.h>

#include "dcos-docker/process.h"
#include "util.h"

extern char **environ;

int dd_process_spawn(const char *const *argv, const char *cwd, char *const *env, bool own_pgroup,
		     int out_fd, pid_t *ret_pid, dd_error *err)
{
	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, out_fd, 1);
	posix_spawn_file_actions_adddup2(&fa, out_fd, 2);
	posix_spawn_file_actions_addclosefrom_np(&fa, 3);
	if (cwd)
		posix_spawn_file_actions_addchdir_np(&fa, cwd);
	posix_spawnattr_t attr;
	posix_spawnattr_init(&attr);
	/* The child must not inherit the CLI's handlers or blocked signals. */
	sigset_t none, all;
	sigemptyset(&none);
	sigfillset(&all);
	posix_spawnattr_setsigmask(&attr, &none);
	posix_spawnattr_setsigdefault(&attr, &all);
	short flags = POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF;
	if (own_pgroup) {
		posix_spawnattr_setpgroup(&attr, 0);
		flags |= POSIX_SPAWN_SETPGROUP;
	}
	posix_spawnattr_setflags(&attr, flags);
	pid_t pid;
	int r = posix_spawnp(&pid, argv[0], &fa, &attr, (char *const *)argv, env ? env : environ);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&attr);
	if (r != 0) {
		dd_error_set(err, -r, "Failed to run %s: %s", argv[0], strerror(r));
		if (r == ENOENT)
			dd_error_hint(err, "Install it (it is part of a Debian package) and retry.");
		return -r;
	}
	*ret_pid = pid;
	return 0;
}

int dd_process_run(const char *const *argv, const char *cwd, size_t max, char **ret_output,
		   int *ret_status, dd_error *err)
{
	int pipefd[2];
	if (pipe2(pipefd, O_CLOEXEC) < 0)
		return dd_error_set(err, -errno, "pipe: %s", strerror(errno));
	pid_t pid;
	int r = dd_process_spawn(argv, cwd, NULL, false, pipefd[1], &pid, err);
	close(pipefd[1]);
	if (r < 0) {
		close(pipefd[0]);
		return r;
	}
	size_t cap = max + 1, len = 0;
	_cleanup_free_ char *buf = dd_malloc0(cap);
	char chunk[4096];
	for (;;) {
		ssize_t k = read(pipefd[0], chunk, sizeof(chunk));
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			break;
		size_t n = (size_t)k;
		if (n >= max) { /* keep the tail: errors come last */
			memcpy(buf, chunk + n - max, max);
			len = max;
		} else {
			if (len + n > max) {
				size_t drop = len + n - max;
				memmove(buf, buf + drop, len - drop);
				len -= drop;
			}
			memcpy(buf + len, chunk, n);
			len += n;
		}
	}
	close(pipefd[0]);
	buf[len] = '\0';
	int st;
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return dd_error_set(err, -errno, "waitpid: %s", strerror(errno));
	*ret_status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
	if (ret_output)
		*ret_output = TAKE_PTR(buf);
	return 0;
}
