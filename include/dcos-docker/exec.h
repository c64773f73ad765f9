/* Running commands in node containers through the Docker exec API. */
#ifndef DCOS_DOCKER_EXEC_H
#define DCOS_DOCKER_EXEC_H

#include <stdbool.h>
#include <stddef.h>

#include "dcos-docker/docker.h"
#include "dcos-docker/error.h"

/* Exported by libdcos-docker (see error.h). */
#pragma GCC visibility push(default)

/* Which output stream a piece of output comes from. */
enum dd_stream { DD_STREAM_STDIN = 0, DD_STREAM_STDOUT = 1, DD_STREAM_STDERR = 2 };
/* Gets each piece of a process' output; return 0 to go on, a negative errno to abort.
 * Not a dd_event (event.h): this is the process' data, raw bytes in pieces that
 * split lines and UTF-8 anywhere, and the return value stops it; events only
 * report and cannot refuse. */
typedef int (*dd_exec_output_cb)(int stream, const char *buf, size_t len, void *userdata);

typedef struct dd_exec_opts {
	const char *const *argv; /* NULL-terminated; passed as argv, never through a shell */
	const char *const *env;  /* NULL-terminated K=V list, or NULL */
	const char *user;        /* NULL: root */
	const char *workdir;     /* NULL: the container's */
	bool tty;
	int stdin_fd; /* -1: no stdin; otherwise copied to the process until EOF (hijacked
	                 connection) */
	/* Output callbacks: stream is DD_STREAM_STDOUT or DD_STREAM_STDERR (with a TTY, all is
	 * stdout). */
	dd_exec_output_cb on_output;
	void *userdata;
	long timeout_ms; /* 0: none */
	/* The node's name in messages ("executable file not found in node master1: foo");
	 * NULL: the container argument. */
	const char *name;
	/* TTY only, optional: window size. Once the process started, and again each time
	 * resize_fd turns readable, the pump asks get_size for the size and applies it
	 * (dd_exec_resize). resize_fd is meant for a self-pipe that a SIGWINCH handler
	 * writes a byte to; the pump drains it. Only read when get_size is set; -1: none. */
	int (*get_size)(unsigned *ret_rows, unsigned *ret_cols, void *userdata);
	int resize_fd;
	/* On a cancellation (dd_cancelled(), e.g. Ctrl-C) while the process runs,
	 * stop it as a terminal's Ctrl-C stops a local command: the cancelling
	 * signal (SIGINT for SIGINT, SIGTERM for SIGTERM, ...) goes to the process
	 * group the exec started in the node, SIGKILL follows after
	 * DD_EXEC_STOP_GRACE_S, and dd_exec returns once the exec has ended. The
	 * process is found in the node by DD_EXEC_TOKEN_ENV in its environment
	 * (Docker's exec Pid is a pid of the daemon's host, see exec.c). */
	bool stop_on_cancel;
} dd_exec_opts;

/* The variable that marks a stop_on_cancel exec's processes: NAME=<random hex>. */
#define DD_EXEC_TOKEN_ENV "DCOS_DOCKER_EXEC_TOKEN"
/* How long a cancelled process has for the signal before SIGKILL, like `docker stop`. */
#define DD_EXEC_STOP_GRACE_S 10

/* Runs the command, streaming its output, and returns its exit code in
 * *ret_exit_code: 128+N when killed by signal N, as a shell reports it (the
 * daemon itself reports 128+N: `kill -9 $$` gives 137).
 *
 * When the daemon cannot start the process at all (executable not found or
 * not executable, unknown user, missing workdir), Docker writes its runtime's
 * error into the *stdout* stream and reports 126. dd_exec turns that into what
 * a shell does: one clean line on the stderr stream ("executable file not
 * found in node master1: foo") and exit code 127 for "not found", 126 for the
 * other cases. Returns 0 then: the command ran, as far as the caller's exit
 * code is concerned.
 *
 * With stdin_fd >= 0 or tty, the output arrives over the hijacked connection
 * (attach.c); stdin is copied until EOF, then half-closed so the process sees
 * EOF. Buffers are bounded: any volume streams.
 *
 * With opts->stop_on_cancel, after a cancellation: -ECANCELED ("Interrupted")
 * once the process has ended (or when it was never started), another error
 * when it could not be stopped (the message says it may still run). */
int dd_exec(dd_docker *d, const char *container, const dd_exec_opts *opts, int *ret_exit_code,
            dd_error *err);

/* Convenience: runs argv and captures stdout and stderr (each capped at max bytes). */
int dd_exec_capture(dd_docker *d, const char *container, const char *const *argv, size_t max,
                    char **ret_stdout, char **ret_stderr, int *ret_exit_code, dd_error *err);

#pragma GCC visibility pop
#endif
