/* Building the node image (see image.h) with mmdebstrap. */
#ifndef DCOS_DOCKER_IMAGE_BUILD_H
#define DCOS_DOCKER_IMAGE_BUILD_H

#include <stdbool.h>

#include "dcos-docker/docker.h"
#include "dcos-docker/error.h"
#include "dcos-docker/event.h"

/* Exported by libdcos-docker (see error.h). */
#pragma GCC visibility push(default)

typedef struct dd_image_build_opts {
	const char *distro; /* NULL: DD_IMAGE_DEFAULT_DISTRO */
	bool force;         /* build even when the tag exists */
	/* NULL: Debian's mirror (deb.debian.org, plus updates and security for
	 * stable releases). Otherwise a mirror URL or a "deb ..." sources line. */
	const char *mirror;
	/* STATUS (node NULL): a phase begins, "Bootstrapping Debian bookworm
	 * with mmdebstrap"; OUTPUT: a line of mmdebstrap's output. */
	dd_event_cb on_event;
	void *userdata;
} dd_image_build_opts;

/* Builds the image of opts->distro unless its tag exists already (and
 * !force); *ret_built (may be NULL) says which. Needs root (mmdebstrap
 * creates a root filesystem and chroots into it) and mmdebstrap; everything
 * happens in a private temporary directory under $TMPDIR (default /var/tmp)
 * that is removed in every case, also when dd_cancelled() turns true. */
int dd_image_build_with(dd_docker *d, const dd_image_build_opts *opts, bool *ret_built,
                        dd_error *err);

#pragma GCC visibility pop
#endif
