/* The host side of installing DC/OS: config.yaml, ip-detect, the installer's
 * --version and --genconf runs (design.md, "The DC/OS installer contract").
 * Nothing here prints: installer output reaches the caller line by line
 * through a dd_output_cb. */
#ifndef DCOS_DOCKER_DCOS_H
#define DCOS_DOCKER_DCOS_H

#include <stdbool.h>
#include <stddef.h>

#include <stdint.h>

#include "dcos-docker/docker.h"
#include "dcos-docker/error.h"

/* Exported by libdcos-docker (see error.h). */
#pragma GCC visibility push(default)

/* The Enterprise superuser that dcos-docker creates when the user names none
 * (the same as DC/OS E2E, so its docs and habits carry over). */
#define DD_DCOS_DEFAULT_SUPERUSER_USERNAME "bootstrapuser"
#define DD_DCOS_DEFAULT_SUPERUSER_PASSWORD "deleteme"

/* Largest --extra-config file we read. */
#define DD_DCOS_EXTRA_CONFIG_MAX (1u << 20)

/* One line of a subprocess' output, without its newline. */
typedef void (*dd_output_cb)(const char *line, void *userdata);

struct dd_dcos_config_input {
	const char *cluster_name; /* DC/OS cluster_name; required */
	const char *const *master_ips; /* in node order; at least one */
	size_t n_master_ips;
	const char *const *agent_ips;
	size_t n_agent_ips;
	const char *const *public_agent_ips;
	size_t n_public_agent_ips;
	/* IPv4, optionally with :port (gen/calc.py validate_resolvers). */
	const char *const *resolvers;
	size_t n_resolvers;

	bool enterprise;
	/* The fields below matter only when enterprise is set. superuser and
	 * license are then ignored for open source (they may come from
	 * environment defaults); a security mode for open source is a usage
	 * error, because the user asked for something the installer lacks. */
	const char *superuser_username;      /* NULL: DD_DCOS_DEFAULT_SUPERUSER_USERNAME */
	const char *superuser_password_hash; /* NULL: the hash of DD_DCOS_DEFAULT_SUPERUSER_PASSWORD */
	/* NULL omits license_key_contents: DC/OS Enterprise before 1.11 rejects the
	 * key, and newer installers say themselves that a license is required. */
	const char *license_key_contents;
	const char *security_mode; /* NULL, "disabled", "permissive" or "strict" */

	/* NULL, or a YAML file holding one mapping. Its top-level keys are merged
	 * last and win: a generated key is replaced in place, new keys are
	 * appended. Values are re-emitted as written (nesting, quoting, tags);
	 * comments are dropped. An empty file adds nothing. */
	const char *extra_config_path;
};

/* Renders genconf/config.yaml. Every generated string is quoted, so values such
 * as a cluster named "yes" or "0123" stay strings; numbers and booleans are
 * plain. Empty node lists are "[]". Errors in the extra config file (missing,
 * not a mapping, YAML syntax with line and column) name the file; the
 * caller's mistakes are usage errors. */
int dd_dcos_config_yaml(const struct dd_dcos_config_input *in, char **ret_yaml, dd_error *err);

/* Checks a config.yaml text the way DC/OS 2.2's installer reads it (PyYAML
 * safe_load: YAML 1.1 types) against the rules its config code applies
 * (gen/__init__.py, gen/calc.py), so a mistake shows in a second, not after
 * minutes of genconf. dd_dcos_config_yaml calls it on what it renders.
 * origin is the extra config file the keys came from: problems are then a
 * usage error, "In the extra config file <origin>: 'check_time' must be
 * 'true' or 'false', not 'False'", the first few in one line. NULL means
 * the text is dcos-docker's own, so a problem is reported as a bug (not a
 * usage error). Keys DC/OS does not know are fine, as they are to DC/OS. */
int dd_dcos_config_check(const char *yaml, const char *origin, dd_error *err);

/* SHA-512 crypt ("$6$" + 16-char random salt), the format of DC/OS's
 * superuser_password_hash. */
int dd_dcos_password_hash(const char *password, char **ret_hash, dd_error *err);

/* Runs `bash <installer> --version` in cwd (NULL: ours) with
 * DCOS_INSTALLER_CONTAINER_NAME=container_name, and reads the last JSON object
 * of its output. The real installer first extracts its ~1 GB payload
 * (dcos-genconf.<tag>.tar) into cwd, loads it into the host's Docker and makes
 * genconf/state there, for every mode (dcos_generate_config.sh.in), so cwd
 * must be a place of ours: see dd_installer_open, which is what callers
 * want. ret_variant is "oss" or "enterprise"; ret_tar gets the payload's file
 * name when this run extracted it (the wrapper's `tar xv` prints it), else
 * NULL. Any output may be NULL. on_line gets every output line. */
int dd_dcos_installer_info(const char *installer_path, const char *cwd,
			   const char *container_name, dd_output_cb on_line, void *userdata,
			   char **ret_version, char **ret_variant, char **ret_tar, dd_error *err);

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
 * merged, line by line to on_line (may be NULL; lines as the installer wrote
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
		    const char *installer_container_name, dd_output_cb on_line, void *userdata,
		    dd_error *err);

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
 * lock on the place until freed, so no one removes it meanwhile. on_line
 * gets the installer's output lines (may be NULL). */
int dd_installer_open(dd_docker *d, const char *path, const char *root, dd_output_cb on_line,
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
const char *dd_installer_image(const dd_installer *in);  /* NULL when it has no payload */
bool dd_installer_extracted(const dd_installer *in);     /* this open extracted it */

/* Runs genconf (dd_dcos_genconf) in workspace, which must hold
 * genconf/config.yaml, with the container name <cluster>-installer, after
 * linking the place's payload there so the wrapper neither extracts nor
 * loads it again; records in the place that cluster uses it (and in
 * <workspace>/installer.json which place). Afterwards, also after a failure,
 * what the installer's root-owned container wrote under genconf/ is given
 * back to the calling user (a helper container), and a left-over installer
 * container is removed. */
int dd_installer_genconf(dd_docker *d, dd_installer *in, const char *workspace,
			 const char *cluster, dd_output_cb on_line, void *userdata, dd_error *err);

/* Before a workspace is removed: the cluster stops using its place; the
 * place and its image go when no other cluster uses it and no install holds
 * it. No-op for a workspace that never ran genconf. */
int dd_installer_release(dd_docker *d, const char *root, const char *workspace,
			 const char *cluster, dd_error *err);

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
