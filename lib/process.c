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
	return dd_process_run_timeout(argv, cwd, 0, max, ret_output, ret_status, err);
}

int dd_process_run_timeout(const char *const *argv, const char *cwd, int timeout_ms, size_t max,
			   char **ret_output, int *ret_status, dd_error *err)
{
	int pipefd[2];
	if (pipe2(pipefd, O_CLOEXEC) < 0)
		return dd_error_set(err, -errno, "pipe: %s", strerror(errno));
	pid_t pid;
	int r = dd_process_spawn(argv, cwd, NULL, false, pipefd[1], &pid, err);
	close(pipefd[1]);
	_cleanup_close_ int fd = pipefd[0];
	if (r < 0)
		return r;
	_cleanup_free_ char *buf = dd_malloc0(max + 1);
	size_t len = 0;
	double deadline = dd_now() + timeout_ms / 1000.0;
	bool timed_out = false;
	for (;;) {
		int left = -1; /* no deadline: read until the program closes its output */
		if (timeout_ms > 0) {
			left = (int)((deadline - dd_now()) * 1000);
			if (left <= 0) {
				timed_out = true;
				break;
			}
		}
		struct pollfd p = {.fd = fd, .events = POLLIN};
		int n = poll(&p, 1, left);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			timed_out = n == 0;
			break;
		}
		char chunk[4096];
		ssize_t k = read(fd, chunk, sizeof(chunk));
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			break;
		size_t m = (size_t)k;
		if (m >= max) { /* keep the tail: errors come last */
			memcpy(buf, chunk + m - max, max);
			len = max;
			continue;
		}
		if (len + m > max) {
			memmove(buf, buf + len + m - max, max - m);
			len = max - m;
		}
		memcpy(buf + len, chunk, m);
		len += m;
	}
	buf[len] = '\0';
	if (timed_out)
		kill(pid, SIGKILL);
	int st = 0;
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return dd_error_set(err, -errno, "waitpid: %s", strerror(errno));
	if (timed_out)
		return dd_error_set(err, -ETIMEDOUT, "%s did not finish in %d s", argv[0],
				    timeout_ms / 1000);
	*ret_status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
	if (ret_output)
		*ret_output = TAKE_PTR(buf);
	return 0;
}
