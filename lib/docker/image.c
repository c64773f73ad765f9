/* Images: the Engine API's /images endpoints the tool uses. */
#define _GNU_SOURCE
#include <errno.h>
#include <string.h>

#include "dcos-docker/image.h"
#include "docker/objects.h"
#include "util.h"

int dd_image_exists(dd_docker *d, const char *ref, bool *ret, dd_error *err)
{
	_cleanup_free_ char *esc = dd_docker_escape(ref);
	_cleanup_free_ char *path = dd_asprintf("/images/%s/json", esc);
	dd_request req = {.method = "GET", .path = path, .timeout_ms = 30000};
	dd_response resp = {0};
	int r = dd_docker_request(d, &req, &resp, err);
	if (r < 0)
		return r;
	long status = resp.status;
	char msg[512];
	dd_docker_error_text(&resp, msg, sizeof(msg));
	dd_response_clear(&resp);
	if (status == 200 || status == 404) {
		*ret = status == 200;
		return 0;
	}
	return dd_error_set(err, -EIO, "Failed to look up image '%s': %s", ref, msg);
}

int dd_image_list(dd_docker *d, const char *label, const char *value, json_t **ret,
		  dd_error *err)
{
	_cleanup_free_ char *filter = dd_label_filter(label, value);
	_cleanup_free_ char *path = dd_asprintf("/images/json?filters=%s", filter);
	json_t *j = NULL;
	int r = dd_docker_call(d, "GET", path, NULL, &j, NULL, err);
	if (r < 0)
		return r;
	if (!json_is_array(j)) {
		json_decref(j);
		return dd_error_set(err, -EPROTO, "Unexpected answer listing images");
	}
	*ret = j;
	return 0;
}

/* "repo=R&tag=T" of a "repo:tag" reference (the tag after the last colon). */
static char *repo_tag_query(const char *ref)
{
	const char *colon = strrchr(ref, ':');
	_cleanup_free_ char *repo = colon ? strndup(ref, (size_t)(colon - ref)) : dd_strdup(ref);
	_cleanup_free_ char *erepo = dd_docker_escape(repo);
	_cleanup_free_ char *etag = dd_docker_escape(colon ? colon + 1 : "latest");
	return dd_asprintf("repo=%s&tag=%s", erepo, etag);
}

int dd_image_add_tag(dd_docker *d, const char *src, const char *dst, dd_error *err)
{
	_cleanup_free_ char *esrc = dd_docker_escape(src);
	_cleanup_free_ char *query = repo_tag_query(dst);
	_cleanup_free_ char *path = dd_asprintf("/images/%s/tag?%s", esrc, query);
	return dd_docker_call(d, "POST", path, NULL, NULL, NULL, err);
}

int dd_image_remove(dd_docker *d, const char *ref, unsigned flags, dd_error *err)
{
	_cleanup_free_ char *esc = dd_docker_escape(ref);
	_cleanup_free_ char *path =
		dd_asprintf("/images/%s%s", esc, flags & DD_RM_FORCE ? "?force=1" : "");
	return dd_removed(dd_docker_call(d, "DELETE", path, NULL, NULL, NULL, err), flags, err);
}

int dd_image_import(dd_docker *d, const char *dst, const char *message,
		    const char *const *changes, dd_docker_read_cb body, void *body_userdata,
		    dd_docker_write_cb on_data, void *userdata, dd_error *err)
{
	_cleanup_free_ char *rt = repo_tag_query(dst);
	_cleanup_free_ char *emsg = dd_docker_escape(message);
	_cleanup_free_ char *path = dd_asprintf("/images/create?fromSrc=-&%s&message=%s", rt, emsg);
	for (size_t i = 0; changes && changes[i]; i++) {
		_cleanup_free_ char *e = dd_docker_escape(changes[i]);
		char *q = dd_asprintf("%s&changes=%s", path, e);
		free(path);
		path = q;
	}
	dd_request req = {.method = "POST",
			  .path = path,
			  .content_type = "application/x-tar",
			  .body_reader = body,
			  .body_userdata = body_userdata,
			  .on_data = on_data,
			  .on_data_userdata = userdata};
	return dd_docker_do(d, &req, NULL, err);
}
