/* Downloading a DC/OS installer (or any file) over HTTP(S) with libcurl:
 * into "<output>.part", resumed with an HTTP Range request when a download
 * was cut short, renamed to <output> only when complete (and verified, when a
 * SHA-256 is given). So a half-downloaded installer never sits at the target
 * path, and an interrupted download goes on where it stopped. */
#ifndef DCOS_DOCKER_FETCH_H
#define DCOS_DOCKER_FETCH_H

#include <stdbool.h>
#include <stdint.h>

#include "dcos-docker/error.h"
#include "dcos-docker/event.h"

#pragma GCC visibility push(default)

/* Where DC/OS published its installers: "stable" is the latest stable
 * release, https://downloads.dcos.io/dcos/stable/dcos_generate_config.sh
 * (dcos-docker's DCOS_GENERATE_CONFIG_URL; DC/OS E2E's download-installer
 * default), and a release X.Y.Z is under stable/X.Y.Z/ (the address the DC/OS
 * release notes link, e.g. 2.1.0's). Returns NULL (and a usage error) for a
 * version that is neither. Free the result. */
char *dd_installer_url(const char *version, dd_error *err);

typedef struct dd_fetch_opts {
	const char *url;    /* http, https or file */
	const char *output; /* the final path; "<output>.part" while it downloads */
	const char *sha256; /* 64 hex digits to verify the whole file, or NULL */
	bool replace;       /* an existing output is replaced (else: a usage error) */
	/* A connection that drops or stalls (no byte for stall_s seconds) is
	 * resumed this many times before giving up (the .part stays). */
	int retries;
	int stall_s;
} dd_fetch_opts;

typedef struct dd_fetch_progress {
	uint64_t have;    /* bytes in the .part file, resumed ones included */
	uint64_t total;   /* the whole file's size, 0 while unknown */
	uint64_t resumed; /* the bytes that were already there when it started */
	int attempt;      /* 1, then 2... after a dropped connection */
	bool done;        /* the last call: complete (before verification) */
} dd_fetch_progress;

/* Progress goes to on_event as FETCH events (ev->fetch), called often
 * (libcurl's transfer callback): the caller throttles. */

/* Downloads o->url to o->output. Proxies come from the environment as curl's
 * do (http_proxy, https_proxy, no_proxy...). An HTTP error names the status
 * and the URL. On dd_cancelled() returns -ECANCELED and keeps the .part for a
 * later resume; a checksum mismatch removes it (those bytes are wrong). */
int dd_fetch(const dd_fetch_opts *o, dd_event_cb on_event, void *userdata, dd_error *err);

#pragma GCC visibility pop
#endif
