/* Networks: the Engine API's /networks endpoints the tool uses. */
#define _GNU_SOURCE
#include "docker/docker-internal.h"
#include "docker/objects.h"
#include "util.h"

int dd_network_create(dd_docker *d, json_t *body, char *ret_id, size_t id_size, dd_error *err)
{
	_cleanup_json_ json_t *resp = NULL;
	int r = dd_docker_call(d, "POST", "/networks/create", body, &resp, NULL, err);
	if (r == 0)
		snprintf(ret_id, id_size, "%s",
		         json_string_value(json_object_get(resp, "Id")) ?: "");
	return r;
}

int dd_network_list(dd_docker *d, const char *label, const char *value, json_t **ret, dd_error *err)
{
	_cleanup_free_ char *filter = label ? dd_label_filter(label, value) : NULL;
	_cleanup_free_ char *path =
	    filter ? dd_asprintf("/networks?filters=%s", filter) : dd_strdup("/networks");
	return dd_docker_get_array(d, path, "networks", ret, err);
}

int dd_network_remove(dd_docker *d, const char *id, unsigned flags, dd_error *err)
{
	_cleanup_free_ char *path = DD_PATH("/networks/%s", id);
	return dd_docker_delete(d, path, flags, err);
}

int dd_network_inspect(dd_docker *d, const char *name, json_t **ret, dd_error *err)
{
	_cleanup_free_ char *path = DD_PATH("/networks/%s", name);
	return dd_docker_call(d, "GET", path, NULL, ret, NULL, err);
}

int dd_network_disconnect(dd_docker *d, const char *id, const char *container, bool force,
                          dd_error *err)
{
	_cleanup_free_ char *path = DD_PATH("/networks/%s/disconnect", id);
	_cleanup_json_ json_t *body =
	    json_pack("{s:s, s:b}", "Container", container, "Force", force);
	return dd_docker_call(d, "POST", path, body, NULL, NULL, err);
}
