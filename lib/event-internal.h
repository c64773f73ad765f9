/* Internal: not installed. */
/* Building and sending the events of event.h; a NULL callback means the
 * caller wants none. */
#ifndef DCOS_DOCKER_EVENT_INTERNAL_H
#define DCOS_DOCKER_EVENT_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>

#include "dcos-docker/event.h"

static inline void dd_event_send(dd_event_cb cb, void *userdata, enum dd_event_kind kind,
                                 const char *node, const char *text)
{
	if (!cb)
		return;
	dd_event ev = {.kind = kind, .node = node, .text = text};
	cb(&ev, userdata);
}

/* A step of node (NULL: the operation), or with done its end. */
static inline void dd_event_status(dd_event_cb cb, void *userdata, const char *node,
                                   const char *text, bool done)
{
	dd_event_send(cb, userdata, done ? DD_EVENT_DONE : DD_EVENT_STATUS, node, text);
}

#endif
