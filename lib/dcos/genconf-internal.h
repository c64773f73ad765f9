/* Internal: not installed. */
/* The installer's --version and --genconf runs (design.md, "The DC/OS
 * installer contract"). Nothing here prints: installer output reaches the
 * caller line by line as OUTPUT events (node NULL). */
#ifndef DCOS_DOCKER_GENCONF_INTERNAL_H
#define DCOS_DOCKER_GENCONF_INTERNAL_H

#include <stddef.h>

#include "dcos-docker/error.h"
#include "dcos-docker/event.h"

/* Runs `bash <installer> --version` in cwd (NULL: ours) with
 * DCOS_INSTALLER_CONTAINER_NAME=container_name, and reads the last JSON object
 * of its output. The real installer first extracts its ~1 GB payload
 * (dcos-genconf.<tag>.tar) into cwd, loads it into the host's Docker and makes
 * genconf/state there, for every mode (dcos_generate_config.sh.in), so cwd
 * must be a place of ours: see dd_installer_open, which is what callers
 * want. ret_variant is "oss" or "enterprise"; ret_tar gets the payload's file
 * name when this run extracted it (the wrapper's `tar xv` prints it), else
 * NULL. Any output may be NULL. on_event gets every output line (DD_EVENT_OUTPUT). */
int dd_dcos_installer_info(const char *installer_path, const char *cwd, const char *container_name,
                           dd_event_cb on_event, void *userdata, char **ret_version,
                           char **ret_variant, char **ret_tar, dd_error *err);

/* Writes <workspace>/genconf/config.yaml (0600: it can hold a password hash
 * and a license) and genconf/ip-detect (0755), then copies the regular files
 * of genconf_dir_to_copy (may be NULL) beside them, keeping their modes. A
 * copied ip-detect replaces ours; a copied config.yaml is a usage error
 * (extra config is the way to change the configuration). */
int dd_dcos_write_genconf(const char *workspace_dir, const char *config_yaml,
                          const char *genconf_dir_to_copy, dd_error *err);

/* Runs `bash <installer> -v --genconf` in workspace_dir with PORT set to a
 * free port (1.x wrappers publish the installer's port 9000 there) and
 * DCOS_INSTALLER_CONTAINER_NAME=installer_container_name, without
 * DCOS_INSTALLER_DAEMONIZE, which fills genconf/serve/. stdout and stderr go,
 * merged, line by line to on_event (may be NULL; lines as the installer wrote
 * them, colour codes included). A failure carries the installer's exit code
 * and last lines (colour codes removed); an argument error (exit 2 from the
 * installer's argparse) says so.
 *
 * The installer runs in a process group of its own. When cancellation is
 * requested (dd_cancel_request, e.g. from the CLI's SIGINT/SIGTERM handler)
 * the group gets SIGTERM, then SIGKILL after 5 s, and this returns
 * -ECANCELED. The real installer runs a container named
 * installer_container_name on the host's Docker; after a failure or a
 * cancellation the caller should remove it if it is still there. The real
 * wrapper only skips extracting its payload again when the payload's tar is in
 * workspace_dir: dd_installer_genconf arranges that. */
int dd_dcos_genconf(const char *installer_path, const char *workspace_dir,
                    const char *installer_container_name, dd_event_cb on_event, void *userdata,
                    dd_error *err);

/* Runs `bash <installer> -v --generate-node-upgrade-script <installed_version>`
 * in workspace_dir (as dd_dcos_genconf: genconf/config.yaml must be there),
 * which also fills genconf/serve/ with the new packages and writes
 * genconf/serve/upgrade/<hex>/dcos_node_upgrade.sh; ret_url gets the last
 * file:// token of its output, the script's URL as the nodes see it. */
int dd_dcos_upgrade_script(const char *installer_path, const char *workspace_dir,
                           const char *installer_container_name, const char *installed_version,
                           dd_event_cb on_event, void *userdata, char **ret_url, dd_error *err);
#endif
