/* Per-node progress for long operations: on a terminal, one line per node
 * redrawn in place; otherwise one plain line per change (logs stay readable). */
#ifndef DCOS_DOCKER_PROGRESS_H
#define DCOS_DOCKER_PROGRESS_H

#include <stdbool.h>
#include <stdio.h>

typedef struct cli_progress {
	FILE *out;
	bool tty;
	bool quiet;
	/* Printed before the first progress line, so an error found before any
	 * work starts is the only output. */
	char header[256];
	char names[256][128];
	char status[256][160];
	size_t n;
} cli_progress;

void cli_progress_init(cli_progress *p, FILE *out, bool quiet);
/* Matches dd_progress_cb; userdata is the cli_progress. */
void cli_progress_cb(const char *node, const char *status, bool done, void *userdata);

#endif
