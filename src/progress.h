/* Per-node progress for long operations: on a terminal, one line per node
 * redrawn in place, in node order (masters, agents, public agents, each by
 * index); otherwise one plain line per change (logs stay readable). */
#ifndef DCOS_DOCKER_PROGRESS_H
#define DCOS_DOCKER_PROGRESS_H

#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>

#include "dcos-docker/event.h"

typedef struct cli_progress {
	FILE *out;
	bool tty;
	bool quiet;
	/* Printed before the first progress line, so an error found before any
	 * work starts is the only output. */
	char header[256];
	/* The block of node lines on a terminal, in display order. */
	char names[256][128];
	char status[256][160];
	long key[256]; /* the sort key of names[i] */
	size_t n;
	size_t seen;          /* names of no known role sort after the others, in arrival order */
	pthread_mutex_t lock; /* the library calls back from several threads */
} cli_progress;

void cli_progress_init(cli_progress *p, FILE *out, bool quiet);
/* A dd_event_cb showing STATUS and DONE events (the others are another
 * handler's); userdata is the cli_progress. Output is best effort: a closed
 * or full stderr never stops the work it reports on. */
void cli_progress_cb(const dd_event *ev, void *userdata);

#endif
