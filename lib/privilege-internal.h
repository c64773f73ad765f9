/* Internal: not installed. */
/* Whether the Docker daemon can run privileged containers.
 *
 * `--privileged` asks runc for every capability the kernel knows; when the
 * daemon itself runs with a reduced capability bounding set (inside another
 * container, or under a restrictive service manager), starting such a
 * container fails with "unable to apply caps: operation not permitted". Nodes
 * then get CapAdd ALL minus the capabilities the daemon lacks. */
#ifndef DCOS_DOCKER_PRIVILEGE_INTERNAL_H
#define DCOS_DOCKER_PRIVILEGE_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "dcos-docker/docker.h"
#include "dcos-docker/error.h"

typedef struct dd_privilege_info {
	bool known;        /* false: the daemon's process could not be found from here */
	pid_t daemon_pid;  /* dockerd's pid, 0 when unknown */
	uint64_t bounding; /* CapBnd of dockerd and its containerd, ANDed */
	int cap_last_cap;  /* /proc/sys/kernel/cap_last_cap */
	/* "CAP_SYS_RESOURCE", ...: lacking, and known to the daemon (it neither
	 * asks for nor accepts capabilities it does not know). NULL-terminated,
	 * never NULL. */
	char **missing;
} dd_privilege_info;

/* Finds the daemon's process (SO_PEERCRED on a connection to its socket; when
 * that is a socket-activating service manager, the one process named
 * dockerd) and reads its capability bounding set. Not finding it (a daemon in
 * another pid namespace) is no error: info->known is false then. */
int dd_privilege_probe(dd_docker *d, dd_privilege_info *ret, dd_error *err);
void dd_privilege_info_clear(dd_privilege_info *info);

/* For `create`: whether `Privileged: true` works, and otherwise which
 * capabilities to drop from CapAdd ALL (NULL-terminated, never NULL, caller
 * frees each string and the array). When the daemon's process cannot be
 * found, privileged mode is assumed to work (the common case). */
int dd_privilege_detect(dd_docker *d, bool *ret_privileged_works, char ***ret_missing_caps,
                        dd_error *err);

/* Pure helpers. "CAP_SYS_RESOURCE" for 24, NULL for a number without a name. */
const char *dd_capability_name(int cap);
/* Names of the capabilities 0..last_cap missing from bounding (those with a
 * name: Docker only knows those). NULL-terminated, never NULL. */
char **dd_capabilities_missing(uint64_t bounding, int last_cap);
/* Parses the hex value of the "CapBnd:" line of a /proc/<pid>/status text. */
int dd_capabilities_parse_status(const char *status, uint64_t *ret);

#endif
