/* Containers: the Engine API's /containers endpoints the tool uses. */
#define _GNU_SOURCE
#include <errno.h>

#include "docker/docker-internal.h"
#include "docker/objects.h"
#include "util.h"

int dd_container_create(dd_docker *d, const char *name, json_t *body, char *ret_id, size_t id_size,
                        dd_error *err)
{
	_cleanup_free_ char *path =
	    name ? DD_PATH("/containers/create?name=%s", name) : dd_strdup("/containers/create");
	_cleanup_json_ json_t *created = NULL;
	int r = dd_docker_call(d, "POST", path, body, &created, NULL, err);
	if (r < 0)
		return r;
	const char *id = json_string_value(json_object_get(created, "Id"));
	if (!id)
		return dd_error_set(err, -EBADMSG, "The daemon created a container without an id");
	snprintf(ret_id, id_size, "%s", id);
	return 0;
}

int dd_container_start(dd_docker *d, const char *id, dd_error *err)
{
	_cleanup_free_ char *path = DD_PATH("/containers/%s/start", id);
	return dd_docker_call(d, "POST", path, NULL, NULL, NULL, err);
}

/* POST /containers/{id}/ACTION[?query]: the lifecycle calls below. */
static int container_post(dd_docker *d, const char *id, const char *action, const char *query,
                          long timeout_ms, dd_error *err)
{
	_cleanup_free_ char *esc = dd_docker_escape(id);
	_cleanup_free_ char *path =
	    dd_asprintf("/containers/%s/%s%s%s", esc, action, query ? "?" : "", query ? query : "");
	dd_request req = {.method = "POST", .path = path, .timeout_ms = timeout_ms};
	return dd_docker_do(d, &req, NULL, err);
}

int dd_container_pause(dd_docker *d, const char *id, dd_error *err)
{
	return container_post(d, id, "pause", NULL, 0, err);
}

int dd_container_unpause(dd_docker *d, const char *id, dd_error *err)
{
	return container_post(d, id, "unpause", NULL, 0, err);
}

int dd_container_kill(dd_docker *d, const char *id, const char *signal, dd_error *err)
{
	_cleanup_free_ char *esc = signal ? dd_docker_escape(signal) : NULL;
	_cleanup_free_ char *q = esc ? dd_asprintf("signal=%s", esc) : NULL;
	return container_post(d, id, "kill", q, 0, err);
}

int dd_container_stop(dd_docker *d, const char *id, int timeout_s, dd_error *err)
{
	/* 304 (already stopped) is no error: dd_docker_do fails on >= 400 only. */
	_cleanup_free_ char *q = timeout_s >= 0 ? dd_asprintf("t=%d", timeout_s) : NULL;
	return container_post(d, id, "stop", q, 0, err);
}

int dd_container_restart(dd_docker *d, const char *id, int timeout_s, dd_error *err)
{
	_cleanup_free_ char *q = timeout_s >= 0 ? dd_asprintf("t=%d", timeout_s) : NULL;
	return container_post(d, id, "restart", q, 0, err);
}

int dd_container_update(dd_docker *d, const char *id, json_t *body, dd_error *err)
{
	_cleanup_free_ char *path = DD_PATH("/containers/%s/update", id);
	return dd_docker_call(d, "POST", path, body, NULL, NULL, err);
}

int dd_container_inspect(dd_docker *d, const char *id, json_t **ret, dd_error *err)
{
	_cleanup_free_ char *path = DD_PATH("/containers/%s/json", id);
	return dd_docker_call(d, "GET", path, NULL, ret, NULL, err);
}

int dd_container_remove(dd_docker *d, const char *id, unsigned flags, dd_error *err)
{
	_cleanup_free_ char *esc = dd_docker_escape(id);
	_cleanup_free_ char *path = dd_asprintf("/containers/%s?force=%d&v=%d", esc,
	                                        !!(flags & DD_RM_FORCE), !!(flags & DD_RM_VOLUMES));
	return dd_docker_delete(d, path, flags, err);
}

int dd_container_list(dd_docker *d, const char *label, const char *value, json_t **ret,
                      dd_error *err)
{
	_cleanup_free_ char *filter = dd_label_filter(label, value);
	_cleanup_free_ char *path = dd_asprintf("/containers/json?all=1&filters=%s", filter);
	return dd_docker_get_array(d, path, "containers", ret, err);
}

int dd_container_logs(dd_docker *d, const char *id, int tail, long timeout_ms,
                      dd_docker_write_cb on_data, void *userdata, dd_error *err)
{
	_cleanup_free_ char *path =
	    DD_PATH("/containers/%s/logs?stdout=1&stderr=1&timestamps=0", id);
	_cleanup_free_ char *tailed = tail >= 0 ? dd_asprintf("%s&tail=%d", path, tail) : NULL;
	dd_request req = {.method = "GET",
	                  .path = tailed ? tailed : path,
	                  .on_data = on_data,
	                  .on_data_userdata = userdata,
	                  .timeout_ms = timeout_ms};
	return dd_docker_do(d, &req, NULL, err);
}
