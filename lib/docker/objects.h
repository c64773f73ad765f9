/* Typed Docker objects: the only place outside lib/docker/ that knows the
 * Engine API's endpoints. Each function escapes its ids, names and query
 * values itself, and turns an HTTP error status into an error once, with
 * Docker's own message: 404 is -ENOENT, 409 -EEXIST, any other -EREMOTEIO
 * (transport failures have other codes).
 * Internal: not part of the public API. */
#ifndef DCOS_DOCKER_OBJECTS_H
#define DCOS_DOCKER_OBJECTS_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "dcos-docker/docker.h"
#include "docker/docker-internal.h"
#include "util.h" /* DD_PATH */

/* Flags of the remove functions. */
enum {
	DD_RM_FORCE = 1 << 0,      /* containers: kill a running one; volumes: even if in use */
	DD_RM_VOLUMES = 1 << 1,    /* containers: their anonymous volumes too */
	DD_RM_MISSING_OK = 1 << 2, /* a 404 (already gone) is success */
};

/* One request, its status mapped as above; *ret_json (may be NULL) gets the
 * parsed body, NULL when empty. */
int dd_docker_do(dd_docker *d, const dd_request *req, json_t **ret_json, dd_error *err);
/* DELETE path; with DD_RM_MISSING_OK a 404 is success. */
int dd_docker_delete(dd_docker *d, const char *path, unsigned flags, dd_error *err);
/* GET path, whose answer must be a JSON array (of what, for the message). */
int dd_docker_get_array(dd_docker *d, const char *path, const char *what, json_t **ret,
                        dd_error *err);
/* A malloc'ed path: fmt with its one %s replaced by s, URL-escaped. */
#define DD_PATH(fmt, s)                                                                            \
	({                                                                                         \
		_cleanup_free_ char *dd_esc_ = dd_docker_escape(s);                                \
		dd_asprintf(fmt, dd_esc_);                                                         \
	})

/* URL-escaped {"label":["k=v"]} filter; value NULL matches any value. */
char *dd_label_filter(const char *label, const char *value);

/* GET /info and GET /version. */
int dd_docker_info(dd_docker *d, json_t **ret, dd_error *err);
int dd_docker_version(dd_docker *d, json_t **ret, dd_error *err);

/* ---- containers (container.c) ---- */
/* name may be NULL (Docker picks one); the new id goes to ret_id. */
int dd_container_create(dd_docker *d, const char *name, json_t *body, char *ret_id, size_t id_size,
                        dd_error *err);
int dd_container_start(dd_docker *d, const char *id, dd_error *err);
int dd_container_inspect(dd_docker *d, const char *id, json_t **ret, dd_error *err);
/* Freezes every process (the cgroup freezer) and thaws them again. */
int dd_container_pause(dd_docker *d, const char *id, dd_error *err);
int dd_container_unpause(dd_docker *d, const char *id, dd_error *err);
/* Sends signal ("SIGKILL", "SIGRTMIN+3"; NULL: the daemon's default, SIGKILL).
 * A SIGKILL'ed container is not restarted by its restart policy. */
int dd_container_kill(dd_docker *d, const char *id, const char *signal, dd_error *err);
/* The container's stop signal, SIGKILL after timeout_s (< 0: the
 * container's own timeout). Stopping a stopped container is no error. */
int dd_container_stop(dd_docker *d, const char *id, int timeout_s, dd_error *err);
/* Stop (as dd_container_stop) then start. */
int dd_container_restart(dd_docker *d, const char *id, int timeout_s, dd_error *err);
int dd_container_update(dd_docker *d, const char *id, json_t *body, dd_error *err);
int dd_container_remove(dd_docker *d, const char *id, unsigned flags, dd_error *err);
/* All containers (running or not) with the label (=value, unless NULL). */
int dd_container_list(dd_docker *d, const char *label, const char *value, json_t **ret,
                      dd_error *err);
/* Streams the container's stdout and stderr log (the last tail lines when
 * tail >= 0) to on_data: raw bytes for a TTY container, framed otherwise. */
int dd_container_logs(dd_docker *d, const char *id, int tail, long timeout_ms,
                      dd_docker_write_cb on_data, void *userdata, dd_error *err);

/* ---- networks (network.c) ---- */
int dd_network_create(dd_docker *d, json_t *body, char *ret_id, size_t id_size, dd_error *err);
/* label NULL lists every network. */
int dd_network_list(dd_docker *d, const char *label, const char *value, json_t **ret,
                    dd_error *err);
int dd_network_remove(dd_docker *d, const char *id, unsigned flags, dd_error *err);
/* GET /networks/{name or id}: -ENOENT when there is none. */
int dd_network_inspect(dd_docker *d, const char *name, json_t **ret, dd_error *err);
/* Detaches a container; with force, also an endpoint whose container is
 * gone (the daemon then deletes the endpoint by that name). */
int dd_network_disconnect(dd_docker *d, const char *id, const char *container, bool force,
                          dd_error *err);

/* ---- volumes (volume.c) ---- */
/* The array of volumes (the "Volumes" member of Docker's answer). */
int dd_volume_list(dd_docker *d, const char *label, const char *value, json_t **ret, dd_error *err);
int dd_volume_remove(dd_docker *d, const char *name, unsigned flags, dd_error *err);
/* POST /volumes/create with body ({"Labels", "Driver", "DriverOpts"}; no
 * "Name": Docker picks one); the volume's name goes to ret_name. */
int dd_volume_create(dd_docker *d, json_t *body, char *ret_name, size_t name_size, dd_error *err);

/* ---- images (image.c) ---- */

/* Whether the daemon has an image called ref. */
int dd_image_exists(dd_docker *d, const char *ref, bool *ret, dd_error *err);

int dd_image_list(dd_docker *d, const char *label, const char *value, json_t **ret, dd_error *err);
/* Tags src as dst ("repo:tag"). */
int dd_image_add_tag(dd_docker *d, const char *src, const char *dst, dd_error *err);
int dd_image_remove(dd_docker *d, const char *ref, unsigned flags, dd_error *err);
/* POST /commit: the container's filesystem as image dst ("repo:tag"), with
 * config (may be NULL) as the image's config; never pauses (the tool
 * commits stopped containers). */
int dd_image_commit(dd_docker *d, const char *container, const char *dst, json_t *config,
                    dd_error *err);
/* GET /images/{ref}/json: -ENOENT when there is none. */
int dd_image_inspect(dd_docker *d, const char *ref, json_t **ret, dd_error *err);
/* Imports a root filesystem tar read from body as dst ("repo:tag"), with
 * Dockerfile instructions changes (NULL-terminated) applied; the daemon's
 * progress (JSON lines) streams to on_data. */
int dd_image_import(dd_docker *d, const char *dst, const char *message, const char *const *changes,
                    dd_docker_read_cb body, void *body_userdata, dd_docker_write_cb on_data,
                    void *userdata, dd_error *err);

/* ---- files in containers (archive.c) ---- */
/* The base64 X-Docker-Container-Path-Stat of path in *ret_stat, or NULL when
 * there is no such path (404, or 500 for a path through a non-directory). */
int dd_archive_stat(dd_docker *d, const char *id, const char *path, char **ret_stat, dd_error *err);
/* Streams a tar of path to on_data; -ENOENT when there is no such path. */
int dd_archive_get(dd_docker *d, const char *id, const char *path, dd_docker_write_cb on_data,
                   void *userdata, dd_error *err);
/* Extracts the tar read from body into the directory path (never replacing a
 * directory by a non-directory or back). */
int dd_archive_put(dd_docker *d, const char *id, const char *path, dd_docker_read_cb body,
                   void *userdata, dd_error *err);

/* ---- one-shot containers (run.c) ---- */

/* Runs argv in a new container of image as root (the image's entrypoint
 * replaced, no network, binds as "SRC:DST[:ro]"), waits up to timeout_s (0:
 * no limit) and removes it. *ret_exit gets the command's exit status. */
int dd_docker_run_once(dd_docker *d, const char *image, const char *const *argv,
                       const char *const *binds, int timeout_s, int *ret_exit, dd_error *err);

#endif
