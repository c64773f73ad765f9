/* Files in containers: the Engine API's /containers/{id}/archive endpoint. */
#define _GNU_SOURCE
#include <errno.h>
#include <string.h>

#include "docker/docker-internal.h"
#include "docker/objects.h"
#include "util.h"

#define PATH_STAT_HEADER "X-Docker-Container-Path-Stat"

static char *archive_path(const char *id, const char *path, const char *extra)
{
	_cleanup_free_ char *cesc = dd_docker_escape(id);
	_cleanup_free_ char *pesc = dd_docker_escape(path);
	return dd_asprintf("/containers/%s/archive?path=%s%s", cesc, pesc, extra);
}

int dd_archive_stat(dd_docker *d, const char *id, const char *path, char **ret_stat, dd_error *err)
{
	_cleanup_free_ char *url = archive_path(id, path, "");
	dd_request req = {.method = "HEAD",
	                  .path = url,
	                  .want_header = PATH_STAT_HEADER,
	                  .max_body = 4096,
	                  .timeout_ms = 60000};
	dd_response resp = {0};
	int r = dd_docker_request(d, &req, &resp, err);
	if (r < 0)
		return r;
	long status = resp.status;
	*ret_stat = TAKE_PTR(resp.header);
	dd_response_clear(&resp);
	/* 500 is the daemon's answer for a path through a non-directory. */
	if (status == 404 || status == 500) {
		free(TAKE_PTR(*ret_stat));
		return 0;
	}
	if (status != 200 || !*ret_stat) {
		free(TAKE_PTR(*ret_stat));
		return dd_error_set(err, -EREMOTEIO, "HTTP %ld", status);
	}
	return 0;
}

int dd_archive_get(dd_docker *d, const char *id, const char *path, dd_docker_write_cb on_data,
                   void *userdata, dd_error *err)
{
	_cleanup_free_ char *url = archive_path(id, path, "");
	dd_request req = {
	    .method = "GET", .path = url, .on_data = on_data, .on_data_userdata = userdata};
	return dd_docker_do(d, &req, NULL, err);
}

int dd_archive_put(dd_docker *d, const char *id, const char *path, dd_docker_read_cb body,
                   void *userdata, dd_error *err)
{
	_cleanup_free_ char *url = archive_path(id, path, "&noOverwriteDirNonDir=true");
	dd_request req = {.method = "PUT",
	                  .path = url,
	                  .content_type = "application/x-tar",
	                  .body_reader = body,
	                  .body_userdata = userdata,
	                  .max_body = 65536};
	return dd_docker_do(d, &req, NULL, err);
}
