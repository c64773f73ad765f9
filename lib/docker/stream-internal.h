/* Internal: not installed. */
/* Pure HTTP/1.1 framing for the hijacked (Connection: Upgrade) exec/attach
 * path, where libcurl hands us raw bytes: the response head, and chunked
 * bodies (Docker answers errors on that path with a chunked JSON body).
 * Both are state machines over buffers, fed arbitrary splits, so they are
 * unit-tested without a socket. The multiplexed-stream demuxer that reads the
 * upgraded stream itself (dd_demux_*) is at the end. */
#ifndef DCOS_DOCKER_STREAM_INTERNAL_H
#define DCOS_DOCKER_STREAM_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dcos-docker/docker.h"
#include "dcos-docker/exec.h"
#include "docker/docker-internal.h"

/* A response head longer than this is refused (-E2BIG). */
#define DD_HTTP_MAX_HEAD         (16u << 10)
#define DD_HTTP_MAX_CONTENT_TYPE 256

typedef struct dd_http_head {
	long status;     /* 100..999, e.g. 101 (upgraded) or 200 */
	size_t head_len; /* bytes up to and including the blank line: the body/stream starts here */
	/* Content-Type value without surrounding blanks, "" when absent. Use
	 * dd_http_media_type_is() to compare it. */
	char content_type[DD_HTTP_MAX_CONTENT_TYPE];
	int64_t content_length; /* -1 when absent */
	bool chunked;           /* Transfer-Encoding ends in "chunked" */
	bool upgrade;           /* Connection: Upgrade (the stream is hijacked) */
} dd_http_head;

/* Parses the response head at the start of buf. Returns 0 and fills *ret when
 * the head is complete, -EAGAIN when "\r\n\r\n" has not arrived yet (feed more
 * and call again with the whole buffer), -E2BIG when DD_HTTP_MAX_HEAD bytes
 * arrived without the head ending, -EPROTO on a malformed status line or
 * header (including an overlong or conflicting Content-Type/Content-Length). */
int dd_http_parse_response_head(const char *buf, size_t len, dd_http_head *ret);

/* True when content_type's media type (before any ';' parameters) equals
 * media_type, compared case-insensitively as HTTP wants. */
bool dd_http_media_type_is(const char *content_type, const char *media_type);

/* Docker's media types on the hijacked path: TTY sessions are raw, the
 * others multiplexed (dd_demux). */
#define DD_MEDIA_RAW_STREAM         "application/vnd.docker.raw-stream"
#define DD_MEDIA_MULTIPLEXED_STREAM "application/vnd.docker.multiplexed-stream"

/* ---- Chunked transfer coding (RFC 9112 section 7.1) ---- */

/* Longest chunk-size line (digits, extensions) and trailer line we accept. */
#define DD_CHUNKED_MAX_LINE 4096u
/* Total trailer bytes we accept after the last chunk. */
#define DD_CHUNKED_MAX_TRAILER (16u << 10)

typedef struct dd_chunked {
	int state;
	uint64_t remaining; /* data bytes left in the current chunk */
	size_t line_len;    /* bytes of the current size or trailer line */
	size_t trailer_len; /* bytes of trailer seen */
	bool digits;        /* the size line has at least one hex digit */
	dd_docker_write_cb cb;
	void *userdata;
} dd_chunked;

void dd_chunked_init(dd_chunked *c, dd_docker_write_cb cb, void *userdata);
/* Feeds bytes of a chunked body; calls cb with every piece of chunk data.
 * Stops after the last chunk's trailer: *ret_consumed (may be NULL) says how
 * many bytes of buf belonged to the body, so the caller finds what follows.
 * Feeding after the end consumes nothing. Returns 0, a negative errno from
 * cb, -EPROTO on bad framing (bad hex, missing CRLF, size overflow) or
 * -E2BIG on a size or trailer line longer than the caps. */
int dd_chunked_feed(dd_chunked *c, const char *buf, size_t len, size_t *ret_consumed);
/* True once the last (zero-size) chunk and its trailer were read. */
bool dd_chunked_done(const dd_chunked *c);

/* ---- Multiplexed stream framing (non-TTY attach/exec/logs) ----
 * Frames are an 8-byte header {stream, 0, 0, 0, size (big endian u32)} then
 * size bytes. The demuxer is a pure state machine over arbitrary splits. */
#define DD_STREAM_MAX_FRAME (64u << 20)

typedef dd_exec_output_cb dd_demux_cb;
typedef struct dd_demux {
	unsigned char header[8];
	size_t header_len; /* bytes of header seen so far */
	size_t remaining;  /* payload bytes left in the current frame */
	int stream;
	dd_demux_cb cb;
	void *userdata;
} dd_demux;

void dd_demux_init(dd_demux *m, dd_demux_cb cb, void *userdata);
/* Feeds bytes; calls cb for every payload piece (possibly a partial frame).
 * Returns 0, a negative errno from cb, or -EPROTO on a malformed header
 * (unknown stream or a frame larger than DD_STREAM_MAX_FRAME). */
int dd_demux_feed(dd_demux *m, const char *buf, size_t len);
/* True when the stream ended on a frame boundary. */
bool dd_demux_complete(const dd_demux *m);

#endif
