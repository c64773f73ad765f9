#include <string.h>

#include "cli.h"
#include "commands.h"
#include "dcos-docker/doctor.h"
#include "util.h"

static void usage(FILE *f)
{
	fprintf(f, "Usage: dcos-docker doctor [--json]\n\n"
	           "Checks this host and its Docker daemon for what clusters and DC/OS need: the\n"
	           "daemon and its API version, storage driver, disk space, memory, cgroups\n"
	           "(DC/OS needs cgroup v1), privileged containers, the clock, the node image,\n"
	           "every kernel module DC/OS uses (dummy, ip_vs, vxlan, overlay, ...: nodes\n"
	           "cannot load modules, the host must have them), the docker CLI (DC/OS's\n"
	           "installer runs it) and the other host tools. One line per check: [ ok ],\n"
	           "[warn] (works, with a limitation), [FAIL] (must be fixed), [skip] (cannot be\n"
	           "checked from here). Exits 1 when a check fails.\n\n"
	           "Options:\n"
	           "      --json   machine-readable output\n"
	           "  -h, --help   show this help\n");
}

static const char *label(enum dd_check_status s)
{
	switch (s) {
	case DD_CHECK_OK: return "[ ok ]";
	case DD_CHECK_WARN: return "[warn]";
	case DD_CHECK_FAIL: return "[FAIL]";
	case DD_CHECK_SKIP: return "[skip]";
	}
	return "[ ?? ]";
}

int cmd_doctor(int argc, char **argv)
{
	int json = 0;
	const struct option longopts[] = {{"json", no_argument, &json, 1}, {0}};
	cli_cmd cmd = {.verb = "doctor", .usage = usage, .longopts = longopts};
	if (cli_getopt(&cmd, argc, argv) == CLI_EXIT)
		return cmd.exit;
	dd_error err = {0};
	_cleanup_(dd_docker_freep) dd_docker *d = NULL;
	/* Not cli_open(): an unreachable daemon is a check result here. */
	if (dd_docker_open(NULL, &d, &err) < 0)
		return cli_fail(&err);
	_cleanup_free_ dd_check *checks = NULL;
	size_t n = 0;
	if (dd_doctor_run(d, &checks, &n, &err) < 0)
		return cli_fail(&err);
	size_t failed = 0, warned = 0;
	for (size_t i = 0; i < n; i++) {
		failed += checks[i].status == DD_CHECK_FAIL;
		warned += checks[i].status == DD_CHECK_WARN;
	}
	if (json) {
		_cleanup_json_ json_t *arr = json_array();
		for (size_t i = 0; i < n; i++) {
			json_t *o = json_pack("{s:s, s:s, s:s, s:s}", "id", checks[i].id, "title",
			                      checks[i].title, "status",
			                      dd_check_status_name(checks[i].status), "message",
			                      checks[i].message);
			if (checks[i].fix[0])
				json_object_set_new(o, "fix", json_string(checks[i].fix));
			const dd_kmod *m = checks[i].kmod;
			if (m)
				json_object_set_new(
				    o, "module",
				    json_pack("{s:s, s:s, s:s, s:b, s:s, s:s}", "name", m->name,
				              "config", m->config, "state",
				              dd_kmod_state_name(checks[i].kmod_state), "required",
				              m->required, "needed_by", m->needed_by, "source",
				              m->source));
			json_array_append_new(arr, o);
		}
		_cleanup_free_ char *s = json_dumps(arr, JSON_INDENT(2));
		printf("%s\n", s);
		return failed ? EXIT_FAILED : EXIT_OK;
	}
	for (size_t i = 0; i < n; i++) {
		printf("%s %s: %s\n", label(checks[i].status), checks[i].title, checks[i].message);
		if (checks[i].fix[0] && checks[i].status != DD_CHECK_OK)
			printf("       fix: %s\n", checks[i].fix);
	}
	if (failed)
		printf("\n%zu check%s failed%s.\n", failed, failed == 1 ? "" : "s",
		       warned ? ", see also the warnings" : "");
	else if (warned)
		printf("\nNo check failed; %zu warning%s.\n", warned, warned == 1 ? "" : "s");
	else
		printf("\nAll checks passed.\n");
	return failed ? EXIT_FAILED : EXIT_OK;
}
