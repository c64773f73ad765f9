/* Host checks: what a cluster (and DC/OS in it) needs from this host and its
 * Docker daemon. Each check is a structured result; the CLI prints them. */
#ifndef DCOS_DOCKER_DOCTOR_H
#define DCOS_DOCKER_DOCTOR_H

#include <stddef.h>

#include "dcos-docker/docker.h"
#include "dcos-docker/error.h"

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
} dd_check;

/* "ok", "warn", "fail", "skip". */
const char *dd_check_status_name(enum dd_check_status s);

/* Runs every check, in order. d may point at a daemon that does not answer:
 * that is the "daemon" check failing (and the checks that need the daemon are
 * left out), not an error. Errors are only out-of-memory-like. */
int dd_doctor_run(dd_docker *d, dd_check **ret_checks, size_t *ret_n, dd_error *err);

/* Pure helpers (unit-tested). */
/* API version "1.41" >= "1.41": compares numerically per component. */
int dd_api_version_cmp(const char *a, const char *b);
/* CONFIG_DUMMY from a kernel config text: 'y', 'm', 'n' (not set) or 0 when absent. */
char dd_kernel_config_value(const char *config, const char *option);

#endif
