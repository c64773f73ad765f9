/* The node image: Debian (bootstrapped with mmdebstrap from Debian's mirror)
 * plus the recipe in lib/image/recipe/, which is compiled into the library.
 *
 * Tags: dcos-docker/node:<distro>-<first 12 hex of the recipe hash> changes
 * exactly when the recipe (or the distro) does, so a new dcos-docker never
 * runs nodes from an image built by an older recipe; dcos-docker/node:<distro>
 * names the latest build of that distro. */
#ifndef DCOS_DOCKER_IMAGE_H
#define DCOS_DOCKER_IMAGE_H

#include <stdbool.h>

#include "dcos-docker/docker.h"
#include "dcos-docker/error.h"

/* Exported by libdcos-docker (see error.h). */
#pragma GCC visibility push(default)

#define DD_IMAGE_REPO "dcos-docker/node"
#define DD_IMAGE_DEFAULT_DISTRO "bookworm"

/* Image labels set by build-image. */
#define DD_IMAGE_LABEL_DISTRO "dcos-docker.distro"
#define DD_IMAGE_LABEL_RECIPE "dcos-docker.recipe" /* full recipe hash */
#define DD_IMAGE_LABEL_VERSION "dcos-docker.version"

/* The distros the recipe supports, NULL-terminated, default first. */
const char *const *dd_image_distros(void);

/* Usage error (-EINVAL) for an unknown distro (the message lists the
 * supported ones), or for one whose systemd cannot boot on this host's cgroup
 * version (forky and sid need cgroup v2). */
int dd_image_distro_check(const char *distro, dd_error *err);
/* The same for a given cgroup version (1 or 2): the pure part. */
int dd_image_distro_check_cgroup(const char *distro, int cgroup_version, dd_error *err);

/* "dcos-docker/node:bookworm-0123456789ab" (malloc'ed). distro is not checked. */
char *dd_image_tag(const char *distro);
/* "dcos-docker/node:bookworm" (malloc'ed). */
char *dd_image_latest_tag(const char *distro);

/* Whether the daemon has an image called ref. */
int dd_image_exists(dd_docker *d, const char *ref, bool *ret, dd_error *err);

enum dd_image_event {
	DD_IMAGE_STEP,   /* a phase begins: "Bootstrapping Debian bookworm with mmdebstrap" */
	DD_IMAGE_OUTPUT, /* one line of mmdebstrap's output */
};
typedef void (*dd_image_progress_fn)(enum dd_image_event event, const char *text, void *userdata);

typedef struct dd_image_build_opts {
	const char *distro; /* NULL: DD_IMAGE_DEFAULT_DISTRO */
	bool force;         /* build even when the tag exists */
	/* NULL: Debian's mirror (deb.debian.org, plus updates and security for
	 * stable releases). Otherwise a mirror URL or a "deb ..." sources line. */
	const char *mirror;
	dd_image_progress_fn progress;
	void *userdata;
} dd_image_build_opts;

/* Builds the image of opts->distro unless its tag exists already (and
 * !force); *ret_built (may be NULL) says which. Needs root (mmdebstrap
 * creates a root filesystem and chroots into it) and mmdebstrap; everything
 * happens in a private temporary directory under $TMPDIR (default /var/tmp)
 * that is removed in every case, also when dd_cancelled() turns true. */
int dd_image_build_with(dd_docker *d, const dd_image_build_opts *opts, bool *ret_built,
			dd_error *err);
int dd_image_build(dd_docker *d, const char *distro, bool force, dd_image_progress_fn progress,
		   void *userdata, dd_error *err);

/* 1 or 2, from statfs(/sys/fs/cgroup): cgroup2fs is v2, anything else (a
 * tmpfs of v1 hierarchies, hybrid or not) is v1. Negative errno when
 * /sys/fs/cgroup is not there. */
int dd_host_cgroup_version(int *ret);

#pragma GCC visibility pop
#endif
