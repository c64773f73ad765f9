/* Images: the Engine API's /images endpoints the tool uses. */
#define _GNU_SOURCE
#include <errno.h>
#include <string.h>

#include "dcos-docker/image.h"
#include "docker/docker-internal.h"
#include "docker/objects.h"
#include "util.h"

int dd_image_exists(dd_docker *d, const char *ref, bool *ret, dd_error *err)
{
	_cleanup_free_ char *path = DD_PATH("/images/%s/json", ref);
	dd_request req = {.method = "GET", .path = path, .timeout_ms = 30000};
	int r = dd_docker_do(d, &req, NULL, err);
	*ret = r == 0;
	if (r == -ENOENT)
		dd_error_clear(err);
	else if (r == -EREMOTEIO)
		return dd_error_prefix(err, "Failed to look up image '%s': ", ref);
	return r == -ENOENT ? 0 : r;
}

int dd_image_list(dd_docker *d, const char *label, const char *value, json_t **ret, dd_error *err)
{
	_cleanup_free_ char *filter = dd_label_filter(label, value);
	_cleanup_free_ char *path = dd_asprintf("/images/json?filters=%s", filter);
	return dd_docker_get_array(d, path, "images", ret, err);
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
	_cleanup_free_ char *query = repo_tag_query(dst);
	_cleanup_free_ char *tag = DD_PATH("/images/%s/tag?", src);
	_cleanup_free_ char *path = dd_asprintf("%s%s", tag, query);
	return dd_docker_call(d, "POST", path, NULL, NULL, NULL, err);
}

int dd_image_remove(dd_docker *d, const char *ref, unsigned flags, dd_error *err)
{
	_cleanup_free_ char *path =
	    DD_PATH(flags & DD_RM_FORCE ? "/images/%s?force=1" : "/images/%s", ref);
	return dd_docker_delete(d, path, flags, err);
}

int dd_image_import(dd_docker *d, const char *dst, const char *message, const char *const *changes,
                    dd_docker_read_cb body, void *body_userdata, dd_docker_write_cb on_data,
                    void *userdata, dd_error *err)
{
	_cleanup_free_ char *rt = repo_tag_query(dst);
	_cleanup_free_ char *msg = DD_PATH("&message=%s", message);
	_cleanup_free_ char *path = dd_asprintf("/images/create?fromSrc=-&%s%s", rt, msg);
	for (size_t i = 0; changes && changes[i]; i++) {
		_cleanup_free_ char *c = DD_PATH("&changes=%s", changes[i]);
		char *q = dd_asprintf("%s%s", path, c);
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

int dd_image_commit(dd_docker *d, const char *container, const char *dst, json_t *config,
                    dd_error *err)
{
	_cleanup_free_ char *rt = repo_tag_query(dst);
	_cleanup_free_ char *c = dd_docker_escape(container);
	_cleanup_free_ char *path = dd_asprintf("/commit?container=%s&%s&pause=0", c, rt);
	/* A commit writes the container's whole upper layer: no timeout. */
	return dd_docker_call(d, "POST", path, config ? config : NULL, NULL, NULL, err);
}

int dd_image_inspect(dd_docker *d, const char *ref, json_t **ret, dd_error *err)
{
	_cleanup_free_ char *path = DD_PATH("/images/%s/json", ref);
	return dd_docker_call(d, "GET", path, NULL, ret, NULL, err);
}
