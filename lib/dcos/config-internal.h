/* Internal: not installed. */
/* The host side of installing DC/OS: config.yaml (design.md, "The DC/OS
 * installer contract") and the superuser's password hash. */
#ifndef DCOS_DOCKER_CONFIG_INTERNAL_H
#define DCOS_DOCKER_CONFIG_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>

#include "dcos-docker/error.h"

/* The Enterprise superuser that dcos-docker creates when the user names none
 * (the same as DC/OS E2E, so its docs and habits carry over). */
#define DD_DCOS_DEFAULT_SUPERUSER_USERNAME "bootstrapuser"
#define DD_DCOS_DEFAULT_SUPERUSER_PASSWORD "deleteme"

/* Largest --extra-config file we read. */
#define DD_DCOS_EXTRA_CONFIG_MAX (1u << 20)

struct dd_dcos_config_input {
	const char *cluster_name;      /* DC/OS cluster_name; required */
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
	const char *superuser_username; /* NULL: DD_DCOS_DEFAULT_SUPERUSER_USERNAME */
	const char
	    *superuser_password_hash; /* NULL: the hash of DD_DCOS_DEFAULT_SUPERUSER_PASSWORD */
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

#endif
