/* Internal: not installed. */
/* Checks of doctor.c that other parts of the library make too, and its pure
 * helpers. */
#ifndef DCOS_DOCKER_DOCTOR_INTERNAL_H
#define DCOS_DOCKER_DOCTOR_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>

#include "dcos-docker/docker.h"
#include "dcos-docker/doctor.h"
#include "dcos-docker/error.h"

/* ---- checks that other commands make too ---- */

/* Whether the daemon's host runs cgroup v2 (`docker info` CgroupVersion "2":
 * what the nodes get). DC/OS 2.2 bundles Mesos 1.11, whose agent isolators
 * need cgroup v1 hierarchies (Mesos gained cgroup v2 support only in 2024):
 * nodes work there, DC/OS cannot. When *ret_v2, hint (hint_size bytes; 512
 * is enough) says how to boot the host with cgroup v1, for the systemd that
 * boots it: systemd.unified_cgroup_hierarchy=0 on the kernel command line;
 * systemd 256 and 257 also need SYSTEMD_CGROUP_ENABLE_LEGACY_FORCE=1;
 * systemd 258 and later cannot run cgroup v1 at all (use a VM). The version
 * is read on this machine (PID 1's name, `systemctl --version`), and only
 * when the daemon runs on this machine's kernel; otherwise the hint names all
 * three cases. hint is "" when the host is on cgroup v1. Fails only when the
 * daemon does not answer GET /info. For install, refusing:
 *   dd_error_usage(err, -ENOTSUP, "The Docker host runs cgroup v2: ...");
 *   dd_error_hint(err, "%s", hint); */
int dd_host_cgroup_v2(dd_docker *d, bool *ret_v2, char *hint, size_t hint_size, dd_error *err);

/* The hint of dd_host_cgroup_v2 for a given systemd: its version, 0 when
 * unknown, -1 when the host's init is not systemd. Pure (unit-tested). */
void dd_cgroup_v1_boot_hint(int systemd_version, char *buf, size_t size);

/* DC/OS's installer (dcos_generate_config.sh) runs `docker version` first and
 * aborts ("docker should be installed and running. Aborting.", exit 1) when
 * it fails. Checks the same: that `docker` is on PATH and that `docker
 * version` (argv, our environment, DOCKER_HOST as it is) exits 0 within 30
 * seconds. Fails with a usage error whose message says which, and a hint:
 * "Install docker.io (the client) ..." when it is not on PATH. */
int dd_host_docker_cli_check(dd_error *err);

/* ---- pure helpers (unit-tested) ---- */
/* API version "1.41" >= "1.41": compares numerically per component. */
int dd_api_version_cmp(const char *a, const char *b);
/* Kernel config values: dd_kernel_config_value() in kmod-internal.h. */

#endif
