/* SHA-256 for the image tag (a hash of the embedded recipe) and the installer
 * cache key: nettle's, which the binary loads anyway (libarchive links it),
 * under the names the callers use. */
#ifndef DCOS_DOCKER_SHA256_H
#define DCOS_DOCKER_SHA256_H

#include <stddef.h>

#include <nettle/sha2.h>

#define DD_SHA256_SIZE SHA256_DIGEST_SIZE

typedef struct sha256_ctx dd_sha256;

static inline void dd_sha256_init(dd_sha256 *s)
{
	sha256_init(s);
}

static inline void dd_sha256_update(dd_sha256 *s, const void *data, size_t len)
{
	sha256_update(s, len, data);
}

static inline void dd_sha256_final(dd_sha256 *s, unsigned char out[DD_SHA256_SIZE])
{
	sha256_digest(s, DD_SHA256_SIZE, out);
}

/* Lowercase hex of a digest: out gets 2*DD_SHA256_SIZE chars and a NUL. */
static inline void dd_sha256_hex(const unsigned char digest[DD_SHA256_SIZE],
                                 char out[2 * DD_SHA256_SIZE + 1])
{
	static const char hex[] = "0123456789abcdef";
	for (size_t i = 0; i < DD_SHA256_SIZE; i++) {
		out[2 * i] = hex[digest[i] >> 4];
		out[2 * i + 1] = hex[digest[i] & 15];
	}
	out[2 * DD_SHA256_SIZE] = '\0';
}

#endif
