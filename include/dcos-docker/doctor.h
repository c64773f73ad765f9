/* Host checks: what a cluster (and DC/OS in it) needs from this host and its
 * Docker daemon. Each check is a structured result; the CLI prints them. */
#ifndef DCOS_DOCKER_DOCTOR_H
#define DCOS_DOCKER_DOCTOR_H

#include <stdbool.h>
#include <stddef.h>

#include "dcos-docker/docker.h"
#include "dcos-docker/error.h"
#include "dcos-docker/kmod.h"

/* Exported by libdcos-docker (see error.h). */
#pragma GCC visibility push(default)

enum dd_check_status {
	DD_CHECK_OK = 0,
	DD_CHECK_WARN, /* works, with a limitation worth knowing */
	DD_CHECK_FAIL, /* clusters (or DC/OS in them) will not work until fixed */
	DD_CHECK_SKIP, /* could not be checked from here */
};

typedef struct dd_check {
	const char *id;    /* stable name: "daemon", "api-version", "storage-driver", ... */
	const char *title; /* "Docker daemon" */
	enum dd_check_status status;
	char message[768]; /* what was found */
	char fix[512];     /* what to do; "" when nothing */
	/* Set on the "kmod-NAME" checks (one per module of dd_kmod_table()):
	 * the module and what was found. NULL on every other check. */
	const dd_kmod *kmod;
	enum dd_kmod_state kmod_state;
} dd_check;

/* "ok", "warn", "fail", "skip". */
const char *dd_check_status_name(enum dd_check_status s);

/* Runs every check, in order. d may point at a daemon that does not answer:
 * that is the "daemon" check failing (and the checks that need the daemon are
 * left out), not an error. Errors are only out-of-memory-like. */
int dd_doctor_run(dd_docker *d, dd_check **ret_checks, size_t *ret_n, dd_error *err);

#pragma GCC visibility pop
#endif
