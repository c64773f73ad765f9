/* Volumes: the Engine API's /volumes endpoints the tool uses. */
#define _GNU_SOURCE
#include <errno.h>

#include "docker/docker-internal.h"
#include "docker/objects.h"
#include "util.h"

int dd_volume_list(dd_docker *d, const char *label, const char *value, json_t **ret, dd_error *err)
{
	_cleanup_free_ char *filter = dd_label_filter(label, value);
	_cleanup_free_ char *path = dd_asprintf("/volumes?filters=%s", filter);
	_cleanup_json_ json_t *j = NULL;
	int r = dd_docker_call(d, "GET", path, NULL, &j, NULL, err);
	if (r < 0)
		return r;
	/* {"Volumes": null} when there are none. */
	json_t *v = json_object_get(j, "Volumes");
	if (!v || json_is_null(v))
		v = json_array();
	else if (json_is_array(v))
		json_incref(v);
	else
		return dd_error_set(err, -EPROTO, "Unexpected answer listing volumes");
	*ret = v;
	return 0;
}

int dd_volume_remove(dd_docker *d, const char *name, unsigned flags, dd_error *err)
{
	_cleanup_free_ char *path =
	    DD_PATH(flags & DD_RM_FORCE ? "/volumes/%s?force=1" : "/volumes/%s", name);
	return dd_docker_delete(d, path, flags, err);
}

int dd_volume_create(dd_docker *d, json_t *body, char *ret_name, size_t name_size, dd_error *err)
{
	_cleanup_json_ json_t *j = NULL;
	int r = dd_docker_call(d, "POST", "/volumes/create", body, &j, NULL, err);
	if (r < 0)
		return dd_error_prefix(err, "Failed to create a volume: ");
	const char *name = json_string_value(json_object_get(j, "Name"));
	if (!name)
		return dd_error_set(err, -EPROTO, "Unexpected answer creating a volume");
	snprintf(ret_name, name_size, "%s", name);
	return 0;
}
