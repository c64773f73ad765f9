/* The node image's pure parts: recipe hash and tag, distro rules, the
 * embedded recipe itself (its node-cgroup script is run on sample
 * /proc/1/cgroup files), capability sets and doctor's parsers. */
#define _GNU_SOURCE
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "dcos-docker/doctor.h"
#include "dcos-docker/image.h"
#include "dcos-docker/privilege.h"
#include "image/recipe.h"
#include "image/sha256.h"
#include "util.h"

static void sha_hex(const char *s, size_t n, char out[65])
{
	dd_sha256 c;
	dd_sha256_init(&c);
	/* Odd piece sizes exercise the block buffering. */
	for (size_t i = 0; i < n; i += 7)
		dd_sha256_update(&c, s + i, n - i < 7 ? n - i : 7);
	unsigned char d[DD_SHA256_SIZE];
	dd_sha256_final(&c, d);
	dd_sha256_hex(d, out);
}

static void test_sha256_vectors(void **state)
{
	(void)state;
	char hex[65];
	sha_hex("", 0, hex);
	assert_string_equal(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	sha_hex("abc", 3, hex);
	assert_string_equal(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	const char *two = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
	sha_hex(two, strlen(two), hex);
	assert_string_equal(hex, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
	_cleanup_free_ char *million = malloc(1000000);
	memset(million, 'a', 1000000);
	sha_hex(million, 1000000, hex);
	assert_string_equal(hex, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

static void test_recipe_hash_follows_every_byte(void **state)
{
	(void)state;
	char a[] = "#!/bin/sh\necho hi\n", b[] = "systemd\n";
	struct dd_recipe_file files[] = {
		{"hook", a, sizeof(a) - 1, 0755},
		{"packages", b, sizeof(b) - 1, 0644},
	};
	char h0[65], h[65];
	dd_recipe_hash(files, 2, "bookworm", h0);
	dd_recipe_hash(files, 2, "bookworm", h);
	assert_string_equal(h0, h); /* deterministic */

	a[10] = 'E'; /* one byte of one file */
	dd_recipe_hash(files, 2, "bookworm", h);
	assert_string_not_equal(h0, h);
	a[10] = 'e';

	files[0].mode = 0644; /* an executable bit */
	dd_recipe_hash(files, 2, "bookworm", h);
	assert_string_not_equal(h0, h);
	files[0].mode = 0755;

	dd_recipe_hash(files, 2, "trixie", h); /* the distro */
	assert_string_not_equal(h0, h);

	files[1].name = "packagez"; /* a name */
	dd_recipe_hash(files, 2, "bookworm", h);
	assert_string_not_equal(h0, h);
	files[1].name = "packages";

	dd_recipe_hash(files, 1, "bookworm", h); /* a file less */
	assert_string_not_equal(h0, h);

	/* Moving bytes from one file to the next is a change too (framing). */
	struct dd_recipe_file x[] = {{"f", "ab", 2, 0644}, {"g", "c", 1, 0644}};
	struct dd_recipe_file y[] = {{"f", "a", 1, 0644}, {"g", "bc", 2, 0644}};
	char hx[65], hy[65];
	dd_recipe_hash(x, 2, "bookworm", hx);
	dd_recipe_hash(y, 2, "bookworm", hy);
	assert_string_not_equal(hx, hy);
	dd_recipe_hash(files, 2, "bookworm", h);
	assert_string_equal(h0, h);
}

static void test_tag_shape(void **state)
{
	(void)state;
	_cleanup_free_ char *t1 = dd_image_tag("bookworm");
	_cleanup_free_ char *t2 = dd_image_tag("trixie");
	_cleanup_free_ char *t1b = dd_image_tag("bookworm");
	_cleanup_free_ char *latest = dd_image_latest_tag("bookworm");
	assert_string_equal(t1, t1b);
	assert_string_not_equal(t1, t2);
	assert_string_equal(latest, "dcos-docker/node:bookworm");
	const char *prefix = "dcos-docker/node:bookworm-";
	assert_true(dd_startswith(t1, prefix));
	const char *h = t1 + strlen(prefix);
	assert_int_equal(strlen(h), 12);
	for (const char *p = h; *p; p++)
		assert_true((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f'));
	/* The tag is the embedded recipe's hash. */
	size_t n = 0;
	const struct dd_recipe_file *files = dd_recipe_files_get(&n);
	char full[65];
	dd_recipe_hash(files, n, "bookworm", full);
	assert_memory_equal(h, full, 12);
}

static void test_distro_rules(void **state)
{
	(void)state;
	dd_error err = {0};
	assert_int_equal(dd_image_distro_check_cgroup("bookworm", 1, &err), 0);
	assert_int_equal(dd_image_distro_check_cgroup("trixie", 1, &err), 0);
	assert_int_equal(dd_image_distro_check_cgroup("bullseye", 2, &err), 0);
	assert_int_equal(dd_image_distro_check_cgroup("forky", 2, &err), 0);
	assert_int_equal(dd_image_distro_check_cgroup("sid", 2, &err), 0);

	/* forky/sid on a cgroup v1 host: a usage error that says why. */
	assert_int_equal(dd_image_distro_check_cgroup("forky", 1, &err), -EINVAL);
	assert_int_equal(err.kind, DD_ERR_USAGE);
	assert_non_null(strstr(err.msg, "cgroup v1"));
	assert_non_null(strstr(err.msg, "forky"));
	assert_non_null(strstr(err.hint, "bookworm"));
	dd_error_clear(&err);
	assert_int_equal(dd_image_distro_check_cgroup("sid", 1, &err), -EINVAL);
	dd_error_clear(&err);

	/* Unknown: a usage error listing what is supported, on one line. */
	assert_int_equal(dd_image_distro_check_cgroup("buster", 2, &err), -EINVAL);
	assert_int_equal(err.kind, DD_ERR_USAGE);
	assert_non_null(strstr(err.msg, "buster"));
	for (const char *const *d = dd_image_distros(); *d; d++)
		assert_non_null(strstr(err.msg, *d));
	assert_null(strchr(err.msg, '\n'));
	dd_error_clear(&err);
	assert_int_equal(dd_image_distro_check_cgroup("", 1, &err), -EINVAL);
	dd_error_clear(&err);
	assert_int_equal(dd_image_distro_check_cgroup("Bookworm", 1, &err), -EINVAL);
	assert_string_equal(dd_image_distros()[0], DD_IMAGE_DEFAULT_DISTRO);

	int v = 0;
	if (dd_host_cgroup_version(&v) == 0)
		assert_true(v == 1 || v == 2);
}

static void test_package_list(void **state)
{
	(void)state;
	dd_error err = {0};
	const char text[] = "# comment\n systemd  \n\ndocker.io # inline\nlibc++1\n"
			    "docker-cli [trixie sid]\nold-thing [bullseye]\n";
	struct dd_recipe_file f = {"packages", text, sizeof(text) - 1, 0644};
	_cleanup_free_ char *list = NULL, *trixie = NULL, *bullseye = NULL;
	assert_int_equal(dd_recipe_packages(&f, "bookworm", &list, &err), 0);
	assert_string_equal(list, "systemd,docker.io,libc++1");
	/* "name [distro ...]" lines only on those distros. */
	assert_int_equal(dd_recipe_packages(&f, "trixie", &trixie, &err), 0);
	assert_string_equal(trixie, "systemd,docker.io,libc++1,docker-cli");
	assert_int_equal(dd_recipe_packages(&f, "bullseye", &bullseye, &err), 0);
	assert_string_equal(bullseye, "systemd,docker.io,libc++1,old-thing");

	/* Names end up on mmdebstrap's command line: nothing but package names. */
	const char *bad[] = {"foo bar\n", "--hook=x\n", "Foo\n",      "a,b\n",
			     "$(id)\n",   "\n# only\n",  "x [trixie\n", "[trixie]\n",
			     "x [trixie] y\n"};
	for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
		struct dd_recipe_file b = {"packages", bad[i], strlen(bad[i]), 0644};
		_cleanup_free_ char *l = NULL;
		assert_int_equal(dd_recipe_packages(&b, "trixie", &l, &err), -EINVAL);
		assert_null(l);
		dd_error_clear(&err);
	}
}

static const struct dd_recipe_file *recipe(const char *name)
{
	size_t n = 0;
	const struct dd_recipe_file *files = dd_recipe_files_get(&n);
	return dd_recipe_file_find(files, n, name);
}

static void test_embedded_recipe(void **state)
{
	(void)state;
	dd_error err = {0};
	size_t n = 0;
	const struct dd_recipe_file *files = dd_recipe_files_get(&n);
	assert_true(n >= 5);
	for (size_t i = 1; i < n; i++) /* sorted: the hash does not depend on readdir order */
		assert_true(strcmp(files[i - 1].name, files[i].name) < 0);

	/* What DC/OS's installer needs on a node, on every distro (the docker
	 * command is a package of its own from trixie on). */
	for (const char *const *d = dd_image_distros(); *d; d++) {
		_cleanup_free_ char *pk = NULL;
		assert_int_equal(dd_recipe_packages(recipe("packages"), *d, &pk, &err), 0);
		const char *need[] = {"systemd", "docker.io", "openssh-server", "xz-utils", "ipset",
				      "iptables", "curl", "unzip", "tar"};
		_cleanup_free_ char *wrapped = dd_asprintf(",%s,", pk);
		for (size_t i = 0; i < ELEMENTSOF(need); i++) {
			_cleanup_free_ char *word = dd_asprintf(",%s,", need[i]);
			assert_non_null(strstr(wrapped, word));
		}
		bool split_cli = strcmp(*d, "bookworm") != 0 && strcmp(*d, "bullseye") != 0;
		assert_true((strstr(wrapped, ",docker-cli,") != NULL) == split_cli);
	}

	/* mmdebstrap runs only executable hooks; the hook installs the scripts with their mode. */
	const char *exec[] = {"customize01-node", "node-cgroup", "dockerd", "agent-setup"};
	for (size_t i = 0; i < ELEMENTSOF(exec); i++) {
		const struct dd_recipe_file *f = recipe(exec[i]);
		assert_non_null(f);
		assert_int_equal(f->mode, 0755);
		assert_true(f->size > 10 && memcmp(f->data, "#!/bin/sh\n", 10) == 0);
	}
	/* Every file the hook installs is in the recipe. */
	const struct dd_recipe_file *hook = recipe("customize01-node");
	_cleanup_free_ char *hook_text = strndup(hook->data, hook->size);
	const char *used[] = {"docker.service.conf", "dcos-docker-agent-setup.service",
			      "journald.conf", "sshd_config", "node-cgroup", "dockerd",
			      "agent-setup"};
	for (size_t i = 0; i < ELEMENTSOF(used); i++) {
		_cleanup_free_ char *ref = dd_asprintf("$here/%s", used[i]);
		assert_non_null(strstr(hook_text, ref));
		assert_non_null(recipe(used[i]));
	}
	assert_non_null(recipe("dpkg.cfg"));

	/* The image config: systemd as PID 1, told it runs in a container. */
	_cleanup_strv_ char **changes = dd_recipe_lines(recipe("image-changes"));
	bool env = false, cmd = false;
	for (char **c = changes; *c; c++) {
		env |= strcmp(*c, "ENV container=docker") == 0;
		cmd |= strcmp(*c, "CMD [\"/sbin/init\"]") == 0;
		assert_true((*c)[0] != '#');
	}
	assert_true(env && cmd);

	/* sshd: keys only, the one host key the tool installs. */
	const struct dd_recipe_file *sshd = recipe("sshd_config");
	_cleanup_free_ char *sshd_text = strndup(sshd->data, sshd->size);
	assert_non_null(strstr(sshd_text, "\nPasswordAuthentication no\n"));
	assert_non_null(strstr(sshd_text, "\nPermitRootLogin prohibit-password\n"));
	assert_non_null(strstr(sshd_text, "HostKey /etc/ssh/ssh_host_ed25519_key\n"));
	assert_non_null(strstr(sshd_text, "\nUseDNS no\n"));
}

/* Runs the embedded node-cgroup script on a sample /proc/1/cgroup. */
static char *node_cgroup(const char *proc1_cgroup)
{
	const struct dd_recipe_file *f = recipe("node-cgroup");
	char dir[] = "/tmp/dd-test-image-XXXXXX";
	assert_non_null(mkdtemp(dir));
	_cleanup_free_ char *script = dd_asprintf("%s/node-cgroup", dir);
	_cleanup_free_ char *input = dd_asprintf("%s/cgroup", dir);
	assert_int_equal(dd_write_file(script, f->data, f->size, 0755), 0);
	assert_int_equal(dd_write_file(input, proc1_cgroup, strlen(proc1_cgroup), 0644), 0);
	_cleanup_free_ char *cmd = dd_asprintf("sh '%s' '%s'", script, input);
	FILE *p = popen(cmd, "r");
	assert_non_null(p);
	char buf[512] = "";
	size_t k = fread(buf, 1, sizeof(buf) - 1, p);
	buf[k] = '\0';
	assert_int_equal(pclose(p), 0);
	dd_rm_rf(dir);
	return dd_strdup(buf);
}

static void test_node_cgroup_script(void **state)
{
	(void)state;
	const char *id = "468d2dce4ae386dafa17f09be61c5be57589a0b98d79ede176a9d001e5f7dd35";
	struct {
		const char *in, *want;
	} cases[] = {
		/* cgroup v1, host cgroup namespace (this kind of host): the memory line. */
		{"9:name=systemd:/docker/ID/init.scope\n8:pids:/docker/ID/init.scope\n"
		 "7:blkio:/docker/ID\n4:memory:/docker/ID/init.scope\n1:cpu:/docker/ID/init.scope\n"
		 "0::/docker/ID/init.scope\n",
		 "/docker/ID\n"},
		/* v1, systemd did not move into init.scope in the memory hierarchy. */
		{"4:memory:/docker/ID\n0::/docker/ID/init.scope\n", "/docker/ID\n"},
		/* v1 with a joined controller list and the host's systemd cgroup driver. */
		{"5:memory,hugetlb:/system.slice/docker-ID.scope/init.scope\n", "/system.slice/docker-ID.scope\n"},
		/* v2, private cgroup namespace: the node's cgroup is the namespace root. */
		{"0::/init.scope\n", "\n"},
		{"0::/\n", "\n"},
		/* v2 with the host's namespace. */
		{"0::/docker/ID/init.scope\n", "/docker/ID\n"},
		/* No memory controller: the systemd hierarchy. */
		{"1:name=systemd:/docker/ID/init.scope\n", "/docker/ID\n"},
		/* No trailing newline. */
		{"0::/docker/ID/init.scope", "/docker/ID\n"},
	};
	for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
		_cleanup_free_ char *in = dd_strdup(cases[i].in);
		_cleanup_free_ char *want = dd_strdup(cases[i].want);
		/* Substitute the container id. */
		for (char *s; (s = strstr(in, "ID"));) {
			char *n = dd_asprintf("%.*s%s%s", (int)(s - in), in, id, s + 2);
			free(in);
			in = n;
		}
		for (char *s; (s = strstr(want, "ID"));) {
			char *n = dd_asprintf("%.*s%s%s", (int)(s - want), want, id, s + 2);
			free(want);
			want = n;
		}
		_cleanup_free_ char *got = node_cgroup(in);
		assert_string_equal(got, want);
	}
}

static void test_capabilities(void **state)
{
	(void)state;
	/* This kind of host: everything but CAP_SYS_RESOURCE (24). */
	_cleanup_strv_ char **m = dd_capabilities_missing(UINT64_C(0x000001fffeffffff), 40);
	assert_non_null(m[0]);
	assert_string_equal(m[0], "CAP_SYS_RESOURCE");
	assert_null(m[1]);
	_cleanup_strv_ char **none = dd_capabilities_missing(UINT64_C(0x000001ffffffffff), 40);
	assert_null(none[0]);
	/* An older kernel knows fewer capabilities: those above cap_last_cap do not count. */
	_cleanup_strv_ char **old = dd_capabilities_missing(UINT64_C(0x0000003fffffffff), 37);
	assert_null(old[0]);
	_cleanup_strv_ char **two =
		dd_capabilities_missing(~((UINT64_C(1) << 21) | (UINT64_C(1) << 16)), 40);
	assert_string_equal(two[0], "CAP_SYS_MODULE");
	assert_string_equal(two[1], "CAP_SYS_ADMIN");
	assert_null(two[2]);
	assert_string_equal(dd_capability_name(0), "CAP_CHOWN");
	assert_string_equal(dd_capability_name(40), "CAP_CHECKPOINT_RESTORE");
	assert_null(dd_capability_name(41));
	assert_null(dd_capability_name(-1));

	uint64_t b = 0;
	const char *status = "Name:\tdockerd\nCapPrm:\t000001fffeffffff\nCapBnd:\t000001fffeffffff\n"
			     "CapAmb:\t0000000000000000\n";
	assert_int_equal(dd_capabilities_parse_status(status, &b), 0);
	assert_true(b == UINT64_C(0x000001fffeffffff));
	assert_int_equal(dd_capabilities_parse_status("Name:\tx\n", &b), -ENOENT);
	assert_int_equal(dd_capabilities_parse_status("Name:\tx\nCapBnd:\tzz\n", &b), -EINVAL);
}

static void test_doctor_parsers(void **state)
{
	(void)state;
	assert_int_equal(dd_api_version_cmp("1.41", "1.41"), 0);
	assert_int_equal(dd_api_version_cmp("1.43", "1.41"), 1);
	assert_int_equal(dd_api_version_cmp("1.40", "1.41"), -1);
	assert_int_equal(dd_api_version_cmp("1.9", "1.41"), -1); /* numeric, not textual */
	assert_int_equal(dd_api_version_cmp("2.0", "1.41"), 1);
	assert_int_equal(dd_api_version_cmp("1.41.0", "1.41"), 0);

	const char *config = "CONFIG_IKCONFIG=y\n# CONFIG_DUMMY_IRQ is not set\n"
			     "# CONFIG_DUMMY is not set\nCONFIG_DUMMY_CONSOLE=y\nCONFIG_VETH=m\n";
	assert_int_equal(dd_kernel_config_value(config, "CONFIG_DUMMY"), 'n');
	assert_int_equal(dd_kernel_config_value(config, "CONFIG_VETH"), 'm');
	assert_int_equal(dd_kernel_config_value(config, "CONFIG_IKCONFIG"), 'y');
	assert_int_equal(dd_kernel_config_value(config, "CONFIG_BRIDGE"), 0);
	assert_int_equal(dd_kernel_config_value("CONFIG_DUMMY_CONSOLE=y\n", "CONFIG_DUMMY"), 0);
	assert_int_equal(dd_kernel_config_value("CONFIG_DUMMY=m", "CONFIG_DUMMY"), 'm');
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sha256_vectors),
		cmocka_unit_test(test_recipe_hash_follows_every_byte),
		cmocka_unit_test(test_tag_shape),
		cmocka_unit_test(test_distro_rules),
		cmocka_unit_test(test_package_list),
		cmocka_unit_test(test_embedded_recipe),
		cmocka_unit_test(test_node_cgroup_script),
		cmocka_unit_test(test_capabilities),
		cmocka_unit_test(test_doctor_parsers),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
