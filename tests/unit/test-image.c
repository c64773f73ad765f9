/* The node image's pure parts: recipe hash and tag, distro rules, the
 * embedded recipe itself (its node-cgroup script is run on sample
 * /proc/1/cgroup files, its modprobe on a temporary root, its image checker
 * on fake root filesystems), capability sets and doctor's parsers. */
#define _GNU_SOURCE
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "dcos-docker/doctor.h"
#include "dcos-docker/image.h"
#include "doctor-internal.h"
#include "image/image-internal.h"
#include "image/recipe.h"
#include "image/sha256.h"
#include "kmod-internal.h"
#include "privilege-internal.h"
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
	assert_string_equal(hex,
	                    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	sha_hex("abc", 3, hex);
	assert_string_equal(hex,
	                    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	const char *two = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
	sha_hex(two, strlen(two), hex);
	assert_string_equal(hex,
	                    "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
	_cleanup_free_ char *million = malloc(1000000);
	memset(million, 'a', 1000000);
	sha_hex(million, 1000000, hex);
	assert_string_equal(hex,
	                    "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
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
	const char *bad[] = {"foo bar\n",  "--hook=x\n",  "Foo\n",      "a,b\n",         "$(id)\n",
	                     "\n# only\n", "x [trixie\n", "[trixie]\n", "x [trixie] y\n"};
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
		const char *need[] = {"systemd",  "docker.io", "openssh-server",
		                      "xz-utils", "ipset",     "iptables",
		                      "curl",     "unzip",     "tar",
		                      "xfsprogs", "kmod"};
		_cleanup_free_ char *wrapped = dd_asprintf(",%s,", pk);
		for (size_t i = 0; i < ELEMENTSOF(need); i++) {
			_cleanup_free_ char *word = dd_asprintf(",%s,", need[i]);
			assert_non_null(strstr(wrapped, word));
		}
		bool split_cli = strcmp(*d, "bookworm") != 0 && strcmp(*d, "bullseye") != 0;
		assert_true((strstr(wrapped, ",docker-cli,") != NULL) == split_cli);
	}

	/* mmdebstrap runs only executable hooks (a hook that is not is skipped
	 * with a warning); the hook installs the scripts with their mode. */
	for (size_t i = 0; i < n; i++) {
		const char *hooks[] = {"setup", "extract", "essential", "customize"};
		for (size_t k = 0; k < ELEMENTSOF(hooks); k++)
			if (dd_startswith(files[i].name, hooks[k]))
				assert_int_equal(files[i].mode, 0755);
	}
	assert_non_null(recipe("setup01-merged-usr"));
	assert_non_null(recipe("customize02-check"));
	assert_non_null(recipe("node-commands"));
	const char *exec[] = {"customize01-node", "customize02-check", "setup01-merged-usr",
	                      "node-cgroup",      "dockerd",           "agent-setup",
	                      "modprobe"};
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
	                      "journald.conf",       "sshd_config",
	                      "node-cgroup",         "dockerd",
	                      "agent-setup",         "modprobe"};
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
	    {"5:memory,hugetlb:/system.slice/docker-ID.scope/init.scope\n",
	     "/system.slice/docker-ID.scope\n"},
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

/* ---- the node's modprobe (recipe/modprobe) on a temporary root ---- */

struct sandbox {
	char dir[64];
};

/* Writes the recipe files named into DIR (the checker finds node-commands
 * and modprobe next to itself). */
static void sandbox_init(struct sandbox *sb, const char *const *files, size_t n)
{
	snprintf(sb->dir, sizeof(sb->dir), "/tmp/dd-test-image-XXXXXX");
	assert_non_null(mkdtemp(sb->dir));
	for (size_t i = 0; i < n; i++) {
		const struct dd_recipe_file *f = recipe(files[i]);
		assert_non_null(f);
		_cleanup_free_ char *p = dd_asprintf("%s/%s", sb->dir, files[i]);
		assert_int_equal(dd_write_file(p, f->data, f->size, f->mode), 0);
	}
}

static void put(const char *path, const char *text, unsigned mode)
{
	_cleanup_free_ char *dir = dd_strdup(path);
	*strrchr(dir, '/') = '\0';
	assert_int_equal(dd_mkdir_p(dir, 0755), 0);
	assert_int_equal(dd_write_file(path, text, strlen(text), mode), 0);
}

static char *slurp(const char *path)
{
	char *s = NULL;
	if (dd_read_file(path, 1 << 20, &s, NULL) < 0)
		return dd_strdup("");
	return s;
}

/* Runs "sh SCRIPT ARGS" (ARGS: shell words) with the environment prefix
 * ENV; returns the exit status and the stderr. */
static int run_sh(const struct sandbox *sb, const char *env, const char *script, const char *args,
                  char **ret_err)
{
	_cleanup_free_ char *cmd = dd_asprintf("%s sh '%s/%s' %s >'%s/stdout' 2>'%s/stderr'", env,
	                                       sb->dir, script, args, sb->dir, sb->dir);
	int st = system(cmd);
	assert_true(WIFEXITED(st));
	_cleanup_free_ char *ep = dd_asprintf("%s/stderr", sb->dir);
	*ret_err = slurp(ep);
	return WEXITSTATUS(st);
}

/* modprobe ARGS in the sandbox: exit status, what it sent to logger since the
 * last call (one line per message), and its stderr. */
static int modprobe(const struct sandbox *sb, const char *args, char **ret_log, char **ret_err)
{
	_cleanup_free_ char *log = dd_asprintf("%s/log", sb->dir);
	unlink(log);
	_cleanup_free_ char *env = dd_asprintf(
	    "DCOS_DOCKER_MODPROBE_ROOT='%s/root' PATH='%s/bin':\"$PATH\"", sb->dir, sb->dir);
	int rc = run_sh(sb, env, "modprobe", args, ret_err);
	*ret_log = slurp(log);
	return rc;
}

static void test_modprobe_script(void **state)
{
	(void)state;
	const char *files[] = {"modprobe"};
	struct sandbox sb;
	sandbox_init(&sb, files, ELEMENTSOF(files));
	_cleanup_free_ char *root = dd_asprintf("%s/root", sb.dir);
	/* The host kernel: overlay and br_netfilter loaded, ip_vs built in (in
	 * /sys/module), dummy and ip_vs_wlc known from the tool's list only. */
	_cleanup_free_ char *mods = dd_asprintf("%s/proc/modules", root);
	put(mods, "overlay 151552 3 - Live 0x0000000000000000\nbr_netfilter 32768 0 - Live 0x0\n",
	    0644);
	_cleanup_free_ char *sys = dd_asprintf("%s/sys/module/ip_vs/parameters", root);
	assert_int_equal(dd_mkdir_p(sys, 0755), 0);
	_cleanup_free_ char *hm = dd_asprintf("%s/etc/dcos-docker/host-modules", root);
	put(hm, "dummy\nip-vs-wlc\n", 0644);
	/* logger: records its arguments, fails when told to. */
	_cleanup_free_ char *logger = dd_asprintf("%s/bin/logger", sb.dir);
	_cleanup_free_ char *logger_sh =
	    dd_asprintf("#!/bin/sh\n[ -e '%s/logger-fails' ] && exit 1\necho \"$*\" >>'%s/log'\n",
	                sb.dir, sb.dir);
	put(logger, logger_sh, 0755);

	struct {
		const char *args;
		int rc;
		const char *logged; /* the modules named in the journal, in order, or "" */
	} cases[] = {
	    /* Loaded, built in, or on the host's list: nothing to say. */
	    {"overlay", 0, ""},
	    {"-q br-netfilter", 0, ""},
	    {"ip_vs", 0, ""},
	    {"ip-vs", 0, ""},
	    {"dummy numdummies=0", 0, ""}, /* a parameter is not a module */
	    {"-q ip_vs_wlc", 0, ""},
	    {"--first-time -b -v overlay", 0, ""},
	    {"overlay.ko", 0, ""},
	    /* Neither: success all the same, and one line. */
	    {"nosuch", 0, "nosuch"},
	    {"nosuch", 0, ""},                                /* once per boot */
	    {"-a overlay miss_a miss-b", 0, "miss_a miss-b"}, /* named as given */
	    {"-qa miss_c", 0, "miss_c"},
	    {"miss_d -q", 0, "miss_d"},         /* options may follow the name */
	    {"miss_e a=1 miss_f", 0, "miss_e"}, /* without -a: parameters */
	    {"-C /etc/modprobe.d miss_g", 0, "miss_g"},
	    {"-C/etc/x -S 6.1 -d /x --config /y --config=/z miss_h", 0, "miss_h"},
	    {"-- -miss_i", 0, "-miss_i"},
	    /* Removing, dry runs and queries: nothing to do. */
	    {"-r miss_j", 0, ""},
	    {"--remove -a miss_j miss_k", 0, ""},
	    {"-n miss_j", 0, ""},
	    {"--dry-run miss_j", 0, ""},
	    {"--show-depends miss_j", 0, ""},
	    {"-D miss_j", 0, ""},
	    {"-c", 0, ""},
	    {"-R miss_j", 0, ""},
	    {"--help", 0, ""},
	    {"-V", 0, ""},
	    /* No module: modprobe's error. */
	    {"", 1, ""},
	    {"-q", 1, ""},
	    {"-a", 1, ""},
	    {"-S 6.1", 1, ""},
	    /* Not a module name: named, never looked up as a path. */
	    {"../../etc", 0, "../../etc"},
	};
	for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
		_cleanup_free_ char *log = NULL, *err = NULL;
		int rc = modprobe(&sb, cases[i].args, &log, &err);
		if (rc != cases[i].rc)
			fail_msg("modprobe %s: exit %d, want %d (%s)", cases[i].args, rc,
			         cases[i].rc, err);
		/* Each logged line: tag, priority, the module, what to do on the host. */
		_cleanup_free_ char *names = dd_strdup("");
		for (char *line = log, *nl; line && *line; line = nl ? nl + 1 : NULL) {
			nl = strchr(line, '\n');
			if (nl)
				*nl = '\0';
			assert_true(
			    dd_startswith(line, "-t modprobe -p user.warning -- kernel module '"));
			const char *m =
			    line + strlen("-t modprobe -p user.warning -- kernel module '");
			const char *q = strchr(m, '\'');
			assert_non_null(q);
			assert_non_null(strstr(q, "neither loaded nor built into the host kernel"));
			assert_non_null(strstr(q, "load it on the host (sudo modprobe "));
			char *n =
			    dd_asprintf("%s%s%.*s", names, *names ? " " : "", (int)(q - m), m);
			free(names);
			names = n;
		}
		if (strcmp(names, cases[i].logged) != 0)
			fail_msg("modprobe %s: logged '%s', want '%s'", cases[i].args, names,
			         cases[i].logged);
		if (cases[i].rc == 1) {
			assert_non_null(strstr(err, "missing parameters"));
			assert_non_null(strstr(err, "Usage: modprobe"));
		} else if (!strstr(cases[i].args, "-v")) {
			assert_string_equal(err, ""); /* DC/OS's units log stderr: nothing twice */
		}
	}
	/* The hint names the module as the kernel does. */
	_cleanup_free_ char *log = NULL, *err = NULL;
	assert_int_equal(modprobe(&sb, "miss-l", &log, &err), 0);
	assert_non_null(strstr(log, "'miss-l'"));
	assert_non_null(strstr(log, "(sudo modprobe miss_l)"));

	/* Without the tool's list, only what the kernel shows counts. */
	unlink(hm);
	free(log), free(err);
	assert_int_equal(modprobe(&sb, "dummy", &log, &err), 0);
	assert_non_null(strstr(log, "'dummy'"));

	/* No journal (logger fails): the line goes to stderr instead, unless -q. */
	_cleanup_free_ char *fails = dd_asprintf("%s/logger-fails", sb.dir);
	put(fails, "", 0644);
	free(log), free(err);
	assert_int_equal(modprobe(&sb, "miss_m", &log, &err), 0);
	assert_non_null(strstr(err, "modprobe: kernel module 'miss_m' is neither loaded"));
	free(log), free(err);
	assert_int_equal(modprobe(&sb, "-q miss_n", &log, &err), 0);
	assert_string_equal(err, "");

	/* Nothing outside the root was touched by "../../etc". */
	_cleanup_free_ char *outside = dd_asprintf("%s/root/run/etc", sb.dir);
	assert_int_not_equal(access(outside, F_OK), 0);
	dd_rm_rf(sb.dir);
}

/* ---- the image checker (recipe/customize02-check) on a fake root ---- */

/* A merged-/usr root with an executable for every line of node-commands
 * (absolute paths where they are; commands in /usr/bin), the recipe's
 * modprobe, and symlinks of the kinds Debian has. */
static void fake_root(const struct sandbox *sb, const char *root)
{
	dd_rm_rf(root);
	const char *dirs[] = {"usr/bin", "usr/sbin", "usr/lib", "etc/alternatives"};
	for (size_t i = 0; i < ELEMENTSOF(dirs); i++) {
		_cleanup_free_ char *d = dd_asprintf("%s/%s", root, dirs[i]);
		assert_int_equal(dd_mkdir_p(d, 0755), 0);
	}
	const char *links[][2] = {{"bin", "usr/bin"}, {"sbin", "usr/sbin"}, {"lib", "usr/lib"}};
	for (size_t i = 0; i < ELEMENTSOF(links); i++) {
		_cleanup_free_ char *l = dd_asprintf("%s/%s", root, links[i][0]);
		assert_int_equal(symlink(links[i][1], l), 0);
	}
	const struct dd_recipe_file *nc = recipe("node-commands");
	_cleanup_free_ char *text = strndup(nc->data, nc->size);
	size_t n = 0;
	for (char *save = NULL, *line = strtok_r(text, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		char kind[16], name[128];
		if (line[0] == '#' || sscanf(line, "%15s %127s", kind, name) != 2)
			continue;
		_cleanup_free_ char *p = strcmp(kind, "abs") == 0
		                             ? dd_asprintf("%s%s", root, name)
		                             : dd_asprintf("%s/usr/bin/%s", root, name);
		if (access(p, F_OK) != 0)
			put(p, "#!/bin/sh\n", 0755);
		n++;
	}
	assert_true(n > 50);
	/* awk as Debian has it: absolute symlinks through /etc/alternatives,
	 * which only resolve inside the root. */
	_cleanup_free_ char *awk = dd_asprintf("%s/usr/bin/awk", root);
	_cleanup_free_ char *alt = dd_asprintf("%s/etc/alternatives/awk", root);
	_cleanup_free_ char *mawk = dd_asprintf("%s/usr/bin/mawk", root);
	unlink(awk);
	assert_int_equal(symlink("/etc/alternatives/awk", awk), 0);
	assert_int_equal(symlink("/usr/bin/mawk", alt), 0);
	put(mawk, "#!/bin/sh\n", 0755);
	/* A relative symlink with "..". */
	_cleanup_free_ char *env = dd_asprintf("%s/usr/bin/env", root);
	_cleanup_free_ char *env2 = dd_asprintf("%s/usr/lib/env.real", root);
	unlink(env);
	assert_int_equal(symlink("../lib/./env.real", env), 0);
	put(env2, "#!/bin/sh\n", 0755);
	/* modprobe: the recipe's. */
	const struct dd_recipe_file *mp = recipe("modprobe");
	_cleanup_free_ char *mpp = dd_asprintf("%s/usr/sbin/modprobe", root);
	assert_int_equal(dd_write_file(mpp, mp->data, mp->size, 0755), 0);
	(void)sb;
}

static int check(const struct sandbox *sb, const char *root, char **ret_err)
{
	_cleanup_free_ char *args = dd_asprintf("'%s'", root);
	return run_sh(sb, "", "customize02-check", args, ret_err);
}

static void check_fails(const struct sandbox *sb, const char *root, const char *what,
                        const char *want1, const char *want2)
{
	_cleanup_free_ char *err = NULL;
	int rc = check(sb, root, &err);
	if (rc != 1 || !strstr(err, want1) || (want2 && !strstr(err, want2)))
		fail_msg("%s: exit %d, want 1 naming '%s' and '%s': %s", what, rc, want1,
		         want2 ? want2 : "", err);
	/* Every problem line carries the prefix the build's error message
	 * collects; the count closes (without it: not collected). */
	size_t problems = 0;
	for (char *l = err; *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : l + strlen(l)) {
		if (dd_startswith(l, "dcos-docker-check: "))
			problems++;
		else
			assert_true(*l == '\n' || dd_startswith(l, "customize02-check: "));
	}
	_cleanup_free_ char *count = dd_asprintf("customize02-check: %zu problem(s)", problems);
	assert_true(problems > 0);
	assert_non_null(strstr(err, count));
}

static void test_image_checker(void **state)
{
	(void)state;
	const char *files[] = {"customize02-check", "node-commands", "modprobe"};
	struct sandbox sb;
	sandbox_init(&sb, files, ELEMENTSOF(files));
	_cleanup_free_ char *root = dd_asprintf("%s/root", sb.dir);
	_cleanup_free_ char *err = NULL;

	fake_root(&sb, root);
	int rc = check(&sb, root, &err);
	if (rc != 0)
		fail_msg("a complete root fails the check: %s", err);
	assert_non_null(strstr(err, "customize02-check: ok"));

	/* A missing absolute path: named, with the DC/OS unit that calls it. */
	_cleanup_free_ char *timeout = dd_asprintf("%s/usr/bin/timeout", root);
	unlink(timeout);
	check_fails(&sb, root, "no timeout", "missing /usr/bin/timeout (an absolute path)",
	            "dcos-exhibitor.service");

	/* A symlink out of the root is followed inside it: what the build host
	 * has there does not count. */
	char self[4096];
	ssize_t k = readlink("/proc/self/exe", self, sizeof(self) - 1);
	assert_true(k > 0);
	self[k] = '\0';
	assert_int_equal(symlink(self, timeout), 0);
	check_fails(&sb, root, "timeout to the host", "missing /usr/bin/timeout", NULL);
	unlink(timeout);
	put(timeout, "#!/bin/sh\n", 0644); /* not executable */
	check_fails(&sb, root, "timeout not executable", "missing /usr/bin/timeout", NULL);

	/* A symlink loop. */
	fake_root(&sb, root);
	_cleanup_free_ char *tar = dd_asprintf("%s/usr/bin/tar", root);
	_cleanup_free_ char *tar2 = dd_asprintf("%s/usr/bin/tar2", root);
	unlink(tar);
	assert_int_equal(symlink("tar2", tar), 0);
	assert_int_equal(symlink("/bin/tar", tar2), 0);
	check_fails(&sb, root, "tar loop", "missing /usr/bin/tar", "dcos-download.service");

	/* Commands in /usr/sbin, as Debian has them: on DC/OS's PATH as /sbin
	 * (merged /usr), and on dcos_install.sh's. */
	fake_root(&sb, root);
	_cleanup_free_ char *ipt = dd_asprintf("%s/usr/bin/iptables", root);
	_cleanup_free_ char *ipt_s = dd_asprintf("%s/usr/sbin/iptables", root);
	assert_int_equal(rename(ipt, ipt_s), 0);
	_cleanup_free_ char *xfs = dd_asprintf("%s/usr/bin/xfs_info", root);
	_cleanup_free_ char *xfs_s = dd_asprintf("%s/usr/sbin/xfs_info", root);
	fake_root(&sb, root);
	assert_int_equal(rename(xfs, xfs_s), 0);
	free(err);
	err = NULL;
	rc = check(&sb, root, &err);
	if (rc != 0)
		fail_msg("xfs_info in /usr/sbin is on dcos_install.sh's PATH: %s", err);
	unlink(xfs_s);
	check_fails(&sb, root, "no xfs_info", "missing xfs_info on PATH", "d_type_enabled_if_xfs");

	/* /usr not merged (bullseye's layout without the recipe's setup hook):
	 * /sbin/nologin is not there, and iptables in /usr/sbin is not on
	 * DC/OS's PATH. */
	fake_root(&sb, root);
	_cleanup_free_ char *sbin = dd_asprintf("%s/sbin", root);
	unlink(sbin);
	assert_int_equal(mkdir(sbin, 0755), 0);
	check_fails(&sb, root, "no merged /usr", "/sbin is not a symlink to usr/sbin",
	            "missing /sbin/nologin");
	assert_int_equal(rename(ipt, ipt_s), 0);
	check_fails(&sb, root, "iptables in /usr/sbin, not merged",
	            "missing iptables on DC/OS's PATH (/usr/bin:/bin:/sbin)", "dcos-net.service");

	/* modprobe: kmod's instead of the recipe's. */
	fake_root(&sb, root);
	_cleanup_free_ char *mp = dd_asprintf("%s/usr/sbin/modprobe", root);
	_cleanup_free_ char *kmod = dd_asprintf("%s/usr/bin/kmod", root);
	put(kmod, "\177ELF", 0755);
	unlink(mp);
	assert_int_equal(symlink("/bin/kmod", mp), 0);
	check_fails(&sb, root, "kmod's modprobe", "/sbin/modprobe is not the recipe's modprobe",
	            "/usr/sbin/modprobe is not the recipe's modprobe");

	/* Several problems: all named. */
	fake_root(&sb, root);
	_cleanup_free_ char *curl = dd_asprintf("%s/usr/bin/curl", root);
	_cleanup_free_ char *useradd = dd_asprintf("%s/usr/bin/useradd", root);
	unlink(curl);
	unlink(useradd);
	check_fails(&sb, root, "two missing", "missing /usr/bin/curl",
	            "missing useradd on DC/OS's PATH");
	dd_rm_rf(sb.dir);
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
	const char *status =
	    "Name:\tdockerd\nCapPrm:\t000001fffeffffff\nCapBnd:\t000001fffeffffff\n"
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
	    cmocka_unit_test(test_modprobe_script),
	    cmocka_unit_test(test_image_checker),
	    cmocka_unit_test(test_capabilities),
	    cmocka_unit_test(test_doctor_parsers),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
