/* A short-lived helper container: create, start, wait, remove. The tool uses
 * it for what only root on the Docker host may do to files the DC/OS
 * installer's container left there (owned by root: the installer runs as
 * root, dcos_generate_config.sh.in has no --user). */
#include <errno.h>
#include <string.h>

#include "dcos-docker/docker.h"
#include "docker/docker-internal.h"
#include "docker/objects.h"
#include "util.h"

int dd_docker_run_once(dd_docker *d, const char *image, const char *const *argv,
                       const char *const *binds, int timeout_s, int *ret_exit, dd_error *err)
{
	if (!image || !argv || !argv[0])
		return dd_error_set(err, -EINVAL,
		                    "A helper container needs an image and a command");
	json_t *entry = json_array();
	for (size_t i = 0; argv[i]; i++)
		json_array_append_new(entry, json_string(argv[i]));
	json_t *bl = json_array();
	for (size_t i = 0; binds && binds[i]; i++)
		json_array_append_new(bl, json_string(binds[i]));
	/* The image's own entrypoint (the installer's wrapper) must not run:
	 * Entrypoint replaces it, an empty Cmd drops its arguments. No network:
	 * the helper only touches the files it is given. */
	_cleanup_json_ json_t *body =
	    json_pack("{s:s, s:o, s:[], s:b, s:b, s:s, s:{s:o, s:s}}", "Image", image, "Entrypoint",
	              entry, "Cmd", "AttachStdout", 0, "AttachStderr", 0, "User", "0:0",
	              "HostConfig", "Binds", bl, "NetworkMode", "none");
	char id[72];
	int r = dd_container_create(d, NULL, body, id, sizeof(id), err);
	if (r == -EBADMSG)
		return r;
	if (r < 0)
		return dd_error_prefix(err, "Failed to create a helper container from %s: ", image);
	_cleanup_free_ char *wait = dd_asprintf("/containers/%s/wait", id);
	r = dd_container_start(d, id, err);
	if (r == 0) {
		dd_request req = {.method = "POST",
		                  .path = wait,
		                  .max_body = 64 * 1024,
		                  .timeout_ms = timeout_s > 0 ? timeout_s * 1000L : 0};
		dd_response resp = {0};
		r = dd_docker_request(d, &req, &resp, err);
		if (r == 0 && resp.status != 200) {
			char text[512];
			dd_docker_error_text(&resp, text, sizeof(text));
			r = dd_error_set(err, -EIO, "Waiting for the helper container failed: %s",
			                 text);
		}
		if (r == 0) {
			_cleanup_json_ json_t *j = json_loads(resp.body ? resp.body : "", 0, NULL);
			json_t *code = json_object_get(j, "StatusCode");
			if (!json_is_integer(code))
				r = dd_error_set(err, -EBADMSG,
				                 "The helper container's exit status is unknown");
			else if (ret_exit)
				*ret_exit = (int)json_integer_value(code);
		}
		dd_response_clear(&resp);
	}
	dd_error e = {0};
	dd_container_remove(d, id, DD_RM_FORCE | DD_RM_VOLUMES,
	                    &e); /* best effort: it has exited */
	return r;
}
