/* Shared by the libFuzzer targets: checks that survive NDEBUG, and the split
 * points a target feeds its decoder at. The decoders are fed what a socket
 * delivers, split wherever the kernel likes, so every target feeds the same
 * bytes once whole and once in pieces and wants the same answer. */
#ifndef DCOS_DOCKER_FUZZ_H
#define DCOS_DOCKER_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)                                                                                \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond);   \
			abort();                                                                   \
		}                                                                                  \
	} while (0)

/* Piece sizes from 1 to 16 drawn from a seed, so one input always splits the
 * same way (a crash reproduces) and different inputs split differently. */
static inline size_t fuzz_next_piece(uint32_t *seed)
{
	*seed = *seed * 1103515245u + 12345u;
	return 1 + ((*seed >> 16) & 15u);
}

/* The next piece of data from off (the rest when seed is NULL, else
 * fuzz_next_piece's size): a private exact-size copy, so that ASan catches a
 * read past the piece. *ret_n gets its size; free() it. */
static inline char *fuzz_piece(const uint8_t *data, size_t size, size_t off, uint32_t *seed,
                               size_t *ret_n)
{
	size_t n = seed ? fuzz_next_piece(seed) : size - off;
	if (n > size - off)
		n = size - off;
	char *piece = malloc(n ? n : 1);
	memcpy(piece, data + off, n);
	*ret_n = n;
	return piece;
}

static inline uint32_t fuzz_seed(const uint8_t *data, size_t size)
{
	uint32_t h = 2166136261u; /* FNV-1a */
	for (size_t i = 0; i < size; i++)
		h = (h ^ data[i]) * 16777619u;
	return h;
}

#endif
