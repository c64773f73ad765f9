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
 * on_event (may be NULL) gets once per node a DONE event with the path the
 * copy landed at as text, or a STATUS event with the node's error. */
int dd_files_send(dd_docker *d, const dd_node *const *nodes, size_t n, const char *src,
                  const char *dst, dd_event_cb on_event, void *userdata, dd_error *node_errs,
                  dd_error *err);

/* How files are sent (dd_files_send_opts). Zeroed: as root. */
typedef struct dd_send_opts {
	/* Owner of the copy in the node: a user name or uid, optionally
	 * ":GROUP" (name or gid); without a group, the user's primary group.
	 * Looked up in the node, which must be running. NULL: root. */
	const char *user;
	/* With user: write even where that user could not. Without it, the send
	 * is refused unless user could write the copy itself (the directory it
	 * lands in, and the file it replaces), and missing parent directories
	 * are user's too, as if user had run `mkdir -p`; with it they are
	 * root's, as the original tool's sudo made them. */
	bool sudo;
} dd_send_opts;

/* dd_files_send with options (NULL: as root). Files with holes keep them:
 * they go through tar in the node when the node runs, as the archive API
 * writes holes out as zeros. */
int dd_files_send_opts(dd_docker *d, const dd_node *const *nodes, size_t n, const char *src,
                       const char *dst, const dd_send_opts *opts, dd_event_cb on_event,
                       void *userdata, dd_error *node_errs, dd_error *err);

/* How files are downloaded (dd_files_download_opts). */
typedef struct dd_download_opts {
	bool force;      /* as dd_files_download's force */
	bool keep_setid; /* keep setuid/setgid bits of files (default: dropped) */
	/* Read the files as this user in the node (name or uid[:gid]), so that
	 * what the user may not read is refused, as the original tool's
	 * transport read them as its user. The node must be running. NULL: root. */
	const char *user;
} dd_download_opts;

/* What a download did, beside the copy. */
typedef struct dd_download_result {
	char *target;        /* the path the copy landed at */
	size_t n_skipped;    /* FIFOs, devices and sockets in the node, not copied */
	char **skipped;      /* their host paths (at most the first 1000); */
	char **skipped_kind; /* and what each was: "FIFO", "character device", ... */
	size_t n_setid;      /* files whose setuid/setgid bits were dropped */
} dd_download_result;

void dd_download_result_clear(dd_download_result *r);

/* dd_files_download with options and a result (filled on success). Holes of
 * sparse files stay holes on the host. */
int dd_files_download_opts(dd_docker *d, const dd_node *node, const char *src, const char *dst,
                           const dd_download_opts *opts, dd_download_result *ret, dd_error *err);

/* Downloads SRC (absolute path in the node) to DST on the host, cp -r style.
 * Refuses (-EEXIST) when the resulting path already exists unless force.
 * The copy appears whole or not at all (unpacked beside the target, then
 * renamed), except when force merges into an existing directory.
 * ret_target (may be NULL) gets the path it landed at. */
int dd_files_download(dd_docker *d, const dd_node *node, const char *src, const char *dst,
                      bool force, char **ret_target, dd_error *err);

#pragma GCC visibility pop
#endif
