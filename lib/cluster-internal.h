/* Helpers shared by cluster.c and create.c; not part of the public API. */
#ifndef DCOS_DOCKER_CLUSTER_INTERNAL_H
#define DCOS_DOCKER_CLUSTER_INTERNAL_H

#include <jansson.h>

#include "dcos-docker/cluster.h"

/* A file in every workspace the tool made; destroy removes only marked directories. */
#define DD_WORKSPACE_MARKER ".dcos-docker-workspace"

/* URL-escaped {"label":["k=v"]} filter. */
char *dd_label_filter(const char *label, const char *value);
const char *dd_json_label(json_t *labels, const char *key);
/* what: "containers", "networks" or "volumes"; value NULL matches any value. */
int dd_list_labelled(dd_docker *d, const char *what, const char *label, const char *value,
		     json_t **ret, dd_error *err);
int dd_container_remove(dd_docker *d, const char *id, dd_error *err);
int dd_remove_containers_parallel(dd_docker *d, json_t *ctrs, dd_progress_cb progress,
				  void *userdata, dd_error *err);
int dd_remove_labelled(dd_docker *d, const char *what, const char *name, dd_error *err);
/* Removes a marked workspace (a directory without our marker is left
 * alone), the marker last, so that a half-removed one is found again. Files
 * only root may remove are given back through a helper container of image
 * when d and image are given. */
int dd_workspace_reclaim(dd_docker *d, const char *ws, const char *image, dd_error *err);
/* dd_workspace_reclaim without a daemon: for workspaces only we wrote to. */
int dd_workspace_remove(const char *ws);

#endif
