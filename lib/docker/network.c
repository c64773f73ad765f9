/* Networks: the Engine API's /networks endpoints the tool uses. */
#define _GNU_SOURCE
#include <errno.h>
#include <string.h>

#include "docker/objects.h"
#include "util.h"

int dd_network_create(dd_docker *d, json_t *body, char *ret_id, size_t id_size, dd_error *err)
{
	_cleanup_json_ json_t *resp = NULL;
	int r = dd_docker_call(d, "POST", "/networks/create", body, &resp, NULL, err);
	if (r < 0)
		return r;
	snprintf(ret_id, id_size, "%s", json_string_value(json_object_get(resp, "Id")) ?: "");
	return 0;
}

int dd_network_list(dd_docker *d, const char *label, const char *value, json_t **ret,
		    dd_error *err)
{
	_cleanup_free_ char *filter = label ? dd_label_filter(label, value) : NULL;
	_cleanup_free_ char *path =
		filter ? dd_asprintf("/networks?filters=%s", filter) : dd_strdup("/networks");
	json_t *j = NULL;
	int r = dd_docker_call(d, "GET", path, NULL, &j, NULL, err);
	if (r < 0)
		return r;
	if (!json_is_array(j)) {
		json_decref(j);
		return dd_error_set(err, -EPROTO, "Unexpected answer listing networks");
	}
	*ret = j;
	return 0;
}

int dd_network_remove(dd_docker *d, const char *id, unsigned flags, dd_error *err)
{
	_cleanup_free_ char *esc = dd_docker_escape(id);
	_cleanup_free_ char *path = dd_asprintf("/networks/%s", esc);
	return dd_removed(dd_docker_call(d, "DELETE", path, NULL, NULL, NULL, err), flags, err);
}
