/* libFuzzer target for the chunked body decoder of the hijacked connection
 * (dd_chunked_feed): no crash or read past a piece, data only ever from the
 * input, and the same data, answer, end and consumed count whether the body
 * is fed whole or in pieces. */
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "docker/stream-internal.h"
#include "fuzz.h"

struct out {
	unsigned char *data;
	size_t len, cap;
};

static int collect(const char *buf, size_t len, void *userdata)
{
	struct out *o = userdata;
	CHECK(len > 0);
	CHECK(len <= o->cap - o->len);
	memcpy(o->data + o->len, buf, len);
	o->len += len;
	return 0;
}

/* Returns the decoder's answer; *consumed: body bytes before what follows. */
static int run(const uint8_t *data, size_t size, uint32_t *seed, struct out *o, bool *done,
               size_t *consumed)
{
	dd_chunked c;
	dd_chunked_init(&c, collect, o);
	int r = 0;
	size_t off = 0;
	*consumed = 0;
	do {
		size_t n;
		char *piece = fuzz_piece(data, size, off, seed, &n);
		size_t used = (size_t)-1;
		r = dd_chunked_feed(&c, piece, n, &used);
		free(piece);
		if (r == 0) {
			CHECK(used <= n);
			/* Only the end of the body stops short of a piece's end. */
			CHECK(used == n || dd_chunked_done(&c));
			*consumed += used;
		}
		off += n;
	} while (r == 0 && off < size);
	*done = dd_chunked_done(&c);
	return r;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct out whole = {.data = malloc(size + 1), .cap = size};
	struct out split = {.data = malloc(size + 1), .cap = size};
	bool whole_done, split_done;
	size_t whole_used, split_used;
	uint32_t seed = fuzz_seed(data, size);
	int rw = run(data, size, NULL, &whole, &whole_done, &whole_used);
	int rs = run(data, size, &seed, &split, &split_done, &split_used);
	CHECK(rw == 0 || rw == -EPROTO || rw == -E2BIG);
	CHECK(rw == rs);
	CHECK(whole.len == split.len);
	CHECK(memcmp(whole.data, split.data, whole.len) == 0);
	if (rw == 0) {
		CHECK(whole_done == split_done);
		CHECK(whole_used == split_used);
		CHECK(whole.len < whole_used || whole_used == 0);
	}
	free(whole.data);
	free(split.data);
	return 0;
}
