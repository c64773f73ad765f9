/* Node image names, distros and host facts; the build is in image-build.c. */
#define _GNU_SOURCE
#include <errno.h>
#include <string.h>
#include <sys/statfs.h>

#include "dcos-docker/image.h"
#include "image/image-internal.h"
#include "image/recipe.h"
#include "util.h"

#ifndef CGROUP2_SUPER_MAGIC
#define CGROUP2_SUPER_MAGIC 0x63677270
#endif

static const struct distro {
	const char *name;
	const char *systemd; /* its systemd version, for messages */
	bool cgroup_v1;      /* its systemd still boots on a cgroup v1 host */
} distros[] = {
    /* Default first. */
    {"bookworm", "252", true},
    {"trixie", "257", true},
    {"bullseye", "247", true},
    /* Their systemd dropped cgroup v1 (systemd 258). */
    {"forky", "258+", false},
    {"sid", "258+", false},
};

const char *const *dd_image_distros(void)
{
	static const char *names[ELEMENTSOF(distros) + 1];
	if (!names[0])
		for (size_t i = 0; i < ELEMENTSOF(distros); i++)
			names[i] = distros[i].name;
	return names;
}

static const struct distro *find_distro(const char *name)
{
	for (size_t i = 0; i < ELEMENTSOF(distros); i++)
		if (strcmp(distros[i].name, name) == 0)
			return &distros[i];
	return NULL;
}

int dd_image_distro_check_cgroup(const char *distro, int cgroup_version, dd_error *err)
{
	const struct distro *d = distro ? find_distro(distro) : NULL;
	if (!d) {
		char list[256] = "";
		for (size_t i = 0; i < ELEMENTSOF(distros); i++) {
			size_t n = strlen(list);
			snprintf(list + n, sizeof(list) - n, "%s%s", i ? ", " : "",
			         distros[i].name);
		}
		return dd_error_usage(err, -EINVAL, "Unknown distro '%s': supported are %s",
		                      distro ? distro : "", list);
	}
	if (cgroup_version == 1 && !d->cgroup_v1) {
		dd_error_usage(err, -EINVAL,
		               "Debian %s cannot run on this host: its systemd (%s) does not "
		               "boot on cgroup v1, which this host uses",
		               d->name, d->systemd);
		return dd_error_hint(err,
		                     "Use --distro bookworm or trixie here, or a host booted with "
		                     "cgroup v2 (systemd.unified_cgroup_hierarchy=1).");
	}
	return 0;
}

int dd_image_distro_check(const char *distro, dd_error *err)
{
	int v = 1;
	/* No /sys/fs/cgroup here (a remote daemon's host): let the distro through;
	 * the node's boot will tell. */
	if (dd_host_cgroup_version(&v) < 0)
		v = 0;
	return dd_image_distro_check_cgroup(distro, v, err);
}

char *dd_image_tag(const char *distro)
{
	size_t n = 0;
	const struct dd_recipe_file *files = dd_recipe_files_get(&n);
	char hex[65];
	dd_recipe_hash(files, n, distro, hex);
	return dd_asprintf(DD_IMAGE_REPO ":%s-%.12s", distro, hex);
}

char *dd_image_latest_tag(const char *distro)
{
	return dd_asprintf(DD_IMAGE_REPO ":%s", distro);
}

int dd_host_cgroup_version(int *ret)
{
	struct statfs fs;
	if (statfs("/sys/fs/cgroup", &fs) < 0)
		return -errno;
	*ret = (unsigned long)fs.f_type == CGROUP2_SUPER_MAGIC ? 2 : 1;
	return 0;
}
