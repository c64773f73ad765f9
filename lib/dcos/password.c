/* superuser_password_hash for DC/OS Enterprise: SHA-512 crypt from libxcrypt,
 * the format DC/OS's own `--hash-password` produces. */
#define _GNU_SOURCE
#include "dcos/config-internal.h"
#include "util.h"

#include <crypt.h>
#include <errno.h>
#include <string.h>
#include <sys/random.h>

int dd_dcos_password_hash(const char *password, char **ret_hash, dd_error *err)
{
	static const char alphabet[] =
	    "./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
	if (!password || !*password)
		return dd_error_usage(err, -EINVAL, "The superuser password must not be empty");

	unsigned char rnd[16];
	size_t got = 0;
	while (got < sizeof(rnd)) {
		ssize_t k = getrandom(rnd + got, sizeof(rnd) - got, 0);
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0)
			return dd_error_set(err, -errno, "Failed to get random bytes: %s",
			                    strerror(errno));
		got += (size_t)k;
	}
	char salt[3 + sizeof(rnd) + 1] = "$6$";
	for (size_t i = 0; i < sizeof(rnd); i++)
		salt[3 + i] = alphabet[rnd[i] & 63]; /* 256 is a multiple of 64: no bias */

	_cleanup_free_ struct crypt_data *cd = dd_malloc0(sizeof(*cd));
	errno = 0;
	const char *h = crypt_r(password, salt, cd);
	int r = 0;
	if (!h || h[0] == '*')
		r = dd_error_set(err, errno ? -errno : -EINVAL, "Failed to hash the password: %s",
		                 strerror(errno ? errno : EINVAL));
	else
		*ret_hash = dd_strdup(h);
	explicit_bzero(cd, sizeof(*cd)); /* holds intermediate state derived from the password */
	return r;
}
