/* One capped byte buffer (after curl's dynbuf) for everything the library
 * collects from a program, a daemon or a node: it grows on demand but never
 * beyond its maximum, so no output can exhaust memory. A head buffer keeps
 * the first max bytes (a bounded summary, a body to parse); a tail buffer
 * drops the oldest bytes instead (a program's errors come last). Internal:
 * the library and the CLI use it. */
#ifndef DCOS_DOCKER_BUF_H
#define DCOS_DOCKER_BUF_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

typedef struct dd_buf {
	char *data;     /* NUL-terminated; NULL until something was added */
	size_t len;     /* bytes in data, without the NUL */
	size_t alloc;   /* bytes allocated for data */
	size_t max;     /* len never exceeds it */
	bool tail;      /* at max: drop the oldest bytes, not the new ones */
	bool truncated; /* bytes were dropped */
} dd_buf;

#define DD_BUF_HEAD(max_) ((dd_buf){.max = (max_)})
#define DD_BUF_TAIL(max_) ((dd_buf){.max = (max_), .tail = true})

/* Adds len bytes. Returns 0, or -E2BIG when bytes had to be dropped (what
 * fits is kept: a head buffer keeps the first max bytes, a tail buffer the
 * last max). Aborts on out-of-memory like dd_malloc0. */
int dd_buf_add(dd_buf *b, const void *data, size_t len);
/* Adds printf output; the same truncation as dd_buf_add. */
int dd_buf_addf(dd_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int dd_buf_vaddf(dd_buf *b, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));
/* A streaming callback (dd_docker_write_cb's shape) adding the bytes to the
 * dd_buf in userdata; past the cap it goes on (the buffer keeps what fits). */
int dd_buf_sink(const char *data, size_t len, void *userdata);
/* The contents, "" when empty; valid until the next change. */
const char *dd_buf_str(const dd_buf *b);
/* Hands the contents out (malloc'ed, NUL-terminated, "" when empty) and
 * empties the buffer. */
char *dd_buf_take(dd_buf *b);
/* Empties the buffer, keeping its memory and limits. */
void dd_buf_reset(dd_buf *b);
/* Frees the contents; the limits stay (the buffer can be used again). */
void dd_buf_free(dd_buf *b);
#define _cleanup_buf_ __attribute__((cleanup(dd_buf_free)))

/* Splits output into lines for on_line (without "\n" or "\r\n"); line
 * holds the partial line between calls, and a line longer than line->max
 * reaches on_line in pieces. dd_buf_lines_flush passes on a last line
 * without its "\n". */
void dd_buf_lines(dd_buf *line, const char *p, size_t n,
                  void (*on_line)(const char *line, void *userdata), void *userdata);
void dd_buf_lines_flush(dd_buf *line, void (*on_line)(const char *line, void *userdata),
                        void *userdata);

/* The newest non-empty lines of b ("\n", "\r" or "\r\n" end a line; of a tail
 * buffer that dropped bytes the first, partial line is left out), at most
 * max_lines of them and as many as fit in budget bytes, oldest first, each
 * after indent and cut at line_max characters ("..." marks the cut), joined
 * by "\n": the tail of a program's output for an error message. Without a
 * line that fits: indent + "(no output)". */
char *dd_tail_text(const dd_buf *b, size_t max_lines, size_t line_max, size_t budget,
                   const char *indent);

#endif
