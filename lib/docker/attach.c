/* Placeholder until the hijacked-connection exec lands. */
#include <errno.h>

#include "dcos-docker/exec.h"

int dd_exec_interactive(dd_docker *d, const char *exec_id, const dd_exec_opts *opts, dd_error *err);
int dd_exec_interactive(dd_docker *d, const char *exec_id, const dd_exec_opts *opts, dd_error *err)
{
	(void)d;
	(void)exec_id;
	(void)opts;
	return dd_error_set(err, -ENOTSUP, "Interactive exec is not implemented yet");
}
