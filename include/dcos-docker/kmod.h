/* Kernel modules DC/OS needs from the host kernel.
 *
 * A node shares the host's kernel and cannot load modules into it, so what
 * DC/OS's units load or use inside a node must already be loaded on the host,
 * built into its kernel, or at least loadable there (the kernel loads some on
 * first use). This is the list, read from the DC/OS 2.2 sources, and a
 * detection that looks only at files (so it runs against a fake root in the
 * unit tests): /proc/modules, /sys/module, the kernel's config and
 * /lib/modules/RELEASE. */
#ifndef DCOS_DOCKER_KMOD_H
#define DCOS_DOCKER_KMOD_H

#include <stdbool.h>
#include <stddef.h>

#include "dcos-docker/error.h"

/* Exported by libdcos-docker (see error.h). */
#pragma GCC visibility push(default)

typedef struct dd_kmod {
	const char *name;   /* as /proc/modules and modprobe spell it: "ip_vs_wlc" */
	const char *config; /* the option that builds it: "CONFIG_IP_VS_WLC" */
	/* An option it depends on, or NULL: an option whose dependency is not
	 * set is absent from the kernel config altogether, so it is named to
	 * explain why (CONFIG_IP_VS_WLC needs CONFIG_IP_VS). */
	const char *depends;
	/* The same code under an older name and option, or NULL (kernels
	 * before 5.2 built MASQUERADE as ipt_MASQUERADE). */
	const char *alt_name, *alt_config;
	/* DC/OS in its default configuration cannot work without it. */
	bool required;
	const char *needed_by; /* who uses it: "dcos-net: 'modprobe dummy', dummy interfaces ..." */
	const char *without;   /* what breaks without it: "DC/OS networking cannot work" */
	const char *source;    /* where that is written, in dcos/dcos 2.2 (or dcos/dcos-net) */
} dd_kmod;

enum dd_kmod_state {
	DD_KMOD_UNKNOWN = 0, /* could not tell from here */
	DD_KMOD_LOADED,      /* listed in /proc/modules */
	DD_KMOD_BUILTIN,     /* built into the kernel */
	DD_KMOD_LOADABLE,    /* a NAME.ko* under /lib/modules/RELEASE, not loaded */
	DD_KMOD_MISSING,     /* the kernel has no such code and cannot load it */
};

/* "unknown", "loaded", "built-in", "loadable", "missing". */
const char *dd_kmod_state_name(enum dd_kmod_state s);

#pragma GCC visibility pop
#endif
