/* Internal: not installed. */
/* The installer file and its place of ours (lib/dcos/installer.c). */
#ifndef DCOS_DOCKER_INSTALLER_INTERNAL_H
#define DCOS_DOCKER_INSTALLER_INTERNAL_H

#include <stdbool.h>

#include "dcos-docker/docker.h"
#include "dcos-docker/error.h"
#include "dcos-docker/installer.h"
#include "dcos/genconf-internal.h"

/* ---- the installer's place (installer.c) ----
 * The real installer extracts its ~1 GB payload and loads its image wherever
 * it runs, for every mode. dd_installer gives each installer file one place
 * of ours, <root>/installers/<key>/ (key: the installer's wrapper script and
 * size), where --version runs and the payload stays; genconf runs in the
 * cluster's workspace without extracting again. A place goes with the last
 * cluster that ran genconf from it (dd_installer_release) or with
 * dd_installer_places(remove_unused). */
typedef struct dd_installer dd_installer;

/* A usage error when dir cannot be where the installer runs: its wrapper
 * uses `$(pwd)` unquoted in `docker run -v`. what names dir in the message. */
int dd_installer_path_check(const char *dir, const char *what, dd_error *err);

/* Opens the installer file at path (checked by the caller): finds its place
 * under root (NULL: dd_workspace_root()), and runs `--version` there unless
 * an earlier run left the payload and the image is loaded. Holds a shared
 * lock on the place until freed, so no one removes it meanwhile. on_event
 * gets the installer's output lines (may be NULL). */
int dd_installer_open(dd_docker *d, const char *path, const char *root, dd_event_cb on_event,
                      void *userdata, dd_installer **ret, dd_error *err);
void dd_installer_free(dd_installer *in);
static inline void dd_installer_freep(dd_installer **in)
{
	if (*in)
		dd_installer_free(*in);
}
const char *dd_installer_version(const dd_installer *in);
const char *dd_installer_variant(const dd_installer *in); /* "oss" or "enterprise" */
const char *dd_installer_place(const dd_installer *in);
const char *dd_installer_image(const dd_installer *in); /* NULL when it has no payload */
bool dd_installer_extracted(const dd_installer *in);    /* this open extracted it */

/* Runs genconf (dd_dcos_genconf) in workspace, which must hold
 * genconf/config.yaml, with the container name <cluster>-installer, after
 * linking the place's payload there so the wrapper neither extracts nor
 * loads it again; records in the place that cluster uses it (and in
 * <workspace>/installer.json which place). Afterwards, also after a failure,
 * what the installer's root-owned container wrote under genconf/ is given
 * back to the calling user (a helper container), and a left-over installer
 * container is removed. */
int dd_installer_genconf(dd_docker *d, dd_installer *in, const char *workspace, const char *cluster,
                         dd_event_cb on_event, void *userdata, dd_error *err);

/* As dd_installer_genconf, but runs the installer's
 * --generate-node-upgrade-script installed_version (dd_dcos_upgrade_script). */
int dd_installer_upgrade_script(dd_docker *d, dd_installer *in, const char *workspace,
                                const char *cluster, const char *installed_version,
                                dd_event_cb on_event, void *userdata, char **ret_url,
                                dd_error *err);
/* Before a workspace is removed: the cluster stops using its place; the
 * place and its image go when no other cluster uses it and no install holds
 * it. No-op for a workspace that never ran genconf. */
int dd_installer_release(dd_docker *d, const char *root, const char *workspace, const char *cluster,
                         dd_error *err);

#endif
