/* Kernel modules DC/OS needs from the host kernel: the table and a detection
 * over files only (see include/dcos-docker/kmod.h). */
#define _GNU_SOURCE
#include "dcos-docker/kmod.h"

#include <archive.h>
#include <errno.h>
#include <ftw.h>
#include <stdarg.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>

#include "buf.h"
#include "kmod-internal.h"
#include "util.h"

#define DCOS_NET_UNIT "dcos/dcos 2.2 packages/dcos-net/extra/dcos-net.service"
#define L4LB_IPSET    "dcos/dcos-net apps/dcos_l4lb/src/dcos_l4lb_ipset_mgr.erl"
#define NETWORKING    "DC/OS networking cannot work on this host"
/* Kernel configs are ~100-300 KB; modules.dep of a distro kernel ~1 MB. */
#define CONFIG_MAX (16u << 20)
#define LIST_MAX   (16u << 20)

/* Read from DC/OS 2.2 (dcos/dcos branch 2.2, and dcos/dcos-net at the commit
 * its packages/dcos-net/buildinfo.json pins, d35033b8). Required means that
 * DC/OS in its default configuration fails without it: dcos-net's
 * ExecStartPre lines are fatal, and its Erlang code crashes on a failed
 * match (ipset: "{ok, ?IPSET_PROTOCOL} = get_protocol_version(Pid)"). */
/* clang-format off: one field per line reads better than its packing */
static const dd_kmod table[] = {
    {
        .name = "dummy",
        .config = "CONFIG_DUMMY",
        .required = true,
        .needed_by = "dcos-net: 'modprobe dummy', the dummy interfaces spartan (DNS) and "
                     "minuteman (VIPs)",
        .without = NETWORKING,
        .source = DCOS_NET_UNIT " (ExecStartPre modprobe dummy, ip link add ... type "
                                "dummy)",
    },
    {
        .name = "ip_vs",
        .config = "CONFIG_IP_VS",
        .required = true,
        .needed_by = "dcos-net's layer-4 load balancer: VIPs are IPVS services",
        .without = NETWORKING,
        .source = "dcos/dcos 2.2 packages/dcos-net/buildinfo.json (sysctl "
                  "net.ipv4.vs.conntrack); dcos/dcos-net "
                  "apps/dcos_l4lb/src/dcos_l4lb_ipvs_mgr.erl",
    },
    {
        .name = "ip_vs_wlc",
        .config = "CONFIG_IP_VS_WLC",
        .depends = "CONFIG_IP_VS",
        .required = true,
        .needed_by = "dcos-net: 'modprobe ip_vs_wlc', the scheduler of its IPVS services",
        .without = NETWORKING,
        .source = DCOS_NET_UNIT " (ExecStartPre modprobe ip_vs_wlc); dcos/dcos-net "
                                "apps/dcos_l4lb/src/dcos_l4lb_ipvs_mgr.erl (sched_name \"wlc\")",
    },
    {
        .name = "xt_ipvs",
        .config = "CONFIG_NETFILTER_XT_MATCH_IPVS",
        .depends = "CONFIG_IP_VS",
        .required = true,
        .needed_by = "dcos-net: iptables -t nat ... -m ipvs --vmethod MASQ ... -j "
                     "MASQUERADE",
        .without = NETWORKING,
        .source = DCOS_NET_UNIT " (ExecStartPre iptables ... -m ipvs)",
    },
    {
        .name = "xt_comment",
        .config = "CONFIG_NETFILTER_XT_MATCH_COMMENT",
        .required = true,
        .needed_by = "dcos-net: '-m comment' in its iptables rules",
        .without = NETWORKING,
        .source = DCOS_NET_UNIT " (-m comment --comment "
                                "Minuteman-IPVS-IPTables-masquerade-rule); " L4LB_IPSET,
    },
    {
        .name = "xt_MASQUERADE",
        .config = "CONFIG_NETFILTER_XT_TARGET_MASQUERADE",
        .alt_name = "ipt_MASQUERADE",
        .alt_config = "CONFIG_IP_NF_TARGET_MASQUERADE",
        .required = true,
        .needed_by = "dcos-net's '-j MASQUERADE' rule; the UCR bridge network (ipMasq)",
        .without = NETWORKING,
        .source = DCOS_NET_UNIT "; dcos/dcos 2.2 gen/dcos-config.yaml "
                                "(ucr-default-bridge.conf, ipMasq)",
    },
    {
        .name = "nf_nat",
        .config = "CONFIG_NF_NAT",
        .required = true,
        .needed_by = "dcos-net's nat rule; Docker in the nodes (published ports, "
                     "masquerading)",
        .without = NETWORKING,
        .source = DCOS_NET_UNIT " (iptables -t nat)",
    },
    {
        .name = "ip_set",
        .config = "CONFIG_IP_SET",
        .required = true,
        .needed_by = "dcos-net's layer-4 load balancer: ipset dcos-l4lb "
                     "(dcos_l4lb_enable_ipset defaults to true)",
        .without = NETWORKING,
        .source = "dcos/dcos 2.2 gen/calc.py (dcos_l4lb_enable_ipset); " L4LB_IPSET,
    },
    {
        .name = "ip_set_hash_ipport",
        .config = "CONFIG_IP_SET_HASH_IPPORT",
        .depends = "CONFIG_IP_SET",
        .required = true,
        .needed_by = "dcos-net: the hash:ip,port type of ipset dcos-l4lb",
        .without = NETWORKING,
        .source = L4LB_IPSET " (IPSET_TYPE \"hash:ip,port\")",
    },
    {
        .name = "xt_set",
        .config = "CONFIG_NETFILTER_XT_SET",
        .depends = "CONFIG_IP_SET",
        .required = true,
        .needed_by = "dcos-net: iptables -m set --match-set dcos-l4lb",
        .without = NETWORKING,
        .source = L4LB_IPSET " (add_iptables_rules)",
    },
    {
        .name = "vxlan",
        .config = "CONFIG_VXLAN",
        .required = true,
        .needed_by = "the DC/OS overlay network (dcos-net's vtep1024) and Calico's VXLAN "
                     "mode, both on by default",
        .without = "DC/OS's virtual networks (dcos, calico) cannot work on this host",
        .source = "dcos/dcos 2.2 gen/calc.py (dcos_overlay_enable, calico_vxlan_enabled: "
                  "'true'); dcos/dcos-net apps/dcos_overlay/src/dcos_overlay_netlink.erl "
                  "(iplink_add vxlan)",
    },
    {
        .name = "overlay",
        .config = "CONFIG_OVERLAY_FS",
        .required = true,
        .needed_by = "Docker in the nodes (overlay2) and Mesos UCR's overlay image backend",
        .without = "Docker in the nodes cannot use overlay2",
        .source = "the nodes' /etc/docker/daemon.json storage driver; dcos/dcos 2.2 "
                  "gen/calc.py (mesos_isolation: filesystem/linux, docker/runtime)",
    },
    {
        .name = "bridge",
        .config = "CONFIG_BRIDGE",
        .required = true,
        .needed_by = "Docker in the nodes (docker0) and the UCR default bridge network "
                     "(ucr-br0)",
        .without = "Docker's and UCR's bridge networks cannot work in the nodes",
        .source = "dcos/dcos 2.2 gen/dcos-config.yaml (ucr-default-bridge.conf, \"type\": "
                  "\"bridge\")",
    },
    {
        .name = "br_netfilter",
        .config = "CONFIG_BRIDGE_NETFILTER",
        .depends = "CONFIG_BRIDGE",
        .needed_by = "Docker in the nodes: iptables for bridged traffic "
                     "(bridge-nf-call-iptables)",
        .without = "iptables does not see traffic between containers on one bridge "
                   "(dockerd only warns)",
        .source = "Docker's bridge driver (modprobe br_netfilter)",
    },
    {
        .name = "ipip",
        .config = "CONFIG_NET_IPIP",
        .needed_by = "Calico's IP-in-IP mode (calico_vxlan_enabled: 'false'; the default "
                     "is VXLAN)",
        .without = "Calico's IP-in-IP mode cannot work (its default, VXLAN, can)",
        .source = "dcos/dcos 2.2 gen/dcos-config.yaml (CALICO_IPV4POOL_IPIP=always)",
    },
    {
        .name = "raid1",
        .config = "CONFIG_MD_RAID1",
        .depends = "CONFIG_BLK_DEV_MD",
        .needed_by = "the DC/OS Storage Service (DSS); the installer's preflight warns "
                     "without it",
        .without = "the DC/OS Storage Service (DSS) cannot work; the installer's "
                   "preflight warns",
        .source = "dcos/dcos 2.2 gen/build_deploy/bash.py "
                  "(warn_unloaded_dss_kernel_module raid1)",
    },
    {
        .name = "dm_raid",
        .config = "CONFIG_DM_RAID",
        .depends = "CONFIG_BLK_DEV_DM",
        .needed_by = "the DC/OS Storage Service (DSS); the installer's preflight warns "
                     "without it",
        .without = "the DC/OS Storage Service (DSS) cannot work; the installer's "
                   "preflight warns",
        .source = "dcos/dcos 2.2 gen/build_deploy/bash.py "
                  "(warn_unloaded_dss_kernel_module dm_raid)",
    },
};
/* clang-format on */

const dd_kmod *dd_kmod_table(size_t *ret_n)
{
	*ret_n = ELEMENTSOF(table);
	return table;
}

const char *dd_kmod_state_name(enum dd_kmod_state s)
{
	switch (s) {
	case DD_KMOD_UNKNOWN: return "unknown";
	case DD_KMOD_LOADED: return "loaded";
	case DD_KMOD_BUILTIN: return "built-in";
	case DD_KMOD_LOADABLE: return "loadable";
	case DD_KMOD_MISSING: return "missing";
	}
	return "?";
}

char dd_kernel_config_value(const char *config, const char *option)
{
	size_t n = strlen(option);
	for (const char *line = config; line && *line;) {
		const char *nl = strchr(line, '\n');
		size_t len = nl ? (size_t)(nl - line) : strlen(line);
		if (len > n + 1 && strncmp(line, option, n) == 0 && line[n] == '=')
			return line[n + 1];
		/* "# CONFIG_DUMMY is not set" */
		if (len > n + 2 && line[0] == '#' && line[1] == ' ' &&
		    strncmp(line + 2, option, n) == 0 &&
		    strncmp(line + 2 + n, " is not set", strlen(" is not set")) == 0)
			return 'n';
		line = nl ? nl + 1 : NULL;
	}
	return 0;
}

/* ---- reading the host ---- */

static char *rooted(const char *root, const char *path)
{
	return dd_asprintf("%s%s", root ? root : "", path);
}

/* A gzip file through libarchive's raw format (zlib comes with it), so
 * /proc/config.gz needs no library of its own. */
static int read_gzip(const char *path, size_t max, char **ret)
{
	struct archive *a = archive_read_new();
	if (!a)
		return -ENOMEM;
	archive_read_support_filter_gzip(a);
	archive_read_support_format_raw(a);
	struct archive_entry *e;
	int r = -ENOENT;
	_cleanup_buf_ dd_buf text = DD_BUF_HEAD(max);
	if (archive_read_open_filename(a, path, 16384) == ARCHIVE_OK &&
	    archive_read_next_header(a, &e) == ARCHIVE_OK) {
		char chunk[16384];
		la_ssize_t k;
		r = 0;
		while (r == 0 && (k = archive_read_data(a, chunk, sizeof(chunk))) != 0)
			r = k < 0 ? -EIO : dd_buf_add(&text, chunk, (size_t)k) < 0 ? -EFBIG : 0;
	}
	archive_read_free(a);
	if (r == 0)
		*ret = dd_buf_take(&text);
	return r;
}

int dd_kernel_config_read(const char *root, const char *release, char **ret, char *from,
                          size_t from_size)
{
	if (from && from_size)
		from[0] = '\0';
	*ret = NULL;
	_cleanup_free_ char *gz = rooted(root, "/proc/config.gz");
	char *text = NULL;
	if (read_gzip(gz, CONFIG_MAX, &text) == 0) {
		if (from)
			snprintf(from, from_size, "/proc/config.gz");
		*ret = text;
		return 0;
	}
	_cleanup_free_ char *rel = dd_asprintf("/boot/config-%s", release);
	_cleanup_free_ char *boot = rooted(root, rel);
	if (dd_read_file(boot, CONFIG_MAX, &text, NULL) == 0) {
		if (from)
			snprintf(from, from_size, "%s", rel);
		*ret = text;
	}
	return 0;
}

/* "kernel/net/netfilter/ipvs/ip_vs_wlc.ko.zst" -> "ip_vs_wlc" in buf; false
 * for a file that is no module. modprobe treats - and _ alike: we use _. */
static bool module_name_of(const char *path, size_t len, char *buf, size_t size)
{
	const char *base = path;
	for (size_t i = 0; i < len; i++)
		if (path[i] == '/')
			base = path + i + 1;
	size_t blen = len - (size_t)(base - path);
	const char *ko = memmem(base, blen, ".ko", 3);
	if (!ko || ko == base)
		return false;
	/* ".ko", ".ko.xz", ".ko.zst", ".ko.gz": nothing but a compression suffix after it */
	size_t rest = blen - (size_t)(ko - base) - 3;
	if (rest > 0 && ko[3] != '.')
		return false;
	size_t n = (size_t)(ko - base);
	if (n + 1 > size)
		return false;
	for (size_t i = 0; i < n; i++)
		buf[i] = base[i] == '-' ? '_' : base[i];
	buf[n] = '\0';
	return true;
}

/* Looks a module name up in a text of one entry per line: the first word
 * (/proc/modules: "dummy 16384 0 - Live ..."), or the module of the path up
 * to ':' or the end of the line (modules.builtin, modules.dep). Returns the
 * matching path in ret_path (may be NULL) for a path list. */
static bool text_has(const char *text, const char *name, bool paths, char *ret_path,
                     size_t path_size)
{
	for (const char *line = text; line && *line;) {
		const char *nl = strchr(line, '\n');
		size_t len = nl ? (size_t)(nl - line) : strlen(line);
		char mod[128];
		if (paths) {
			const char *colon = memchr(line, ':', len);
			size_t plen = colon ? (size_t)(colon - line) : len;
			if (module_name_of(line, plen, mod, sizeof(mod)) &&
			    strcmp(mod, name) == 0) {
				if (ret_path)
					snprintf(ret_path, path_size, "%.*s", (int)plen, line);
				return true;
			}
		} else {
			size_t w = strcspn(line, " \t\n");
			if (w < sizeof(mod)) {
				for (size_t i = 0; i < w; i++)
					mod[i] = line[i] == '-' ? '_' : line[i];
				mod[w] = '\0';
				if (strcmp(mod, name) == 0)
					return true;
			}
		}
		line = nl ? nl + 1 : NULL;
	}
	return false;
}

/* Without modules.dep (depmod never ran), the module files themselves. */
static __thread struct tree_walk {
	const char *const *names;
	size_t n;
	char **found; /* per name: the path relative to the tree, or NULL */
	size_t prefix;
} * walk_state;

static int walk_one(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	if (type != FTW_F)
		return 0;
	char mod[128];
	if (!module_name_of(path, strlen(path), mod, sizeof(mod)))
		return 0;
	struct tree_walk *w = walk_state;
	for (size_t i = 0; i < w->n; i++)
		if (!w->found[i] && strcmp(mod, w->names[i]) == 0)
			w->found[i] = dd_strdup(path + w->prefix);
	return 0;
}

struct host_facts {
	dd_kmod_host host;
	char *proc_modules;                      /* NULL: no /proc/modules */
	char *builtin;                           /* modules.builtin, NULL when absent */
	char *config;                            /* kernel config text, NULL when absent */
	char *dep;                               /* modules.dep, NULL when absent */
	bool modules_dir;                        /* lib/modules/RELEASE exists */
	char *sys_module;                        /* root/sys/module */
	char *walk_found[2 * ELEMENTSOF(table)]; /* without modules.dep: per name and alt name */
};

static void host_facts_clear(struct host_facts *f)
{
	free(f->proc_modules);
	free(f->builtin);
	free(f->config);
	free(f->dep);
	free(f->sys_module);
	for (size_t i = 0; i < ELEMENTSOF(f->walk_found); i++)
		free(f->walk_found[i]);
}

static void host_facts_read(struct host_facts *f, const char *root, const char *release)
{
	struct utsname u;
	if (!release) {
		uname(&u);
		release = u.release;
	}
	snprintf(f->host.release, sizeof(f->host.release), "%s", release);
	_cleanup_free_ char *pm = rooted(root, "/proc/modules");
	f->host.module_support = dd_read_file(pm, LIST_MAX, &f->proc_modules, NULL) == 0;
	dd_kernel_config_read(root, release, &f->config, f->host.config_from,
	                      sizeof(f->host.config_from));
	_cleanup_free_ char *rel = dd_asprintf("/lib/modules/%s", release);
	_cleanup_free_ char *dir = rooted(root, rel);
	struct stat st;
	f->modules_dir = stat(dir, &st) == 0 && S_ISDIR(st.st_mode);
	_cleanup_free_ char *builtin = dd_asprintf("%s/modules.builtin", dir);
	if (dd_read_file(builtin, LIST_MAX, &f->builtin, NULL) < 0)
		f->builtin = NULL;
	_cleanup_free_ char *dep = dd_asprintf("%s/modules.dep", dir);
	if (dd_read_file(dep, LIST_MAX, &f->dep, NULL) < 0)
		f->dep = NULL;
	f->sys_module = rooted(root, "/sys/module");
	if (f->modules_dir && !f->dep && f->host.module_support) {
		const char *names[2 * ELEMENTSOF(table)];
		for (size_t i = 0; i < ELEMENTSOF(table); i++) {
			names[2 * i] = table[i].name;
			names[2 * i + 1] = table[i].alt_name ? table[i].alt_name : "";
		}
		struct tree_walk w = {names, ELEMENTSOF(names), f->walk_found, strlen(dir) + 1};
		walk_state = &w;
		nftw(dir, walk_one, 16, FTW_PHYS);
		walk_state = NULL;
	}
}

static char config_value(const struct host_facts *f, const char *option)
{
	return f->config && option ? dd_kernel_config_value(f->config, option) : 0;
}

static void set(dd_kmod_status *s, enum dd_kmod_state st, const char *as, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void set(dd_kmod_status *s, enum dd_kmod_state st, const char *as, const char *fmt, ...)
{
	s->state = st;
	s->found_as = as;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(s->detail, sizeof(s->detail), fmt, ap);
	va_end(ap);
}

/* One name and its option; walk_found is the tree walk's result for it. */
static void decide(const struct host_facts *f, const dd_kmod *m, const char *name,
                   const char *option, const char *walk_found, dd_kmod_status *s)
{
	char path[512];
	char cv = config_value(f, option);
	struct stat st;
	_cleanup_free_ char *sys = dd_asprintf("%s/%s", f->sys_module, name);
	if (f->proc_modules && text_has(f->proc_modules, name, false, NULL, 0))
		return set(s, DD_KMOD_LOADED, name, "loaded (listed in /proc/modules)");
	if (f->builtin && text_has(f->builtin, name, true, NULL, 0))
		return set(s, DD_KMOD_BUILTIN, name, "built in (modules.builtin)");
	if (cv == 'y')
		return set(s, DD_KMOD_BUILTIN, name, "built in (%s=y in %s)", option,
		           f->host.config_from);
	/* Built-in code with parameters shows in /sys/module too. */
	if (stat(sys, &st) == 0 && S_ISDIR(st.st_mode))
		return set(s, DD_KMOD_BUILTIN, name,
		           "built in (/sys/module/%s, not in /proc/modules)", name);
	if (f->host.module_support) {
		if (f->dep && text_has(f->dep, name, true, path, sizeof(path)))
			return set(s, DD_KMOD_LOADABLE, name, "loadable, not loaded (%s)", path);
		if (walk_found)
			return set(s, DD_KMOD_LOADABLE, name, "loadable, not loaded (%s)",
			           walk_found);
	}
	const char *nomods = f->host.module_support ? "" : "; no loadable module support";
	if (f->config) {
		if (cv == 'm' && f->host.module_support)
			return set(s, DD_KMOD_UNKNOWN, name,
			           "%s=m in %s, but no %s.ko* under /lib/modules/%s", option,
			           f->host.config_from, name, f->host.release);
		if (cv == 'm')
			return set(s, DD_KMOD_MISSING, name,
			           "kernel %s lacks %s (=m in %s, but no loadable module support)",
			           f->host.release, option, f->host.config_from);
		char dep = config_value(f, m->depends);
		if (m->depends && dep != 'y' && dep != 'm' && strcmp(option, m->config) == 0)
			return set(s, DD_KMOD_MISSING, name,
			           "kernel %s lacks %s (it needs %s, not set in %s%s)",
			           f->host.release, option, m->depends, f->host.config_from,
			           nomods);
		return set(s, DD_KMOD_MISSING, name, "kernel %s lacks %s (not set in %s%s)",
		           f->host.release, option, f->host.config_from, nomods);
	}
	/* No config: modules.builtin is the kernel's own list of what is built in. */
	if (f->builtin && !f->host.module_support)
		return set(s, DD_KMOD_MISSING, name,
		           "not built in (modules.builtin) and the kernel cannot load modules");
	if (f->builtin && f->host.module_support && f->modules_dir)
		return set(s, DD_KMOD_MISSING, name,
		           "neither built in (modules.builtin) nor a module under /lib/modules/%s",
		           f->host.release);
	set(s, DD_KMOD_UNKNOWN, name,
	    "cannot tell: no kernel config (/proc/config.gz, "
	    "/boot/config-%s) and no modules.builtin",
	    f->host.release);
}

/* For the alternative name, whichever tells the better story wins. */
static int rank(enum dd_kmod_state s)
{
	switch (s) {
	case DD_KMOD_LOADED: return 4;
	case DD_KMOD_BUILTIN: return 3;
	case DD_KMOD_LOADABLE: return 2;
	case DD_KMOD_UNKNOWN: return 1;
	case DD_KMOD_MISSING: return 0;
	}
	return 0;
}

int dd_kmod_detect(const char *root, const char *release, dd_kmod_host *ret_host,
                   dd_kmod_status **ret, size_t *ret_n, dd_error *err)
{
	(void)err;
	struct host_facts f = {0};
	host_facts_read(&f, root, release);
	dd_kmod_status *v = dd_malloc0(ELEMENTSOF(table) * sizeof(*v));
	for (size_t i = 0; i < ELEMENTSOF(table); i++) {
		const dd_kmod *m = &table[i];
		v[i].mod = m;
		decide(&f, m, m->name, m->config, f.walk_found[2 * i], &v[i]);
		if (m->alt_name && !dd_kmod_state_present(v[i].state)) {
			dd_kmod_status alt = {.mod = m};
			decide(&f, m, m->alt_name, m->alt_config, f.walk_found[2 * i + 1], &alt);
			/* A missing alternative says nothing new: keep the main name's reason. */
			if (rank(alt.state) > rank(v[i].state))
				v[i] = alt;
		}
	}
	if (ret_host)
		*ret_host = f.host;
	host_facts_clear(&f);
	*ret = v;
	*ret_n = ELEMENTSOF(table);
	return 0;
}

int dd_kmod_detect_one(const char *root, const char *release, const dd_kmod *m, dd_kmod_status *ret)
{
	struct host_facts f = {0};
	host_facts_read(&f, root, release);
	/* The tree walk (without modules.dep) looked for the table's names only. */
	char *found[1] = {NULL};
	if (f.modules_dir && !f.dep && f.host.module_support) {
		_cleanup_free_ char *rel = dd_asprintf("/lib/modules/%s", f.host.release);
		_cleanup_free_ char *dir = rooted(root, rel);
		const char *names[1] = {m->name};
		struct tree_walk w = {names, 1, found, strlen(dir) + 1};
		walk_state = &w;
		nftw(dir, walk_one, 16, FTW_PHYS);
		walk_state = NULL;
	}
	*ret = (dd_kmod_status){.mod = m};
	decide(&f, m, m->name, m->config, found[0], ret);
	free(found[0]);
	host_facts_clear(&f);
	return 0;
}

int dd_kmod_present_list(const char *root, const char *release, char **ret, dd_error *err)
{
	_cleanup_free_ dd_kmod_status *v = NULL;
	size_t n = 0;
	int r = dd_kmod_detect(root, release, NULL, &v, &n, err);
	if (r < 0)
		return r;
	size_t known = 0, len = 0;
	char *text = dd_malloc0(n * 64 + 1);
	for (size_t i = 0; i < n; i++) {
		known += v[i].state != DD_KMOD_UNKNOWN;
		if (dd_kmod_state_present(v[i].state))
			len += (size_t)sprintf(text + len, "%.62s\n", v[i].found_as);
	}
	if (!known) {
		free(text);
		text = NULL;
	}
	*ret = text;
	return 0;
}
