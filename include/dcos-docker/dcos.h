/* The host side of installing DC/OS: config.yaml, ip-detect, the installer's
 * --version and --genconf runs (design.md, "The DC/OS installer contract").
 * Nothing here prints: installer output reaches the caller line by line
 * through a dd_output_cb. */
#ifndef DCOS_DOCKER_DCOS_H
#define DCOS_DOCKER_DCOS_H

#include <stdbool.h>
#include <stddef.h>

#include "dcos-docker/error.h"

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
	/* DC/OS refuses an empty list; see dd_host_resolvers for where to get one. */
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

/* The host's nameservers, minus loopback ones (127.0.0.0/8, ::1, 0.0.0.0, ::)
 * and link-local IPv6 with a zone, which nodes cannot reach. NULL path reads
 * /etc/resolv.conf and, when that names only local resolvers (as with
 * systemd-resolved's stub), /run/systemd/resolve/resolv.conf. A missing
 * default file yields no resolvers. ret_strv is NULL-terminated.
 * The result may be empty: DC/OS needs at least one resolver, so the caller
 * must fall back (e.g. to the resolvers a container sees, or a public one)
 * and say so. */
int dd_host_resolvers(const char *resolv_conf_path, char ***ret_strv, size_t *ret_n, dd_error *err);

/* SHA-512 crypt ("$6$" + 16-char random salt), the format of DC/OS's
 * superuser_password_hash. */
int dd_dcos_password_hash(const char *password, char **ret_hash, dd_error *err);

/* Runs `bash <installer> --version` (the real installer extracts itself and
 * loads an image into the host's Docker first, so this takes a while) and reads
 * the last JSON object of its output. ret_variant is "oss" or "enterprise".
 * Either output may be NULL. */
int dd_dcos_installer_info(const char *installer_path, char **ret_version, char **ret_variant,
			   dd_error *err);

/* Writes <workspace>/genconf/config.yaml (0600: it can hold a password hash
 * and a license) and genconf/ip-detect (0755), then copies the regular files
 * of genconf_dir_to_copy (may be NULL) beside them, keeping their modes. A
 * copied ip-detect replaces ours; a copied config.yaml is a usage error
 * (extra config is the way to change the configuration). */
int dd_dcos_write_genconf(const char *workspace_dir, const char *config_yaml,
			  const char *genconf_dir_to_copy, dd_error *err);

/* Runs `bash <installer> --offline -v --genconf` in workspace_dir with PORT set
 * to a free port and DCOS_INSTALLER_CONTAINER_NAME=installer_container_name,
 * which fills genconf/serve/. stdout and stderr go, merged, line by line to
 * on_line (may be NULL). A failure carries the installer's exit code and last
 * lines.
 *
 * The installer stays in the caller's process group, so a terminal's Ctrl-C
 * reaches it too and this call then returns its failure. When cancellation is
 * requested (dd_cancel_request, e.g. from the CLI's SIGINT/SIGTERM handler)
 * the installer gets SIGTERM, then SIGKILL after 5 s, and this returns
 * -ECANCELED. The real installer runs a container named
 * installer_container_name on the host's Docker; after a failure or a
 * cancellation the caller should remove it if it is still there. */
int dd_dcos_genconf(const char *installer_path, const char *workspace_dir,
		    const char *installer_container_name, dd_output_cb on_line, void *userdata,
		    dd_error *err);

#endif
