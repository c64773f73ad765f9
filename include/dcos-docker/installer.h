/* The places where DC/OS installers were unpacked (see dd_installer in
 * lib/dcos/installer-internal.h): listing and removing them (`clean`), and
 * which one a cluster's workspace uses (`inspect`). */
#ifndef DCOS_DOCKER_INSTALLER_H
#define DCOS_DOCKER_INSTALLER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dcos-docker/docker.h"
#include "dcos-docker/error.h"

/* Exported by libdcos-docker (see error.h). */
#pragma GCC visibility push(default)

typedef struct dd_installer_place_info {
	char dir[4096];
	char version[64];
	char variant[16];
	char image[256];
	uint64_t bytes; /* disk the place takes (the payload tar, mostly) */
	size_t users;   /* clusters that use it */
	bool in_use;    /* an install holds it now */
	bool removable; /* no users, not held */
	bool removed;
} dd_installer_place_info;

/* Every place under root (NULL: dd_workspace_root()); with remove_unused,
 * the removable ones are removed with their images. *ret is malloc'ed. */
int dd_installer_places(dd_docker *d, const char *root, bool remove_unused,
                        dd_installer_place_info **ret, size_t *ret_n, dd_error *err);

/* The place the cluster with this workspace ran genconf from (dir, version,
 * image, bytes); -ENOENT when it never did. */
int dd_installer_of_workspace(const char *workspace, dd_installer_place_info *ret);

#pragma GCC visibility pop
#endif
