/* Ed25519 SSH keys in OpenSSH's formats, made with nettle.
 *
 * create made a cluster key and one host key per node with ssh-keygen: a
 * process per node (fork, exec, its own startup) on the critical path of
 * every create (issue 10). The formats are small and fixed, so they are
 * written here: the public key blob is RFC 8709's (string "ssh-ed25519",
 * string key), the private file OpenSSH's PROTOCOL.key (the "openssh-key-v1"
 * container, cipher and KDF "none"). ssh and sshd read both as they read
 * ssh-keygen's; test-sshkey checks that against ssh-keygen itself. */
#define _GNU_SOURCE
#include "sshkey-internal.h"

#include <errno.h>
#include <nettle/base64.h>
#include <nettle/eddsa.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include "buf.h"
#include "util.h"

/* Far more than a key with any comment a caller gives (a node's name). */
#define KEY_MAX (16u << 10)

/* Frees a buffer that held key material, zeroed first. */
static void wipe(dd_buf *b)
{
	if (b->data)
		explicit_bzero(b->data, b->alloc);
	dd_buf_free(b);
}

static void put_u32(dd_buf *b, unsigned v)
{
	unsigned char be[4] = {(unsigned char)(v >> 24), (unsigned char)(v >> 16),
	                       (unsigned char)(v >> 8), (unsigned char)v};
	dd_buf_add(b, be, 4);
}

static void put_string(dd_buf *b, const void *data, size_t len)
{
	put_u32(b, (unsigned)len);
	dd_buf_add(b, data, len);
}

static void put_cstring(dd_buf *b, const char *s)
{
	put_string(b, s, strlen(s));
}

/* base64 of data; wrap > 0 breaks lines after that many characters. */
static void put_base64(dd_buf *out, const dd_buf *data, size_t wrap)
{
	_cleanup_free_ char *enc = dd_malloc0(BASE64_ENCODE_RAW_LENGTH(data->len) + 1);
	base64_encode_raw(enc, data->len, (const uint8_t *)data->data);
	size_t n = BASE64_ENCODE_RAW_LENGTH(data->len);
	for (size_t i = 0; i < n; i += wrap ? wrap : n) {
		size_t l = wrap && n - i > wrap ? wrap : n - i;
		dd_buf_add(out, enc + i, l);
		if (wrap)
			dd_buf_add(out, "\n", 1);
	}
}

void dd_sshkey_ed25519_format(const unsigned char seed[32], unsigned check, const char *comment,
                              char **ret_priv, char **ret_pub)
{
	uint8_t pk[ED25519_KEY_SIZE];
	ed25519_sha512_public_key(pk, seed);

	_cleanup_buf_ dd_buf blob = DD_BUF_HEAD(KEY_MAX);
	put_cstring(&blob, "ssh-ed25519");
	put_string(&blob, pk, sizeof(pk));

	/* The private section: twice the same check value (a wrong passphrase
	 * shows as a mismatch), the key, its comment, then 1, 2, 3... up to the
	 * cipher's block size (8 for "none"). The private key field is seed
	 * and public key, as OpenSSH keeps Ed25519 keys. */
	_cleanup_(wipe) dd_buf priv = DD_BUF_HEAD(KEY_MAX);
	put_u32(&priv, check);
	put_u32(&priv, check);
	put_cstring(&priv, "ssh-ed25519");
	put_string(&priv, pk, sizeof(pk));
	put_u32(&priv, 64);
	dd_buf_add(&priv, seed, 32);
	dd_buf_add(&priv, pk, sizeof(pk));
	put_cstring(&priv, comment);
	for (unsigned char pad = 1; priv.len % 8 != 0; pad++)
		dd_buf_add(&priv, &pad, 1);

	_cleanup_(wipe) dd_buf file = DD_BUF_HEAD(KEY_MAX);
	dd_buf_add(&file, "openssh-key-v1", sizeof("openssh-key-v1")); /* with its NUL */
	put_cstring(&file, "none");                                    /* cipher */
	put_cstring(&file, "none");                                    /* KDF */
	put_string(&file, "", 0);                                      /* KDF options */
	put_u32(&file, 1);                                             /* one key */
	put_string(&file, blob.data, blob.len);
	put_string(&file, priv.data, priv.len);

	_cleanup_buf_ dd_buf pem = DD_BUF_HEAD(KEY_MAX);
	dd_buf_addf(&pem, "-----BEGIN OPENSSH PRIVATE KEY-----\n");
	put_base64(&pem, &file, 70);
	dd_buf_addf(&pem, "-----END OPENSSH PRIVATE KEY-----\n");

	_cleanup_buf_ dd_buf pub = DD_BUF_HEAD(KEY_MAX);
	dd_buf_addf(&pub, "ssh-ed25519 ");
	put_base64(&pub, &blob, 0);
	dd_buf_addf(&pub, " %s\n", comment);

	*ret_priv = dd_buf_take(&pem);
	*ret_pub = dd_buf_take(&pub);
}

int dd_sshkey_ed25519(const char *path, const char *comment, dd_error *err)
{
	unsigned char seed[32];
	unsigned check;
	if (getrandom(seed, sizeof(seed), 0) != (ssize_t)sizeof(seed) ||
	    getrandom(&check, sizeof(check), 0) != (ssize_t)sizeof(check))
		return dd_error_set(err, -errno, "No random bytes for an SSH key: %s",
		                    strerror(errno));
	char *priv = NULL, *pub = NULL;
	dd_sshkey_ed25519_format(seed, check, comment, &priv, &pub);
	explicit_bzero(seed, sizeof(seed));
	_cleanup_free_ char *pubpath = dd_asprintf("%s.pub", path);
	/* Replaced, not rewritten: a key file of another mode never stays. */
	unlink(path);
	int r = dd_write_file(path, priv, strlen(priv), 0600);
	explicit_bzero(priv, strlen(priv));
	free(priv);
	if (r >= 0) {
		unlink(pubpath);
		r = dd_write_file(pubpath, pub, strlen(pub), 0644);
	}
	free(pub);
	if (r < 0)
		return dd_error_set(err, r, "Failed to write the SSH key %s: %s", path,
		                    strerror(-r));
	return 0;
}
