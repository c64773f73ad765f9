#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>

#include "dcos-docker/cancel.h"
#include "process-internal.h"
#include "util.h"

extern char **environ;

/* Starts argv[0] with stdin from /dev/null and stdout and stderr on out_fd;
 * nothing else is inherited (libcurl's daemon connections are not
 * close-on-exec, and mmdebstrap needs low descriptors free), and signals are
 * back to their defaults. */
static int spawn(const dd_process_opts *o, int out_fd, pid_t *ret_pid, dd_error *err)
{
	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, out_fd, 1);
	posix_spawn_file_actions_adddup2(&fa, out_fd, 2);
	posix_spawn_file_actions_addclosefrom_np(&fa, 3);
	if (o->cwd)
		posix_spawn_file_actions_addchdir_np(&fa, o->cwd);
	posix_spawnattr_t attr;
	posix_spawnattr_init(&attr);
	/* The child must not inherit the CLI's handlers or blocked signals. */
	sigset_t none, all;
	sigemptyset(&none);
	sigfillset(&all);
	posix_spawnattr_setsigmask(&attr, &none);
	posix_spawnattr_setsigdefault(&attr, &all);
	short flags = POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF;
	if (o->own_pgroup) {
		posix_spawnattr_setpgroup(&attr, 0);
		flags |= POSIX_SPAWN_SETPGROUP;
	}
	posix_spawnattr_setflags(&attr, flags);
	int r = posix_spawnp(ret_pid, o->argv[0], &fa, &attr, (char *const *)o->argv,
	                     o->env ? o->env : environ);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&attr);
	if (r != 0) {
		dd_error_set(err, -r, "Failed to run %s: %s", o->argv[0], strerror(r));
		if (r == ENOENT)
			dd_error_hint(err,
			              "Install it (it is part of a Debian package) and retry.");
		return -r;
	}
	return 0;
}

struct child {
	const dd_process_opts *o;
	pid_t pid;
	bool reaped;
	int status;
	double term_at; /* when the group got SIGTERM; 0: not cancelled */
	dd_buf line;
};

/* With a group of its own the child never sees a terminal's signals: a
 * cancellation stops the group, SIGTERM first (mmdebstrap unmounts and
 * removes its chroot; the docker CLI passes it on to its container), then
 * SIGKILL for whatever is left once the leader exited, or after the grace
 * time. */
static void check_cancel(struct child *c)
{
	if (!c->o->own_pgroup)
		return;
	if (c->term_at == 0 && dd_cancelled()) {
		kill(-c->pid, SIGTERM);
		c->term_at = dd_now();
	}
	if (c->term_at == 0)
		return;
	if (!c->reaped && waitpid(c->pid, &c->status, WNOHANG) == c->pid)
		c->reaped = true;
	int grace = c->o->term_grace_ms > 0 ? c->o->term_grace_ms : 5000;
	if (c->reaped || dd_now() - c->term_at > grace / 1000.0)
		kill(-c->pid, SIGKILL);
}

static int reap(struct child *c, dd_error *err)
{
	/* A cancellation must still be noticed while we wait. */
	int flags = c->o->own_pgroup ? WNOHANG : 0;
	while (!c->reaped) {
		check_cancel(c);
		if (c->reaped)
			break;
		pid_t w = waitpid(c->pid, &c->status, flags);
		if (w == c->pid)
			c->reaped = true;
		else if (w < 0 && errno != EINTR)
			return dd_error_set(err, -errno, "Failed to wait for %s: %s", c->o->argv[0],
			                    strerror(errno));
		else if (w == 0)
			nanosleep(&(struct timespec){0, 100 * 1000 * 1000}, NULL);
	}
	return 0;
}

int dd_process_exec(const dd_process_opts *o, int *ret_wait_status, dd_error *err)
{
	int fds[2];
	if (pipe2(fds, O_CLOEXEC) < 0)
		return dd_error_set(err, -errno, "Failed to create a pipe: %s", strerror(errno));
	_cleanup_close_ int fd = fds[0];
	struct child c = {.o = o, .line = DD_BUF_HEAD(DD_PROCESS_LINE_MAX)};
	int r = spawn(o, fds[1], &c.pid, err);
	close(fds[1]); /* so that read() sees EOF when the child is done */
	if (r < 0)
		return r;
	pid_t target = o->own_pgroup ? -c.pid : c.pid;
	double deadline = o->timeout_ms > 0 ? dd_now() + o->timeout_ms / 1000.0 : 0;
	bool timed_out = false;
	for (;;) {
		check_cancel(&c);
		/* Wake up now and then to notice a cancellation the child did not see. */
		int wait_ms = o->own_pgroup ? 200 : -1;
		if (deadline > 0) {
			int left = (int)((deadline - dd_now()) * 1000);
			if (left <= 0) {
				timed_out = true;
				break;
			}
			wait_ms = wait_ms < 0 || left < wait_ms ? left : wait_ms;
		}
		struct pollfd p = {.fd = fd, .events = POLLIN};
		int n = poll(&p, 1, wait_ms);
		if (n == 0 || (n < 0 && errno == EINTR))
			continue;
		char buf[8192];
		ssize_t k = n < 0 ? -1 : read(fd, buf, sizeof(buf));
		if (k < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (k < 0) {
			int e = errno;
			kill(target, SIGKILL);
			reap(&c, NULL);
			dd_buf_free(&c.line);
			return dd_error_set(err, -e, "Failed to read the output of %s: %s",
			                    o->argv[0], strerror(e));
		}
		if (k == 0)
			break;
		if (o->output)
			dd_buf_add(o->output, buf, (size_t)k);
		if (o->on_line)
			dd_buf_lines(&c.line, buf, (size_t)k, o->on_line, o->userdata);
	}
	if (c.line.len > 0)
		dd_buf_lines_flush(&c.line, o->on_line, o->userdata);
	dd_buf_free(&c.line);
	if (timed_out)
		kill(target, SIGKILL);
	if ((r = reap(&c, err)) < 0)
		return r;
	if (c.term_at > 0)
		return dd_error_set(err, -ECANCELED, "Cancelled; %s was stopped", o->argv[0]);
	if (timed_out)
		return dd_error_set(err, -ETIMEDOUT, "%s did not finish in %d s", o->argv[0],
		                    o->timeout_ms / 1000);
	*ret_wait_status = c.status;
	return 0;
}

char **dd_process_env(const char *const *changes)
{
	size_t n = 0, m = 0;
	while (environ[n])
		n++;
	while (changes[m])
		m++;
	char **env = dd_malloc0((n + m + 1) * sizeof(char *));
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		bool keep = true;
		for (size_t j = 0; j < m && keep; j++) {
			size_t len = strcspn(changes[j], "=");
			keep = strncmp(environ[i], changes[j], len) != 0 || environ[i][len] != '=';
		}
		if (keep)
			env[k++] = dd_strdup(environ[i]);
	}
	for (size_t j = 0; j < m; j++)
		if (strchr(changes[j], '='))
			env[k++] = dd_strdup(changes[j]);
	return env;
}

int dd_process_run(const char *const *argv, const char *cwd, size_t max, char **ret_output,
                   int *ret_status, dd_error *err)
{
	return dd_process_run_timeout(argv, cwd, 0, max, ret_output, ret_status, err);
}

int dd_process_run_timeout(const char *const *argv, const char *cwd, int timeout_ms, size_t max,
                           char **ret_output, int *ret_status, dd_error *err)
{
	/* The tail is kept: errors come last. */
	_cleanup_buf_ dd_buf out = DD_BUF_TAIL(max);
	dd_process_opts o = {.argv = argv, .cwd = cwd, .timeout_ms = timeout_ms, .output = &out};
	int st = 0;
	int r = dd_process_exec(&o, &st, err);
	if (r < 0)
		return r;
	*ret_status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
	if (ret_output)
		*ret_output = dd_buf_take(&out);
	return 0;
}
