/* Copying files and directory trees between the host and nodes, with `cp -r`
 * semantics, as tar streams through the Docker archive API.
 *
 * Where the daemon's view of a running node differs from the node's own view
 * (tmpfs mounts such as /tmp and /run live only in the node's mount
 * namespace: the archive API would write under them, into the image layer,
 * and the files would be invisible — moby#22020), the same tar stream goes
 * through `tar` run in the node instead. Stopped nodes always use the archive
 * API. Nothing is buffered whole: trees of any size stream. */
#ifndef DCOS_DOCKER_FILES_H
#define DCOS_DOCKER_FILES_H

#include <stdbool.h>
#include <stddef.h>

#include "dcos-docker/cluster.h"
#include "dcos-docker/docker.h"
#include "dcos-docker/error.h"

/* Exported by libdcos-docker (see error.h). */
#pragma GCC visibility push(default)

/* ---- transfers ---- */

/* Sends SRC (host) to DST (absolute path in the node) on every node, in
 * parallel. node_errs (n entries, may be NULL) gets each node's error.
 * Returns 0 when every node got the copy; otherwise the error of the first
 * failed node (message names it), with "and N more" when several failed.
 * progress (may be NULL) is called once per node when it is done, with the
 * path the copy landed at as status. */
int dd_files_send(dd_docker *d, const dd_node *const *nodes, size_t n, const char *src,
                  const char *dst, dd_progress_cb progress, void *userdata, dd_error *node_errs,
                  dd_error *err);

/* Downloads SRC (absolute path in the node) to DST on the host, cp -r style.
 * Refuses (-EEXIST) when the resulting path already exists unless force.
 * The copy appears whole or not at all (unpacked beside the target, then
 * renamed), except when force merges into an existing directory.
 * ret_target (may be NULL) gets the path it landed at. */
int dd_files_download(dd_docker *d, const dd_node *node, const char *src, const char *dst,
                      bool force, char **ret_target, dd_error *err);

#pragma GCC visibility pop
#endif
