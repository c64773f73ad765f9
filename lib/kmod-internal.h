/* Internal: not installed. */
/* Detecting the modules of the table, and reading kernel configs. */
#ifndef DCOS_DOCKER_KMOD_INTERNAL_H
#define DCOS_DOCKER_KMOD_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>

#include "dcos-docker/error.h"
#include "dcos-docker/kmod.h"

/* The table, in the order doctor reports it (required modules first). */
const dd_kmod *dd_kmod_table(size_t *ret_n);

/* Loaded or built in: usable in a node right now. */
static inline bool dd_kmod_state_present(enum dd_kmod_state s)
{
	return s == DD_KMOD_LOADED || s == DD_KMOD_BUILTIN;
}

typedef struct dd_kmod_status {
	const dd_kmod *mod;
	enum dd_kmod_state state;
	const char *found_as; /* mod->name, or mod->alt_name when that is what the kernel has */
	/* The evidence, for people: "CONFIG_DUMMY=y in /proc/config.gz",
	 * "listed in /proc/modules", "kernel/net/netfilter/ipvs/ip_vs_wlc.ko.zst",
	 * "CONFIG_IP_VS_WLC is not set (it needs CONFIG_IP_VS, which is not set)". */
	char detail[256];
} dd_kmod_status;

/* What was read to decide. */
typedef struct dd_kmod_host {
	char release[128];     /* the kernel release looked at */
	bool module_support;   /* /proc/modules exists: the kernel can load modules */
	char config_from[160]; /* "/proc/config.gz", "/boot/config-RELEASE" or "" when none */
} dd_kmod_host;

/* Detects every module of the table. root prefixes every path ("" or NULL
 * for this host); release is the kernel release for /lib/modules and
 * /boot/config-* (NULL: uname -r). Per module, in this order:
 *  - loaded:    /proc/modules lists it;
 *  - built in:  lib/modules/RELEASE/modules.builtin lists it, or the config
 *               (/proc/config.gz, else /boot/config-RELEASE) has CONFIG_X=y,
 *               or /sys/module/NAME exists though /proc/modules does not list it;
 *  - loadable:  the kernel can load modules and a NAME.ko* (any compression)
 *               is under lib/modules/RELEASE (modules.dep, else the tree);
 *  - missing:   the config does not set CONFIG_X (absent counts as not set:
 *               Kconfig leaves out options whose dependencies are off), or
 *               there is no config but modules.builtin is there and lists no
 *               such module while the kernel cannot load modules (no
 *               /proc/modules) or has no NAME.ko*;
 *  - unknown:   otherwise (CONFIG_X=m and no file for it, no config at all).
 * *ret is an array of dd_kmod_table()'s size, in its order (free() it);
 * ret_host may be NULL. Errors are only out-of-memory-like. */
int dd_kmod_detect(const char *root, const char *release, dd_kmod_host *ret_host,
                   dd_kmod_status **ret, size_t *ret_n, dd_error *err);

/* The same detection for one module that is not in the table (the tool's
 * own needs, such as sch_netem for delay). */
int dd_kmod_detect_one(const char *root, const char *release, const dd_kmod *m,
                       dd_kmod_status *ret);

/* The table's modules the kernel under root has loaded or built in, one name
 * per line (as found: underscores, the kernel's spelling), for a node's
 * /etc/dcos-docker/host-modules (read by the node's modprobe). *ret is NULL
 * when no module's state could be told at all (then no file is better than
 * an empty one, which would say "none"). */
int dd_kmod_present_list(const char *root, const char *release, char **ret, dd_error *err);

/* A kernel config option's value in a config text: 'y', 'm', 'n' ("# CONFIG_X
 * is not set") or 0 when the option does not appear. */
char dd_kernel_config_value(const char *config, const char *option);

/* Reads the kernel config of the kernel under root: root/proc/config.gz
 * (gzip), else root/boot/config-RELEASE. *ret is NULL (and from "") when
 * there is none; from may be NULL. */
int dd_kernel_config_read(const char *root, const char *release, char **ret, char *from,
                          size_t from_size);

#endif
