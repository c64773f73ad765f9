/* libFuzzer target for the response head parser of the hijacked exec/attach
 * connection (dd_http_parse_response_head): no crash or read past the buffer,
 * a parsed head that keeps its promises, and answers that agree as the head
 * arrives byte by byte (the caller parses the growing buffer again after each
 * read until the answer is not -EAGAIN). */
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "docker/stream-internal.h"
#include "fuzz.h"

static int parse(const uint8_t *data, size_t len, dd_http_head *h)
{
	/* An exact-size copy: ASan then catches a read past len. */
	char *buf = malloc(len ? len : 1);
	memcpy(buf, data, len);
	int r = dd_http_parse_response_head(buf, len, h);
	free(buf);
	return r;
}

static bool same_head(const dd_http_head *a, const dd_http_head *b)
{
	return a->status == b->status && a->head_len == b->head_len &&
	       strcmp(a->content_type, b->content_type) == 0 &&
	       a->content_length == b->content_length && a->chunked == b->chunked &&
	       a->upgrade == b->upgrade;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	dd_http_head h;
	memset(&h, 0xa5, sizeof(h));
	int r = parse(data, size, &h);
	CHECK(r == 0 || r == -EAGAIN || r == -E2BIG || r == -EPROTO);
	if (r == -EAGAIN)
		CHECK(size < DD_HTTP_MAX_HEAD);
	if (r == -E2BIG)
		CHECK(size >= DD_HTTP_MAX_HEAD);
	if (r != 0) {
		/* What cannot be a head stays so as more bytes arrive. */
		if (r == -EPROTO && size < 4096) {
			uint8_t *more = malloc(size + 4);
			memcpy(more, data, size);
			memcpy(more + size, "\r\n\r\n", 4);
			CHECK(parse(more, size + 4, &h) == -EPROTO);
			free(more);
		}
		return 0;
	}
	CHECK(h.head_len >= 4 && h.head_len <= size && h.head_len <= DD_HTTP_MAX_HEAD);
	CHECK(memcmp(data + h.head_len - 4, "\r\n\r\n", 4) == 0);
	CHECK(h.status >= 100 && h.status <= 999);
	CHECK(memchr(h.content_type, '\0', sizeof(h.content_type)) != NULL);
	CHECK(h.content_length >= -1);
	(void)dd_http_media_type_is(h.content_type, DD_MEDIA_MULTIPLEXED_STREAM);
	(void)dd_http_media_type_is(h.content_type, DD_MEDIA_RAW_STREAM);

	/* The bytes after the head are the stream's: they change nothing. */
	dd_http_head h2;
	CHECK(parse(data, h.head_len, &h2) == 0);
	CHECK(same_head(&h, &h2));
	/* Any shorter prefix is an incomplete head, never an error: the status
	 * line and the headers were all fine. Every prefix is quadratic, so
	 * check the short ones (status line) and a spread of the rest. */
	size_t step = h.head_len / 64 + 1;
	for (size_t k = 0; k < h.head_len; k += k < 64 ? 1 : step)
		CHECK(parse(data, k, &h2) == -EAGAIN);
	CHECK(parse(data, h.head_len - 1, &h2) == -EAGAIN);
	return 0;
}
