/* libFuzzer target for Docker's multiplexed-stream demuxer (dd_demux_feed):
 * no crash, no read past the input, payload only ever from the input, and the
 * same stream/byte sequence, answer and end state whether fed whole or in
 * pieces. */
#include <errno.h>
#include <string.h>

#include "dcos-docker/docker.h"
#include "docker/stream-internal.h"
#include "fuzz.h"

struct out {
	unsigned char *data;   /* payload bytes in arrival order */
	unsigned char *stream; /* the stream of each byte */
	size_t len, cap;
};

static int collect(int stream, const char *buf, size_t len, void *userdata)
{
	struct out *o = userdata;
	CHECK(stream >= DD_STREAM_STDIN && stream <= DD_STREAM_STDERR);
	CHECK(len > 0);
	CHECK(len <= o->cap - o->len); /* payload is carved out of the input */
	memcpy(o->data + o->len, buf, len);
	memset(o->stream + o->len, stream, len);
	o->len += len;
	return 0;
}

static int run(const uint8_t *data, size_t size, uint32_t *seed, struct out *o, bool *complete)
{
	dd_demux m;
	dd_demux_init(&m, collect, o);
	int r = 0;
	size_t off = 0;
	do {
		size_t n;
		char *piece = fuzz_piece(data, size, off, seed, &n);
		r = dd_demux_feed(&m, piece, n);
		free(piece);
		off += n;
	} while (r == 0 && off < size);
	*complete = dd_demux_complete(&m);
	return r;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct out whole = {.data = malloc(size + 1), .stream = malloc(size + 1), .cap = size};
	struct out split = {.data = malloc(size + 1), .stream = malloc(size + 1), .cap = size};
	bool whole_done, split_done;
	uint32_t seed = fuzz_seed(data, size);
	int rw = run(data, size, NULL, &whole, &whole_done);
	int rs = run(data, size, &seed, &split, &split_done);
	CHECK(rw == 0 || rw == -EPROTO);
	CHECK(rw == rs);
	CHECK(whole.len == split.len);
	CHECK(memcmp(whole.data, split.data, whole.len) == 0);
	CHECK(memcmp(whole.stream, split.stream, whole.len) == 0);
	if (rw == 0)
		CHECK(whole_done == split_done);
	/* Without an error every byte is header or payload, 8 header bytes a frame. */
	if (rw == 0 && whole_done)
		CHECK((size - whole.len) % 8 == 0);
	free(whole.data);
	free(whole.stream);
	free(split.data);
	free(split.stream);
	return 0;
}
