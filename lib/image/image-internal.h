/* Internal: not installed. */
/* What image.c shares only with lib/ and the tests. */
#ifndef DCOS_DOCKER_IMAGE_INTERNAL_H
#define DCOS_DOCKER_IMAGE_INTERNAL_H

#include <stdbool.h>

#include "dcos-docker/image.h"

/* Image labels set by build-image. */
#define DD_IMAGE_LABEL_DISTRO  "dcos-docker.distro"
#define DD_IMAGE_LABEL_RECIPE  "dcos-docker.recipe" /* full recipe hash */
#define DD_IMAGE_LABEL_VERSION "dcos-docker.version"

/* The distros the recipe supports, NULL-terminated, default first. */
const char *const *dd_image_distros(void);

/* The same for a given cgroup version (1 or 2): the pure part. */
int dd_image_distro_check_cgroup(const char *distro, int cgroup_version, dd_error *err);

/* "dcos-docker/node:bookworm" (malloc'ed). */
char *dd_image_latest_tag(const char *distro);

/* 1 or 2, from statfs(/sys/fs/cgroup): cgroup2fs is v2, anything else (a
 * tmpfs of v1 hierarchies, hybrid or not) is v1. Negative errno when
 * /sys/fs/cgroup is not there. */
int dd_host_cgroup_version(int *ret);

#endif
