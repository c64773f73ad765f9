/* Containers: the Engine API's /containers endpoints the tool uses. */
#define _GNU_SOURCE
#include <errno.h>
#include <string.h>

#include "docker/objects.h"
#include "util.h"

int dd_container_create(dd_docker *d, const char *name, json_t *body, char *ret_id,
			size_t id_size, dd_error *err)
{
	_cleanup_free_ char *esc = name ? dd_docker_escape(name) : NULL;
	_cleanup_free_ char *path = name ? dd_asprintf("/containers/create?name=%s", esc)
					 : dd_strdup("/containers/create");
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

/* POST /containers/{id}/<action> with an optional JSON body. */
static int post(dd_docker *d, const char *id, const char *action, json_t *body, dd_error *err)
{
	_cleanup_free_ char *esc = dd_docker_escape(id);
	_cleanup_free_ char *path = dd_asprintf("/containers/%s/%s", esc, action);
	return dd_docker_call(d, "POST", path, body, NULL, NULL, err);
}

int dd_container_start(dd_docker *d, const char *id, dd_error *err)
{
	return post(d, id, "start", NULL, err);
}

int dd_container_update(dd_docker *d, const char *id, json_t *body, dd_error *err)
{
	return post(d, id, "update", body, err);
}

int dd_container_inspect(dd_docker *d, const char *id, json_t **ret, dd_error *err)
{
	_cleanup_free_ char *esc = dd_docker_escape(id);
	_cleanup_free_ char *path = dd_asprintf("/containers/%s/json", esc);
	return dd_docker_call(d, "GET", path, NULL, ret, NULL, err);
}

int dd_container_remove(dd_docker *d, const char *id, unsigned flags, dd_error *err)
{
	_cleanup_free_ char *esc = dd_docker_escape(id);
	_cleanup_free_ char *path = dd_asprintf("/containers/%s?force=%d&v=%d", esc,
						!!(flags & DD_RM_FORCE), !!(flags & DD_RM_VOLUMES));
	return dd_removed(dd_docker_call(d, "DELETE", path, NULL, NULL, NULL, err), flags, err);
}

int dd_container_list(dd_docker *d, const char *label, const char *value, json_t **ret,
		      dd_error *err)
{
	_cleanup_free_ char *filter = dd_label_filter(label, value);
	_cleanup_free_ char *path = dd_asprintf("/containers/json?all=1&filters=%s", filter);
	json_t *j = NULL;
	int r = dd_docker_call(d, "GET", path, NULL, &j, NULL, err);
	if (r < 0)
		return r;
	if (!json_is_array(j)) {
		json_decref(j);
		return dd_error_set(err, -EPROTO, "Unexpected answer listing containers");
	}
	*ret = j;
	return 0;
}

int dd_container_logs(dd_docker *d, const char *id, int tail, long timeout_ms,
		      dd_docker_write_cb on_data, void *userdata, dd_error *err)
{
	_cleanup_free_ char *esc = dd_docker_escape(id);
	_cleanup_free_ char *path =
		tail >= 0 ? dd_asprintf("/containers/%s/logs?stdout=1&stderr=1&tail=%d", esc, tail)
			  : dd_asprintf("/containers/%s/logs?stdout=1&stderr=1&timestamps=0", esc);
	dd_request req = {.method = "GET", .path = path, .on_data = on_data,
			  .on_data_userdata = userdata, .timeout_ms = timeout_ms};
	return dd_docker_do(d, &req, NULL, err);
}
