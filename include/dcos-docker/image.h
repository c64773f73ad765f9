/* The node image: Debian (bootstrapped with mmdebstrap from Debian's mirror)
 * plus the recipe in lib/image/recipe/, which is compiled into the library.
 *
 * Tags: dcos-docker/node:<distro>-<first 12 hex of the recipe hash> changes
 * exactly when the recipe (or the distro) does, so a new dcos-docker never
 * runs nodes from an image built by an older recipe; dcos-docker/node:<distro>
 * names the latest build of that distro. */
#ifndef DCOS_DOCKER_IMAGE_H
#define DCOS_DOCKER_IMAGE_H

#include "dcos-docker/error.h"

/* Exported by libdcos-docker (see error.h). */
#pragma GCC visibility push(default)

#define DD_IMAGE_REPO           "dcos-docker/node"
#define DD_IMAGE_DEFAULT_DISTRO "bookworm"

/* Usage error (-EINVAL) for an unknown distro (the message lists the
 * supported ones), or for one whose systemd cannot boot on this host's cgroup
 * version (forky and sid need cgroup v2). */
int dd_image_distro_check(const char *distro, dd_error *err);

/* "dcos-docker/node:bookworm-0123456789ab" (malloc'ed). distro is not checked. */
char *dd_image_tag(const char *distro);

#pragma GCC visibility pop
#endif
