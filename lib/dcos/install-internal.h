/* Internal: not installed. */
/* What install.c shares only with the tests. */
#ifndef DCOS_DOCKER_INSTALL_INTERNAL_H
#define DCOS_DOCKER_INSTALL_INTERNAL_H

#include "dcos-docker/install.h"
#include "dcos/installer-internal.h"

/* Written into the workspace once DC/OS is installed: inspect and web read it
 * without asking the nodes. */
#define DD_DCOS_INFO_FILE "dcos.json"
/* Largest --license-key file we read. */
#define DD_DCOS_LICENSE_MAX (64u << 10)

/* Where the installer was extracted, and whether prepare extracted it now. */
const dd_installer *dd_install_plan_installer(const dd_install_plan *p);

/* add-node: the role installs (dcos_install.sh <role>) on nodes of an
 * installed cluster c, from the serve/ its genconf made, in parallel as
 * dd_dcos_install does them; o gives only the callbacks. */
int dd_dcos_install_nodes(dd_docker *d, const dd_cluster *c, const dd_node *const *nodes, size_t n,
                          const dd_install_opts *o, dd_error *err);

#endif
