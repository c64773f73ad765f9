/* The pure protocol code of the exec/attach path: Docker's multiplexed stream,
 * the HTTP response head of a hijacked connection and chunked bodies. Every
 * decoder is fed the same bytes split at every possible point, because the
 * socket decides the splits, not us. */
#define _GNU_SOURCE
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "dcos-docker/docker.h"
#include "docker/stream-internal.h"

/* ---- helpers ---- */

struct capture {
	char out[3][4096]; /* per stream */
	size_t out_len[3];
	/* Stream switches in arrival order: "1:hello |2:oops|1:world"; adjacent
	 * pieces of one stream are merged, so the log does not depend on splits. */
	char log[4096];
	int last_stream;
	int calls;
	int zero_len_calls;
	int fail_at_call; /* return fail_with on this call (1-based), 0: never */
	int fail_with;
};

static void capture_init(struct capture *c)
{
	memset(c, 0, sizeof(*c));
	c->last_stream = -1;
}

static int capture_cb(int stream, const char *buf, size_t len, void *userdata)
{
	struct capture *c = userdata;
	c->calls++;
	if (c->fail_at_call && c->calls == c->fail_at_call)
		return c->fail_with;
	if (len == 0)
		c->zero_len_calls++;
	assert_true(stream >= 0 && stream <= 2);
	assert_true(c->out_len[stream] + len < sizeof(c->out[stream]));
	memcpy(c->out[stream] + c->out_len[stream], buf, len);
	c->out_len[stream] += len;
	c->out[stream][c->out_len[stream]] = '\0';
	size_t l = strlen(c->log);
	if (stream != c->last_stream)
		l +=
		    (size_t)snprintf(c->log + l, sizeof(c->log) - l, "%s%d:", l ? "|" : "", stream);
	assert_true(l + len < sizeof(c->log));
	memcpy(c->log + l, buf, len);
	c->log[l + len] = '\0';
	c->last_stream = stream;
	return 0;
}

/* Appends one frame to buf at *off. */
static void put_frame(unsigned char *buf, size_t *off, int stream, const char *payload, size_t n)
{
	buf[(*off)++] = (unsigned char)stream;
	buf[(*off)++] = 0;
	buf[(*off)++] = 0;
	buf[(*off)++] = 0;
	buf[(*off)++] = (unsigned char)(n >> 24);
	buf[(*off)++] = (unsigned char)(n >> 16);
	buf[(*off)++] = (unsigned char)(n >> 8);
	buf[(*off)++] = (unsigned char)n;
	memcpy(buf + *off, payload, n);
	*off += n;
}

static void put_str_frame(unsigned char *buf, size_t *off, int stream, const char *s)
{
	put_frame(buf, off, stream, s, strlen(s));
}

/* Three frames: stdout, stderr, stdout, plus an empty frame in the middle. */
static size_t three_frames(unsigned char *buf)
{
	size_t n = 0;
	put_str_frame(buf, &n, DD_STREAM_STDOUT, "hello ");
	put_str_frame(buf, &n, DD_STREAM_STDERR, "oops\n");
	put_str_frame(buf, &n, DD_STREAM_STDOUT, "");
	put_str_frame(buf, &n, DD_STREAM_STDOUT, "world");
	return n;
}

static void assert_three_frames(const struct capture *c)
{
	assert_string_equal(c->out[DD_STREAM_STDOUT], "hello world");
	assert_string_equal(c->out[DD_STREAM_STDERR], "oops\n");
	assert_int_equal(c->out_len[DD_STREAM_STDIN], 0);
	assert_string_equal(c->log, "1:hello |2:oops\n|1:world");
	assert_int_equal(c->zero_len_calls, 0);
}

/* ---- demux ---- */

static void test_demux_whole_buffer(void **state)
{
	(void)state;
	unsigned char buf[256];
	size_t n = three_frames(buf);
	struct capture c;
	capture_init(&c);
	dd_demux m;
	dd_demux_init(&m, capture_cb, &c);
	assert_true(dd_demux_complete(&m));
	assert_int_equal(dd_demux_feed(&m, (char *)buf, n), 0);
	assert_true(dd_demux_complete(&m));
	assert_three_frames(&c);
	/* One callback per non-empty frame when nothing is split. */
	assert_int_equal(c.calls, 3);
}

static void test_demux_byte_at_a_time(void **state)
{
	(void)state;
	unsigned char buf[256];
	size_t n = three_frames(buf);
	struct capture c;
	capture_init(&c);
	dd_demux m;
	dd_demux_init(&m, capture_cb, &c);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(dd_demux_feed(&m, (char *)buf + i, 1), 0);
	assert_true(dd_demux_complete(&m));
	assert_three_frames(&c);
}

/* Every split into two and into three pieces, including empty pieces. */
static void test_demux_every_split(void **state)
{
	(void)state;
	unsigned char buf[256];
	size_t n = three_frames(buf);
	for (size_t i = 0; i <= n; i++) {
		for (size_t j = i; j <= n; j++) {
			struct capture c;
			capture_init(&c);
			dd_demux m;
			dd_demux_init(&m, capture_cb, &c);
			assert_int_equal(dd_demux_feed(&m, (char *)buf, i), 0);
			assert_int_equal(dd_demux_feed(&m, (char *)buf + i, j - i), 0);
			assert_int_equal(dd_demux_feed(&m, (char *)buf + j, n - j), 0);
			assert_true(dd_demux_complete(&m));
			assert_three_frames(&c);
		}
	}
}

static void test_demux_complete_only_on_boundaries(void **state)
{
	(void)state;
	unsigned char buf[256];
	size_t n = three_frames(buf);
	/* Frame boundaries of three_frames(): 8+6, +8+5, +8+0, +8+5. */
	const size_t boundaries[] = {0, 14, 27, 35, 48};
	assert_int_equal(n, 48);
	for (size_t k = 0; k <= n; k++) {
		struct capture c;
		capture_init(&c);
		dd_demux m;
		dd_demux_init(&m, capture_cb, &c);
		assert_int_equal(dd_demux_feed(&m, (char *)buf, k), 0);
		bool boundary = false;
		for (size_t b = 0; b < sizeof(boundaries) / sizeof(boundaries[0]); b++)
			boundary |= boundaries[b] == k;
		assert_int_equal(dd_demux_complete(&m), boundary);
	}
}

static void test_demux_zero_length_frames(void **state)
{
	(void)state;
	unsigned char buf[64];
	size_t n = 0;
	put_str_frame(buf, &n, DD_STREAM_STDOUT, "");
	put_str_frame(buf, &n, DD_STREAM_STDERR, "");
	put_str_frame(buf, &n, DD_STREAM_STDOUT, "");
	struct capture c;
	capture_init(&c);
	dd_demux m;
	dd_demux_init(&m, capture_cb, &c);
	assert_int_equal(dd_demux_feed(&m, (char *)buf, n), 0);
	assert_int_equal(c.calls, 0);
	assert_true(dd_demux_complete(&m));
	/* An empty feed is harmless too. */
	assert_int_equal(dd_demux_feed(&m, "", 0), 0);
	assert_int_equal(c.calls, 0);
}

static void test_demux_interleaving(void **state)
{
	(void)state;
	unsigned char buf[1024];
	size_t n = 0;
	char expect_out[512] = "", expect_err[512] = "", expect_log[1024] = "";
	for (int i = 0; i < 20; i++) {
		char line[32];
		int stream = i % 3 == 2 ? DD_STREAM_STDERR : DD_STREAM_STDOUT;
		snprintf(line, sizeof(line), "line %d\n", i);
		put_str_frame(buf, &n, stream, line);
		strcat(stream == DD_STREAM_STDOUT ? expect_out : expect_err, line);
	}
	/* Expected log: stdout runs of two lines, then one stderr line. */
	for (int i = 0; i < 20; i++) {
		char piece[40];
		int stream = i % 3 == 2 ? 2 : 1;
		int prev = i == 0 ? -1 : ((i - 1) % 3 == 2 ? 2 : 1);
		if (stream != prev)
			snprintf(piece, sizeof(piece), "%s%d:line %d\n", i ? "|" : "", stream, i);
		else
			snprintf(piece, sizeof(piece), "line %d\n", i);
		strcat(expect_log, piece);
	}
	for (size_t step = 1; step <= 11; step += 2) {
		struct capture c;
		capture_init(&c);
		dd_demux m;
		dd_demux_init(&m, capture_cb, &c);
		for (size_t off = 0; off < n; off += step) {
			size_t k = n - off < step ? n - off : step;
			assert_int_equal(dd_demux_feed(&m, (char *)buf + off, k), 0);
		}
		assert_true(dd_demux_complete(&m));
		assert_string_equal(c.out[DD_STREAM_STDOUT], expect_out);
		assert_string_equal(c.out[DD_STREAM_STDERR], expect_err);
		assert_string_equal(c.log, expect_log);
	}
}

static void test_demux_stdin_frames_pass_through(void **state)
{
	(void)state;
	unsigned char buf[64];
	size_t n = 0;
	put_str_frame(buf, &n, DD_STREAM_STDIN, "in");
	struct capture c;
	capture_init(&c);
	dd_demux m;
	dd_demux_init(&m, capture_cb, &c);
	assert_int_equal(dd_demux_feed(&m, (char *)buf, n), 0);
	assert_string_equal(c.out[DD_STREAM_STDIN], "in");
}

static void test_demux_unknown_stream(void **state)
{
	(void)state;
	for (int type = 3; type <= 255; type += 84) {
		unsigned char buf[64];
		size_t n = 0;
		put_str_frame(buf, &n, DD_STREAM_STDOUT, "ok");
		put_str_frame(buf, &n, type, "bad");
		struct capture c;
		capture_init(&c);
		dd_demux m;
		dd_demux_init(&m, capture_cb, &c);
		assert_int_equal(dd_demux_feed(&m, (char *)buf, n), -EPROTO);
		/* What came before the bad header was delivered; the bad payload was not. */
		assert_string_equal(c.out[DD_STREAM_STDOUT], "ok");
		assert_int_equal(c.calls, 1);
	}
	/* A TTY (raw) stream mistaken for a multiplexed one is caught at once. */
	struct capture c;
	capture_init(&c);
	dd_demux m;
	dd_demux_init(&m, capture_cb, &c);
	assert_int_equal(dd_demux_feed(&m, "hello world\n", 12), -EPROTO);
	assert_int_equal(c.calls, 0);
}

static void test_demux_oversize_frame(void **state)
{
	(void)state;
	unsigned char hdr[8] = {1, 0, 0, 0, 0, 0, 0, 0};
	uint32_t too_big = DD_STREAM_MAX_FRAME + 1;
	hdr[4] = (unsigned char)(too_big >> 24);
	hdr[5] = (unsigned char)(too_big >> 16);
	hdr[6] = (unsigned char)(too_big >> 8);
	hdr[7] = (unsigned char)too_big;
	struct capture c;
	capture_init(&c);
	dd_demux m;
	dd_demux_init(&m, capture_cb, &c);
	/* Rejected as soon as the header is whole, even split. */
	assert_int_equal(dd_demux_feed(&m, (char *)hdr, 5), 0);
	assert_int_equal(dd_demux_feed(&m, (char *)hdr + 5, 3), -EPROTO);
	assert_int_equal(c.calls, 0);

	unsigned char max[8] = {2, 0, 0, 0, 0, 0, 0, 0};
	max[4] = (unsigned char)(DD_STREAM_MAX_FRAME >> 24);
	max[5] = (unsigned char)(DD_STREAM_MAX_FRAME >> 16);
	max[6] = (unsigned char)(DD_STREAM_MAX_FRAME >> 8);
	max[7] = (unsigned char)DD_STREAM_MAX_FRAME;
	unsigned char all_ones[8] = {1, 0, 0, 0, 0xff, 0xff, 0xff, 0xff};
	dd_demux_init(&m, capture_cb, &c);
	assert_int_equal(dd_demux_feed(&m, (char *)all_ones, 8), -EPROTO);
	dd_demux_init(&m, capture_cb, &c);
	assert_int_equal(dd_demux_feed(&m, (char *)max, 8), 0); /* exactly the cap is fine */
	assert_false(dd_demux_complete(&m));
}

static void test_demux_callback_error(void **state)
{
	(void)state;
	unsigned char buf[256];
	size_t n = three_frames(buf);
	struct capture c;
	capture_init(&c);
	c.fail_at_call = 2;
	c.fail_with = -EPIPE;
	dd_demux m;
	dd_demux_init(&m, capture_cb, &c);
	assert_int_equal(dd_demux_feed(&m, (char *)buf, n), -EPIPE);
	/* Stopped right there: the third frame never reached the callback. */
	assert_int_equal(c.calls, 2);
	assert_string_equal(c.out[DD_STREAM_STDOUT], "hello ");
	assert_int_equal(c.out_len[DD_STREAM_STDERR], 0);
}

static void test_demux_incomplete(void **state)
{
	(void)state;
	unsigned char buf[64];
	size_t n = 0;
	put_str_frame(buf, &n, DD_STREAM_STDOUT, "abcdef");
	struct capture c;
	capture_init(&c);
	dd_demux m;
	dd_demux_init(&m, capture_cb, &c);
	assert_int_equal(dd_demux_feed(&m, (char *)buf, 3), 0); /* half a header */
	assert_false(dd_demux_complete(&m));
	assert_int_equal(dd_demux_feed(&m, (char *)buf + 3, 8), 0); /* header + 3 of 6 bytes */
	assert_false(dd_demux_complete(&m));
	assert_string_equal(c.out[DD_STREAM_STDOUT], "abc"); /* partial frames are delivered */
	assert_int_equal(dd_demux_feed(&m, (char *)buf + 11, n - 11), 0);
	assert_true(dd_demux_complete(&m));
	assert_string_equal(c.out[DD_STREAM_STDOUT], "abcdef");
}

/* A big frame (bigger than any read buffer) arrives in odd pieces. */
static int count_cb(int stream, const char *buf, size_t len, void *userdata)
{
	uint64_t *sum = userdata;
	assert_int_equal(stream, DD_STREAM_STDERR);
	for (size_t i = 0; i < len; i++)
		sum[0] += (unsigned char)buf[i];
	sum[1] += len;
	return 0;
}

static void test_demux_big_frame(void **state)
{
	(void)state;
	size_t payload = 300000;
	unsigned char *buf = malloc(payload + 8);
	assert_non_null(buf);
	uint64_t expect = 0;
	for (size_t i = 0; i < payload; i++) {
		buf[8 + i] = (unsigned char)(i * 7 + 3);
		expect += buf[8 + i];
	}
	buf[0] = 2;
	buf[1] = buf[2] = buf[3] = 0;
	buf[4] = (unsigned char)(payload >> 24);
	buf[5] = (unsigned char)(payload >> 16);
	buf[6] = (unsigned char)(payload >> 8);
	buf[7] = (unsigned char)payload;
	uint64_t sum[2] = {0, 0};
	dd_demux m;
	dd_demux_init(&m, count_cb, sum);
	size_t off = 0, step = 1;
	while (off < payload + 8) {
		size_t k = payload + 8 - off < step ? payload + 8 - off : step;
		assert_int_equal(dd_demux_feed(&m, (char *)buf + off, k), 0);
		off += k;
		step = step * 3 + 1; /* 1, 4, 13, 40, ... */
		if (step > 65536)
			step = 5;
	}
	assert_true(dd_demux_complete(&m));
	assert_int_equal(sum[0], expect);
	assert_int_equal(sum[1], payload);
	free(buf);
}

/* ---- HTTP response head ---- */

static const char upgraded_head[] = "HTTP/1.1 101 UPGRADED\r\n"
                                    "Content-Type: application/vnd.docker.multiplexed-stream\r\n"
                                    "Connection: Upgrade\r\n"
                                    "Upgrade: tcp\r\n"
                                    "Api-Version: 1.41\r\n"
                                    "\r\n";

static void test_head_complete(void **state)
{
	(void)state;
	const char buf[] = "HTTP/1.1 200 OK\r\n"
	                   "Content-Type: application/vnd.docker.raw-stream\r\n"
	                   "Api-Version: 1.41\r\n"
	                   "\r\n"
	                   "raw bytes of the stream";
	dd_http_head h;
	assert_int_equal(dd_http_parse_response_head(buf, sizeof(buf) - 1, &h), 0);
	assert_int_equal(h.status, 200);
	assert_string_equal(buf + h.head_len, "raw bytes of the stream");
	assert_string_equal(h.content_type, "application/vnd.docker.raw-stream");
	assert_true(dd_http_media_type_is(h.content_type, DD_MEDIA_RAW_STREAM));
	assert_false(dd_http_media_type_is(h.content_type, DD_MEDIA_MULTIPLEXED_STREAM));
	assert_int_equal(h.content_length, -1);
	assert_false(h.chunked);
	assert_false(h.upgrade);
}

static void test_head_101(void **state)
{
	(void)state;
	dd_http_head h;
	assert_int_equal(dd_http_parse_response_head(upgraded_head, strlen(upgraded_head), &h), 0);
	assert_int_equal(h.status, 101);
	assert_int_equal(h.head_len, strlen(upgraded_head));
	assert_true(h.upgrade);
	assert_true(dd_http_media_type_is(h.content_type, DD_MEDIA_MULTIPLEXED_STREAM));

	/* No reason phrase at all is tolerated. */
	const char bare[] = "HTTP/1.1 101\r\n\r\n";
	assert_int_equal(dd_http_parse_response_head(bare, sizeof(bare) - 1, &h), 0);
	assert_int_equal(h.status, 101);
	assert_string_equal(h.content_type, "");
	assert_false(dd_http_media_type_is(h.content_type, DD_MEDIA_RAW_STREAM));
}

static void test_head_every_split(void **state)
{
	(void)state;
	char buf[512];
	size_t head = strlen(upgraded_head);
	/* The stream's first frame follows the head in the same read. */
	memcpy(buf, upgraded_head, head);
	memcpy(buf + head, "\x01\0\0\0\0\0\0\x02hi", 10);
	size_t total = head + 10;
	for (size_t k = 0; k <= total; k++) {
		dd_http_head h;
		memset(&h, 0x5a, sizeof(h));
		int r = dd_http_parse_response_head(buf, k, &h);
		if (k < head) {
			assert_int_equal(r, -EAGAIN);
			/* Outputs untouched until success. */
			assert_int_equal(h.head_len, (size_t)0x5a5a5a5a5a5a5a5aULL);
		} else {
			assert_int_equal(r, 0);
			assert_int_equal(h.status, 101);
			assert_int_equal(h.head_len, head);
		}
	}
}

static void test_head_malformed(void **state)
{
	(void)state;
	const char *bad[] = {
	    "HTTP/1.1 20 OK\r\n\r\n",
	    "HTTP/1.1 2000 OK\r\n\r\n",
	    "HTTP/1.1 099 Low\r\n\r\n",
	    "HTTP/1.1 abc OK\r\n\r\n",
	    "HTTP/1.1  200 OK\r\n\r\n",
	    "HTTP/1.1 200OK\r\n\r\n",
	    "HTTP/2 200\r\n\r\n",
	    "HTTP/1.x 200 OK\r\n\r\n",
	    "http/1.1 200 OK\r\n\r\n",
	    "FOO/1.1 200 OK\r\n\r\n",
	    "\r\n\r\n",
	    "HTTP/1.1 200 OK\r\nNo colon here\r\n\r\n",
	    "HTTP/1.1 200 OK\r\n: empty name\r\n\r\n",
	    "HTTP/1.1 200 OK\r\nBad Name: x\r\n\r\n",
	    "HTTP/1.1 200 OK\r\nName : x\r\n\r\n",
	    "HTTP/1.1 200 OK\r\nA: 1\r\n folded\r\n\r\n",
	    "HTTP/1.1 200 OK\r\nA: 1\nB: 2\r\n\r\n",
	    "HTTP/1.1 200 OK\r\nA: x\ry\r\n\r\n",
	    "HTTP/1.1 200 OK\r\nContent-Length: 12a\r\n\r\n",
	    "HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n",
	    "HTTP/1.1 200 OK\r\nContent-Length:\r\n\r\n",
	    "HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999\r\n\r\n",
	    "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
	    "HTTP/1.1 200 OK\r\nContent-Type: a/b\r\nContent-Type: c/d\r\n\r\n",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		dd_http_head h;
		int r = dd_http_parse_response_head(bad[i], strlen(bad[i]), &h);
		if (r != -EPROTO)
			fail_msg("head #%zu \"%s\": expected -EPROTO, got %d", i, bad[i], r);
	}
	/* A NUL inside the head is refused too. */
	const char nul[] = "HTTP/1.1 200 OK\r\nA: x\0y\r\n\r\n";
	dd_http_head h;
	assert_int_equal(dd_http_parse_response_head(nul, sizeof(nul) - 1, &h), -EPROTO);

	/* Identical duplicates are legal. */
	const char dup[] = "HTTP/1.1 200 OK\r\nContent-Length: 7\r\ncontent-length: 7\r\n\r\n";
	assert_int_equal(dd_http_parse_response_head(dup, sizeof(dup) - 1, &h), 0);
	assert_int_equal(h.content_length, 7);
}

/* A peer that does not speak HTTP is reported as soon as that is certain, not
 * after DD_HTTP_MAX_HEAD bytes. */
static void test_head_malformed_early(void **state)
{
	(void)state;
	dd_http_head h;
	assert_int_equal(dd_http_parse_response_head("SSH-2.0-OpenSSH_9.2", 19, &h), -EPROTO);
	assert_int_equal(dd_http_parse_response_head("HTTX", 4, &h), -EPROTO);
	assert_int_equal(dd_http_parse_response_head("HTTP/1.1 abc\r\nA: b\r\n", 20, &h), -EPROTO);
	assert_int_equal(dd_http_parse_response_head("HTTP/1.1 200 OK\n", 16, &h), -EPROTO);
	/* Valid prefixes are just incomplete. */
	assert_int_equal(dd_http_parse_response_head("", 0, &h), -EAGAIN);
	assert_int_equal(dd_http_parse_response_head("HTT", 3, &h), -EAGAIN);
	assert_int_equal(dd_http_parse_response_head("HTTP/1.1 404 Not Found\r\nA: b\r\n", 30, &h),
	                 -EAGAIN);
}

static char *padded_head(size_t target, bool terminated)
{
	char *buf = malloc(target + 64);
	assert_non_null(buf);
	size_t n = (size_t)sprintf(buf, "HTTP/1.1 200 OK\r\n");
	const char *end = terminated ? "\r\n" : "";
	while (n + 24 + strlen(end) <= target)
		n += (size_t)sprintf(buf + n, "X-Pad: abc\r\n");
	/* Exactly target bytes: one last header of 12..23 bytes fills the rest. */
	size_t left = target - n - strlen(end);
	memcpy(buf + n, "Y: ", 3);
	memset(buf + n + 3, 'y', left - 5);
	memcpy(buf + n + left - 2, "\r\n", 2);
	n += left;
	memcpy(buf + n, end, strlen(end));
	n += strlen(end);
	assert_int_equal(n, target);
	return buf;
}

static void test_head_oversize(void **state)
{
	(void)state;
	dd_http_head h;
	/* A head of exactly the cap is fine. */
	char *ok = padded_head(DD_HTTP_MAX_HEAD, true);
	assert_int_equal(dd_http_parse_response_head(ok, DD_HTTP_MAX_HEAD, &h), 0);
	assert_int_equal(h.head_len, DD_HTTP_MAX_HEAD);
	free(ok);
	/* One byte more, complete or not, is refused. */
	char *big = padded_head(DD_HTTP_MAX_HEAD + 1, true);
	assert_int_equal(dd_http_parse_response_head(big, DD_HTTP_MAX_HEAD + 1, &h), -E2BIG);
	free(big);
	char *endless = padded_head(DD_HTTP_MAX_HEAD + 40, false);
	assert_int_equal(dd_http_parse_response_head(endless, DD_HTTP_MAX_HEAD - 1, &h), -EAGAIN);
	assert_int_equal(dd_http_parse_response_head(endless, DD_HTTP_MAX_HEAD, &h), -E2BIG);
	assert_int_equal(dd_http_parse_response_head(endless, DD_HTTP_MAX_HEAD + 40, &h), -E2BIG);
	free(endless);
}

static void test_head_content_type(void **state)
{
	(void)state;
	const char buf[] =
	    "HTTP/1.1 200 OK\r\n"
	    "content-TYPE: \t Application/VND.Docker.Raw-Stream ; charset=utf-8 \t\r\n"
	    "\r\n";
	dd_http_head h;
	assert_int_equal(dd_http_parse_response_head(buf, sizeof(buf) - 1, &h), 0);
	assert_string_equal(h.content_type, "Application/VND.Docker.Raw-Stream ; charset=utf-8");
	assert_true(dd_http_media_type_is(h.content_type, DD_MEDIA_RAW_STREAM));
	assert_false(dd_http_media_type_is(h.content_type, DD_MEDIA_MULTIPLEXED_STREAM));
	assert_false(dd_http_media_type_is(h.content_type, "application/vnd.docker.raw"));
	assert_true(dd_http_media_type_is("application/json", "APPLICATION/JSON"));
	assert_false(dd_http_media_type_is("application/jsonx", "application/json"));

	/* A Content-Type we cannot hold is an error, not a silently cut value. */
	char longct[600];
	int n = snprintf(longct, sizeof(longct), "HTTP/1.1 200 OK\r\nContent-Type: ");
	memset(longct + n, 'a', DD_HTTP_MAX_CONTENT_TYPE);
	strcpy(longct + n + DD_HTTP_MAX_CONTENT_TYPE, "\r\n\r\n");
	assert_int_equal(dd_http_parse_response_head(longct, strlen(longct), &h), -EPROTO);
}

static void test_head_framing_headers(void **state)
{
	(void)state;
	dd_http_head h;
	const char chunked[] = "HTTP/1.1 404 Not Found\r\n"
	                       "Content-Type: application/json\r\n"
	                       "Transfer-Encoding: gzip,\r\n"
	                       "Transfer-Encoding: , Chunked\r\n"
	                       "\r\n";
	assert_int_equal(dd_http_parse_response_head(chunked, sizeof(chunked) - 1, &h), 0);
	assert_int_equal(h.status, 404);
	assert_true(h.chunked);
	assert_int_equal(h.content_length, -1);
	const char not_last[] = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, gzip\r\n\r\n";
	assert_int_equal(dd_http_parse_response_head(not_last, sizeof(not_last) - 1, &h), 0);
	assert_false(h.chunked);
	const char cl[] = "HTTP/1.1 500 Internal Server Error\r\n"
	                  "Content-Length: 1234\r\n"
	                  "Connection: keep-alive, UPGRADE\r\n"
	                  "\r\n";
	assert_int_equal(dd_http_parse_response_head(cl, sizeof(cl) - 1, &h), 0);
	assert_int_equal(h.status, 500);
	assert_int_equal(h.content_length, 1234);
	assert_true(h.upgrade);
}

/* ---- chunked ---- */

struct sink {
	char buf[8192];
	size_t len;
	int calls;
	int zero_len_calls;
	int fail_at_call;
	int fail_with;
};

static int sink_cb(const char *buf, size_t len, void *userdata)
{
	struct sink *s = userdata;
	s->calls++;
	if (s->fail_at_call && s->calls == s->fail_at_call)
		return s->fail_with;
	if (len == 0)
		s->zero_len_calls++;
	assert_true(s->len + len < sizeof(s->buf));
	memcpy(s->buf + s->len, buf, len);
	s->len += len;
	s->buf[s->len] = '\0';
	return 0;
}

static const char chunked_body[] = "5\r\nhello\r\n"
                                   "6;name=val\r\n world\r\n"
                                   "A ; q=\"a;b\"\r\n, chunked!\r\n"
                                   "0;last\r\n"
                                   "X-Trailer: 1\r\n"
                                   "\r\n";
static const char chunked_text[] = "hello world, chunked!";

/* Feeds pieces [0,i) [i,j) [j,n) and checks the result and consumed counts. */
static void feed3(const char *buf, size_t n, size_t i, size_t j, const char *expect,
                  size_t body_len)
{
	struct sink s = {0};
	dd_chunked c;
	dd_chunked_init(&c, sink_cb, &s);
	size_t cuts[4] = {0, i, j, n}, total = 0;
	for (int k = 0; k < 3; k++) {
		size_t used = (size_t)-1;
		assert_int_equal(dd_chunked_feed(&c, buf + cuts[k], cuts[k + 1] - cuts[k], &used),
		                 0);
		assert_true(used <= cuts[k + 1] - cuts[k]);
		total += used;
		/* Short only once the body ended. */
		if (used < cuts[k + 1] - cuts[k])
			assert_true(dd_chunked_done(&c));
		if (cuts[k + 1] < body_len)
			assert_false(dd_chunked_done(&c));
	}
	assert_true(dd_chunked_done(&c));
	assert_int_equal(total, body_len);
	assert_string_equal(s.buf, expect);
	assert_int_equal(s.zero_len_calls, 0);
}

static void test_chunked_every_split(void **state)
{
	(void)state;
	char buf[256];
	size_t body = strlen(chunked_body);
	/* The next response's bytes follow the body: they must not be eaten. */
	snprintf(buf, sizeof(buf), "%sHTTP/1.1 200 OK\r\n", chunked_body);
	size_t n = strlen(buf);
	for (size_t i = 0; i <= n; i++)
		for (size_t j = i; j <= n; j++)
			feed3(buf, n, i, j, chunked_text, body);
}

static void test_chunked_byte_at_a_time(void **state)
{
	(void)state;
	size_t n = strlen(chunked_body);
	struct sink s = {0};
	dd_chunked c;
	dd_chunked_init(&c, sink_cb, &s);
	for (size_t i = 0; i < n; i++) {
		assert_false(dd_chunked_done(&c));
		size_t used = 0;
		assert_int_equal(dd_chunked_feed(&c, chunked_body + i, 1, &used), 0);
		assert_int_equal(used, 1);
	}
	assert_true(dd_chunked_done(&c));
	assert_string_equal(s.buf, chunked_text);
	/* After the end nothing more is consumed. */
	size_t used = 99;
	assert_int_equal(dd_chunked_feed(&c, "5\r\nhello\r\n", 10, &used), 0);
	assert_int_equal(used, 0);
	assert_string_equal(s.buf, chunked_text);
}

static void test_chunked_extensions_and_hex(void **state)
{
	(void)state;
	const char *ok[][2] = {
	    {"a\r\n0123456789\r\n0\r\n\r\n", "0123456789"},
	    {"A\r\n0123456789\r\n0\r\n\r\n", "0123456789"},
	    {"0000000003\r\nabc\r\n0\r\n\r\n", "abc"},
	    {"3;a=b;c=\"d;e\";flag\r\nabc\r\n0;x=y\r\n\r\n", "abc"},
	    {"3 \t;ext\r\nabc\r\n0 \r\n\r\n", "abc"},
	    {"0\r\n\r\n", ""},
	};
	for (size_t t = 0; t < sizeof(ok) / sizeof(ok[0]); t++) {
		struct sink s = {0};
		dd_chunked c;
		dd_chunked_init(&c, sink_cb, &s);
		assert_int_equal(dd_chunked_feed(&c, ok[t][0], strlen(ok[t][0]), NULL), 0);
		assert_true(dd_chunked_done(&c));
		assert_string_equal(s.buf, ok[t][1]);
	}
}

static void test_chunked_bad_framing(void **state)
{
	(void)state;
	const char *bad[] = {
	    "g\r\n",                     /* not hex */
	    "\r\n",                      /* no digits */
	    ";ext\r\n",                  /* extension without a size */
	    " 5\r\nhello\r\n",           /* leading blank */
	    "-1\r\n",                    /* sign */
	    "0x5\r\nhello\r\n",          /* C prefix */
	    "5 5\r\n",                   /* digits after blanks */
	    "5\nhello\r\n",              /* bare LF after the size */
	    "5\r\rhello\r\n",            /* CR CR */
	    "3\r\nabcX\r\n",             /* data longer than the size */
	    "3\r\nabcd\n0\r\n\r\n",      /* data longer than the size, then LF */
	    "3\r\nabc\nX",               /* bare LF after data */
	    "3\r\nabc\r\rX",             /* CR without LF after data */
	    "10000000000000000\r\n",     /* 17 hex digits: overflows 64 bits */
	    "3;a\nb\r\n",                /* LF in an extension */
	    "0\r\nX-T: 1\nY: 2\r\n\r\n", /* bare LF in a trailer */
	    "0\r\n\rX",                  /* CR not followed by LF at the end */
	    "0\r\nX-T: a\x01\r\n\r\n",   /* control char in a trailer */
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct sink s = {0};
		dd_chunked c;
		dd_chunked_init(&c, sink_cb, &s);
		int r = dd_chunked_feed(&c, bad[i], strlen(bad[i]), NULL);
		if (r != -EPROTO)
			fail_msg("chunked #%zu: expected -EPROTO, got %d", i, r);
	}
	/* The largest 64-bit size still parses (and waits for data). */
	struct sink s = {0};
	dd_chunked c;
	dd_chunked_init(&c, sink_cb, &s);
	assert_int_equal(dd_chunked_feed(&c, "ffffffffffffffff\r\nab", 20, NULL), 0);
	assert_false(dd_chunked_done(&c));
	assert_string_equal(s.buf, "ab");
}

static void test_chunked_oversize_lines(void **state)
{
	(void)state;
	size_t n = DD_CHUNKED_MAX_LINE + 16;
	char *buf = malloc(n + 16);
	assert_non_null(buf);
	struct sink s = {0};
	dd_chunked c;

	/* An endless extension: refused once the line passes the cap, split or not. */
	buf[0] = '1';
	buf[1] = ';';
	memset(buf + 2, 'x', n - 2);
	dd_chunked_init(&c, sink_cb, &s);
	assert_int_equal(dd_chunked_feed(&c, buf, DD_CHUNKED_MAX_LINE, NULL), 0);
	assert_int_equal(
	    dd_chunked_feed(&c, buf + DD_CHUNKED_MAX_LINE, n - DD_CHUNKED_MAX_LINE, NULL), -E2BIG);

	/* Endless leading zeros never overflow the value, so the cap must catch them. */
	memset(buf, '0', n);
	dd_chunked_init(&c, sink_cb, &s);
	assert_int_equal(dd_chunked_feed(&c, buf, n, NULL), -E2BIG);

	/* A size line of exactly the cap is fine. */
	memset(buf, '0', DD_CHUNKED_MAX_LINE - 1);
	memcpy(buf + DD_CHUNKED_MAX_LINE - 1, "1\r\nZ\r\n0\r\n\r\n", 11);
	dd_chunked_init(&c, sink_cb, &s);
	assert_int_equal(dd_chunked_feed(&c, buf, DD_CHUNKED_MAX_LINE + 10, NULL), 0);
	assert_true(dd_chunked_done(&c));
	assert_string_equal(s.buf, "Z");

	/* An endless trailer line. */
	memcpy(buf, "0\r\nX: ", 6);
	memset(buf + 6, 'y', n - 6);
	dd_chunked_init(&c, sink_cb, &s);
	assert_int_equal(dd_chunked_feed(&c, buf, n, NULL), -E2BIG);
	free(buf);

	/* Many short trailer lines: the trailer as a whole is capped too. */
	dd_chunked_init(&c, sink_cb, &s);
	assert_int_equal(dd_chunked_feed(&c, "0\r\n", 3, NULL), 0);
	int r = 0;
	size_t lines = 0;
	while (r == 0 && lines < DD_CHUNKED_MAX_TRAILER) {
		r = dd_chunked_feed(&c, "X-A: 1\r\n", 8, NULL);
		lines++;
	}
	assert_int_equal(r, -E2BIG);
	/* ... and not before the cap: each line holds 6 bytes of fields. */
	assert_true(lines * 6 > DD_CHUNKED_MAX_TRAILER);
	assert_false(dd_chunked_done(&c));
}

static void test_chunked_trailer(void **state)
{
	(void)state;
	const char body[] = "2\r\nok\r\n0\r\nX-One: 1\r\nX-Two: 2\r\n\r\n";
	size_t n = sizeof(body) - 1;
	struct sink s = {0};
	dd_chunked c;
	dd_chunked_init(&c, sink_cb, &s);
	size_t used;
	/* Not done until the blank line after the trailer. */
	assert_int_equal(dd_chunked_feed(&c, body, n - 1, &used), 0);
	assert_int_equal(used, n - 1);
	assert_false(dd_chunked_done(&c));
	assert_int_equal(dd_chunked_feed(&c, body + n - 1, 1, &used), 0);
	assert_true(dd_chunked_done(&c));
	assert_string_equal(s.buf, "ok");
	/* Without the last CRLF, the 0-size chunk alone is not the end. */
	dd_chunked_init(&c, sink_cb, &s);
	assert_int_equal(dd_chunked_feed(&c, "0\r\n", 3, NULL), 0);
	assert_false(dd_chunked_done(&c));
}

static void test_chunked_callback_error(void **state)
{
	(void)state;
	struct sink s = {.fail_at_call = 2, .fail_with = -ECANCELED};
	dd_chunked c;
	dd_chunked_init(&c, sink_cb, &s);
	size_t used = 12345;
	assert_int_equal(dd_chunked_feed(&c, chunked_body, strlen(chunked_body), &used),
	                 -ECANCELED);
	assert_int_equal(used, 12345); /* outputs are set only on success */
	assert_int_equal(s.calls, 2);
	assert_string_equal(s.buf, "hello");
}

/* What the exec path does with an error on a hijacked connection: parse the
 * head, then decode the chunked JSON body that follows it to show Docker's text. */
static void test_head_then_chunked_error_body(void **state)
{
	(void)state;
	const char msg[] = "{\"message\":\"No such container: x\"}\n";
	char buf[512];
	int n = snprintf(buf, sizeof(buf),
	                 "HTTP/1.1 404 Not Found\r\n"
	                 "Api-Version: 1.41\r\n"
	                 "Content-Type: application/json\r\n"
	                 "Date: Thu, 21 Nov 2024 05:15:00 GMT\r\n"
	                 "Transfer-Encoding: chunked\r\n"
	                 "\r\n"
	                 "%zx\r\n%s\r\n0\r\n\r\n",
	                 sizeof(msg) - 1, msg);
	for (int k = 0; k <= n; k++) {
		dd_http_head h;
		int r = dd_http_parse_response_head(buf, (size_t)k, &h);
		if (r == -EAGAIN)
			continue;
		assert_int_equal(r, 0);
		assert_int_equal(h.status, 404);
		assert_true(h.chunked);
		assert_true(dd_http_media_type_is(h.content_type, "application/json"));
		struct sink s = {0};
		dd_chunked c;
		dd_chunked_init(&c, sink_cb, &s);
		assert_int_equal(
		    dd_chunked_feed(&c, buf + h.head_len, (size_t)k - h.head_len, NULL), 0);
		assert_int_equal(dd_chunked_feed(&c, buf + k, (size_t)n - (size_t)k, NULL), 0);
		assert_true(dd_chunked_done(&c));
		assert_string_equal(s.buf, msg);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_demux_whole_buffer),
	    cmocka_unit_test(test_demux_byte_at_a_time),
	    cmocka_unit_test(test_demux_every_split),
	    cmocka_unit_test(test_demux_complete_only_on_boundaries),
	    cmocka_unit_test(test_demux_zero_length_frames),
	    cmocka_unit_test(test_demux_interleaving),
	    cmocka_unit_test(test_demux_stdin_frames_pass_through),
	    cmocka_unit_test(test_demux_unknown_stream),
	    cmocka_unit_test(test_demux_oversize_frame),
	    cmocka_unit_test(test_demux_callback_error),
	    cmocka_unit_test(test_demux_incomplete),
	    cmocka_unit_test(test_demux_big_frame),
	    cmocka_unit_test(test_head_complete),
	    cmocka_unit_test(test_head_101),
	    cmocka_unit_test(test_head_every_split),
	    cmocka_unit_test(test_head_malformed),
	    cmocka_unit_test(test_head_malformed_early),
	    cmocka_unit_test(test_head_oversize),
	    cmocka_unit_test(test_head_content_type),
	    cmocka_unit_test(test_head_framing_headers),
	    cmocka_unit_test(test_chunked_every_split),
	    cmocka_unit_test(test_chunked_byte_at_a_time),
	    cmocka_unit_test(test_chunked_extensions_and_hex),
	    cmocka_unit_test(test_chunked_bad_framing),
	    cmocka_unit_test(test_chunked_oversize_lines),
	    cmocka_unit_test(test_chunked_trailer),
	    cmocka_unit_test(test_chunked_callback_error),
	    cmocka_unit_test(test_head_then_chunked_error_body),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
