/* In-process Ed25519 SSH keys (lib/sshkey.c): RFC 8032's first test vector
 * gives the public key OpenSSH would print, and OpenSSH's own ssh-keygen
 * reads the private file we write and derives the same public key. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "sshkey-internal.h"
#include "util.h"

static void test_known_answer(void **state)
{
	(void)state;
	/* RFC 8032, 7.1, TEST 1: secret key and its public key. */
	static const unsigned char seed[32] = {0x9d, 0x61, 0xb1, 0x9d, 0xef, 0xfd, 0x5a, 0x60,
	                                       0xba, 0x84, 0x4a, 0xf4, 0x92, 0xec, 0x2c, 0xc4,
	                                       0x44, 0x49, 0xc5, 0x69, 0x7b, 0x32, 0x69, 0x19,
	                                       0x70, 0x3b, 0xac, 0x03, 0x1c, 0xae, 0x7f, 0x60};
	char *priv = NULL, *pub = NULL;
	dd_sshkey_ed25519_format(seed, 0x01020304, "root@t1-master1", &priv, &pub);
	/* string "ssh-ed25519", string d75a9801...511a, base64 */
	assert_string_equal(pub,
	                    "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAINdamAGCsQq31Uv+08lkBzoO4XLz2qYj"
	                    "Ja8CGmj3B1Ea root@t1-master1\n");
	assert_true(strncmp(priv, "-----BEGIN OPENSSH PRIVATE KEY-----\n", 36) == 0);
	assert_non_null(strstr(priv, "\n-----END OPENSSH PRIVATE KEY-----\n"));
	/* "openssh-key-v1\0" + "none"... base64, in lines of 70 as ssh-keygen's */
	assert_true(strncmp(priv + 36, "b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQ", 42) == 0);
	assert_int_equal(strchr(priv + 36, '\n') - (priv + 36), 70);
	free(priv);
	free(pub);
}

static int run(const char *cmd, char *out, size_t max)
{
	FILE *p = popen(cmd, "r");
	assert_non_null(p);
	size_t n = fread(out, 1, max - 1, p);
	out[n] = '\0';
	return pclose(p);
}

static void test_ssh_keygen_reads_it(void **state)
{
	(void)state;
	char dir[] = "/tmp/dd-sshkey.XXXXXX";
	assert_non_null(mkdtemp(dir));
	char path[64], pubpath[80], cmd[256], out[512];
	snprintf(path, sizeof(path), "%s/key", dir);
	snprintf(pubpath, sizeof(pubpath), "%s.pub", path);
	dd_error err = {0};
	assert_int_equal(dd_sshkey_ed25519(path, "dcos-docker-t1", &err), 0);
	struct stat st;
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600); /* a secret */
	assert_int_equal(stat(pubpath, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0644);
	_cleanup_free_ char *pub = NULL;
	assert_int_equal(dd_read_file(pubpath, 4096, &pub, NULL), 0);
	assert_true(strncmp(pub, "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI", 37) == 0);

	/* OpenSSH parses the private file and derives the same public key. */
	snprintf(cmd, sizeof(cmd), "ssh-keygen -y -f %s 2>&1", path);
	assert_int_equal(run(cmd, out, sizeof(out)), 0);
	char *sp = strrchr(pub, ' '); /* ssh-keygen -y prints the comment too */
	assert_non_null(sp);
	assert_true(strncmp(out, pub, (size_t)(sp - pub)) == 0);
	/* ... and its fingerprint of the .pub file names the same key. */
	snprintf(cmd, sizeof(cmd), "ssh-keygen -l -f %s 2>&1", pubpath);
	assert_int_equal(run(cmd, out, sizeof(out)), 0);
	assert_non_null(strstr(out, "dcos-docker-t1 (ED25519)"));

	/* A second key at the same path replaces the first, and differs. */
	_cleanup_free_ char *first = TAKE_PTR(pub);
	assert_int_equal(dd_sshkey_ed25519(path, "dcos-docker-t1", &err), 0);
	assert_int_equal(dd_read_file(pubpath, 4096, &pub, NULL), 0);
	assert_string_not_equal(first, pub);
	unlink(path);
	unlink(pubpath);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_known_answer),
	    cmocka_unit_test(test_ssh_keygen_reads_it),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
