/* Kernel module detection (lib/kmod.c) on fake roots, in every state it can
 * report; the host-modules list and its reader, the node's modprobe; the
 * cgroup v2 decision against a fake daemon; the docker CLI check with fake
 * docker commands on PATH. */
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
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include <archive.h>
#include <archive_entry.h>

#include "dcos-docker/doctor.h"
#include "dcos-docker/kmod.h"
/* Only part of the fake daemon's helpers are used here. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-function"
#include "fake-daemon.h"
#pragma GCC diagnostic pop
#include "doctor-internal.h"
#include "image/recipe.h"
#include "kmod-internal.h"
#include "util.h"

#define REL "6.1.0-test-amd64"

#define assert_contains(hay, needle)                                                               \
	do {                                                                                       \
		if (!strstr((hay), (needle)))                                                      \
			fail_msg("\"%s\" does not contain \"%s\"", (hay), (needle));               \
	} while (0)

/* ---- fake roots ---- */

struct root {
	char dir[64];
};

static int setup_root(void **state)
{
	struct root *r = calloc(1, sizeof(*r));
	if (!r)
		return -1;
	snprintf(r->dir, sizeof(r->dir), "/tmp/dd-test-kmod-XXXXXX");
	if (!mkdtemp(r->dir))
		return -1;
	*state = r;
	return 0;
}

static int teardown_root(void **state)
{
	struct root *r = *state;
	dd_rm_rf(r->dir);
	free(r);
	return 0;
}

static void put(const struct root *r, const char *rel, const char *data)
{
	_cleanup_free_ char *path = dd_asprintf("%s/%s", r->dir, rel);
	_cleanup_free_ char *dir = dd_strdup(path);
	*strrchr(dir, '/') = '\0';
	assert_int_equal(dd_mkdir_p(dir, 0755), 0);
	assert_int_equal(dd_write_file(path, data, strlen(data), 0644), 0);
}

static void put_dir(const struct root *r, const char *rel)
{
	_cleanup_free_ char *path = dd_asprintf("%s/%s", r->dir, rel);
	assert_int_equal(dd_mkdir_p(path, 0755), 0);
}

/* A gzip file, as the kernel serves /proc/config.gz (libarchive's raw
 * writer behind its gzip filter: a plain .gz, no tar inside). */
static void put_gzip(const struct root *r, const char *rel, const char *data)
{
	_cleanup_free_ char *path = dd_asprintf("%s/%s", r->dir, rel);
	_cleanup_free_ char *dir = dd_strdup(path);
	*strrchr(dir, '/') = '\0';
	assert_int_equal(dd_mkdir_p(dir, 0755), 0);
	struct archive *a = archive_write_new();
	assert_non_null(a);
	assert_int_equal(archive_write_add_filter_gzip(a), ARCHIVE_OK);
	assert_int_equal(archive_write_set_format_raw(a), ARCHIVE_OK);
	assert_int_equal(archive_write_open_filename(a, path), ARCHIVE_OK);
	struct archive_entry *e = archive_entry_new();
	archive_entry_set_pathname(e, "config");
	archive_entry_set_filetype(e, AE_IFREG);
	archive_entry_set_size(e, (la_int64_t)strlen(data));
	assert_int_equal(archive_write_header(a, e), ARCHIVE_OK);
	assert_int_equal(archive_write_data(a, data, strlen(data)), (la_ssize_t)strlen(data));
	archive_entry_free(e);
	assert_int_equal(archive_write_close(a), ARCHIVE_OK);
	archive_write_free(a);
	/* Really gzip: the magic bytes. */
	_cleanup_free_ char *raw = NULL;
	size_t len = 0;
	assert_int_equal(dd_read_file(path, 1 << 20, &raw, &len), 0);
	assert_true(len > 2 && (unsigned char)raw[0] == 0x1f && (unsigned char)raw[1] == 0x8b);
}

struct detected {
	dd_kmod_status *v;
	size_t n;
	dd_kmod_host host;
};

static void detect(const struct root *r, struct detected *d)
{
	dd_error err = {0};
	memset(d, 0, sizeof(*d)); /* the caller freed d->v */
	assert_int_equal(dd_kmod_detect(r->dir, REL, &d->host, &d->v, &d->n, &err), 0);
	size_t n = 0;
	dd_kmod_table(&n);
	assert_int_equal(d->n, n);
}

static const dd_kmod_status *find(const struct detected *d, const char *name)
{
	for (size_t i = 0; i < d->n; i++)
		if (strcmp(d->v[i].mod->name, name) == 0)
			return &d->v[i];
	fail_msg("no module %s in the table", name);
	return NULL;
}

static void expect(const struct detected *d, const char *name, enum dd_kmod_state st,
                   const char *detail_part)
{
	const dd_kmod_status *s = find(d, name);
	if (s->state != st)
		fail_msg("%s: %s (%s), want %s", name, dd_kmod_state_name(s->state), s->detail,
		         dd_kmod_state_name(st));
	if (detail_part)
		assert_contains(s->detail, detail_part);
}

/* ---- the table ---- */

static void test_table(void **state)
{
	(void)state;
	size_t n = 0;
	const dd_kmod *t = dd_kmod_table(&n);
	assert_true(n >= 10);
	const char *required[] = {"dummy", "ip_vs",   "ip_vs_wlc",  "overlay",
	                          "vxlan", "xt_ipvs", "xt_comment", "nf_nat"};
	for (size_t i = 0; i < ELEMENTSOF(required); i++) {
		bool found = false;
		for (size_t j = 0; j < n; j++)
			if (strcmp(t[j].name, required[i]) == 0) {
				found = true;
				assert_true(t[j].required);
			}
		if (!found)
			fail_msg("%s is not in the table", required[i]);
	}
	bool seen_optional = false;
	for (size_t i = 0; i < n; i++) {
		/* Names are what /proc/modules shows: underscores, never dashes. */
		assert_null(strchr(t[i].name, '-'));
		assert_true(dd_startswith(t[i].config, "CONFIG_"));
		assert_non_null(t[i].needed_by);
		assert_non_null(t[i].without);
		assert_non_null(t[i].source);
		assert_true(!t[i].depends || dd_startswith(t[i].depends, "CONFIG_"));
		assert_true(!t[i].alt_name == !t[i].alt_config);
		/* Required modules come first: doctor's order. */
		if (!t[i].required)
			seen_optional = true;
		else
			assert_false(seen_optional);
	}
	assert_true(seen_optional);
	assert_string_equal(dd_kmod_state_name(DD_KMOD_BUILTIN), "built-in");
	assert_string_equal(dd_kmod_state_name(DD_KMOD_LOADABLE), "loadable");
}

static void test_config_value(void **state)
{
	(void)state;
	const char *config = "CONFIG_IKCONFIG=y\n# CONFIG_DUMMY_IRQ is not set\n"
	                     "# CONFIG_DUMMY is not set\nCONFIG_DUMMY_CONSOLE=y\nCONFIG_VETH=m\n";
	assert_int_equal(dd_kernel_config_value(config, "CONFIG_DUMMY"), 'n');
	assert_int_equal(dd_kernel_config_value(config, "CONFIG_VETH"), 'm');
	assert_int_equal(dd_kernel_config_value(config, "CONFIG_BRIDGE"), 0);
	assert_int_equal(dd_kernel_config_value("CONFIG_DUMMY_CONSOLE=y\n", "CONFIG_DUMMY"), 0);
}

/* ---- every state ---- */

static void test_loaded(void **state)
{
	struct root *r = *state;
	struct detected d = {0};
	put(r, "proc/modules",
	    "dummy 16384 0 - Live 0x0000000000000000\n"
	    "ip_vs_wlc 12288 0 - Live 0x0000000000000000\n"
	    "ip_vs 200704 1 ip_vs_wlc, Live 0x0000000000000000\n"
	    "nf_nat 61440 2 xt_MASQUERADE,iptable_nat, Live 0x0000000000000000\n");
	put_dir(r, "sys/module/dummy"); /* loaded modules are in /sys/module too */
	detect(r, &d);
	assert_true(d.host.module_support);
	assert_string_equal(d.host.release, REL);
	expect(&d, "dummy", DD_KMOD_LOADED, "/proc/modules");
	expect(&d, "ip_vs", DD_KMOD_LOADED, NULL);
	expect(&d, "ip_vs_wlc", DD_KMOD_LOADED, NULL);
	expect(&d, "nf_nat", DD_KMOD_LOADED, NULL);
	assert_string_equal(find(&d, "dummy")->found_as, "dummy");
	/* Nothing else says anything: unknown, not missing. */
	expect(&d, "vxlan", DD_KMOD_UNKNOWN, "cannot tell");
	free(d.v);
}

static void test_builtin_modules_builtin(void **state)
{
	struct root *r = *state;
	struct detected d = {0};
	put(r, "proc/modules", "");
	put(r, "lib/modules/" REL "/modules.builtin",
	    "kernel/drivers/net/dummy.ko\n"
	    "kernel/net/netfilter/ipvs/ip_vs.ko\n"
	    "kernel/drivers/md/dm-raid.ko\n"); /* file names may use dashes */
	put_dir(r, "lib/modules/" REL "/kernel");
	detect(r, &d);
	expect(&d, "dummy", DD_KMOD_BUILTIN, "modules.builtin");
	expect(&d, "ip_vs", DD_KMOD_BUILTIN, NULL);
	expect(&d, "dm_raid", DD_KMOD_BUILTIN, NULL);
	/* modules.builtin is the kernel's full list, and there is no module file. */
	expect(&d, "ip_vs_wlc", DD_KMOD_MISSING, "nor a module");
	free(d.v);
}

static void test_builtin_sys_module(void **state)
{
	struct root *r = *state;
	struct detected d = {0};
	put(r, "proc/modules", "dummy 16384 0 - Live 0x0\n");
	put_dir(r, "sys/module/dummy");
	put_dir(r, "sys/module/overlay"); /* built-in code with parameters */
	detect(r, &d);
	expect(&d, "dummy", DD_KMOD_LOADED, NULL);
	expect(&d, "overlay", DD_KMOD_BUILTIN, "/sys/module/overlay");
	free(d.v);
}

static const char config_text[] = "CONFIG_MODULES=y\n"
                                  "CONFIG_DUMMY=y\n"
                                  "CONFIG_VXLAN=m\n"
                                  "CONFIG_OVERLAY_FS=m\n"
                                  "# CONFIG_IP_VS is not set\n"
                                  "CONFIG_BRIDGE=y\n"
                                  "# CONFIG_NET_IPIP is not set\n"
                                  "CONFIG_NETFILTER_XT_TARGET_MASQUERADE=y\n";

static void test_builtin_config_gz(void **state)
{
	struct root *r = *state;
	struct detected d = {0};
	put(r, "proc/modules", "");
	put_gzip(r, "proc/config.gz", config_text);
	/* /proc/config.gz wins over /boot (it is the running kernel's). */
	put(r, "boot/config-" REL, "# CONFIG_DUMMY is not set\n");
	detect(r, &d);
	assert_string_equal(d.host.config_from, "/proc/config.gz");
	expect(&d, "dummy", DD_KMOD_BUILTIN, "CONFIG_DUMMY=y in /proc/config.gz");
	expect(&d, "bridge", DD_KMOD_BUILTIN, NULL);
	expect(&d, "xt_MASQUERADE", DD_KMOD_BUILTIN, NULL);
	/* Set, but absent: the kernel is not set up to load it here. */
	expect(&d, "vxlan", DD_KMOD_UNKNOWN, "CONFIG_VXLAN=m");
	expect(&d, "ip_vs", DD_KMOD_MISSING, "lacks CONFIG_IP_VS (not set in /proc/config.gz)");
	/* Left out of the config by Kconfig: its dependency explains it. */
	expect(&d, "ip_vs_wlc", DD_KMOD_MISSING, "it needs CONFIG_IP_VS");
	expect(&d, "ipip", DD_KMOD_MISSING, "CONFIG_NET_IPIP");

	char *text = NULL;
	char from[64];
	assert_int_equal(dd_kernel_config_read(r->dir, REL, &text, from, sizeof(from)), 0);
	assert_string_equal(text, config_text);
	assert_string_equal(from, "/proc/config.gz");
	free(text);
	free(d.v);
}

static void test_builtin_boot_config(void **state)
{
	struct root *r = *state;
	struct detected d = {0};
	put(r, "proc/modules", "");
	put(r, "boot/config-" REL, config_text);
	put(r, "boot/config-5.10.0-other", "# CONFIG_DUMMY is not set\n");
	detect(r, &d);
	assert_string_equal(d.host.config_from, "/boot/config-" REL);
	expect(&d, "dummy", DD_KMOD_BUILTIN, "/boot/config-" REL);
	free(d.v);
}

static void test_loadable(void **state)
{
	struct root *r = *state;
	struct detected d = {0};
	put(r, "proc/modules", "ip_vs 200704 0 - Live 0x0\n");
	put(r, "lib/modules/" REL "/modules.dep",
	    "kernel/net/netfilter/ipvs/ip_vs.ko.xz: kernel/lib/libcrc32c.ko.xz\n"
	    "kernel/net/netfilter/ipvs/ip_vs_wlc.ko.xz: kernel/net/netfilter/ipvs/ip_vs.ko.xz\n"
	    "kernel/drivers/net/dummy.ko:\n"
	    "kernel/drivers/net/dummy_irq.ko:\n");
	put_gzip(r, "proc/config.gz", "CONFIG_IP_VS=m\nCONFIG_IP_VS_WLC=m\nCONFIG_DUMMY=m\n");
	detect(r, &d);
	expect(&d, "ip_vs", DD_KMOD_LOADED, NULL);
	expect(&d, "ip_vs_wlc", DD_KMOD_LOADABLE, "kernel/net/netfilter/ipvs/ip_vs_wlc.ko.xz");
	expect(&d, "dummy", DD_KMOD_LOADABLE, "kernel/drivers/net/dummy.ko");
	free(d.v);
}

static void test_loadable_tree(void **state)
{
	struct root *r = *state;
	struct detected d = {0};
	/* No modules.dep (depmod never ran): the files themselves. */
	put(r, "proc/modules", "");
	put(r, "lib/modules/" REL "/kernel/drivers/net/vxlan/vxlan.ko.zst", "x");
	put(r, "lib/modules/" REL "/kernel/fs/overlayfs/overlay.ko", "x");
	put(r, "lib/modules/" REL "/updates/dkms/br-netfilter.ko.gz", "x");
	put(r, "lib/modules/" REL "/kernel/drivers/net/dummy.kobj", "not a module");
	detect(r, &d);
	expect(&d, "vxlan", DD_KMOD_LOADABLE, "kernel/drivers/net/vxlan/vxlan.ko.zst");
	expect(&d, "overlay", DD_KMOD_LOADABLE, NULL);
	expect(&d, "br_netfilter", DD_KMOD_LOADABLE, "updates/dkms/br-netfilter.ko.gz");
	expect(&d, "dummy", DD_KMOD_UNKNOWN, NULL);
	free(d.v);
}

static void test_missing(void **state)
{
	struct root *r = *state;
	struct detected d = {0};
	put(r, "proc/modules", "bridge 319488 0 - Live 0x0\n");
	put(r, "boot/config-" REL,
	    "CONFIG_MODULES=y\n# CONFIG_DUMMY is not set\nCONFIG_BRIDGE=m\n");
	detect(r, &d);
	expect(&d, "dummy", DD_KMOD_MISSING,
	       "lacks CONFIG_DUMMY (not set in /boot/config-" REL ")");
	assert_null(strstr(find(&d, "dummy")->detail, "no loadable module support"));
	expect(&d, "bridge", DD_KMOD_LOADED, NULL);
	/* An option the config does not mention at all counts as not set. */
	expect(&d, "vxlan", DD_KMOD_MISSING, "CONFIG_VXLAN");
	free(d.v);
}

static void test_no_module_support(void **state)
{
	struct root *r = *state;
	struct detected d = {0};
	/* This machine: no /proc/modules, /proc/config.gz without IPVS or dummy. */
	put_gzip(r, "proc/config.gz",
	         "# CONFIG_MODULES is not set\n# CONFIG_DUMMY is not set\nCONFIG_VXLAN=y\n"
	         "CONFIG_BRIDGE=m\n");
	put_dir(r, "sys/module/vxlan");
	put(r, "lib/modules/" REL "/kernel/drivers/net/dummy.ko", "x"); /* cannot be loaded */
	detect(r, &d);
	assert_false(d.host.module_support);
	expect(&d, "dummy", DD_KMOD_MISSING, "no loadable module support");
	expect(&d, "ip_vs", DD_KMOD_MISSING, "lacks CONFIG_IP_VS");
	expect(&d, "ip_vs_wlc", DD_KMOD_MISSING, "it needs CONFIG_IP_VS");
	expect(&d, "vxlan", DD_KMOD_BUILTIN, NULL);
	expect(&d, "bridge", DD_KMOD_MISSING, "=m in /proc/config.gz, but no loadable module");
	free(d.v);

	/* Without a config, modules.builtin still tells. */
	dd_rm_rf(r->dir);
	put(r, "lib/modules/" REL "/modules.builtin", "kernel/fs/overlayfs/overlay.ko\n");
	detect(r, &d);
	expect(&d, "overlay", DD_KMOD_BUILTIN, NULL);
	expect(&d, "dummy", DD_KMOD_MISSING, "cannot load modules");
	free(d.v);

	/* Without either, nothing can be told. */
	dd_rm_rf(r->dir);
	put_dir(r, "proc");
	detect(r, &d);
	for (size_t i = 0; i < d.n; i++)
		assert_int_equal(d.v[i].state, DD_KMOD_UNKNOWN);
	free(d.v);
}

static void test_alt_name(void **state)
{
	struct root *r = *state;
	struct detected d = {0};
	/* Kernels before 5.2: MASQUERADE is ipt_MASQUERADE. */
	put(r, "proc/modules", "ipt_MASQUERADE 16384 1 - Live 0x0\n");
	put(r, "boot/config-" REL, "CONFIG_MODULES=y\nCONFIG_IP_NF_TARGET_MASQUERADE=m\n");
	detect(r, &d);
	expect(&d, "xt_MASQUERADE", DD_KMOD_LOADED, NULL);
	assert_string_equal(find(&d, "xt_MASQUERADE")->found_as, "ipt_MASQUERADE");
	free(d.v);

	/* Neither: the main option is what is named. */
	put(r, "proc/modules", "");
	put(r, "boot/config-" REL, "CONFIG_MODULES=y\n");
	detect(r, &d);
	expect(&d, "xt_MASQUERADE", DD_KMOD_MISSING, "CONFIG_NETFILTER_XT_TARGET_MASQUERADE");
	free(d.v);
}

/* ---- the list for the nodes, read by the node's modprobe ---- */

static void test_present_list(void **state)
{
	struct root *r = *state;
	dd_error err = {0};
	char *list = NULL;
	/* Nothing known: no list (no file beats a file that says "none"). */
	put_dir(r, "proc");
	assert_int_equal(dd_kmod_present_list(r->dir, REL, &list, &err), 0);
	assert_null(list);

	put(r, "proc/modules", "ipt_MASQUERADE 16384 1 - Live 0x0\nip_vs 1 0 - Live 0x0\n");
	put_gzip(r, "proc/config.gz",
	         "CONFIG_MODULES=y\nCONFIG_DUMMY=y\n# CONFIG_VXLAN is not set\n");
	put_dir(r, "sys/module/overlay");
	put(r, "lib/modules/" REL "/modules.dep", "kernel/net/ipv4/ipip.ko:\n");
	assert_int_equal(dd_kmod_present_list(r->dir, REL, &list, &err), 0);
	assert_non_null(list);
	/* Loaded and built in, one per line, as the kernel spells them; not
	 * the loadable or the missing ones. */
	assert_contains(list, "dummy\n");
	assert_contains(list, "ip_vs\n");
	assert_contains(list, "ipt_MASQUERADE\n");
	assert_contains(list, "overlay\n");
	assert_null(strstr(list, "vxlan"));
	assert_null(strstr(list, "ipip"));
	assert_null(strstr(list, "ip_vs_wlc"));
	free(list);
}

static int run_sh(const char *const *argv, char *const *env)
{
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		int null = open("/dev/null", O_RDWR);
		dup2(null, 0);
		dup2(null, 1);
		dup2(null, 2);
		execve(argv[0], (char *const *)argv, env);
		_exit(127);
	}
	int st = 0;
	assert_int_equal(waitpid(pid, &st, 0), pid);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/* The file's format is a contract with lib/image/recipe/modprobe: a module
 * the list names is quiet there, one it does not is logged. */
static void test_present_list_with_modprobe(void **state)
{
	struct root *r = *state;
	size_t n = 0;
	const struct dd_recipe_file *files = dd_recipe_files_get(&n);
	const struct dd_recipe_file *mp = dd_recipe_file_find(files, n, "modprobe");
	if (!mp)
		skip();
	/* The host: dummy built in (config only; nothing in /sys/module). */
	struct root host;
	snprintf(host.dir, sizeof(host.dir), "%s/host", r->dir);
	put(&host, "proc/modules", "");
	put_gzip(&host, "proc/config.gz", "CONFIG_MODULES=y\nCONFIG_DUMMY=y\n");
	char *list = NULL;
	dd_error err = {0};
	assert_int_equal(dd_kmod_present_list(host.dir, REL, &list, &err), 0);
	assert_non_null(list);

	/* The node: its own empty /proc/modules, the seeded list, a logger that records. */
	put(r, "node/proc/modules", "");
	put(r, "node/etc/dcos-docker/host-modules", list);
	free(list);
	put(r, "bin/logger", "#!/bin/sh\necho \"$*\" >>\"$LOG\"\n");
	_cleanup_free_ char *logger = dd_asprintf("%s/bin/logger", r->dir);
	chmod(logger, 0755);
	_cleanup_free_ char *script = dd_asprintf("%s/modprobe", r->dir);
	assert_int_equal(dd_write_file(script, mp->data, mp->size, 0755), 0);
	_cleanup_free_ char *log = dd_asprintf("%s/log", r->dir);
	_cleanup_free_ char *e_root = dd_asprintf("DCOS_DOCKER_MODPROBE_ROOT=%s/node", r->dir);
	_cleanup_free_ char *e_path = dd_asprintf("PATH=%s/bin:/usr/bin:/bin", r->dir);
	_cleanup_free_ char *e_log = dd_asprintf("LOG=%s", log);
	char *env[] = {e_root, e_path, e_log, NULL};

	const char *sh_dummy[] = {"/bin/sh", script, "dummy", NULL};
	assert_int_equal(run_sh(sh_dummy, env), 0);
	_cleanup_free_ char *text = NULL;
	assert_int_equal(dd_read_file(log, 1 << 16, &text, NULL), -ENOENT); /* quiet */

	const char *sh_ipvs[] = {"/bin/sh", script, "ip_vs_wlc", NULL};
	assert_int_equal(run_sh(sh_ipvs, env), 0);
	assert_int_equal(dd_read_file(log, 1 << 16, &text, NULL), 0);
	assert_contains(text, "ip_vs_wlc");
}

/* ---- cgroup v2 ---- */

static void test_cgroup_hint(void **state)
{
	(void)state;
	char buf[512];
	dd_cgroup_v1_boot_hint(252, buf, sizeof(buf));
	assert_contains(buf, "systemd.unified_cgroup_hierarchy=0");
	assert_null(strstr(buf, "SYSTEMD_CGROUP_ENABLE_LEGACY_FORCE"));
	assert_null(strstr(buf, "VM"));
	for (int v = 256; v <= 257; v++) {
		dd_cgroup_v1_boot_hint(v, buf, sizeof(buf));
		assert_contains(buf, "systemd.unified_cgroup_hierarchy=0");
		assert_contains(buf, "SYSTEMD_CGROUP_ENABLE_LEGACY_FORCE=1");
		assert_null(strstr(buf, "VM"));
	}
	dd_cgroup_v1_boot_hint(258, buf, sizeof(buf));
	assert_contains(buf, "cannot run cgroup v1");
	assert_contains(buf, "VM");
	assert_contains(buf, "258");
	/* Unknown, or not systemd: all three cases, briefly. */
	for (int v = -1; v <= 0; v++) {
		dd_cgroup_v1_boot_hint(v, buf, sizeof(buf));
		assert_contains(buf, "systemd.unified_cgroup_hierarchy=0");
		assert_contains(buf, "SYSTEMD_CGROUP_ENABLE_LEGACY_FORCE=1");
		assert_contains(buf, "258");
		assert_true(strlen(buf) < DD_ERROR_HINT_MAX);
	}
}

struct info_daemon {
	struct fake_daemon f;
	char info[512];
};

static void h_info(struct fake_daemon *f, int fd, const struct fake_request *req)
{
	struct info_daemon *t = (struct info_daemon *)f;
	if (strstr(req->target, "/info"))
		fake_respond(fd, 200, "OK", "application/json", t->info);
	else
		fake_respond(fd, 404, "Not Found", "application/json", "{\"message\":\"no\"}");
}

static void cgroup_case(const char *info, bool want_v2, const char *hint_part)
{
	struct info_daemon t;
	fake_init(&t.f);
	snprintf(t.info, sizeof(t.info), "%s", info);
	assert_int_equal(fake_start(&t.f, h_info, NULL), 0);
	dd_docker *d = NULL;
	dd_error err = {0};
	assert_int_equal(dd_docker_open(t.f.path, &d, &err), 0);
	bool v2 = !want_v2;
	char hint[512] = "x";
	if (dd_host_cgroup_v2(d, &v2, hint, sizeof(hint), &err) < 0)
		fail_msg("dd_host_cgroup_v2: %s", err.msg);
	assert_int_equal(v2, want_v2);
	if (hint_part)
		assert_contains(hint, hint_part);
	else
		assert_string_equal(hint, "");
	dd_docker_free(d);
	fake_stop(&t.f);
	assert_string_equal(t.f.error, "");
	fake_free(&t.f);
}

static void test_cgroup_v2_daemon(void **state)
{
	(void)state;
	cgroup_case("{\"CgroupVersion\":\"1\",\"KernelVersion\":\"x\"}", false, NULL);
	/* Older daemons do not say: that is cgroup v1 (they predate v2 support). */
	cgroup_case("{\"Driver\":\"overlay2\"}", false, NULL);
	/* Another machine's kernel: this machine's systemd says nothing about it. */
	cgroup_case("{\"CgroupVersion\":\"2\",\"KernelVersion\":\"6.12.0-elsewhere\"}", true,
	            "6.12.0-elsewhere");
	cgroup_case("{\"CgroupVersion\":\"2\",\"KernelVersion\":\"6.12.0-elsewhere\"}", true,
	            "SYSTEMD_CGROUP_ENABLE_LEGACY_FORCE=1");
	/* This machine's kernel: the hint for this machine's systemd, whichever it is. */
	struct utsname u;
	uname(&u);
	char info[256];
	snprintf(info, sizeof(info), "{\"CgroupVersion\":\"2\",\"KernelVersion\":\"%s\"}",
	         u.release);
	cgroup_case(info, true, "cgroup v1");
}

/* doctor's own verdict on a daemon that reports cgroup v2: a warning, not a
 * failure (nodes work there), with the fix. */
static void h_doctor(struct fake_daemon *f, int fd, const struct fake_request *req)
{
	struct info_daemon *t = (struct info_daemon *)f;
	if (strstr(req->target, "/_ping"))
		fake_respond(fd, 200, "OK", "text/plain", "OK");
	else if (strstr(req->target, "/version"))
		fake_respond(fd, 200, "OK", "application/json",
		             "{\"Version\":\"24.0.7\",\"ApiVersion\":\"1.43\"}");
	else if (strstr(req->target, "/info"))
		fake_respond(fd, 200, "OK", "application/json", t->info);
	else
		fake_respond(fd, 404, "Not Found", "application/json",
		             "{\"message\":\"no such thing\"}");
}

static const dd_check *doctor_check(const char *info, const char *id, dd_check **ret_all)
{
	struct info_daemon t;
	fake_init(&t.f);
	snprintf(t.info, sizeof(t.info), "%s", info);
	assert_int_equal(fake_start(&t.f, h_doctor, NULL), 0);
	dd_docker *d = NULL;
	dd_error err = {0};
	assert_int_equal(dd_docker_open(t.f.path, &d, &err), 0);
	dd_check *checks = NULL;
	size_t n = 0;
	assert_int_equal(dd_doctor_run(d, &checks, &n, &err), 0);
	dd_docker_free(d);
	fake_free(&t.f);
	*ret_all = checks;
	for (size_t i = 0; i < n; i++)
		if (strcmp(checks[i].id, id) == 0)
			return &checks[i];
	fail_msg("no check %s", id);
	return NULL;
}

static void test_doctor_cgroup(void **state)
{
	(void)state;
	dd_check *all = NULL;
	const dd_check *c = doctor_check("{\"CgroupVersion\":\"2\",\"KernelVersion\":\"6.12.0-"
	                                 "elsewhere\",\"Driver\":\"overlay2\"}",
	                                 "cgroup", &all);
	assert_int_equal(c->status, DD_CHECK_WARN);
	assert_contains(c->message, "nodes work, DC/OS cannot");
	assert_contains(c->message, "Mesos 1.11");
	assert_contains(c->fix, "systemd.unified_cgroup_hierarchy=0");
	assert_null(c->kmod);
	free(all);

	c = doctor_check("{\"CgroupVersion\":\"1\",\"Driver\":\"overlay2\"}", "cgroup", &all);
	assert_int_equal(c->status, DD_CHECK_OK);
	assert_contains(c->message, "cgroup v1");
	free(all);

	/* The module checks are there, each with its module. */
	c = doctor_check("{\"CgroupVersion\":\"1\"}", "kmod-dummy", &all);
	assert_non_null(c->kmod);
	assert_string_equal(c->kmod->name, "dummy");
	assert_string_equal(c->title, "kernel module dummy");
	free(all);
}

/* ---- the docker CLI ---- */

static void with_path(const char *path, int want_r, const char *msg_part, const char *hint_part)
{
	_cleanup_free_ char *old = dd_strdup(getenv("PATH") ? getenv("PATH") : "");
	setenv("PATH", path, 1);
	dd_error err = {0};
	int r = dd_host_docker_cli_check(&err);
	setenv("PATH", old, 1);
	if (r != want_r)
		fail_msg("PATH=%s: %d (%s), want %d", path, r, err.msg, want_r);
	if (r == 0)
		return;
	assert_int_equal(err.kind, DD_ERR_USAGE);
	assert_contains(err.msg, msg_part);
	assert_contains(err.hint, hint_part);
}

static void test_docker_cli(void **state)
{
	struct root *r = *state;
	put(r, "none/.keep", "");
	put(r, "good/docker",
	    "#!/bin/sh\n[ \"$1\" = version ] || exit 3\n"
	    "printf 'Client:\\n Version:           28.2.2\\n'\n");
	put(r, "bad/docker",
	    "#!/bin/sh\nprintf 'Client:\\n Version: 28.2.2\\n'\n"
	    "echo 'Cannot connect to the Docker daemon at unix:///x. Is the docker daemon "
	    "running?' >&2\nexit 1\n");
	put(r, "dir/docker/.keep", ""); /* a directory named docker is no command */
	for (const char *p = "good\0bad\0"; *p; p += strlen(p) + 1) {
		_cleanup_free_ char *f = dd_asprintf("%s/%s/docker", r->dir, p);
		chmod(f, 0755);
	}
	_cleanup_free_ char *none = dd_asprintf("%s/none", r->dir);
	_cleanup_free_ char *good = dd_asprintf("%s/good:/usr/bin:/bin", r->dir);
	_cleanup_free_ char *bad = dd_asprintf("%s/bad:/usr/bin:/bin", r->dir);
	_cleanup_free_ char *dir = dd_asprintf("%s/dir:%s/none", r->dir, r->dir);
	with_path(none, -ENOENT, "not on PATH", "docker.io");
	with_path(dir, -ENOENT, "not on PATH", "docker.io");
	with_path(good, 0, NULL, NULL);
	with_path(bad, -EIO, "Cannot connect to the Docker daemon", "DOCKER_HOST");
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, setup_root, teardown_root)
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_table),
	    cmocka_unit_test(test_config_value),
	    T(test_loaded),
	    T(test_builtin_modules_builtin),
	    T(test_builtin_sys_module),
	    T(test_builtin_config_gz),
	    T(test_builtin_boot_config),
	    T(test_loadable),
	    T(test_loadable_tree),
	    T(test_missing),
	    T(test_no_module_support),
	    T(test_alt_name),
	    T(test_present_list),
	    T(test_present_list_with_modprobe),
	    cmocka_unit_test(test_cgroup_hint),
	    cmocka_unit_test(test_cgroup_v2_daemon),
	    cmocka_unit_test(test_doctor_cgroup),
	    T(test_docker_cli),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
