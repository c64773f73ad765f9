/* Syncing a DC/OS checkout's integration tests and bootstrap code to a
 * cluster's masters, so that a changed test runs without a new installer:
 * DC/OS E2E's `minidcos docker sync` (src/dcos_e2e_cli/common/sync.py). */
#ifndef DCOS_DOCKER_SYNC_H
#define DCOS_DOCKER_SYNC_H

#include <stdbool.h>

#include "dcos-docker/cluster.h"
#include "dcos-docker/docker.h"
#include "dcos-docker/error.h"

/* Exported by libdcos-docker (see error.h). */
#pragma GCC visibility push(default)

/* Where the files land on a master (the installed packages' active
 * directories, as pkgpanda links them). */
#define DD_SYNC_TEST_DIR      "/opt/mesosphere/active/dcos-integration-test"
#define DD_SYNC_BOOTSTRAP_LIB "/opt/mesosphere/active/bootstrap/lib"

/* What a sync did. */
typedef struct dd_sync_result {
	/* The checkout is DC/OS Enterprise's: it has packages/upstream.json
	 * (Enterprise's packages are built on top of the open source tree). */
	bool checkout_enterprise;
	/* An open source checkout on an Enterprise cluster: its tests went to
	 * DD_SYNC_TEST_DIR/open_source_tests (without its conftest.py), its
	 * util/ to DD_SYNC_TEST_DIR/util, as Enterprise's
	 * dcos-integration-test package lays them out; bootstrap untouched. */
	bool oss_to_ee;
	/* packages/bootstrap/extra/dcos_internal_utils was synced (into
	 * DD_SYNC_BOOTSTRAP_LIB/<python>/site-packages/dcos_internal_utils). */
	bool bootstrap;
	/* How many masters got the files. */
	size_t n_masters;
} dd_sync_result;

/* Syncs checkout (a clone of dcos/dcos or of DC/OS Enterprise) to every
 * master of c, in parallel: packages/dcos-integration-test/extra replaces
 * the top-level *.py of the test directory (other files are overwritten,
 * not removed, as E2E does), and packages/bootstrap/extra/dcos_internal_utils
 * is copied over bootstrap's when the checkout has it. __pycache__
 * directories and *.pyc files are left out. A checkout without
 * packages/dcos-integration-test/extra is a usage error (-EINVAL); a
 * cluster without DC/OS installed -ENOENT (the variant decides the
 * layout); a stopped master -EHOSTDOWN. on_event (may be NULL) gets each
 * master when it is done. */
int dd_dcos_sync(dd_docker *d, const dd_cluster *c, const char *checkout, dd_event_cb on_event,
                 void *userdata, dd_sync_result *res, dd_error *err);

#pragma GCC visibility pop
#endif
