/* SSH keys made in the process (no ssh-keygen per node). */
#ifndef DD_SSHKEY_INTERNAL_H
#define DD_SSHKEY_INTERNAL_H

#include "dcos-docker/error.h"

/* A new Ed25519 key pair, as `ssh-keygen -q -t ed25519 -N "" -C comment -f
 * path` writes it: path (0600) in OpenSSH's own private key format
 * ("openssh-key-v1", unencrypted; PROTOCOL.key of OpenSSH), path.pub (0644)
 * "ssh-ed25519 BASE64 comment\n". Existing files are replaced. */
int dd_sshkey_ed25519(const char *path, const char *comment, dd_error *err);

/* The two files' contents for a given 32-byte seed and 32-bit check value
 * (pure, for tests): *ret_priv and *ret_pub are malloc'ed. */
void dd_sshkey_ed25519_format(const unsigned char seed[32], unsigned check, const char *comment,
                              char **ret_priv, char **ret_pub);

#endif
