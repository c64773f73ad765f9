/* SHA-256 (FIPS 180-4), for the image tag: a hash of the embedded recipe. */
#ifndef DCOS_DOCKER_SHA256_H
#define DCOS_DOCKER_SHA256_H

#include <stddef.h>
#include <stdint.h>

#define DD_SHA256_SIZE 32

typedef struct dd_sha256 {
	uint32_t h[8];
	uint64_t len; /* bytes hashed so far */
	unsigned char buf[64];
	size_t buf_len;
} dd_sha256;

void dd_sha256_init(dd_sha256 *s);
void dd_sha256_update(dd_sha256 *s, const void *data, size_t len);
void dd_sha256_final(dd_sha256 *s, unsigned char out[DD_SHA256_SIZE]);
/* Lowercase hex of a digest: out gets 2*DD_SHA256_SIZE chars and a NUL. */
void dd_sha256_hex(const unsigned char digest[DD_SHA256_SIZE], char out[2 * DD_SHA256_SIZE + 1]);

#endif
