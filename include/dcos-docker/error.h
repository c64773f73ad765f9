/* The one error convention of libdcosdocker.
 *
 * Every fallible function returns int: 0 on success or a negative errno-style
 * code on failure, and fills a caller-owned dd_error with one human sentence
 * (Docker's own error text included where there is one) plus, where it helps,
 * a hint saying what to do. The library never prints: the CLI prints the
 * message once. */
#ifndef DCOS_DOCKER_ERROR_H
#define DCOS_DOCKER_ERROR_H

#include <stdarg.h>
#include <stddef.h>

/* libdcos-docker is built with -fvisibility=hidden: what the public headers
 * declare inside this pragma is what the shared library exports, and nothing
 * else is. Every public header does the same. */
#pragma GCC visibility push(default)

#define DD_ERROR_MSG_MAX  2048
#define DD_ERROR_HINT_MAX 512

/* Error kinds beyond errno: which exit code the CLI uses depends on them. */
enum dd_error_kind {
	DD_ERR_FAILED = 0, /* the operation failed: exit 1 */
	DD_ERR_USAGE = 1,  /* the user asked for something invalid: exit 2 */
};

typedef struct dd_error {
	int code; /* negative errno, 0 when no error is set */
	int kind; /* enum dd_error_kind */
	char msg[DD_ERROR_MSG_MAX];
	char hint[DD_ERROR_HINT_MAX];
} dd_error;

/* Sets the message (printf-style) and returns code, so callers can write
 *   return dd_error_set(err, -EINVAL, "bad count %d", n);
 * err may be NULL (the message is dropped). */
int dd_error_set(dd_error *err, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Same, and marks the error as a usage error (exit code 2). */
int dd_error_usage(dd_error *err, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Sets the hint shown under the message. Returns err->code: the code set
 * last on err, or with err NULL, the code last set on a NULL err by this
 * thread (so `return dd_error_hint(err, ...)` fails either way). */
int dd_error_hint(dd_error *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Prepends context: "Failed to create node 'agent1': " + existing message.
 * Returns err->code, as dd_error_hint does. */
int dd_error_prefix(dd_error *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void dd_error_clear(dd_error *err);
/* Copies src into dst (for errors collected from worker threads). */
void dd_error_copy(dd_error *dst, const dd_error *src);

#pragma GCC visibility pop
#endif
