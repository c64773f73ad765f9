/* Waiting for a node to boot: systemd's READY=1 (and the image's boot
 * report) on the node's notify socket, else systemctl asked by exec, then
 * sshd reachable from the host. Shared by create, add-node and the fault
 * commands' start and restart, so a node comes back as ready as it was made. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "buf.h"
#include "dcos-docker/cancel.h"
#include "dcos-docker/exec.h"
#include "docker/objects.h"
#include "node-boot-internal.h"
#include "util.h"

int dd_node_notify_bind(const char *node_dir, int *ret_fd, dd_error *err)
{
	_cleanup_close_ int dirfd = open(node_dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (dirfd < 0)
		return dd_error_set(err, -errno, "Failed to open %s: %s", node_dir,
		                    strerror(errno));
	/* The workspace path may exceed sun_path; bind through /proc/self/fd. */
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	snprintf(sa.sun_path, sizeof(sa.sun_path), "/proc/self/fd/%d/notify/notify.sock", dirfd);
	unlinkat(dirfd, "notify/notify.sock", 0);
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return dd_error_set(err, -errno, "socket: %s", strerror(errno));
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		int r = -errno;
		close(fd);
		return dd_error_set(err, r, "Failed to create the notify socket in %s: %s",
		                    node_dir, strerror(-r));
	}
	*ret_fd = fd;
	return 0;
}

void dd_node_notify_close(const char *node_dir, int fd)
{
	if (fd < 0)
		return;
	close(fd);
	_cleanup_free_ char *sock = dd_asprintf("%s/notify/notify.sock", node_dir);
	unlink(sock);
}

/* The node console's last lines on one line ("|" between them), for a
 * message: TTY logs carry ANSI colour codes, which are dropped. */
static void console_tail(dd_docker *d, const char *id, char *buf, size_t size)
{
	_cleanup_buf_ dd_buf log = DD_BUF_HEAD(64 * 1024);
	dd_error e = {0};
	buf[0] = '\0';
	dd_container_logs(d, id, 8, 5000, dd_buf_sink, &log, &e); /* what came is shown */
	if (!log.data)
		return;
	dd_strip_ansi(log.data);
	size_t o = 0;
	for (const char *p = log.data; *p && o + 1 < size; p++)
		if (*p != '\r')
			buf[o++] = *p == '\n' ? '|' : *p;
	buf[o] = '\0';
}

static int container_running(dd_docker *d, const char *id, bool *ret, dd_error *err)
{
	_cleanup_json_ json_t *j = NULL;
	int r = dd_container_inspect(d, id, &j, err);
	if (r < 0)
		return r;
	*ret = json_is_true(json_object_get(json_object_get(j, "State"), "Running"));
	return 0;
}

/* The verdict on a booted node, from the units that failed (space separated)
 * and whether the inner Docker's socket listens. sshd is checked from the
 * host over TCP afterwards. */
static int boot_verdict(const char *failed, bool docker_listening, char *status, size_t status_size,
                        dd_error *err)
{
	if (!docker_listening)
		return dd_error_set(err, -EIO, "the inner Docker socket is not listening%s%s",
		                    *failed ? "; failed units: " : "", failed);
	if (*failed)
		snprintf(status, status_size, "ready (degraded: %s failed)", failed);
	else
		snprintf(status, status_size, "ready");
	return 0;
}

/* For images that do not report their boot (another --image): one exec asks
 * systemd for the state, the Docker socket and the failed units. */
static int check_node(dd_docker *d, const char *id, bool final, bool *ret_ready, char *status,
                      size_t status_size, dd_error *err)
{
	const char *argv[] = {"/bin/sh", "-c",
	                      "systemctl is-system-running; echo ---; "
	                      "systemctl is-active docker.socket; echo ---; "
	                      "systemctl list-units --failed --plain --no-legend --no-pager",
	                      NULL};
	_cleanup_free_ char *out = NULL;
	int code = 0;
	int r = dd_exec_capture(d, id, argv, 16384, &out, NULL, &code, err);
	if (r < 0)
		return r;
	char *save = NULL;
	char *state = strtok_r(out, "\n", &save);
	bool booted = state && (strcmp(state, "running") == 0 || strcmp(state, "degraded") == 0);
	if (!booted && !final) {
		*ret_ready = false;
		return 0;
	}
	if (!booted)
		return dd_error_set(err, -ETIMEDOUT, "systemd did not finish booting (state: %s)",
		                    state ? state : "unknown");
	strtok_r(NULL, "\n", &save); /* --- */
	char *docker = strtok_r(NULL, "\n", &save);
	strtok_r(NULL, "\n", &save); /* --- */
	char failed[512] = "";
	for (char *l; (l = strtok_r(NULL, "\n", &save));) {
		char unit[128];
		if (sscanf(l, "%127s", unit) == 1 &&
		    strlen(failed) + strlen(unit) + 3 < sizeof(failed))
			snprintf(failed + strlen(failed), sizeof(failed) - strlen(failed), "%s%s",
			         failed[0] ? " " : "", unit);
	}
	r = boot_verdict(failed, docker && strcmp(docker, "active") == 0, status, status_size, err);
	if (r < 0)
		return r;
	*ret_ready = true;
	return 0;
}

static int tcp_check(const char *ip, int port, int timeout_ms)
{
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
	if (inet_pton(AF_INET, ip, &sa.sin_addr) != 1)
		return -EINVAL;
	_cleanup_close_ int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0)
		return 0;
	if (errno != EINPROGRESS)
		return -errno;
	struct pollfd p = {.fd = fd, .events = POLLOUT};
	if (poll(&p, 1, timeout_ms) <= 0)
		return -ETIMEDOUT;
	int soerr = 0;
	socklen_t len = sizeof(soerr);
	getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &len);
	return -soerr;
}

int dd_node_boot_wait(dd_docker *d, const dd_boot_wait *w, char *ret_status, size_t status_size,
                      dd_error *err)
{
	double timeout = w->timeout > 0 ? w->timeout : DD_BOOT_DEFAULT_TIMEOUT;
	double start = dd_now(), last_inspect = start, last_poll = start;
	char status[640];
	char failed[512] = "", active[128] = "";
	bool reported = false;
	for (;;) {
		if (w->should_stop ? w->should_stop(w->userdata) : dd_cancelled())
			return dd_error_set(err, -ECANCELED, "Interrupted");
		struct pollfd p = {.fd = w->notify_fd, .events = POLLIN};
		int n = poll(&p, 1, 100);
		bool ready = false;
		while (n > 0) {
			char msg[4096];
			ssize_t k = recv(w->notify_fd, msg, sizeof(msg) - 1, 0);
			if (k <= 0)
				break;
			msg[k] = '\0';
			/* sd_notify: newline-separated assignments. READY=1 comes from
			 * systemd; the X_DCOS_DOCKER_ ones from the image's boot report
			 * (report-ready), sent just before. */
			for (char *save = NULL, *l = strtok_r(msg, "\n", &save); l;
			     l = strtok_r(NULL, "\n", &save)) {
				ready |= strcmp(l, "READY=1") == 0;
				if (dd_startswith(l, "X_DCOS_DOCKER_FAILED=")) {
					snprintf(failed, sizeof(failed), "%s", strchr(l, '=') + 1);
					reported = true;
				} else if (dd_startswith(l, "X_DCOS_DOCKER_ACTIVE="))
					snprintf(active, sizeof(active), "%s", strchr(l, '=') + 1);
			}
		}
		double now = dd_now();
		if (!ready && now - start > 5 && now - last_poll >= 1) {
			/* An image whose systemd ignores NOTIFY_SOCKET: fall back to asking. */
			last_poll = now;
			int r = check_node(d, w->id, false, &ready, status, sizeof(status), err);
			if (r < 0)
				return r;
			if (ready)
				goto done;
		}
		if (ready)
			break;
		if (now - last_inspect >= 1) {
			last_inspect = now;
			bool running = true;
			int r = container_running(d, w->id, &running, err);
			if (r < 0)
				return r;
			if (!running) {
				char tail[1024];
				console_tail(d, w->id, tail, sizeof(tail));
				return dd_error_set(err, -EIO,
				                    "the container stopped while booting; "
				                    "console: %s",
				                    tail);
			}
		}
		if (now - start > timeout) {
			char tail[1024];
			console_tail(d, w->id, tail, sizeof(tail));
			return dd_error_set(
			    err, -ETIMEDOUT,
			    "systemd did not report ready within %.0f s; console: %s", timeout,
			    tail);
		}
	}
	int r;
	if (reported) {
		/* "<sshd socket> <docker socket>" states, e.g. "active active". */
		char sshd[32] = "", docker[32] = "";
		sscanf(active, "%31s %31s", sshd, docker);
		r = boot_verdict(failed, strcmp(docker, "active") == 0, status, sizeof(status),
		                 err);
	} else {
		bool ok = false;
		r = check_node(d, w->id, true, &ok, status, sizeof(status), err);
	}
	if (r < 0)
		return r;
done:
	r = tcp_check(w->ip, 22, 2000);
	if (r < 0)
		return dd_error_set(err, r, "sshd on %s:22 is not reachable from this host: %s",
		                    w->ip, strerror(-r));
	snprintf(ret_status, status_size, "%s", status);
	return 0;
}
