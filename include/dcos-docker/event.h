/* The one way the library reports what it is doing: every long operation
 * takes a dd_event_cb and a userdata, and calls it with events; the library
 * never prints, the caller decides how an event looks (crun's output handler
 * is the model). The byte streams of processes run in nodes are not events:
 * see dd_exec_output_cb (exec.h). */
#ifndef DCOS_DOCKER_EVENT_H
#define DCOS_DOCKER_EVENT_H

/* Exported by libdcos-docker (see error.h). */
#pragma GCC visibility push(default)

enum dd_event_kind {
	/* node (NULL: the whole operation) reached the step text, "booting". */
	DD_EVENT_STATUS,
	/* node's part is over; text says how: "running", "failed", "removed". */
	DD_EVENT_DONE,
	/* A line (no newline) that node's (NULL: the installer's or the image
	 * build's) process printed. */
	DD_EVENT_OUTPUT,
	/* Download progress in fetch; called often, the caller throttles. */
	DD_EVENT_FETCH,
	/* All of a node's log parts are done: logs; node is its container name. */
	DD_EVENT_LOGS_NODE,
};

struct dd_fetch_progress; /* fetch.h */
struct dd_logs_node;      /* logs.h */

/* Valid only during the call; the pointers of other kinds are NULL. */
typedef struct dd_event {
	enum dd_event_kind kind;
	const char *node; /* a node's name (short or container), or NULL */
	const char *text; /* STATUS, DONE, OUTPUT */
	const struct dd_fetch_progress *fetch;
	const struct dd_logs_node *logs;
} dd_event;

/* Operations with worker threads call it from them, some from several at
 * once: a handler locks what it shares (the CLI's do). */
typedef void (*dd_event_cb)(const dd_event *ev, void *userdata);

#pragma GCC visibility pop
#endif
